import { flagsFor, ZERO_PFN, type KernelState, type Pte } from '../../src/domain/index.js';
import {
  changeProtection,
  clearSoftDirty,
  copyPageRange,
  cpuAccess,
  doAnonymousPage,
  doWpPage,
  handleMmFault,
  makeDeviceExclusiveConvert,
  pageMakeDeviceExclusiveOne,
  restoreExclusivePte,
  wpPageCopy,
  zapPteRange,
} from '../../src/mm/index.js';
import { E1, E2, folio, kernel, pte, region } from './fixtures.js';

const V = 16;

function convertE2(k: KernelState): KernelState {
  const r = makeDeviceExclusiveConvert(k, { mm: 0, vpn: V, pfn: 1 });
  expect(r.result.ok).toBe(true);
  return r.k;
}
function convertE1(k: KernelState): KernelState {
  const r = pageMakeDeviceExclusiveOne(k, { mm: 0, vpn: V, pfn: 1 });
  expect(r.result.ok).toBe(true);
  return r.k;
}
function restore(k: KernelState, flags = E2, orig: Pte = pte(k, V)): { k: KernelState; restored: boolean } {
  const r = restoreExclusivePte(k, { mm: 0, vpn: V, orig, pfn: 1 }, flags);
  return { k: r.k, restored: r.result.restored };
}

describe('CPU access through the page table', () => {
  it('loads, stores and adds on a present writable PTE, faults otherwise', () => {
    let k = kernel(region({ init: [5, 6] }));
    const ld = cpuAccess(k, { mm: 0, vpn: V, word: 1, access: 'load', value: 0 });
    expect(ld.result).toEqual({ kind: 'done', value: 6 });
    k = cpuAccess(k, { mm: 0, vpn: V, word: 0, access: 'store', value: 9 }).k;
    const add = cpuAccess(k, { mm: 0, vpn: V, word: 0, access: 'atomicAdd', value: 2 });
    expect(add.result).toEqual({ kind: 'done', value: 9 });
    expect(folio(add.k, 1).data).toEqual([11, 6]);
    k = convertE2(add.k);
    expect(cpuAccess(k, { mm: 0, vpn: V, word: 0, access: 'load', value: 0 }).result).toEqual({ kind: 'fault', write: false });
  });

  it('sets young on a read and dirty on a write of a restored (old, clean) PTE', () => {
    let k = restore(convertE1(kernel(region({ write: true }))), E1).k;
    // E1 restore of a writable entry is dirty already; make a clean read-only one instead via mprotect.
    k = changeProtection(k, { mm: 0, start: V, end: V + 1, write: false }, E1).k;
    k = cpuAccess(k, { mm: 0, vpn: V, word: 0, access: 'load', value: 0 }).k;
    expect(pte(k, V)).toMatchObject({ young: true, write: false });
    expect(cpuAccess(k, { mm: 0, vpn: V, word: 0, access: 'store', value: 1 }).result).toEqual({ kind: 'fault', write: true });
  });
});

describe('handle_mm_fault dispatch', () => {
  it('picks the handler from the PTE and refuses accesses the VMA does not allow', () => {
    const k = kernel(region({ pages: 2, populate: 'none', init: [0, 0, 0, 0] }), region({ id: 'ro', start: 20, write: false }));
    expect(handleMmFault(k, { mm: 0, vpn: V, write: true }).result).toEqual({ action: 'do_anonymous_page', orig: { kind: 'none' } });
    expect(handleMmFault(k, { mm: 0, vpn: 19, write: false }).result.action).toBe('sigsegv');
    expect(handleMmFault(k, { mm: 0, vpn: 20, write: true }).result.action).toBe('sigsegv');
    expect(handleMmFault(k, { mm: 0, vpn: 20, write: false }).result.action).toBe('spurious');
    const e = convertE2(kernel());
    expect(handleMmFault(e, { mm: 0, vpn: V, write: false }).result).toEqual({ action: 'do_swap_page', orig: pte(e, V) });
    const ro = kernel(region({ populate: 'read', init: [0, 0] }));
    expect(handleMmFault(ro, { mm: 0, vpn: V, write: true }).result.action).toBe('do_wp_page');
  });
});

describe('do_anonymous_page', () => {
  it('maps the zero page on a read and a fresh exclusive folio on a write', () => {
    const k = kernel(region({ pages: 2, populate: 'none', init: [0, 0, 0, 0] }));
    const rd = doAnonymousPage(k, { mm: 0, vpn: V, write: false });
    expect(rd.result.mapped).toBe(true);
    expect(pte(rd.k, V)).toEqual({ kind: 'present', pfn: ZERO_PFN, write: false, dirty: false, young: true, softDirty: false, uffdWp: false });
    expect(folio(rd.k, ZERO_PFN)).toMatchObject({ refcount: 1, mapcount: 0 });
    const wr = doAnonymousPage(rd.k, { mm: 0, vpn: 17, write: true });
    expect(pte(wr.k, 17)).toEqual({ kind: 'present', pfn: 1, write: true, dirty: true, young: true, softDirty: true, uffdWp: false });
    expect(folio(wr.k, 1)).toMatchObject({ refcount: 1, mapcount: 1, anon: true, anonExclusive: true, data: [0, 0] });
    // Another thread mapped it first (vmf_pte_changed).
    expect(doAnonymousPage(wr.k, { mm: 0, vpn: 17, write: true })).toEqual({ k: wr.k, result: { mapped: false } });
  });
});

describe('write-protect faults and COW', () => {
  it('copies the zero page into a new zeroed folio', () => {
    const k = kernel(region({ populate: 'read', init: [0, 0] }));
    const orig = pte(k, V);
    expect(doWpPage(k, { mm: 0, vpn: V, orig }).result.result).toBe('copy');
    const c = wpPageCopy(k, { mm: 0, vpn: V, orig });
    expect(c.result.copied).toBe(true);
    expect(pte(c.k, V)).toEqual({ kind: 'present', pfn: 1, write: true, dirty: true, young: true, softDirty: true, uffdWp: false });
    expect(folio(c.k, ZERO_PFN)).toMatchObject({ refcount: 1, mapcount: 0 });
    expect(folio(c.k, 1)).toMatchObject({ refcount: 1, mapcount: 1, anonExclusive: true, data: [0, 0] });
  });

  it('reuses an exclusive anon folio in place', () => {
    const k = changeProtection(changeProtection(kernel(), { mm: 0, start: V, end: V + 1, write: false }, E2).k, { mm: 0, start: V, end: V + 1, write: true }, E2).k;
    expect(pte(k, V)).toMatchObject({ write: false });
    const r = doWpPage(k, { mm: 0, vpn: V, orig: pte(k, V) });
    expect(r.result.result).toBe('reused');
    expect(pte(r.k, V)).toMatchObject({ pfn: 1, write: true, dirty: true, young: true });
    expect(doWpPage(k, { mm: 0, vpn: V, orig: { kind: 'none' } }).result.result).toBe('changed');
  });

  it('after fork, the first writer copies and the last one reuses (refcount 1 again)', () => {
    const f = copyPageRange(kernel(region({ init: [7, 8] })), { mm: 0 }, E2);
    expect(f.result).toEqual({ ret: '0', child: 1 });
    let k = f.k;
    expect(folio(k, 1)).toMatchObject({ refcount: 2, mapcount: 2, anonExclusive: false });
    expect(pte(k, V, 0)).toMatchObject({ write: false, young: true });
    expect(pte(k, V, 1)).toMatchObject({ write: false, young: false, pfn: 1 });
    const child = { mm: 1, vpn: V, orig: pte(k, V, 1) };
    expect(doWpPage(k, child).result.result).toBe('copy');
    k = wpPageCopy(k, child).k;
    expect(pte(k, V, 1)).toMatchObject({ pfn: 2, write: true });
    expect(folio(k, 2).data).toEqual([7, 8]);
    expect(folio(k, 1)).toMatchObject({ refcount: 1, mapcount: 1, anonExclusive: false });
    const parent = doWpPage(k, { mm: 0, vpn: V, orig: pte(k, V, 0) });
    expect(parent.result.result).toBe('reused');
    expect(folio(parent.k, 1).anonExclusive).toBe(true);
  });

  it('does not reuse while someone holds the folio lock (wp_can_reuse_anon_folio trylock)', () => {
    let k = copyPageRange(kernel(), { mm: 0 }, E2).k;
    k = zapPteRange(k, { mm: 1, start: V, end: V + 1, unmapVma: false }, E2).k;
    expect(folio(k, 1)).toMatchObject({ refcount: 1, mapcount: 1, anonExclusive: false });
    const locked = { ...k, folios: k.folios.map((f) => (f.pfn === 1 ? { ...f, locked: 'gpu0' } : f)) };
    expect(doWpPage(locked, { mm: 0, vpn: V, orig: pte(k, V) }).result.result).toBe('copy');
    expect(doWpPage(k, { mm: 0, vpn: V, orig: pte(k, V) }).result.result).toBe('reused');
  });
});

describe('restore_exclusive_pte (S3 restore fidelity)', () => {
  it('6.15: writable iff VM_WRITE and anon-exclusive, dirty from the folio, old, soft-dirty kept, mapcount untouched', () => {
    const e = convertE2(kernel());
    expect(pte(e, V)).toEqual({ kind: 'devExcl', pfn: 1, writable: false, softDirty: true, uffdWp: false });
    expect(folio(e, 1)).toMatchObject({ refcount: 1, mapcount: 1, dirty: true });
    const r = restore(e);
    expect(r.restored).toBe(true);
    expect(pte(r.k, V)).toEqual({ kind: 'present', pfn: 1, write: true, dirty: true, young: false, softDirty: true, uffdWp: false });
    expect(folio(r.k, 1)).toMatchObject({ refcount: 1, mapcount: 1 });
  });

  it('6.15: a clean writable PTE leaves the folio clean, and the restored PTE writable but clean', () => {
    const k0 = kernel();
    const clean: Pte = { kind: 'present', pfn: 1, write: true, dirty: false, young: true, softDirty: true, uffdWp: false };
    const k = { ...k0, mms: k0.mms.map((m) => ({ ...m, ptes: { [String(V)]: clean } })) };
    const e = convertE2(k);
    expect(folio(e, 1).dirty).toBe(false);
    expect(pte(restore(e).k, V)).toMatchObject({ write: true, dirty: false });
  });

  it('6.15: read-only and clean when the VMA lost VM_WRITE, the page is not anon-exclusive, or soft-dirty tracking is pending', () => {
    const e = convertE2(kernel());
    const ro = changeProtection(e, { mm: 0, start: V, end: V + 1, write: false }, E2).k;
    expect(pte(ro, V)).toEqual(pte(e, V));
    expect(pte(restore(ro).k, V)).toMatchObject({ write: false, dirty: false, young: false });
    const shared = { ...e, folios: e.folios.map((f) => (f.pfn === 1 ? { ...f, anonExclusive: false } : f)) };
    expect(pte(restore(shared).k, V)).toMatchObject({ write: false, dirty: false });
    const sd = clearSoftDirty(e, { mm: 0 }).k;
    expect(pte(sd, V)).toMatchObject({ kind: 'devExcl', softDirty: false });
    expect(pte(restore(sd).k, V)).toMatchObject({ write: false, softDirty: false });
  });

  it('5.14: writability from the entry type, dirty with it, mapcount re-added', () => {
    const e = convertE1(kernel());
    expect(pte(e, V)).toEqual({ kind: 'devExcl', pfn: 1, writable: true, softDirty: true, uffdWp: false });
    expect(folio(e, 1)).toMatchObject({ refcount: 1, mapcount: 0, dirty: true });
    const r = restore(e, E1);
    expect(pte(r.k, V)).toEqual({ kind: 'present', pfn: 1, write: true, dirty: true, young: false, softDirty: true, uffdWp: false });
    expect(folio(r.k, 1)).toMatchObject({ refcount: 1, mapcount: 1 });
  });

  it('5.14: mprotect downgrades the entry, so even mprotect(RW) later restores read-only; 6.15 restores writable', () => {
    for (const [flags, convert, write] of [[E1, convertE1, false], [E2, convertE2, true]] as const) {
      let k = convert(kernel());
      k = changeProtection(k, { mm: 0, start: V, end: V + 1, write: false }, flags).k;
      k = changeProtection(k, { mm: 0, start: V, end: V + 1, write: true }, flags).k;
      expect(pte(k, V)).toMatchObject({ kind: 'devExcl', writable: false });
      expect(pte(restore(k, flags).k, V)).toMatchObject({ kind: 'present', write });
    }
  });

  it('5.14: a uffd-wp entry restores write-protected with uffd-wp kept', () => {
    const e = convertE1(kernel());
    const entry: Pte = { kind: 'devExcl', pfn: 1, writable: true, softDirty: false, uffdWp: true };
    const k = { ...e, mms: e.mms.map((m) => ({ ...m, ptes: { [String(V)]: entry } })) };
    expect(pte(restore(k, E1).k, V)).toEqual({ kind: 'present', pfn: 1, write: false, dirty: false, young: false, softDirty: false, uffdWp: true });
  });

  it('does nothing when the PTE changed since the fault read it (pte_same)', () => {
    const e = convertE2(kernel());
    const orig = pte(e, V);
    const zapped = zapPteRange(e, { mm: 0, start: V, end: V + 1, unmapVma: false }, E2).k;
    const r = restore(zapped, E2, orig);
    expect(r.restored).toBe(false);
    expect(r.k).toBe(zapped);
  });

  it('mutation fault-skips-pte-same writes the stale entry back over a zapped PTE (counts not fixed)', () => {
    const flags = flagsFor('linux-6.15', ['fault-skips-pte-same']);
    const e = convertE2(kernel());
    const orig = pte(e, V);
    const zapped = zapPteRange(e, { mm: 0, start: V, end: V + 1, unmapVma: false }, flags).k;
    expect(folio(zapped, 1)).toMatchObject({ refcount: 0, mapcount: 0 });
    const r = restore(zapped, flags, orig);
    expect(r.restored).toBe(true);
    expect(pte(r.k, V)).toMatchObject({ kind: 'present', pfn: 1 });
    expect(folio(r.k, 1)).toMatchObject({ refcount: 0, mapcount: 0 });
  });
});
