import type { ActorId } from '../domain/index.js';
import type { StepId } from '../runtime/step.js';
import { mulberry32 } from './prng.js';
import type { Scheduler } from './scheduler.js';

export interface PctOptions {
  readonly seed: number;
  /** The bug depth d: d − 1 priority change points. */
  readonly depth: number;
  /** k, the (estimated) number of steps of an execution; change points are drawn from 1..k. */
  readonly steps: number;
  /** Every actor that may step, in world order. */
  readonly actors: readonly ActorId[];
}

/** The actor a step id belongs to (the receiver of a delivery). */
export function actorOfStep(id: StepId): ActorId {
  const lt = id.indexOf('<');
  return lt < 0 ? id : id.slice(0, lt);
}

/**
 * Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010):
 * actors get distinct random priorities d … d+n−1; at each step the enabled actor with the
 * highest priority moves; at each of d − 1 random change points (steps c₁ … c_{d−1}) the actor
 * about to move drops to priority d − i, below every initial priority. A bug of depth d is found
 * with probability at least 1/(n·k^(d−1)) per execution. Which of one actor's enabled steps
 * (its own, or a delivery from one of its senders) runs is drawn from the same seeded PRNG.
 */
export function pctScheduler(opts: PctOptions): Scheduler {
  const prng = mulberry32(opts.seed);
  const n = opts.actors.length;
  const d = Math.max(1, opts.depth);
  const order = [...opts.actors];
  for (let i = order.length - 1; i > 0; i--) {
    const j = prng.nextInt(i + 1);
    [order[i], order[j]] = [order[j] as ActorId, order[i] as ActorId];
  }
  const priority = new Map<ActorId, number>(order.map((a, i) => [a, d + n - 1 - i]));
  const changeAt = new Map<number, number>();
  const k = Math.max(1, opts.steps);
  for (let i = 1; i < d && changeAt.size < k; i++) {
    let c = 1 + prng.nextInt(k);
    while (changeAt.has(c)) c = 1 + prng.nextInt(k);
    changeAt.set(c, d - i);
  }
  const top = (enabled: readonly StepId[]): ActorId => {
    let best: ActorId | null = null;
    let bestP = -Infinity;
    for (const id of enabled) {
      const a = actorOfStep(id);
      const p = priority.get(a) ?? 0;
      if (p > bestP) {
        best = a;
        bestP = p;
      }
    }
    return best as ActorId;
  };
  return {
    name: `pct(seed=${opts.seed}, d=${d}, k=${k})`,
    choose: (enabled, depth) => {
      let a = top(enabled);
      const drop = changeAt.get(depth + 1);
      if (drop !== undefined) {
        priority.set(a, drop);
        a = top(enabled);
      }
      const mine = enabled.filter((id) => actorOfStep(id) === a);
      return mine[mine.length === 1 ? 0 : prng.nextInt(mine.length)] as StepId;
    },
  };
}
