import type { Folio, KernelState, Mm, MmId, Pfn, Pte, Vma, Vpn } from '../domain/index.js';
import { PTE_NONE, ZERO_PFN } from '../domain/index.js';

/**
 * Accessors and copy-on-write updates of KernelState shared by every src/mm file.
 * Objects are always built with the same key order, so equal states serialise equal.
 */

/** A call the model itself got wrong (unknown mm or pfn, unlock by a non-owner): never a kernel behaviour. */
export class MmModelBugError extends Error {
  override readonly name = 'MmModelBugError';
}

/** What every pure kernel operation returns: the new state and the call's result. */
export interface Done<S, R> {
  readonly k: S;
  readonly result: R;
}

export function mmOf(k: KernelState, id: MmId): Mm {
  const mm = k.mms[id];
  if (mm === undefined || mm.id !== id) throw new MmModelBugError(`unknown mm ${id} (the kernel has ${k.mms.length})`);
  return mm;
}

export function folioOf(k: KernelState, pfn: Pfn): Folio {
  const f = k.folios[pfn];
  if (f === undefined || f.pfn !== pfn) throw new MmModelBugError(`unknown pfn ${pfn} (the kernel has ${k.folios.length} folios)`);
  return f;
}

/** find_vma + the start check: the VMA that contains vpn (include/linux/mm.h vma_lookup). */
export function vmaLookup(mm: Mm, vpn: Vpn): Vma | undefined {
  return mm.vmas.find((v) => vpn >= v.start && vpn < v.start + v.pages);
}

/**
 * arch/x86/mm/fault.c access_error(), also mm/gup.c check_vma_flags() without FOLL_FORCE: the VMA
 * permits no such access (none mapped, a write without VM_WRITE or a read without VM_READ).
 */
export function accessError(vma: Vma | undefined, write: boolean): vma is undefined {
  return vma === undefined || (write ? !vma.write : !vma.read);
}

export function pteAt(mm: Mm, vpn: Vpn): Pte {
  return mm.ptes[String(vpn)] ?? PTE_NONE;
}

export function withMm(k: KernelState, mm: Mm): KernelState {
  mmOf(k, mm.id);
  const mms = k.mms.slice();
  mms[mm.id] = mm;
  return { mms, folios: k.folios };
}

/** set_pte_at / pte_clear: `none` is stored as an absent key (integer keys enumerate in order). */
export function withPte(mm: Mm, vpn: Vpn, pte: Pte): Mm {
  const key = String(vpn);
  const ptes: Record<string, Pte> = { ...mm.ptes };
  if (pte.kind === 'none') delete ptes[key];
  else ptes[key] = pte;
  return { ...mm, ptes };
}

export function withFolio(k: KernelState, folio: Folio): KernelState {
  folioOf(k, folio.pfn);
  const folios = k.folios.slice();
  folios[folio.pfn] = folio;
  return { mms: k.mms, folios };
}

export function updateFolio(k: KernelState, pfn: Pfn, f: (folio: Folio) => Folio): KernelState {
  return withFolio(k, f(folioOf(k, pfn)));
}

export function updatePte(k: KernelState, mmId: MmId, vpn: Vpn, pte: Pte): KernelState {
  return withMm(k, withPte(mmOf(k, mmId), vpn, pte));
}

export interface NewFolio {
  readonly data: readonly number[];
  readonly anon: boolean;
  readonly anonExclusive: boolean;
  readonly dirty: boolean;
  readonly mapcount: number;
}

/** folio_alloc + rmap add: a new order-0 folio with one reference (pfns are never reused). */
export function allocFolio(k: KernelState, n: NewFolio): { readonly k: KernelState; readonly pfn: Pfn } {
  const pfn = k.folios.length;
  const folio: Folio = {
    pfn,
    refcount: 1,
    mapcount: n.mapcount,
    locked: null,
    waiters: [],
    dirty: n.dirty,
    anon: n.anon,
    anonExclusive: n.anonExclusive,
    data: n.data,
  };
  return { k: { mms: k.mms, folios: [...k.folios, folio] }, pfn };
}

/** The words of a page the kernel allocates in this VMA (zeroed: __GFP_ZERO / clear_user_highpage). */
export function zeroData(k: KernelState, vma: Vma | undefined): readonly number[] {
  const words = vma?.wordsPerPage ?? folioOf(k, ZERO_PFN).data.length;
  return new Array<number>(words).fill(0);
}

/** The fields of a present PTE (domain/pte.ts). */
export type PresentBits = Omit<Extract<Pte, { kind: 'present' }>, 'kind'>;

/** mk_pte() and friends, in one key order. */
export function mkPresent(b: PresentBits): Pte {
  return { kind: 'present', pfn: b.pfn, write: b.write, dirty: b.dirty, young: b.young, softDirty: b.softDirty, uffdWp: b.uffdWp };
}

/** The fields of a device-exclusive entry (domain/pte.ts). */
export type DevExclBits = Omit<Extract<Pte, { kind: 'devExcl' }>, 'kind'>;

/** make_device_exclusive_entry() / make_{readable,writable}_device_exclusive_entry() + swp_entry_to_pte. */
export function mkDevExcl(b: DevExclBits): Pte {
  return { kind: 'devExcl', pfn: b.pfn, writable: b.writable, softDirty: b.softDirty, uffdWp: b.uffdWp };
}

/** folio_put(): the last reference frees the folio (it stays in `folios` with refcount 0). */
export function folioPutOne(f: Folio): Folio {
  return { ...f, refcount: f.refcount - 1 };
}

/** The zero page is never refcounted or mapcounted by page-table entries (vm_normal_page() returns NULL). */
export function isZeroPfn(pfn: Pfn): boolean {
  return pfn === ZERO_PFN;
}
