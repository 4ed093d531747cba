import type { KernelState } from '../../src/domain/index.js';
import { copyPageRange, folioLock, makeDeviceExclusiveConvert, pageMakeDeviceExclusiveOne } from '../../src/mm/index.js';
import { E1, E2, ERAS, folio, kernel, pte, region } from './fixtures.js';

const V = 16;

describe('fork: copy_page_range', () => {
  it('COW-shares private anon pages: both write-protected, counts +1, not anon-exclusive; the child PTE is old', () => {
    const r = copyPageRange(kernel(region({ pages: 2, init: [1, 2, 3, 4] }), region({ id: 'z', start: 20, populate: 'read', init: [0, 0] })), { mm: 0 }, E2);
    expect(r.result).toEqual({ ret: '0', child: 1 });
    const k = r.k;
    expect(k.mms[1]).toMatchObject({ id: 1, live: true, mmapLock: { readers: [], writer: null } });
    expect(k.mms[1]?.vmas).toEqual(k.mms[0]?.vmas);
    for (const vpn of [16, 17]) {
      expect(pte(k, vpn, 0)).toMatchObject({ kind: 'present', write: false, young: true });
      expect(pte(k, vpn, 1)).toMatchObject({ kind: 'present', write: false, young: false, dirty: true });
    }
    expect(folio(k, 1)).toMatchObject({ refcount: 2, mapcount: 2, anonExclusive: false });
    expect(pte(k, 20, 1)).toMatchObject({ pfn: 0, write: false });
    expect(folio(k, 0)).toMatchObject({ refcount: 1, mapcount: 0 });
  });

  it.each(ERAS)('%s: restores a device-exclusive entry in the parent first, so the child never gets one', (_name, flags) => {
    const convert = flags === E2 ? makeDeviceExclusiveConvert : pageMakeDeviceExclusiveOne;
    const e = convert(kernel(), { mm: 0, vpn: V, pfn: 1 }).k;
    const r = copyPageRange(e, { mm: 0 }, flags);
    expect(r.result).toEqual({ ret: '0', child: 1 });
    expect(pte(r.k, V, 0)).toMatchObject({ kind: 'present', pfn: 1, write: false, young: false });
    expect(pte(r.k, V, 1)).toMatchObject({ kind: 'present', pfn: 1, write: false });
    expect(Object.values(r.k.mms[1]?.ptes ?? {}).some((p) => p.kind === 'devExcl')).toBe(false);
    expect(folio(r.k, 1)).toMatchObject({ refcount: 2, mapcount: 2, anonExclusive: false, locked: null });
  });

  it.each(ERAS)('%s: fails with -ENOMEM when a device-exclusive folio is locked, keeping what it already restored', (_name, flags) => {
    const convert = flags === E2 ? makeDeviceExclusiveConvert : pageMakeDeviceExclusiveOne;
    let k: KernelState = kernel(region({ pages: 2, init: [1, 2, 3, 4] }));
    k = convert(k, { mm: 0, vpn: 16, pfn: 1 }).k;
    k = convert(k, { mm: 0, vpn: 17, pfn: 2 }).k;
    k = folioLock(k, { pfn: 2, caller: 'gpu0' })?.k as KernelState;
    const r = copyPageRange(k, { mm: 0 }, flags);
    expect(r.result).toEqual({ ret: '-ENOMEM' });
    expect(r.k.mms).toHaveLength(1);
    expect(pte(r.k, 16)).toMatchObject({ kind: 'present', pfn: 1, write: false });
    expect(pte(r.k, 17)).toMatchObject({ kind: 'devExcl', pfn: 2 });
    // The torn-down child gave its references back; the parent's restore re-added the rmap in 5.14.
    expect(folio(r.k, 1)).toMatchObject({ refcount: 1, mapcount: 1, anonExclusive: false });
    expect(folio(r.k, 2)).toMatchObject({ refcount: 1, mapcount: flags === E1 ? 0 : 1, locked: 'gpu0' });
  });

  it('shares shared-mapping pages writable with the child (no COW)', () => {
    const r = copyPageRange(kernel(region({ shared: true })), { mm: 0 }, E2);
    expect(pte(r.k, V, 0)).toMatchObject({ write: true });
    expect(pte(r.k, V, 1)).toMatchObject({ pfn: 1, write: true, dirty: false });
    expect(folio(r.k, 1)).toMatchObject({ refcount: 2, mapcount: 2 });
  });
});
