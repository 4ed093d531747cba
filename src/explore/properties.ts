import type { World } from '../domain/index.js';
import type { Violation } from '../invariants/types.js';
import { deadlockOf } from '../runtime/run.js';
import type { Delivery } from '../runtime/step.js';
import type { ExploreTarget } from './target.js';

/**
 * The properties of a transition, in catalogue order. `run.ts` `checkStep` is this followed by
 * the state properties of `after`; the explorer splits the two so that a state reached again is
 * not checked again.
 */
export function stepViolation(t: ExploreTarget, before: World, deliveries: readonly Delivery[], after: World): Violation | null {
  for (const inv of t.invariants) {
    if (inv.step === undefined) continue;
    const msg = inv.step(t.ctx, before, deliveries, after);
    if (msg !== null) return { invariant: inv.id, message: msg };
  }
  return null;
}

export function stateViolation(t: ExploreTarget, world: World): Violation | null {
  for (const inv of t.invariants) {
    if (inv.state === undefined) continue;
    const msg = inv.state(t.ctx, world);
    if (msg !== null) return { invariant: inv.id, message: msg };
  }
  return null;
}

/**
 * A world with no enabled step: a deadlock unless every thread and channel has finished; else
 * the end of a run, where the scenario's expected final words must hold.
 */
export function deadlockViolation(t: ExploreTarget, world: World): Violation | null {
  const dl = deadlockOf(world);
  if (dl !== null) return t.deadlock ? dl : null;
  return t.final === null ? null : t.final(world);
}
