import type { ActorId, HlistSub, IntervalSub, MmId, MmNotifierState, MmuNotifierRange, NotifierState, NotifierTarget, ResultOf, SubId, Vpn } from '../domain/index.js';
import { MmModelBugError } from './state.js';

/**
 * mm/mmu_notifier.c: the per-mm collision-retry state of interval notifiers and the order of the
 * callbacks to run. Calling the callbacks is the caller's job (one step per callback).
 */

/** The new notifier state and the call's result. */
export interface NotifierDone<R> {
  readonly n: NotifierState;
  readonly result: R;
}
type N<R> = NotifierDone<R>;

/** struct mmu_notifier_subscriptions, fresh: invalidate_seq starts at 2 as in __mmu_notifier_register(). */
function emptySubscriptions(mm: MmId): MmNotifierState {
  return { mm, invalidateSeq: 2, activeInvalidateRanges: 0, activeRanges: [], interval: [], hlist: [] };
}

function intervalSub(id: SubId, mm: MmId, driver: ActorId, start: Vpn, end: Vpn, seq: number, deferred: boolean): IntervalSub {
  return deferred ? { id, mm, driver, start, end, seq, deferred: true } : { id, mm, driver, start, end, seq };
}

/**
 * The notifier state at the start of a run: `hlist` in the kernel's call order, `interval` subs
 * inserted while idle (seq = invalidate_seq - 1, odd and not current).
 */
export function initNotifierState(
  mms: number,
  hlist: readonly { readonly mm: MmId; readonly driver: ActorId }[],
  interval: readonly { readonly mm: MmId; readonly driver: ActorId; readonly start: Vpn; readonly end: Vpn }[],
): NotifierState {
  let nextSub = 0;
  const out: MmNotifierState[] = [];
  for (let mm = 0; mm < mms; mm++) {
    const s = emptySubscriptions(mm);
    const subs = interval.filter((i) => i.mm === mm).map((i) => intervalSub(nextSub++, mm, i.driver, i.start, i.end, s.invalidateSeq - 1, false));
    const hl: HlistSub[] = hlist.filter((h) => h.mm === mm).map((h) => ({ mm, driver: h.driver }));
    out.push({ ...s, interval: subs, hlist: hl });
  }
  return { mms: out, nextSub };
}

function subsOf(n: NotifierState, mm: MmId): MmNotifierState {
  return n.mms.find((s) => s.mm === mm) ?? emptySubscriptions(mm);
}

/** Writes back one mm's subscriptions (mmu_notifier_register allocates them on first use). */
function withSubs(n: NotifierState, s: MmNotifierState): NotifierState {
  const i = n.mms.findIndex((x) => x.mm === s.mm);
  const mms = i < 0 ? [...n.mms, s] : n.mms.map((x, j) => (j === i ? s : x));
  return { mms, nextSub: n.nextSub };
}

function findSub(n: NotifierState, sub: SubId): { readonly s: MmNotifierState; readonly sub: IntervalSub } {
  for (const s of n.mms) {
    const found = s.interval.find((i) => i.id === sub);
    if (found !== undefined) return { s, sub: found };
  }
  throw new MmModelBugError(`unknown mmu_interval_notifier ${sub}`);
}

function isInvalidating(s: MmNotifierState): boolean {
  return s.invalidateSeq % 2 !== 0;
}

/**
 * __mmu_interval_notifier_insert. With invalidations in flight the new sub starts colliding
 * (seq = the odd mm seq) so read_begin waits for them: while the itree is being walked (odd seq)
 * it goes on the deferred list until mn_itree_inv_end; otherwise it enters the itree and the mm
 * seq turns odd. When idle, seq = invalidate_seq - 1.
 */
export function mmuIntervalNotifierInsert(
  n: NotifierState,
  a: { readonly mm: MmId; readonly start: Vpn; readonly end: Vpn; readonly driver: ActorId },
): N<ResultOf<'MMU_INTERVAL_NOTIFIER_INSERT'>> {
  let s = subsOf(n, a.mm);
  const id = n.nextSub;
  let sub: IntervalSub;
  if (s.activeInvalidateRanges > 0) {
    const deferred = isInvalidating(s);
    if (!deferred) s = { ...s, invalidateSeq: s.invalidateSeq | 1 };
    sub = intervalSub(id, a.mm, a.driver, a.start, a.end, s.invalidateSeq, deferred);
  } else {
    sub = intervalSub(id, a.mm, a.driver, a.start, a.end, s.invalidateSeq - 1, false);
  }
  s = { ...s, interval: [...s.interval, sub] };
  return { n: { ...withSubs(n, s), nextSub: id + 1 }, result: { sub: id } };
}

/**
 * mmu_interval_notifier_remove. While the itree is being walked (odd seq) the kernel queues the
 * removal and sleeps until invalidate_seq moves; the model lets the call wait and removes at once
 * after, which is the same except that callbacks keep reaching the sub meanwhile either way.
 * A sub still on the deferred insert list is simply dropped from it.
 */
export function mmuIntervalNotifierRemove(n: NotifierState, a: { readonly sub: SubId }): N<ResultOf<'MMU_INTERVAL_NOTIFIER_REMOVE'>> | null {
  const { s, sub } = findSub(n, a.sub);
  if (isInvalidating(s) && sub.deferred !== true) return null;
  return { n: withSubs(n, { ...s, interval: s.interval.filter((i) => i.id !== a.sub) }), result: { ok: true } };
}

/** mmu_interval_read_begin: sleeps while the sub's seq equals the mm's odd seq (colliding). */
export function mmuIntervalReadBegin(n: NotifierState, a: { readonly sub: SubId }): N<ResultOf<'MMU_INTERVAL_READ_BEGIN'>> | null {
  const { s, sub } = findSub(n, a.sub);
  if (sub.seq === s.invalidateSeq) return null;
  return { n, result: { seq: sub.seq } };
}

/** mmu_interval_read_retry (under the driver lock that its invalidate callback also takes). */
export function mmuIntervalReadRetry(n: NotifierState, a: { readonly sub: SubId; readonly seq: number }): N<ResultOf<'MMU_INTERVAL_READ_RETRY'>> {
  return { n, result: { retry: findSub(n, a.sub).sub.seq !== a.seq } };
}

/** mmu_interval_set_seq: the invalidate callback records cur_seq (under its driver lock). */
export function mmuIntervalSetSeq(n: NotifierState, a: { readonly sub: SubId; readonly seq: number }): N<ResultOf<'MMU_INTERVAL_SET_SEQ'>> {
  const { s } = findSub(n, a.sub);
  const interval = s.interval.map((i) => (i.id === a.sub ? { ...i, seq: a.seq } : i));
  return { n: withSubs(n, { ...s, interval }), result: { ok: true } };
}

/** One key order for ranges kept in the state. */
function rangeOf(r: MmuNotifierRange): MmuNotifierRange {
  return { mm: r.mm, start: r.start, end: r.end, event: r.event, owner: r.owner, blockable: r.blockable };
}

function sameRange(a: MmuNotifierRange, b: MmuNotifierRange): boolean {
  return a.mm === b.mm && a.start === b.start && a.end === b.end && a.event === b.event && a.owner === b.owner && a.blockable === b.blockable;
}

function overlaps(sub: IntervalSub, range: MmuNotifierRange): boolean {
  return sub.start < range.end && range.start < sub.end;
}

/**
 * __mmu_notifier_invalidate_range_start: mn_itree_inv_start_range (active++, seq |= 1 if an
 * interval sub in the itree overlaps), then the callbacks in the kernel's order: overlapping
 * interval subs as the interval tree yields them (by start), then every hlist subscriber.
 */
export function invalidateRangeStart(n: NotifierState, a: { readonly range: MmuNotifierRange }): N<ResultOf<'INVALIDATE_RANGE_START'>> {
  let s = subsOf(n, a.range.mm);
  const hits = s.interval
    .filter((i) => i.deferred !== true && overlaps(i, a.range))
    .slice()
    .sort((x, y) => x.start - y.start || x.id - y.id);
  const invalidateSeq = hits.length > 0 ? s.invalidateSeq | 1 : s.invalidateSeq;
  s = { ...s, invalidateSeq, activeInvalidateRanges: s.activeInvalidateRanges + 1, activeRanges: [...s.activeRanges, rangeOf(a.range)] };
  const targets: NotifierTarget[] = [
    ...hits.map((i): NotifierTarget => ({ kind: 'interval', sub: i.id, driver: i.driver })),
    ...s.hlist.map((h): NotifierTarget => ({ kind: 'hlist', driver: h.driver })),
  ];
  return { n: withSubs(n, s), result: { targets, curSeq: invalidateSeq } };
}

/**
 * mn_itree_inv_end: active--; the last one out of an odd phase makes the seq even (waking
 * read_begin sleepers) and applies the deferred inserts.
 */
export function invalidateRangeEnd(n: NotifierState, a: { readonly range: MmuNotifierRange }): N<ResultOf<'INVALIDATE_RANGE_END'>> {
  let s = subsOf(n, a.range.mm);
  const i = s.activeRanges.findIndex((r) => sameRange(r, a.range));
  if (i < 0 || s.activeInvalidateRanges <= 0) throw new MmModelBugError(`invalidate_range_end on mm ${a.range.mm} [${a.range.start}, ${a.range.end}) ${a.range.event} without a matching start`);
  const activeRanges = [...s.activeRanges.slice(0, i), ...s.activeRanges.slice(i + 1)];
  s = { ...s, activeInvalidateRanges: s.activeInvalidateRanges - 1, activeRanges };
  if (s.activeInvalidateRanges === 0 && isInvalidating(s)) {
    const interval = s.interval.map((i) => (i.deferred === true ? intervalSub(i.id, i.mm, i.driver, i.start, i.end, i.seq, false) : i));
    s = { ...s, invalidateSeq: s.invalidateSeq + 1, interval };
  }
  return { n: withSubs(n, s), result: { ok: true } };
}
