import type { ActorSnap, MmNotifierState, NotifierState, World } from '../domain/index.js';
import { identityMemo } from '../invariants/memo.js';
import type { Steppers } from '../runtime/step.js';
import type { MachineStepper } from '../runtime/xstateStep.js';

/**
 * A reduction that merges worlds which behave identically (a bisimulation), so that numbers the
 * kernel only ever compares for equality cannot make the state space infinite.
 *
 * mm/mmu_notifier.c's `invalidate_seq` only grows (by 2 per invalidation that hits an interval
 * subscription) and subscription ids are fresh per insert. Nouveau inserts one interval notifier
 * per fault (nouveau_atomic_range_fault, nouveau_range_fault) and removes it afterwards, so a
 * CPU↔GPU ping-pong produces worlds that differ only in these numbers, without end. Whoever holds
 * such a number (a subscription's seq, a driver's mmu_interval_read_begin result) only compares it
 * for equality with the others; a new subscription takes `invalidate_seq − 1` and a fresh id.
 * So when an mm has no interval subscription and no invalidation in flight, nobody holds its seq
 * and its value does not matter: the explorer continues from the same world with the seq reset
 * to 2 (what __mmu_notifier_register starts from), and the next subscription id reset to one more
 * than the largest live id (0 when none). Every other actor is left exactly as it was.
 *
 * Worlds the explorer stores are canonical in this sense; a counterexample's choices replay on
 * the real (uncanonicalised) worlds, which only differ in these numbers — the explorer replays
 * each counterexample that way before reporting it.
 */
function idleSeq(m: MmNotifierState): boolean {
  return m.interval.length === 0 && m.activeInvalidateRanges === 0 && m.invalidateSeq % 2 === 0;
}

/** The canonical notifier state, or null when `n` already is. */
export function canonicalNotifier(n: NotifierState): NotifierState | null {
  const ids = n.mms.flatMap((m) => m.interval.map((s) => s.id));
  const nextSub = ids.length === 0 ? 0 : Math.max(...ids) + 1;
  if (n.nextSub === nextSub && !n.mms.some((m) => idleSeq(m) && m.invalidateSeq !== 2)) return null;
  return { mms: n.mms.map((m) => (idleSeq(m) && m.invalidateSeq !== 2 ? { ...m, invalidateSeq: 2 } : m)), nextSub };
}

/** No mm of the world has an interval subscription or an invalidation in flight (its seqs are held by nobody). */
export function notifierIdle(w: World): boolean {
  return w.actors.every((a) => {
    if (a.kind !== 'mmuNotifier') return true;
    const n = a.context['n'] as NotifierState | undefined;
    return n === undefined || !Array.isArray(n.mms) || n.mms.every((m) => m.interval.length === 0 && m.activeInvalidateRanges === 0);
  });
}

/** Replaces the notifier actor of a world by its canonical state (cached per interned state). */
export class Canonicaliser {
  /** Per notifier position: its canonical snapshot, per snapshot. */
  private readonly notifiers: ReadonlyArray<{ readonly pos: number; readonly canonical: (a: ActorSnap) => ActorSnap }>;

  constructor(steppers: Steppers) {
    const out: Array<{ pos: number; canonical: (a: ActorSnap) => ActorSnap }> = [];
    steppers.byPosition.forEach((s, pos) => {
      if (s.kind === 'mmuNotifier') out.push({ pos, canonical: identityMemo((a: ActorSnap) => canonicalSnap(s, a)) });
    });
    this.notifiers = out;
  }

  world(w: World): World {
    let actors: ActorSnap[] | null = null;
    for (const { pos, canonical } of this.notifiers) {
      const a = w.actors[pos] as ActorSnap;
      const c = canonical(a);
      if (c === a) continue;
      actors ??= w.actors.slice();
      actors[pos] = c;
    }
    return actors === null ? w : { actors, net: w.net };
  }
}

function canonicalSnap(stepper: MachineStepper, a: ActorSnap): ActorSnap {
  const n = a.context['n'] as NotifierState | undefined;
  const canon = n === undefined || !Array.isArray(n.mms) ? null : canonicalNotifier(n);
  return canon === null ? a : stepper.canonical({ ...a, context: { ...a.context, n: canon } });
}
