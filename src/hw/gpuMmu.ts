import type { ActorId, FaultAccess, GpuAccess, GpuMmuState, GpuPte, InflightAtomic, Pfn, Vpn } from '../domain/index.js';
import { emptyFaultBuffer } from './faultBuffer.js';

/**
 * The GPU MMU of a Pascal-class board as nouveau drives it for SVM: gp100 PFN-format PTEs,
 * the access check the hardware applies before a replayable fault, and the PFNCLR drain.
 * @kernel drivers/gpu/drm/nouveau/nvkm/subdev/mmu/vmmgp100.c
 */

/** NVIF_VMM_PFNMAP_V0_* request bits (include/nvif/if000c.h); the model passes them as booleans. */
export const NVIF_VMM_PFNMAP_V0_V = 0x1;
export const NVIF_VMM_PFNMAP_V0_W = 0x2;
export const NVIF_VMM_PFNMAP_V0_A = 0x4;
export const NVIF_VMM_PFNMAP_V0_HOST = 0x0;
export const NVIF_VMM_PFNMAP_V0_VRAM = 0x10;

/** One 4 KiB PFNMAP request as nouveau builds it in args.p.phys[0]. */
export interface PfnmapRequest {
  readonly pfn: Pfn;
  readonly w: boolean;
  readonly a: boolean;
  readonly aperture: 'host' | 'vram';
}

/** The raw phys[0] word, so skip-ahead decisions can test bits as nouveau_svm_fault() does. */
export function pfnmapPhys(r: PfnmapRequest): number {
  return NVIF_VMM_PFNMAP_V0_V | (r.w ? NVIF_VMM_PFNMAP_V0_W : 0) | (r.a ? NVIF_VMM_PFNMAP_V0_A : 0) |
    (r.aperture === 'vram' ? NVIF_VMM_PFNMAP_V0_VRAM : NVIF_VMM_PFNMAP_V0_HOST);
}

// nvkm/subdev/mmu/vmmgp100.c gp100_vmm_pgt_pfn(): RO without W, ATOMIC_DISABLE without A, VOL for host pages.
export function gp100VmmPgtPfn(r: PfnmapRequest): GpuPte {
  return { valid: true, ro: !r.w, atomicDisable: !r.a, aperture: r.aperture, vol: r.aperture === 'host', pfn: r.pfn };
}

/** Accesses the MMU translates; the write half of an atomic reuses the translation of its read half. */
export type TranslatedAccess = Exclude<GpuAccess, 'atomicWrite'>;

/**
 * The hardware access check (domain.md §1.7): a failure raises a replayable fault and stalls the access.
 * Prefetch is only a hint: it faults on a missing translation and never on permissions.
 */
export function gpuAccessPermitted(pte: GpuPte | undefined, access: TranslatedAccess): boolean {
  if (pte === undefined || !pte.valid) return false;
  switch (access) {
    case 'load':
    case 'prefetch':
      return true;
    case 'store':
      return !pte.ro;
    case 'atomicRead':
      return !pte.ro && !pte.atomicDisable;
  }
}

/** The fault buffer's access field (nouveau_svm.c FAULT_ACCESS_*) for a failed access. */
export function faultAccessOf(access: TranslatedAccess): FaultAccess {
  switch (access) {
    case 'load':
      return 'read';
    case 'store':
      return 'write';
    case 'atomicRead':
      return 'atomic';
    case 'prefetch':
      return 'prefetch';
  }
}

export function gpuPteAt(g: GpuMmuState, vpn: Vpn): GpuPte | undefined {
  return g.ptes[String(vpn)];
}

// nvkm/subdev/mmu/vmm.c nvkm_vmm_pfn_map(): one PFN-mapped 4 KiB PTE written.
export function gpuPfnMap(g: GpuMmuState, vpn: Vpn, r: PfnmapRequest): GpuMmuState {
  return { ...g, ptes: { ...g.ptes, [String(vpn)]: gp100VmmPgtPfn(r) } };
}

/**
 * nvkm/subdev/mmu/vmm.c nvkm_vmm_pfn_unmap() → gp100_vmm_pfn_clear(): VALID dropped on host PTEs in
 * [start, end). Cleared entries are removed so that equal GPU page tables are equal data.
 */
export function gpuPfnClear(g: GpuMmuState, start: Vpn, end: Vpn): GpuMmuState {
  const ptes: Record<string, GpuPte> = {};
  for (const [k, p] of Object.entries(g.ptes)) {
    const vpn = Number(k);
    if (vpn < start || vpn >= end) ptes[k] = p;
  }
  return { ...g, ptes };
}

/** In-flight atomics a PFNCLR of [start, end) must wait for: the TLB invalidate completes after them. */
export function inflightIn(inflight: readonly InflightAtomic[], start: Vpn, end: Vpn): readonly InflightAtomic[] {
  return inflight.filter((i) => i.vpn >= start && i.vpn < end);
}

/** The read half of an atomic holds its translation until the write half. */
export function inflightOf(g: GpuMmuState, channel: ActorId): InflightAtomic | undefined {
  return g.inflight.find((i) => i.channel === channel);
}

export function withInflight(g: GpuMmuState, i: InflightAtomic): GpuMmuState {
  return { ...g, inflight: [...g.inflight.filter((x) => x.channel !== i.channel), i] };
}

export function withoutInflight(g: GpuMmuState, channel: ActorId): GpuMmuState {
  return { ...g, inflight: g.inflight.filter((x) => x.channel !== channel) };
}

/** A board with an empty SVM page table and fault buffer; `device` is the driver the fault interrupt goes to. */
export function initialGpuMmuState(device: ActorId): GpuMmuState {
  return { device, ptes: {}, ...emptyFaultBuffer(), notifyPending: false, stalled: [], inflight: [] };
}

/**
 * The fault entry's `client` field: the hardware unit that faulted. The model derives it from the
 * channel id's number (`ch3` → 3) so that it is stable data, not a registration order.
 */
export function faultClientOf(channel: ActorId): number {
  const m = /(\d+)$/.exec(channel);
  return m === null ? 0 : Number(m[1]);
}
