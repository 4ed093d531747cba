import type { Flags, Folio, KernelState, MmId, Pfn, Pte, ResultOf, Vma, Vpn } from '../domain/index.js';
import { pteSame, ZERO_PFN } from '../domain/index.js';
import {
  accessError,
  allocFolio,
  folioOf,
  folioPutOne,
  isZeroPfn,
  mkPresent,
  mmOf,
  pteAt,
  updateFolio,
  updatePte,
  vmaLookup,
  withFolio,
  zeroData,
  type Done,
} from './state.js';

/** The CPU fault path of mm/memory.c, one PTL section per function. */

export interface FaultArgs {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly write: boolean;
}

/**
 * handle_mm_fault → __handle_mm_fault → handle_pte_fault: the VMA checks of the arch fault handler
 * (arch/x86/mm/fault.c access_error) and the lockless read of orig_pte that picks the handler.
 */
export function handleMmFault(k: KernelState, a: FaultArgs): Done<KernelState, ResultOf<'HANDLE_MM_FAULT'>> {
  const mm = mmOf(k, a.mm);
  const orig = pteAt(mm, a.vpn);
  const vma = vmaLookup(mm, a.vpn);
  if (accessError(vma, a.write)) return { k, result: { action: 'sigsegv', orig } };
  switch (orig.kind) {
    case 'none':
      // handle_pte_fault: pte_none → do_pte_missing → do_anonymous_page (anon VMA).
      return { k, result: { action: 'do_anonymous_page', orig } };
    case 'present':
      // FAULT_FLAG_WRITE && !pte_write → do_wp_page; otherwise another thread already fixed it up.
      return { k, result: { action: a.write && !orig.write ? 'do_wp_page' : 'spurious', orig } };
    case 'devExcl':
    case 'migration':
    case 'swap':
      // !pte_present → do_swap_page (device-exclusive, migration and real swap entries alike).
      return { k, result: { action: 'do_swap_page', orig } };
  }
}

/**
 * mm/memory.c do_anonymous_page, the PTL section: map a zeroed folio (write) or the zero page (read)
 * unless another thread mapped something first (vmf_pte_changed).
 * For a VM_SHARED VMA the kernel goes through do_fault → shmem instead; the model has no page cache
 * and gives the page a fresh non-anon folio, writable if the VMA is (shared mappings need no COW).
 */
export function doAnonymousPage(k: KernelState, a: FaultArgs): Done<KernelState, ResultOf<'DO_ANONYMOUS_PAGE'>> {
  const mm = mmOf(k, a.mm);
  if (pteAt(mm, a.vpn).kind !== 'none') return { k, result: { mapped: false } };
  const vma = vmaLookup(mm, a.vpn);
  if (vma === undefined) return { k, result: { mapped: false } };
  if (!a.write && !vma.shared) {
    // Read fault: my_zero_pfn mapped special and read-only; the zero page is not refcounted per mapping.
    const zero = mkPresent({ pfn: ZERO_PFN, write: false, dirty: false, young: true, softDirty: false, uffdWp: false });
    return { k: updatePte(k, a.mm, a.vpn, zero), result: { mapped: true } };
  }
  const anon = !vma.shared;
  // folio_add_new_anon_rmap(RMAP_EXCLUSIVE): mapcount 1, PageAnonExclusive. PG_dirty is not set here:
  // the PTE's dirty bit carries it until the mapping is torn down.
  const n = allocFolio(k, { data: zeroData(k, vma), anon, anonExclusive: anon, dirty: false, mapcount: 1 });
  // pte_sw_mkyoung; VM_WRITE → pte_mkwrite(pte_mkdirty()) (x86 pte_mkdirty also sets soft-dirty).
  const write = vma.write && (a.write || vma.shared);
  const pte = mkPresent({ pfn: n.pfn, write, dirty: a.write, young: true, softDirty: a.write, uffdWp: false });
  return { k: updatePte(n.k, a.mm, a.vpn, pte), result: { mapped: true } };
}

export interface OrigArgs {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly orig: Pte;
}

/** mm/memory.c wp_can_reuse_anon_folio: only reference is the mapping's, and folio_trylock succeeds. */
function wpCanReuseAnonFolio(f: Folio): boolean {
  return f.refcount === 1 && f.mapcount === 1 && f.locked === null;
}

/**
 * mm/memory.c do_wp_page under the PTL (pte_same(orig) rechecked): wp_page_shared for VM_SHARED,
 * wp_page_reuse for an exclusive anon folio, else the caller runs wp_page_copy.
 */
export function doWpPage(k: KernelState, a: OrigArgs): Done<KernelState, ResultOf<'DO_WP_PAGE'>> {
  const mm = mmOf(k, a.mm);
  const cur = pteAt(mm, a.vpn);
  const vma = vmaLookup(mm, a.vpn);
  if (!pteSame(cur, a.orig) || cur.kind !== 'present' || vma === undefined) return { k, result: { result: 'changed' } };
  const reuse = (kk: KernelState): Done<KernelState, ResultOf<'DO_WP_PAGE'>> => {
    // wp_page_reuse: pte_mkyoung + maybe_mkwrite(pte_mkdirty()).
    const pte = mkPresent({ ...cur, write: vma.write, dirty: true, young: true, softDirty: true });
    return { k: updatePte(kk, a.mm, a.vpn, pte), result: { result: 'reused' } };
  };
  if (vma.shared && !isZeroPfn(cur.pfn)) return reuse(k);
  if (isZeroPfn(cur.pfn)) return { k, result: { result: 'copy' } };
  const f = folioOf(k, cur.pfn);
  if (f.anon && (f.anonExclusive || wpCanReuseAnonFolio(f))) {
    // wp_can_reuse_anon_folio → folio_move_anon_rmap + SetPageAnonExclusive.
    return reuse(f.anonExclusive ? k : withFolio(k, { ...f, anonExclusive: true }));
  }
  return { k, result: { result: 'copy' } };
}

/**
 * mm/memory.c wp_page_copy, the PTL section after mmu_notifier_invalidate_range_start(CLEAR):
 * the new private copy replaces the old mapping, which loses its rmap and reference.
 */
export function wpPageCopy(k: KernelState, a: OrigArgs): Done<KernelState, ResultOf<'WP_PAGE_COPY'>> {
  const mm = mmOf(k, a.mm);
  const cur = pteAt(mm, a.vpn);
  const vma = vmaLookup(mm, a.vpn);
  if (!pteSame(cur, a.orig) || cur.kind !== 'present' || vma === undefined) return { k, result: { copied: false } };
  const data = isZeroPfn(cur.pfn) ? zeroData(k, vma) : folioOf(k, cur.pfn).data.slice();
  const n = allocFolio(k, { data, anon: true, anonExclusive: true, dirty: false, mapcount: 1 });
  let kk = n.k;
  if (!isZeroPfn(cur.pfn)) {
    // folio_remove_rmap_pte + folio_put of the old folio (the freed case is refcount 0).
    kk = updateFolio(kk, cur.pfn, (f) => folioPutOne({ ...f, mapcount: f.mapcount - 1 }));
  }
  const pte = mkPresent({ pfn: n.pfn, write: vma.write, dirty: true, young: true, softDirty: true, uffdWp: false });
  return { k: updatePte(kk, a.mm, a.vpn, pte), result: { copied: true } };
}

/**
 * mm/mprotect.c can_change_pte_writable for the restored PTE: not PROT_NONE, no pending soft-dirty
 * write-fault tracking (pte_needs_soft_dirty_wp), no uffd-wp, and for a private mapping an
 * exclusive anon page. For a shared mapping the new PTE is clean, so pte_dirty() is false.
 */
export function canChangePteWritable(vma: Vma, pte: { readonly softDirty: boolean; readonly uffdWp: boolean }, folio: Folio): boolean {
  if (!vma.write || !vma.read) return false;
  if (vma.softDirtyTracking && !pte.softDirty) return false;
  if (pte.uffdWp) return false;
  if (vma.shared) return false;
  return folio.anon && folio.anonExclusive;
}

/**
 * mm/memory.c restore_exclusive_pte: the present PTE that replaces a device-exclusive entry `entry`
 * (pte_mkold(mk_pte()) with the entry's soft-dirty and uffd-wp bits), and the rmap change.
 * 5.14: writability and dirtiness from the entry type, rmap re-added (conversion dropped it).
 * 6.15: writable iff VM_WRITE && can_change_pte_writable, dirty iff the folio is; rmap untouched.
 */
export function restoreExclusivePteAt(
  k: KernelState,
  flags: Flags,
  mmId: MmId,
  vpn: Vpn,
  pfn: Pfn,
  entry: { readonly writable: boolean; readonly softDirty: boolean; readonly uffdWp: boolean },
  vma: Vma,
): KernelState {
  const folio = folioOf(k, pfn);
  let write = false;
  let dirty = false;
  switch (flags.restoreWritability) {
    case 'entry':
      // b756a3b5e7ea: uffd-wp wins; else SWP_DEVICE_EXCLUSIVE_WRITE → maybe_mkwrite(pte_mkdirty()).
      if (!entry.uffdWp && entry.writable) {
        dirty = true;
        write = vma.write;
      }
      break;
    case 'can_change_pte_writable':
      // 6.15 "mm/memory: detect writability in restore_exclusive_pte() through can_change_pte_writable()".
      if (vma.write && canChangePteWritable(vma, entry, folio)) {
        write = true;
        dirty = folio.dirty;
      }
      break;
  }
  const pte = mkPresent({ pfn, write, dirty, young: false, softDirty: entry.softDirty, uffdWp: entry.uffdWp });
  let kk = updatePte(k, mmId, vpn, pte);
  // 5.14 folio_add_anon_rmap_pte / page_add_anon_rmap: the entry was not counted in mapcount.
  if (!flags.mapcountKept) kk = updateFolio(kk, pfn, (f) => ({ ...f, mapcount: f.mapcount + 1 }));
  return kk;
}

export interface RestoreArgs extends OrigArgs {
  readonly pfn: Pfn;
}

/**
 * mm/memory.c remove_device_exclusive_entry, its PTL section: pte_offset_map_lock, pte_same(orig),
 * restore_exclusive_pte. The caller holds the folio lock and has run the notifier start.
 */
export function restoreExclusivePte(k: KernelState, a: RestoreArgs, flags: Flags): Done<KernelState, ResultOf<'RESTORE_EXCLUSIVE_PTE'>> {
  const mm = mmOf(k, a.mm);
  const vma = vmaLookup(mm, a.vpn);
  // The page table is gone with the VMA (pte_offset_map_lock fails): nothing to restore.
  if (vma === undefined) return { k, result: { restored: false } };
  const cur = pteAt(mm, a.vpn);
  // Mutation fault-skips-pte-same: write the entry back whatever the PTE became meanwhile.
  if (!flags.faultSkipsPteSame && !pteSame(cur, a.orig)) return { k, result: { restored: false } };
  const entry = a.orig.kind === 'devExcl' ? a.orig : cur.kind === 'devExcl' ? cur : null;
  const bits = entry ?? { writable: false, softDirty: false, uffdWp: false };
  return { k: restoreExclusivePteAt(k, flags, a.mm, a.vpn, a.pfn, bits, vma), result: { restored: true } };
}
