import type { MmuNotifierRange, NotifierState } from '../../src/domain/index.js';
import {
  initNotifierState,
  invalidateRangeEnd,
  invalidateRangeStart,
  mmuIntervalNotifierInsert,
  mmuIntervalNotifierRemove,
  mmuIntervalReadBegin,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
  mmuNotifierRangeInit,
} from '../../src/mm/index.js';

function must<T>(x: T | null): T {
  if (x === null) throw new Error('unexpectedly blocked');
  return x;
}

const page16: MmuNotifierRange = mmuNotifierRangeInit('MMU_NOTIFY_CLEAR', 0, 16, 17);
const page20: MmuNotifierRange = mmuNotifierRangeInit('MMU_NOTIFY_CLEAR', 0, 20, 21);

function base(): NotifierState {
  return initNotifierState(1, [{ mm: 0, driver: 'gpu0' }], []);
}

describe('mmu_interval_notifier collision-retry protocol', () => {
  it('starts idle; an idle insert gets seq = invalidate_seq - 1 (odd, not current; the kernel starts at 2)', () => {
    const n = initNotifierState(1, [{ mm: 0, driver: 'gpu0' }], [{ mm: 0, driver: 'dmirror0', start: 0, end: 64 }]);
    expect(n).toEqual({
      mms: [{ mm: 0, invalidateSeq: 2, activeInvalidateRanges: 0, activeRanges: [], interval: [{ id: 0, mm: 0, driver: 'dmirror0', start: 0, end: 64, seq: 1 }], hlist: [{ mm: 0, driver: 'gpu0' }] }],
      nextSub: 1,
    });
    const i = mmuIntervalNotifierInsert(n, { mm: 0, start: 16, end: 17, driver: 'gpu0' });
    expect(i.result).toEqual({ sub: 1 });
    expect(i.n.mms[0]?.interval[1]).toEqual({ id: 1, mm: 0, driver: 'gpu0', start: 16, end: 17, seq: 1 });
    expect(i.n.nextSub).toBe(2);
  });

  it('an overlapping invalidation makes seq odd, calls interval subs then hlist subs, and bumps seq to even at the end', () => {
    let n = mmuIntervalNotifierInsert(base(), { mm: 0, start: 16, end: 17, driver: 'gpu0' }).n;
    const seq = must(mmuIntervalReadBegin(n, { sub: 0 })).result.seq;
    expect(seq).toBe(1);
    const s = invalidateRangeStart(n, { range: page16 });
    expect(s.result).toEqual({ targets: [{ kind: 'interval', sub: 0, driver: 'gpu0' }, { kind: 'hlist', driver: 'gpu0' }], curSeq: 3 });
    n = s.n;
    expect(n.mms[0]).toMatchObject({ invalidateSeq: 3, activeInvalidateRanges: 1, activeRanges: [page16] });
    // The driver's callback records cur_seq; a reader that began before must retry.
    n = mmuIntervalSetSeq(n, { sub: 0, seq: 3 }).n;
    expect(mmuIntervalReadRetry(n, { sub: 0, seq }).result).toEqual({ retry: true });
    // read_begin sleeps while the sub collides with the running invalidation.
    expect(mmuIntervalReadBegin(n, { sub: 0 })).toBeNull();
    n = invalidateRangeEnd(n, { range: page16 }).n;
    expect(n.mms[0]).toMatchObject({ invalidateSeq: 4, activeInvalidateRanges: 0, activeRanges: [] });
    const again = must(mmuIntervalReadBegin(n, { sub: 0 })).result.seq;
    expect(again).toBe(3);
    expect(mmuIntervalReadRetry(n, { sub: 0, seq: again }).result).toEqual({ retry: false });
  });

  it('a non-overlapping invalidation leaves the seq even and only reaches hlist subs', () => {
    const n = mmuIntervalNotifierInsert(base(), { mm: 0, start: 16, end: 17, driver: 'gpu0' }).n;
    const s = invalidateRangeStart(n, { range: page20 });
    expect(s.result).toEqual({ targets: [{ kind: 'hlist', driver: 'gpu0' }], curSeq: 2 });
    expect(must(mmuIntervalReadBegin(s.n, { sub: 0 })).result.seq).toBe(1);
    const e = invalidateRangeEnd(s.n, { range: page20 }).n;
    expect(e.mms[0]).toMatchObject({ invalidateSeq: 2, activeInvalidateRanges: 0 });
  });

  it('insert during an invalidation (even phase): enters the itree, seq turns odd, read_begin waits for the end', () => {
    let n = invalidateRangeStart(base(), { range: page20 }).n;
    const i = mmuIntervalNotifierInsert(n, { mm: 0, start: 16, end: 17, driver: 'gpu0' });
    n = i.n;
    expect(n.mms[0]?.invalidateSeq).toBe(3);
    expect(n.mms[0]?.interval[0]).toEqual({ id: 0, mm: 0, driver: 'gpu0', start: 16, end: 17, seq: 3 });
    expect(mmuIntervalReadBegin(n, { sub: 0 })).toBeNull();
    // It is in the itree: a new overlapping invalidation reaches it.
    expect(invalidateRangeStart(n, { range: page16 }).result.targets[0]).toEqual({ kind: 'interval', sub: 0, driver: 'gpu0' });
    n = invalidateRangeEnd(n, { range: page20 }).n;
    expect(n.mms[0]?.invalidateSeq).toBe(4);
    expect(must(mmuIntervalReadBegin(n, { sub: 0 })).result.seq).toBe(3);
  });

  it('insert while the itree is invalidating (odd phase) is deferred to the last invalidate_range_end', () => {
    let n = mmuIntervalNotifierInsert(base(), { mm: 0, start: 16, end: 17, driver: 'dmirror0' }).n;
    n = invalidateRangeStart(n, { range: page16 }).n;
    const i = mmuIntervalNotifierInsert(n, { mm: 0, start: 16, end: 17, driver: 'gpu0' });
    n = i.n;
    expect(n.mms[0]?.interval[1]).toEqual({ id: 1, mm: 0, driver: 'gpu0', start: 16, end: 17, seq: 3, deferred: true });
    // Not in the itree yet: a second invalidation does not call it.
    const second = invalidateRangeStart(n, { range: page16 });
    expect(second.result.targets.filter((t) => t.kind === 'interval')).toEqual([{ kind: 'interval', sub: 0, driver: 'dmirror0' }]);
    n = invalidateRangeEnd(second.n, { range: page16 }).n;
    expect(n.mms[0]?.interval[1]?.deferred).toBe(true);
    n = invalidateRangeEnd(n, { range: page16 }).n;
    expect(n.mms[0]?.interval[1]).toEqual({ id: 1, mm: 0, driver: 'gpu0', start: 16, end: 17, seq: 3 });
    expect(n.mms[0]?.invalidateSeq).toBe(4);
  });

  it('remove waits while the itree is invalidating, except for a still-deferred sub', () => {
    let n = mmuIntervalNotifierInsert(base(), { mm: 0, start: 16, end: 17, driver: 'gpu0' }).n;
    n = invalidateRangeStart(n, { range: page16 }).n;
    expect(mmuIntervalNotifierRemove(n, { sub: 0 })).toBeNull();
    const d = mmuIntervalNotifierInsert(n, { mm: 0, start: 16, end: 17, driver: 'gpu1' });
    const dropped = must(mmuIntervalNotifierRemove(d.n, { sub: d.result.sub })).n;
    expect(dropped.mms[0]?.interval.map((s) => s.id)).toEqual([0]);
    n = invalidateRangeEnd(n, { range: page16 }).n;
    n = must(mmuIntervalNotifierRemove(n, { sub: 0 })).n;
    expect(n.mms[0]?.interval).toEqual([]);
  });

  it('orders interval callbacks by start address, and tracks ranges of an mm it has not seen yet', () => {
    let n = mmuIntervalNotifierInsert(base(), { mm: 0, start: 18, end: 20, driver: 'b' }).n;
    n = mmuIntervalNotifierInsert(n, { mm: 0, start: 10, end: 30, driver: 'a' }).n;
    const wide = mmuNotifierRangeInit('MMU_NOTIFY_UNMAP', 0, 0, 64);
    expect(invalidateRangeStart(n, { range: wide }).result.targets).toEqual([
      { kind: 'interval', sub: 1, driver: 'a' },
      { kind: 'interval', sub: 0, driver: 'b' },
      { kind: 'hlist', driver: 'gpu0' },
    ]);
    const child = mmuNotifierRangeInit('MMU_NOTIFY_RELEASE', 1, 0, 64);
    const s = invalidateRangeStart(n, { range: child });
    expect(s.result).toEqual({ targets: [], curSeq: 2 });
    expect(invalidateRangeEnd(s.n, { range: child }).n.mms[1]).toMatchObject({ mm: 1, activeInvalidateRanges: 0, activeRanges: [] });
    expect(() => invalidateRangeEnd(n, { range: page16 })).toThrow(/without a matching start/);
    expect(() => mmuIntervalReadRetry(n, { sub: 9, seq: 0 })).toThrow(/unknown mmu_interval_notifier 9/);
  });
});
