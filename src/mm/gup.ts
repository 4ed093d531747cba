import type { KernelState, ResultOf } from '../domain/index.js';
import type { FaultArgs } from './memory.js';
import { accessError, folioOf, isZeroPfn, mmOf, pteAt, vmaLookup, withFolio, type Done } from './state.js';

/**
 * mm/gup.c for one page with FOLL_GET (+FOLL_WRITE) |FOLL_SPLIT_PMD|FOLL_TOUCH, as
 * make_device_exclusive[_range] calls it. A `fault` result means: drop the PTL, run
 * handle_mm_fault(FAULT_FLAG_WRITE|FAULT_FLAG_REMOTE) and follow the page again (__get_user_pages).
 */

/** The page and whether FOLL_WRITE is set: what a fault takes too. */
export type GupArgs = FaultArgs;

/** check_vma_flags, then follow_page_pte under the PTL. */
export function gupFollowPage(k: KernelState, a: GupArgs): Done<KernelState, ResultOf<'GUP_FOLLOW_PAGE'>> {
  const mm = mmOf(k, a.mm);
  const vma = vmaLookup(mm, a.vpn);
  // check_vma_flags: no VMA, FOLL_WRITE without VM_WRITE (no FOLL_FORCE), or a read of !VM_READ.
  if (accessError(vma, a.write)) return { k, result: { kind: 'error', errno: '-EFAULT' } };
  // 6.15 "mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs" (E2 patch 1). 5.14 misbehaved here
  // instead (the PMD split path on a hugetlb VMA); the model rejects it in both eras.
  if (vma.hugetlb) return { k, result: { kind: 'error', errno: '-EOPNOTSUPP' } };
  const pte = pteAt(mm, a.vpn);
  // follow_page_pte: no_page for a non-present PTE; can_follow_write_pte needs pte_write for FOLL_WRITE.
  if (pte.kind !== 'present' || (a.write && !pte.write)) return { k, result: { kind: 'fault' } };
  const f = folioOf(k, pte.pfn);
  // try_grab_folio(FOLL_GET); FOLL_TOUCH marks the folio dirty for a write if neither PTE nor folio is
  // (folio_mark_accessed touches the LRU, not the PTE's young bit).
  const dirty = f.dirty || (a.write && !pte.dirty);
  const kk = withFolio(k, { ...f, refcount: f.refcount + 1, dirty });
  return { k: kk, result: { kind: 'page', pfn: pte.pfn, anon: f.anon && !isZeroPfn(pte.pfn) } };
}
