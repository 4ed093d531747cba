import type { FaultAccess, FaultEntry, Pfn, Vpn } from '../../domain/index.js';
import { NVIF_VMM_PFNMAP_V0_A, NVIF_VMM_PFNMAP_V0_V, NVIF_VMM_PFNMAP_V0_W, pfnmapPhys, type PfnmapRequest } from '../../hw/gpuMmu.js';

/**
 * The per-fault decisions of nouveau_svm_fault() and the PFNMAP arguments of its two handlers.
 * @kernel drivers/gpu/drm/nouveau/nouveau_svm.c
 */

/** hmm_range.default_flags: HMM_PFN_REQ_FAULT and HMM_PFN_REQ_WRITE. */
export interface HmmFlags {
  readonly fault: boolean;
  readonly write: boolean;
}

export interface FaultMode {
  /** Sticky for the batch: once set, every later fault takes nouveau_atomic_range_fault (H2). */
  readonly atomic: boolean;
  readonly hmmFlags: HmmFlags;
}

/**
 * nouveau_svm_fault(): `switch (buffer->fault[fi]->access)`. `atomic` is a batch-scope variable the
 * kernel sets on the first ATOMIC fault and never clears (H2); for an ATOMIC fault hmm_flags keeps
 * its previous value, which does not matter because the atomic path ignores it.
 */
export function nouveauSvmFaultMode(access: FaultAccess, prev: FaultMode): FaultMode {
  switch (access) {
    case 'read':
      return { atomic: prev.atomic, hmmFlags: { fault: true, write: false } };
    case 'atomic':
      return { atomic: true, hmmFlags: prev.hmmFlags };
    case 'prefetch':
      return { atomic: prev.atomic, hmmFlags: { fault: false, write: false } };
    case 'write':
      return { atomic: prev.atomic, hmmFlags: { fault: true, write: true } };
  }
}

/** The mode at the start of a batch: `atomic = 0` (hmm_flags uninitialised in the kernel; no fault here). */
export const BATCH_START_MODE: FaultMode = { atomic: false, hmmFlags: { fault: false, write: false } };

// nouveau_atomic_range_fault(): page_to_phys(page) | V | W | A | HOST, page = 12.
export function nouveauAtomicPfnmap(pfn: Pfn): PfnmapRequest {
  return { pfn, w: true, a: true, aperture: 'host' };
}

/** What hmm_range_fault() reported for the one page of the window (hmm_pfns[0]). */
export type HmmPfn = { readonly valid: false } | { readonly valid: true; readonly pfn: Pfn; readonly write: boolean };

/**
 * nouveau_hmm_convert_pfn(): no HMM_PFN_VALID → phys 0 (the PFNMAP then unmaps the page); else HOST
 * with W if HMM_PFN_WRITE, never A. (Device-private pages → VRAM and THP-sized GPU pages are not modelled.)
 */
export function nouveauHmmConvertPfn(p: HmmPfn): PfnmapRequest | null {
  if (!p.valid) return null;
  return { pfn: p.pfn, w: p.write, a: false, aperture: 'host' };
}

/** args.p.phys[0] as the skip-ahead loop reads it: 0 when nothing was mapped. */
export function physOf(r: PfnmapRequest | null): number {
  return r === null ? 0 : pfnmapPhys(r);
}

/**
 * nouveau_svm_fault() skip-ahead: a later fault `next` is skipped (left to the replay) while it is in
 * the same svmm and below `limit`, provided the handled fault got what *it* needed: READ needs V,
 * WRITE/ATOMIC need W, ATOMIC also A; PREFETCH needs nothing. Note the test reads the handled
 * fault's access, not the skipped one's: with weakest-first order (H3) a READ skips a WRITE on its page.
 */
export function nouveauSvmFaultSkips(handled: FaultEntry, phys: number, limit: Vpn, next: FaultEntry): boolean {
  if (next.inst !== handled.inst || next.addr >= limit) return false;
  const a = handled.access;
  if (a === 'read' && (phys & NVIF_VMM_PFNMAP_V0_V) === 0) return false;
  if (a !== 'read' && a !== 'prefetch' && (phys & NVIF_VMM_PFNMAP_V0_W) === 0) return false;
  if (a === 'atomic' && (phys & NVIF_VMM_PFNMAP_V0_A) === 0) return false;
  return true;
}

/** `for (fn = fi; ++fn < fault_nr; )`: the index of the first fault not skipped after `fi`. */
export function nouveauSvmFaultNext(batch: readonly FaultEntry[], fi: number, phys: number, limit: Vpn): number {
  const handled = batch[fi];
  if (handled === undefined) return fi + 1;
  let fn = fi + 1;
  while (fn < batch.length && nouveauSvmFaultSkips(handled, phys, limit, batch[fn] as FaultEntry)) fn++;
  return fn;
}
