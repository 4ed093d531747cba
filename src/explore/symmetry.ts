import type { ActorSnap, MmNotifierState, NotifierState } from '../domain/index.js';

/**
 * Reductions of the fingerprint that merge worlds which behave identically (a bisimulation), so
 * that a value the kernel only ever compares for equality cannot make the state space infinite.
 *
 * mm/mmu_notifier.c's `invalidate_seq` only grows (by 2 per invalidation that hits an interval
 * subscription) and subscription ids are fresh per insert; Nouveau inserts one interval
 * notifier per fault (nouveau_atomic_range_fault, nouveau_range_fault) and removes it after, so a
 * CPU↔GPU ping-pong produces worlds that differ only in these numbers. Whoever holds such a value
 * (a subscription's seq, a driver's read_begin result) only compares it for equality with the
 * others, and a new subscription takes `invalidate_seq − 1` and the next id. Hence:
 * - an mm with no interval subscription and no invalidation in flight (its seq even and nobody
 *   holding a copy) is the same state whatever its seq: it is canonicalised to 2, the seq
 *   __mmu_notifier_register starts from;
 * - the next subscription id only has to differ from the live ones: it is canonicalised to one
 *   more than the largest live id (0 when none).
 * Every other actor is compared exactly, so worlds are merged only when everything else is equal.
 */
export type Canonicaliser = (snap: ActorSnap) => string | null;

function liveIds(n: NotifierState): number[] {
  return n.mms.flatMap((m) => m.interval.map((s) => s.id));
}

function idleSeq(m: MmNotifierState): boolean {
  return m.interval.length === 0 && m.activeInvalidateRanges === 0 && m.invalidateSeq % 2 === 0;
}

/** The canonical key of a notifier state, or null when it is already canonical. */
export const notifierSymmetry: Canonicaliser = (snap) => {
  const n = snap.context['n'] as NotifierState | undefined;
  if (n === undefined || !Array.isArray(n.mms)) return null;
  const ids = liveIds(n);
  const nextSub = ids.length === 0 ? 0 : Math.max(...ids) + 1;
  const changed = n.nextSub !== nextSub || n.mms.some((m) => idleSeq(m) && m.invalidateSeq !== 2);
  if (!changed) return null;
  const mms = n.mms.map((m) => (idleSeq(m) ? { ...m, invalidateSeq: 2 } : m));
  const { out: _out, ...rest } = snap.context;
  return JSON.stringify([snap.value, { ...rest, n: { mms, nextSub } }]);
};

/** The reductions per actor kind that the explorer applies. */
export const SYMMETRIES: Readonly<Partial<Record<ActorSnap['kind'], Canonicaliser>>> = {
  mmuNotifier: notifierSymmetry,
};
