import type { World } from '../domain/index.js';
import type { Violation } from '../invariants/types.js';
import { enabledSteps, step, stepAll, type StepId } from '../runtime/step.js';
import { bfs } from './bfs.js';
import { Fingerprinter } from './fingerprint.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import { normaliser, type ExploreTarget } from './target.js';
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
  if (enabledSteps(world, target.steppers).length === 0) {
    const dl = deadlockViolation(target, world);
    if (dl !== null) return { violation: dl, length: choices.length };
  }
  return null;
}

/** The world after `choices`, or null if one is not enabled. */
function worldAfter(target: ExploreTarget, choices: readonly StepId[]): World | null {
  const r = stepAll(target.initial, target.steppers, choices);
  return r.stuck === undefined ? r.world : null;
}

export interface ShrinkOptions {
  /** Most steps replayed in all (each candidate costs its length); bounds the time shrinking takes. */
  readonly maxSteps?: number;
  /** States of the breadth-first search for a shortest violation of the same property (0: none). */
  readonly bfsStates?: number;
}

/**
 * Makes a counterexample from dfs, random or pct shorter. First a bounded breadth-first search
 * for the same property alone: if it ends within its budget, its counterexample is a shortest
 * one. Otherwise three passes, each candidate kept only when its replay still violates the same
 * property:
 * 1. shortcuts: from each world on the path, jump to the furthest later world of the path that
 *    a small breadth-first look-ahead reaches (a few steps, a few hundred worlds: cheap, and it
 *    removes most detours of a depth-first path);
 * 2. drop chunks of steps, halving the chunk size down to one step (delta debugging);
 * 3. move single steps earlier (to the front, or one place), which often lets pass 2 drop more.
 * A lasso keeps its cycle and shrinks its prefix, keeping a candidate prefix when it still
 * reaches the world where the cycle starts.
 */
export function shrink(target: ExploreTarget, cx: Counterexample, opts: ShrinkOptions = {}): Counterexample {
  let budget = opts.maxSteps ?? 300_000;
  const fp = new Fingerprinter(target.steppers);
  const norm = normaliser(target);
  const vec = new Uint32Array(fp.width);
  const keyOf = (w: World): string => {
    fp.encode(norm(w), vec);
    return vec.join(',');
  };
  if (cx.cycleStart !== undefined) {
    const prefix = cx.choices.slice(0, cx.cycleStart);
    const cycle = cx.choices.slice(cx.cycleStart);
    const start = worldAfter(target, prefix);
    if (start === null) return cx;
    const want = keyOf(start);
    const fits = (cand: readonly StepId[]): number => {
      if (budget <= 0) return -1;
      budget -= cand.length;
      const w = worldAfter(target, cand);
      return w !== null && keyOf(w) === want ? cand.length : -1;
    };
    const p = minimise(shortcut(target, prefix, prefix.length, keyOf), fits);
    return { ...cx, choices: [...p, ...cycle], cycleStart: p.length };
  }
  const id = cx.violation.invariant;
  const shortest = bfsFor(target, cx, opts.bfsStates ?? 50_000);
  if (shortest !== null) return shortest;
  const fits = (cand: readonly StepId[]): number => {
    if (budget <= 0) return -1;
    budget -= cand.length;
    const r = replayViolation(target, cand);
    return r === null || r.violation.invariant !== id ? -1 : r.length;
  };
  const first = fits(cx.choices);
  if (first < 0) return cx;
  let best = cx.choices.slice(0, first);
  // A step property is about the last step itself: keep it, shortcut the way to the world it leaves.
  const cut = shortcut(target, best, best.length - 1, keyOf);
  const withLast = [...cut, ...best.slice(best.length - 1)];
  if (withLast.length < best.length) {
    const n = fits(withLast);
    if (n >= 0) best = withLast.slice(0, n);
  }
  const choices = minimise(best, fits);
  const r = replayViolation(target, choices);
  return r === null ? cx : { violation: r.violation, choices: choices.slice(0, r.length) };
}

/**
 * A shortest counterexample of the same property, from bfs over a target that checks that
 * property alone, when bfs finds one within `maxStates` and its replay with every property
 * shows that same property first.
 */
function bfsFor(target: ExploreTarget, cx: Counterexample, maxStates: number): Counterexample | null {
  const id = cx.violation.invariant;
  if (maxStates <= 0) return null;
  const only: ExploreTarget = {
    ...target,
    invariants: target.invariants.filter((i) => i.id === id),
    deadlock: id === 'deadlock',
    final: id === 'expect-final' ? target.final : null,
    liveness: false,
  };
  const r = bfs(only, { strategy: 'bfs', maxStates });
  const found = r.counterexample;
  if (found === undefined || found.choices.length >= cx.choices.length) return null;
  const check = replayViolation(target, found.choices);
  if (check === null || check.violation.invariant !== id || check.length !== found.choices.length) return null;
  return { violation: check.violation, choices: found.choices };
}

/**
 * The path `choices[..upto]`, shortened by jumps: from each world, a breadth-first look a few
 * steps ahead for the latest world of the original path (up to index `upto`); ends at world `upto`.
 */
function shortcut(target: ExploreTarget, choices: readonly StepId[], upto: number, keyOf: (w: World) => string): StepId[] {
  if (upto <= 1) return choices.slice(0, Math.max(0, upto));
  const worlds: World[] = [target.initial];
  for (let i = 0; i < upto; i++) {
    const o = step(worlds[i] as World, target.steppers, choices[i] as StepId, false);
    if (o === null) return choices.slice(0, upto);
    worlds.push(o.world);
  }
  const index = new Map<string, number>();
  worlds.forEach((w, i) => index.set(keyOf(w), i));
  const out: StepId[] = [];
  let i = 0;
  let world = target.initial;
  while (i < upto) {
    const jump = lookAhead(target, world, i, index, keyOf);
    if (jump === null) return choices.slice(0, upto);
    out.push(...jump.path);
    world = jump.world;
    i = jump.to;
  }
  return out;
}

const LOOK_DEPTH = 3;
const LOOK_NODES = 400;

/** The latest path index reachable from `world` (at path index `at`) within a few steps, with the steps. */
function lookAhead(
  target: ExploreTarget,
  world: World,
  at: number,
  index: ReadonlyMap<string, number>,
  keyOf: (w: World) => string,
): { readonly to: number; readonly path: readonly StepId[]; readonly world: World } | null {
  let best: { to: number; path: readonly StepId[]; world: World } | null = null;
  let frontier: { world: World; path: readonly StepId[] }[] = [{ world, path: [] }];
  const seen = new Set<string>([keyOf(world)]);
  for (let d = 0; d < LOOK_DEPTH && frontier.length > 0; d++) {
    const next: { world: World; path: readonly StepId[] }[] = [];
    for (const f of frontier) {
      for (const { id: c, outcome: o } of enabledSteps(f.world, target.steppers)) {
        const k = keyOf(o.world);
        if (seen.has(k)) continue;
        seen.add(k);
        const path = [...f.path, c];
        const j = index.get(k);
        // Worth it only when the jump is longer than the steps it takes.
        if (j !== undefined && j > at && j - at > path.length - 1 && (best === null || j - path.length > best.to - best.path.length)) {
          best = { to: j, path, world: o.world };
        }
        if (seen.size < LOOK_NODES) next.push({ world: o.world, path });
      }
    }
    frontier = next;
  }
  return best;
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

/**
 * The counterexample as the real model runs it: its choices replayed from the initial world
 * without the symmetry reduction, which must show the same property violated at the same step
 * (its message is taken from this replay, so a `hmmx replay` of the trace prints the same).
 */
export function concretise(target: ExploreTarget, cx: Counterexample): Counterexample {
  if (cx.cycleStart !== undefined) return cx;
  const r = replayViolation(target, cx.choices);
  if (r === null || r.violation.invariant !== cx.violation.invariant || r.length !== cx.choices.length) {
    const got = r === null ? 'no violation' : `${r.violation.invariant} after ${r.length} steps`;
    throw new Error(`internal: counterexample (${cx.violation.invariant} after ${cx.choices.length} steps) replays as ${got}`);
  }
  return { violation: r.violation, choices: cx.choices };
}
