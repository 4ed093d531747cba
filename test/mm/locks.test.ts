import type { KernelState } from '../../src/domain/index.js';
import {
  folioLock,
  folioLockOrRetry,
  folioPut,
  folioTrylock,
  folioTryGet,
  folioUnlock,
  folioUnlockPut,
  folioWaitUnlocked,
  mmapReadLock,
  mmapReadUnlock,
  mmapWriteLock,
  mmapWriteUnlock,
  MmModelBugError,
} from '../../src/mm/index.js';
import { folio, kernel } from './fixtures.js';

function must<T>(x: T | null): T {
  if (x === null) throw new Error('unexpectedly blocked');
  return x;
}

describe('folio lock and references', () => {
  it('folio_lock_or_retry takes a free lock, else queues the caller who later sleeps until unlock', () => {
    let k: KernelState = kernel();
    const a = folioLockOrRetry(k, { pfn: 1, caller: 'cpu0' });
    expect(a.result).toEqual({ result: 'locked' });
    k = a.k;
    const b = folioLockOrRetry(k, { pfn: 1, caller: 'cpu1' });
    expect(b.result).toEqual({ result: 'wait' });
    k = b.k;
    expect(folio(k, 1)).toMatchObject({ locked: 'cpu0', waiters: ['cpu1'] });
    expect(folioWaitUnlocked(k, { pfn: 1, caller: 'cpu1' })).toBeNull();
    k = folioUnlock(k, { pfn: 1, caller: 'cpu0' }).k;
    k = must(folioWaitUnlocked(k, { pfn: 1, caller: 'cpu1' })).k;
    expect(folio(k, 1)).toMatchObject({ locked: null, waiters: [] });
  });

  it('folio_lock blocks while locked, even for the holder; trylock reports failure', () => {
    const k = must(folioLock(kernel(), { pfn: 1, caller: 'gpu0' })).k;
    expect(folioLock(k, { pfn: 1, caller: 'gpu0' })).toBeNull();
    expect(folioLock(k, { pfn: 1, caller: 'cpu0' })).toBeNull();
    expect(folioTrylock(k, { pfn: 1, caller: 'cpu0' })).toEqual({ k, result: { ok: false } });
    expect(folioTrylock(kernel(), { pfn: 1, caller: 'cpu0' }).result).toEqual({ ok: true });
  });

  it('unlocking a folio one does not hold is a model bug', () => {
    const k = must(folioLock(kernel(), { pfn: 1, caller: 'gpu0' })).k;
    expect(() => folioUnlock(k, { pfn: 1, caller: 'cpu0' })).toThrow(MmModelBugError);
    expect(() => folioUnlock(kernel(), { pfn: 1, caller: 'cpu0' })).toThrow(/nobody holds/);
    expect(() => folioPut(kernel(), { pfn: 99 })).toThrow(/unknown pfn 99/);
  });

  it('try_get fails on a freed folio; put and unlock_put free at zero', () => {
    let k: KernelState = kernel();
    k = folioTryGet(k, { pfn: 1 }).k;
    k = must(folioLock(k, { pfn: 1, caller: 'gpu0' })).k;
    const up = folioUnlockPut(k, { pfn: 1, caller: 'gpu0' });
    expect(up.result).toEqual({ freed: false });
    const p = folioPut(up.k, { pfn: 1 });
    expect(p.result).toEqual({ freed: true });
    expect(folio(p.k, 1)).toMatchObject({ refcount: 0, locked: null });
    expect(folioTryGet(p.k, { pfn: 1 })).toEqual({ k: p.k, result: { ok: false } });
  });
});

describe('mmap_lock', () => {
  it('readers share, a writer excludes everyone', () => {
    let k: KernelState = kernel();
    k = must(mmapReadLock(k, { mm: 0, caller: 'cpu0' })).k;
    k = must(mmapReadLock(k, { mm: 0, caller: 'gpu0' })).k;
    expect(k.mms[0]?.mmapLock).toEqual({ readers: ['cpu0', 'gpu0'], writer: null });
    expect(mmapWriteLock(k, { mm: 0, caller: 'cpu1' })).toBeNull();
    k = mmapReadUnlock(k, { mm: 0, caller: 'cpu0' }).k;
    k = mmapReadUnlock(k, { mm: 0, caller: 'gpu0' }).k;
    k = must(mmapWriteLock(k, { mm: 0, caller: 'cpu1' })).k;
    expect(mmapReadLock(k, { mm: 0, caller: 'cpu0' })).toBeNull();
    expect(() => mmapWriteUnlock(k, { mm: 0, caller: 'cpu0' })).toThrow(MmModelBugError);
    k = mmapWriteUnlock(k, { mm: 0, caller: 'cpu1' }).k;
    expect(k.mms[0]?.mmapLock).toEqual({ readers: [], writer: null });
    expect(() => mmapReadUnlock(k, { mm: 0, caller: 'cpu0' })).toThrow(/without holding it/);
    expect(() => mmapReadLock(k, { mm: 3, caller: 'cpu0' })).toThrow(/unknown mm 3/);
  });
});
