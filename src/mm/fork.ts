import type { Flags, KernelState, Mm, MmId, Pfn, Pte, ResultOf } from '../domain/index.js';
import { restoreExclusivePteAt } from './memory.js';
import { folioOf, isZeroPfn, mkPresent, mmOf, pteAt, updateFolio, updatePte, type Done } from './state.js';

/**
 * kernel/fork.c dup_mmap → mm/memory.c copy_page_range / copy_pte_range, with both PTLs held.
 * The caller holds the parent's mmap lock for write and has started MMU_NOTIFY_PROTECTION_PAGE.
 */

/**
 * copy_present_pte: a COW mapping write-protects both sides and drops PageAnonExclusive
 * (folio_try_dup_anon_rmap_pte); the child's copy is old, a VM_SHARED child copy is clean.
 * The model has no page cache, so a shared mapping's pages are handed to the child by copying the
 * PTE (the kernel leaves the child's PTE empty and it faults the same page-cache page in later).
 */
function childPte(pte: Extract<Pte, { kind: 'present' }>, shared: boolean): Pte {
  const write = shared ? pte.write : false;
  return mkPresent({ ...pte, write, dirty: shared ? false : pte.dirty, young: false, uffdWp: false });
}

export function copyPageRange(k: KernelState, a: { readonly mm: MmId }, flags: Flags): Done<KernelState, ResultOf<'COPY_PAGE_RANGE'>> {
  const parent = mmOf(k, a.mm);
  let kk = k;
  const ptes: Record<string, Pte> = {};
  const refs: Pfn[] = [];
  for (const vma of parent.vmas) {
    for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
      let pte = pteAt(mmOf(kk, a.mm), vpn);
      if (pte.kind === 'devExcl') {
        // copy_nonpresent_pte → try_restore_exclusive_pte: folio_trylock, restore in the parent, unlock.
        // A locked folio (a driver between make_device_exclusive and its unlock, or a CPU fault
        // restoring it) gives -EBUSY → copy_pte_range fails → copy_page_range returns -ENOMEM, and the
        // half-built child is torn down. What was already restored or write-protected stays so.
        if (folioOf(kk, pte.pfn).locked !== null) return { k: kk, result: { ret: '-ENOMEM' } };
        kk = restoreExclusivePteAt(kk, flags, a.mm, vpn, pte.pfn, pte, vma);
        pte = pteAt(mmOf(kk, a.mm), vpn);
      }
      switch (pte.kind) {
        case 'none':
          break;
        case 'present': {
          const zero = isZeroPfn(pte.pfn);
          if (!vma.shared && pte.write) kk = updatePte(kk, a.mm, vpn, mkPresent({ ...pte, write: false }));
          if (!vma.shared && !zero) kk = updateFolio(kk, pte.pfn, (f) => ({ ...f, anonExclusive: false }));
          if (!zero) refs.push(pte.pfn);
          ptes[String(vpn)] = childPte(pte, vma.shared);
          break;
        }
        case 'devExcl':
        case 'migration':
        case 'swap':
          // Never left after the restore above; the model creates no migration or swap entries.
          ptes[String(vpn)] = pte;
          break;
      }
    }
  }
  // folio_dup_file_rmap / folio_try_dup_anon_rmap + folio_get: the child's mappings, counted only
  // once the fork succeeded (a failed fork's child drops them again in its exit_mmap).
  for (const pfn of refs) kk = updateFolio(kk, pfn, (f) => ({ ...f, refcount: f.refcount + 1, mapcount: f.mapcount + 1 }));
  const child: Mm = { id: kk.mms.length, live: true, vmas: parent.vmas, ptes, mmapLock: { readers: [], writer: null } };
  return { k: { mms: [...kk.mms, child], folios: kk.folios }, result: { ret: '0', child: child.id } };
}
