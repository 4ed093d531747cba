import type { KernelState, MmId, Pfn, ResultOf, Vpn } from '../domain/index.js';
import { folioOf, mkDevExcl, mmOf, pteAt, updateFolio, updatePte, type Done } from './state.js';

/** Creating device-exclusive entries (mm/rmap.c), per era. The caller holds the folio lock and a reference. */

export interface ConvertArgs {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly pfn: Pfn;
}

/**
 * 6.15 make_device_exclusive, after folio_lock and MMU_NOTIFY_EXCLUSIVE start: folio_walk_start
 * must find this very page mapped writable at PTE level, else the caller ends the notifier,
 * unlocks, puts and retries GUP. ptep_clear_flush transfers the dirty bit to the folio; the entry
 * keeps the PTE's reference and mapcount, and its soft-dirty bit (a writable PTE has no uffd-wp).
 */
export function makeDeviceExclusiveConvert(k: KernelState, a: ConvertArgs): Done<KernelState, ResultOf<'MAKE_DEVICE_EXCLUSIVE_CONVERT'>> {
  const pte = pteAt(mmOf(k, a.mm), a.vpn);
  const folio = folioOf(k, a.pfn);
  if (pte.kind !== 'present' || pte.pfn !== a.pfn || !pte.write || !folio.anon) return { k, result: { ok: false } };
  let kk = pte.dirty ? updateFolio(k, a.pfn, (f) => ({ ...f, dirty: true })) : k;
  kk = updatePte(kk, a.mm, a.vpn, mkDevExcl({ pfn: a.pfn, writable: false, softDirty: pte.softDirty, uffdWp: false }));
  return { k: kk, result: { ok: true } };
}

/**
 * 5.14 page_make_device_exclusive (the rmap walk of make_device_exclusive_range) for a folio the
 * caller trylocked: refused for a non-anon folio; every PTE of `mm` mapping it is cleared and
 * replaced by a READ/WRITE entry matching its old writability, and its rmap is dropped
 * (page_remove_rmap) while the reference stays. A device-exclusive entry already mapping the page
 * ends the walk (page_vma_mapped_walk finds it, !pte_present). Success needs the target PTE to have
 * been writable and the folio to be left unmapped (page_mapcount == 0).
 * The rmap walk also visits other processes mapping the folio; after the FOLL_WRITE GUP the target
 * folio is exclusive to `mm`, so the model walks `mm` only.
 */
export function pageMakeDeviceExclusiveOne(k: KernelState, a: ConvertArgs): Done<KernelState, ResultOf<'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE'>> {
  if (!folioOf(k, a.pfn).anon) return { k, result: { ok: false } };
  const mm = mmOf(k, a.mm);
  let kk = k;
  let valid = false;
  let walkOk = true;
  const vpns = Object.keys(mm.ptes).map(Number);
  for (const vpn of vpns) {
    const pte = pteAt(mm, vpn);
    if (pte.kind === 'devExcl' && pte.pfn === a.pfn) {
      walkOk = false;
      break;
    }
    if (pte.kind !== 'present' || pte.pfn !== a.pfn) continue;
    if (vpn === a.vpn && pte.write) valid = true;
    kk = updateFolio(kk, a.pfn, (f) => ({ ...f, dirty: f.dirty || pte.dirty, mapcount: f.mapcount - 1 }));
    kk = updatePte(kk, a.mm, vpn, mkDevExcl({ pfn: a.pfn, writable: pte.write, softDirty: pte.softDirty, uffdWp: pte.uffdWp }));
  }
  const ok = walkOk && valid && folioOf(kk, a.pfn).mapcount === 0;
  return { k: kk, result: { ok } };
}
