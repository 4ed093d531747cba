import type { Flags, KernelState, Mm, MmId, ResultOf, Vma, Vpn } from '../domain/index.js';
import { folioPutOne, isZeroPfn, mmOf, pteAt, updateFolio, withMm, withPte, type Done } from './state.js';

/** Tearing down mappings: mm/memory.c zap_pte_range, mm/vma.c (munmap), mm/mmap.c exit_mmap. */

export interface ZapArgs {
  readonly mm: MmId;
  readonly start: Vpn;
  readonly end: Vpn;
  readonly unmapVma: boolean;
}

/** The VMAs left after unmapping [start, end): split or shrunk (mm/vma.c vms_gather_munmap_vmas). */
export function vmasWithout(vmas: readonly Vma[], start: Vpn, end: Vpn): readonly Vma[] {
  const out: Vma[] = [];
  for (const v of vmas) {
    const vEnd = v.start + v.pages;
    if (vEnd <= start || v.start >= end) {
      out.push(v);
      continue;
    }
    if (v.start < start) out.push({ ...v, pages: start - v.start });
    if (vEnd > end) out.push({ ...v, start: end, pages: vEnd - end });
  }
  return out;
}

/** zap_pte_range under one PTL hold: every entry in [start, end) is cleared and its folio released. */
export function zapRange(k: KernelState, mmId: MmId, start: Vpn, end: Vpn, flags: Flags): KernelState {
  let kk = k;
  let mm: Mm = mmOf(k, mmId);
  for (const vpn of Object.keys(mm.ptes).map(Number)) {
    if (vpn < start || vpn >= end) continue;
    const pte = pteAt(mm, vpn);
    switch (pte.kind) {
      case 'present':
        // zap_present_ptes: vm_normal_page is NULL for the zero page; else rmap remove + tlb batched put.
        if (!isZeroPfn(pte.pfn)) kk = updateFolio(kk, pte.pfn, (f) => folioPutOne({ ...f, mapcount: f.mapcount - 1 }));
        break;
      case 'devExcl':
        // zap_nonpresent_ptes: 5.14 only puts (the entry was not in mapcount); 6.15 "mm/memory: handle
        // device-exclusive entries correctly in zap_nonpresent_ptes()" also removes the rmap.
        kk = updateFolio(kk, pte.pfn, (f) => folioPutOne(flags.mapcountKept ? { ...f, mapcount: f.mapcount - 1 } : f));
        break;
      case 'migration':
      case 'swap':
      case 'none':
        break;
    }
    mm = withPte(mm, vpn, { kind: 'none' });
  }
  return withMm(kk, { ...mmOf(kk, mmId), ptes: mm.ptes });
}

/** ZAP_PTE_RANGE: MADV_DONTNEED (unmapVma false) or munmap (the VMAs go too). */
export function zapPteRange(k: KernelState, a: ZapArgs, flags: Flags): Done<KernelState, ResultOf<'ZAP_PTE_RANGE'>> {
  let kk = zapRange(k, a.mm, a.start, a.end, flags);
  if (a.unmapVma) {
    const mm = mmOf(kk, a.mm);
    kk = withMm(kk, { ...mm, vmas: vmasWithout(mm.vmas, a.start, a.end) });
  }
  return { k: kk, result: { ok: true } };
}

/** mm/mmap.c exit_mmap: unmap_vmas over everything, free the VMAs; the mm is dead. */
export function exitMmap(k: KernelState, a: { readonly mm: MmId }, flags: Flags): Done<KernelState, ResultOf<'EXIT_MMAP'>> {
  const mm = mmOf(k, a.mm);
  let kk = k;
  for (const v of mm.vmas) kk = zapRange(kk, a.mm, v.start, v.start + v.pages, flags);
  kk = withMm(kk, { ...mmOf(kk, a.mm), vmas: [], live: false });
  return { k: kk, result: { ok: true } };
}
