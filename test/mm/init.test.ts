import { ZERO_PFN } from '../../src/domain/index.js';
import { folio, kernel, pte, region } from './fixtures.js';

describe('initKernelState', () => {
  it('maps a write-populated private region with one exclusive anon folio per page', () => {
    const k = kernel(region({ pages: 2, wordsPerPage: 2, init: [1, 2, 3, 4] }));
    expect(k.mms).toHaveLength(1);
    expect(k.mms[0]?.live).toBe(true);
    expect(k.mms[0]?.vmas).toEqual([
      { region: 'buf', start: 16, pages: 2, read: true, write: true, shared: false, mayWrite: true, anon: true, hugetlb: false, softDirtyTracking: false, wordsPerPage: 2, thp: false },
    ]);
    expect(folio(k, ZERO_PFN)).toMatchObject({ refcount: 1, mapcount: 0, anon: false, data: [0, 0] });
    expect(folio(k, 1)).toEqual({ pfn: 1, refcount: 1, mapcount: 1, locked: null, waiters: [], dirty: false, anon: true, anonExclusive: true, data: [1, 2] });
    expect(folio(k, 2).data).toEqual([3, 4]);
    expect(pte(k, 16)).toEqual({ kind: 'present', pfn: 1, write: true, dirty: true, young: true, softDirty: true, uffdWp: false });
    expect(pte(k, 17)).toMatchObject({ kind: 'present', pfn: 2 });
    expect(k.mms[0]?.mmapLock).toEqual({ readers: [], writer: null });
  });

  it('maps the zero page read-only for populate "read" and nothing for "none"', () => {
    const k = kernel(region({ populate: 'read', init: [0, 0] }), region({ id: 'b', start: 18, populate: 'none', init: [0, 0] }));
    expect(pte(k, 16)).toEqual({ kind: 'present', pfn: ZERO_PFN, write: false, dirty: false, young: true, softDirty: false, uffdWp: false });
    expect(pte(k, 18)).toEqual({ kind: 'none' });
    expect(k.folios).toHaveLength(1);
    expect(folio(k, ZERO_PFN).refcount).toBe(1);
  });

  it('gives a read-only prot region a read-only PTE, and shared regions non-anon pages', () => {
    const k = kernel(region({ write: false }), region({ id: 's', start: 18, shared: true }));
    expect(pte(k, 16)).toMatchObject({ write: false });
    expect(k.mms[0]?.vmas[1]).toMatchObject({ shared: true, anon: false });
    expect(folio(k, 2)).toMatchObject({ anon: false, anonExclusive: false });
    expect(pte(k, 18)).toMatchObject({ kind: 'present', pfn: 2, write: true });
  });
});
