import type { World } from '../domain/index.js';
import type { Violation } from '../invariants/types.js';
import { candidateSteps, step, type StepId } from '../runtime/step.js';
import { Fingerprinter } from './fingerprint.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import type { ExploreTarget } from './target.js';
import type { Counterexample } from './types.js';

export interface Replayed {
  readonly violation: Violation;
  /** How many choices ran before it showed (the rest of the choices are not needed). */
  readonly length: number;
}

/**
 * Runs `choices` from the initial world, checking every property after every step as the
 * explorer does; the first violation and where it showed, or null when the choices do not fit
 * the model (a choice not enabled) or violate nothing.
 */
export function replayViolation(target: ExploreTarget, choices: readonly StepId[]): Replayed | null {
  let world = target.initial;
  const v0 = stateViolation(target, world);
  if (v0 !== null) return { violation: v0, length: 0 };
  for (let i = 0; i < choices.length; i++) {
    const o = step(world, target.steppers, choices[i] as StepId, true);
    if (o === null) return null;
    const v = stepViolation(target, world, o.deliveries, o.world) ?? stateViolation(target, o.world);
    if (v !== null) return { violation: v, length: i + 1 };
    world = o.world;
  }
  if (!candidateSteps(world).some((id) => step(world, target.steppers, id, false) !== null)) {
    const dl = deadlockViolation(target, world);
    if (dl !== null) return { violation: dl, length: choices.length };
  }
  return null;
}

/** The world after `choices`, or null if one is not enabled. */
function worldAfter(target: ExploreTarget, choices: readonly StepId[]): World | null {
  let world = target.initial;
  for (const c of choices) {
    const o = step(world, target.steppers, c, false);
    if (o === null) return null;
    world = o.world;
  }
  return world;
}

export interface ShrinkOptions {
  /** Most candidate replays to try (each is one replay of at most the current length). */
  readonly maxReplays?: number;
}

/**
 * Makes a counterexample from dfs, random or pct shorter: drop chunks of steps (halving the
 * chunk size down to one step), and move single steps earlier, keeping a candidate when its
 * replay still violates the same property. A lasso keeps its cycle and shrinks its prefix,
 * keeping a candidate prefix when it still reaches the world where the cycle starts.
 */
export function shrink(target: ExploreTarget, cx: Counterexample, opts: ShrinkOptions = {}): Counterexample {
  let replays = opts.maxReplays ?? 4000;
  if (cx.cycleStart !== undefined) {
    const fp = new Fingerprinter(target.steppers);
    const prefix = cx.choices.slice(0, cx.cycleStart);
    const cycle = cx.choices.slice(cx.cycleStart);
    const target0 = worldAfter(target, prefix);
    if (target0 === null) return cx;
    const wantVec = new Uint32Array(fp.width);
    const want = fp.encode(target0, wantVec);
    const vec = new Uint32Array(fp.width);
    const fits = (cand: readonly StepId[]): number => {
      if (replays-- <= 0) return -1;
      const w = worldAfter(target, cand);
      if (w === null || fp.encode(w, vec) !== want || !vec.every((x, i) => x === wantVec[i])) return -1;
      return cand.length;
    };
    const p = minimise(prefix, fits);
    return { ...cx, choices: [...p, ...cycle], cycleStart: p.length };
  }
  const id = cx.violation.invariant;
  let violation = cx.violation;
  const fits = (cand: readonly StepId[]): number => {
    if (replays-- <= 0) return -1;
    const r = replayViolation(target, cand);
    if (r === null || r.violation.invariant !== id) return -1;
    violation = r.violation;
    return r.length;
  };
  const first = fits(cx.choices);
  if (first < 0) return cx;
  const choices = minimise(cx.choices.slice(0, first), fits);
  fits(choices);
  return { violation, choices };
}

/** Greedy delta debugging over a sequence; `fits` returns the length of the prefix that still fails, or −1. */
function minimise(start: readonly StepId[], fits: (cand: readonly StepId[]) => number): StepId[] {
  let best = [...start];
  for (let round = 0; round < 4; round++) {
    const before = best.length;
    for (let size = Math.max(1, best.length >> 1); size >= 1; size = size === 1 ? 0 : Math.max(1, size >> 1)) {
      let i = 0;
      while (i < best.length) {
        const cand = [...best.slice(0, i), ...best.slice(i + size)];
        const n = fits(cand);
        if (n >= 0) best = cand.slice(0, n);
        else i += size;
      }
    }
    // Moving a step to the front, or one place earlier, often lets the next round drop the steps it jumped.
    let moved = false;
    for (let i = 1; i < best.length; i++) {
      for (const j of i > 1 ? [0, i - 1] : [0]) {
        if (best[j] === best[i]) continue;
        const cand = [...best.slice(0, j), best[i] as StepId, ...best.slice(j, i), ...best.slice(i + 1)];
        const n = fits(cand);
        if (n >= 0) {
          moved = true;
          best = cand.slice(0, n);
          break;
        }
      }
    }
    if (best.length === before && !moved) break;
  }
  return best;
}
