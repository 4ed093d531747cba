import type { KernelState } from '../../src/domain/index.js';
import { exitMmap, gupFollowPage, hmmVmaWalk, makeDeviceExclusiveConvert, pageMakeDeviceExclusiveOne, zapPteRange } from '../../src/mm/index.js';
import { E1, E2, folio, kernel, pte, region } from './fixtures.js';

const V = 16;

describe('GUP follow_page_pte (FOLL_GET|FOLL_WRITE)', () => {
  it('takes a reference on a writable present page and reports the folio as anon', () => {
    const r = gupFollowPage(kernel(), { mm: 0, vpn: V, write: true });
    expect(r.result).toEqual({ kind: 'page', pfn: 1, anon: true });
    expect(folio(r.k, 1).refcount).toBe(2);
  });

  it('asks for a fault on none, read-only and device-exclusive PTEs', () => {
    expect(gupFollowPage(kernel(region({ populate: 'none', init: [0, 0] })), { mm: 0, vpn: V, write: true }).result).toEqual({ kind: 'fault' });
    expect(gupFollowPage(kernel(region({ populate: 'read', init: [0, 0] })), { mm: 0, vpn: V, write: true }).result).toEqual({ kind: 'fault' });
    const e = makeDeviceExclusiveConvert(kernel(), { mm: 0, vpn: V, pfn: 1 }).k;
    const r = gupFollowPage(e, { mm: 0, vpn: V, write: true });
    expect(r.result).toEqual({ kind: 'fault' });
    expect(r.k).toBe(e);
  });

  it('fails with -EFAULT without VMA or VM_WRITE and -EOPNOTSUPP on hugetlb', () => {
    expect(gupFollowPage(kernel(), { mm: 0, vpn: 40, write: true }).result).toEqual({ kind: 'error', errno: '-EFAULT' });
    expect(gupFollowPage(kernel(region({ write: false })), { mm: 0, vpn: V, write: true }).result).toEqual({ kind: 'error', errno: '-EFAULT' });
    expect(gupFollowPage(kernel(region({ hugetlb: true })), { mm: 0, vpn: V, write: true }).result).toEqual({ kind: 'error', errno: '-EOPNOTSUPP' });
  });

  it('reports shared (shmem) pages as not anon', () => {
    expect(gupFollowPage(kernel(region({ shared: true })), { mm: 0, vpn: V, write: true }).result).toEqual({ kind: 'page', pfn: 1, anon: false });
  });
});

describe('6.15 make_device_exclusive conversion', () => {
  it('keeps refcount and mapcount, moves the dirty bit to the folio', () => {
    const r = makeDeviceExclusiveConvert(kernel(), { mm: 0, vpn: V, pfn: 1 });
    expect(r.result.ok).toBe(true);
    expect(pte(r.k, V)).toEqual({ kind: 'devExcl', pfn: 1, writable: false, softDirty: true, uffdWp: false });
    expect(folio(r.k, 1)).toMatchObject({ refcount: 1, mapcount: 1, dirty: true });
  });

  it('refuses (the caller retries) a read-only, already converted or different page', () => {
    const ro = kernel(region({ write: false }));
    expect(makeDeviceExclusiveConvert(ro, { mm: 0, vpn: V, pfn: 1 })).toEqual({ k: ro, result: { ok: false } });
    const e = makeDeviceExclusiveConvert(kernel(), { mm: 0, vpn: V, pfn: 1 }).k;
    expect(makeDeviceExclusiveConvert(e, { mm: 0, vpn: V, pfn: 1 }).result.ok).toBe(false);
    const two = kernel(region({ pages: 2, init: [1, 2, 3, 4] }));
    expect(makeDeviceExclusiveConvert(two, { mm: 0, vpn: V, pfn: 2 }).result.ok).toBe(false);
  });
});

describe('5.14 page_make_device_exclusive_one', () => {
  it('drops the mapcount but keeps the reference; ok needs a writable target', () => {
    const r = pageMakeDeviceExclusiveOne(kernel(), { mm: 0, vpn: V, pfn: 1 });
    expect(r.result.ok).toBe(true);
    expect(folio(r.k, 1)).toMatchObject({ refcount: 1, mapcount: 0, dirty: true });
    const ro = pageMakeDeviceExclusiveOne(kernel(region({ write: false })), { mm: 0, vpn: V, pfn: 1 });
    expect(ro.result.ok).toBe(false);
    // The read-only PTE was converted anyway, as a readable entry.
    expect(pte(ro.k, V)).toEqual({ kind: 'devExcl', pfn: 1, writable: false, softDirty: true, uffdWp: false });
  });

  it('fails on an existing entry for the page and on non-anon folios', () => {
    const e = pageMakeDeviceExclusiveOne(kernel(), { mm: 0, vpn: V, pfn: 1 }).k;
    expect(pageMakeDeviceExclusiveOne(e, { mm: 0, vpn: V, pfn: 1 }).result.ok).toBe(false);
    const sh = kernel(region({ shared: true }));
    expect(pageMakeDeviceExclusiveOne(sh, { mm: 0, vpn: V, pfn: 1 })).toEqual({ k: sh, result: { ok: false } });
  });
});

describe('zap of a device-exclusive entry (S4 accounting)', () => {
  const zap = (k: KernelState, flags = E2) => zapPteRange(k, { mm: 0, start: V, end: V + 1, unmapVma: false }, flags).k;

  it('6.15: rmap remove + put frees the folio', () => {
    const k = zap(makeDeviceExclusiveConvert(kernel(), { mm: 0, vpn: V, pfn: 1 }).k);
    expect(pte(k, V)).toEqual({ kind: 'none' });
    expect(folio(k, 1)).toMatchObject({ refcount: 0, mapcount: 0 });
  });

  it('5.14: put only (the entry was never in mapcount)', () => {
    const k = zap(pageMakeDeviceExclusiveOne(kernel(), { mm: 0, vpn: V, pfn: 1 }).k, E1);
    expect(folio(k, 1)).toMatchObject({ refcount: 0, mapcount: 0 });
  });

  it('a driver reference keeps the folio alive after the zap', () => {
    const g = gupFollowPage(kernel(), { mm: 0, vpn: V, write: true }).k;
    const k = zap(makeDeviceExclusiveConvert(g, { mm: 0, vpn: V, pfn: 1 }).k);
    expect(folio(k, 1)).toMatchObject({ refcount: 1, mapcount: 0 });
  });

  it('munmap removes or splits the VMA; exit_mmap empties the mm', () => {
    const k0 = kernel(region({ pages: 3, init: [1, 2, 3, 4, 5, 6] }), region({ id: 'z', start: 20, populate: 'read', init: [0, 0] }));
    const k = zapPteRange(k0, { mm: 0, start: 17, end: 18, unmapVma: true }, E2).k;
    expect(k.mms[0]?.vmas.map((v) => [v.region, v.start, v.pages])).toEqual([['buf', 16, 1], ['buf', 18, 1], ['z', 20, 1]]);
    expect(folio(k, 2).refcount).toBe(0);
    expect(folio(k, 1).refcount).toBe(1);
    const x = exitMmap(k, { mm: 0 }, E2).k;
    expect(x.mms[0]).toMatchObject({ live: false, vmas: [], ptes: {} });
    expect(x.folios.map((f) => f.refcount)).toEqual([1, 0, 0, 0]);
  });
});

describe('hmm_vma_walk for one page', () => {
  const walk = (k: KernelState, fault: boolean, write: boolean, vpn = V) => hmmVmaWalk(k, { mm: 0, vpn, fault, write }).result;

  it('reports present pages with their writability, faults on demand', () => {
    expect(walk(kernel(), true, true)).toEqual({ kind: 'valid', pfn: 1, write: true });
    const ro = kernel(region({ populate: 'read', init: [0, 0] }));
    expect(walk(ro, true, false)).toEqual({ kind: 'valid', pfn: 0, write: false });
    expect(walk(ro, true, true)).toEqual({ kind: 'fault', write: true });
    expect(walk(ro, false, true)).toEqual({ kind: 'valid', pfn: 0, write: false });
  });

  it('faults on a device-exclusive entry when asked to, else reports it invalid', () => {
    const e = makeDeviceExclusiveConvert(kernel(), { mm: 0, vpn: V, pfn: 1 }).k;
    expect(walk(e, true, false)).toEqual({ kind: 'fault', write: false });
    expect(walk(e, false, false)).toEqual({ kind: 'invalid' });
    const none = kernel(region({ populate: 'none', init: [0, 0] }));
    expect(walk(none, true, true)).toEqual({ kind: 'fault', write: true });
    expect(walk(none, false, false)).toEqual({ kind: 'invalid' });
  });

  it('-EPERM for a write fault on a read-only VMA, -EFAULT outside any VMA', () => {
    expect(walk(kernel(region({ write: false, populate: 'none', init: [0, 0] })), true, true)).toEqual({ kind: 'error', errno: '-EPERM' });
    expect(walk(kernel(), true, false, 40)).toEqual({ kind: 'error', errno: '-EFAULT' });
    expect(walk(kernel(), false, false, 40)).toEqual({ kind: 'invalid' });
  });
});
