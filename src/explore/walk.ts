import type { World } from '../domain/index.js';
import type { Violation } from '../invariants/types.js';
import type { StepId } from '../runtime/step.js';
import { pctScheduler } from '../sched/pct.js';
import { randomScheduler, type Scheduler } from '../sched/scheduler.js';
import { Budget } from './budget.js';
import { expand, StepIds } from './expand.js';
import { Fingerprinter, fmix, mix } from './fingerprint.js';
import { channelPositions, lassoViolation, rotateToIdle, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import { normaliser, type ExploreTarget } from './target.js';
import type { Counterexample, ExploreOptions, ExploreResult, Progress } from './types.js';

/** Executions of random and pct when `--max-states` does not say. */
export const DEFAULT_EXECUTIONS = 1000;
/** Steps after which a walk is cut (and the verdict is `incomplete`) when `--max-depth` does not say. */
export const DEFAULT_WALK_DEPTH = 10_000;
/** pct's bug depth when `--depth` does not say. */
export const DEFAULT_PCT_DEPTH = 3;

export type WalkEnd = 'finished' | 'violation' | 'cut';

export interface WalkResult {
  readonly end: WalkEnd;
  readonly choices: readonly StepId[];
  readonly counterexample?: Counterexample;
}

/**
 * One execution under `scheduler`, every property checked after every step. With liveness, a
 * walk that comes back to a world it has seen closes a cycle; if that cycle is fair to every
 * actor enabled on it and a channel stays unfinished all along, it is a `gpu-progress` lasso.
 */
export function walk(target: ExploreTarget, scheduler: Scheduler, maxDepth: number, fp: Fingerprinter, ids: StepIds, norm: (w: World) => World): WalkResult {
  const channels = channelPositions(target.kinds);
  const choices: StepId[] = [];
  const seen = target.liveness ? new Map<string, number>() : null;
  const vec = new Uint32Array(fp.width);
  const enabledAt: number[] = [];
  const progressingAt: number[] = [];
  const pendingAt: number[] = [];
  const actorAt: number[] = [];
  const progressAt: boolean[] = [];
  let world = norm(target.initial);
  const v0 = stateViolation(target, world);
  if (v0 !== null) return { end: 'violation', choices, counterexample: { violation: v0, choices: [] } };
  for (let depth = 0; ; depth++) {
    const succ = expand(world, target.steppers, ids);
    const masks = seen === null ? null : stateMasks(world, succ, ids, channels);
    if (seen !== null && masks !== null) {
      fp.encode(world, vec);
      const key = vec.join(',');
      enabledAt.push(masks.enabled);
      progressingAt.push(masks.progressing);
      pendingAt.push(masks.pending);
      const j = seen.get(key);
      if (j !== undefined) {
        const lasso = fairLasso(target, choices, j, { enabledAt, progressingAt, pendingAt, actorAt, progressAt });
        if (lasso !== null) return { end: 'violation', choices, counterexample: lasso };
      } else {
        seen.set(key, depth);
      }
    }
    if (succ.length === 0) {
      const dl = deadlockViolation(target, world);
      if (dl !== null) return { end: 'violation', choices, counterexample: { violation: dl, choices } };
      return { end: 'finished', choices };
    }
    if (depth >= maxDepth) return { end: 'cut', choices };
    const name = scheduler.choose(succ.map((s) => ids.name(s.idx)), depth);
    const k = succ.findIndex((x) => ids.name(x.idx) === name);
    const s = succ[k];
    if (s === undefined) throw new Error(`scheduler ${scheduler.name} chose '${name}', which is not enabled`);
    choices.push(name);
    actorAt.push(ids.actor[s.idx] as number);
    progressAt.push(masks?.progress[k] === true);
    const after = s.outcome.world;
    const v: Violation | null = stepViolation(target, world, s.outcome.deliveries, after) ?? stateViolation(target, after);
    if (v !== null) return { end: 'violation', choices, counterexample: { violation: v, choices: [...choices] } };
    world = norm(after);
  }
}

interface WalkMasks {
  readonly enabledAt: readonly number[];
  readonly progressingAt: readonly number[];
  readonly pendingAt: readonly number[];
  readonly actorAt: readonly number[];
  readonly progressAt: readonly boolean[];
}

/** The cycle choices[j..] back to the current world, if it is fair (liveness.ts) and starves a channel. */
function fairLasso(target: ExploreTarget, choices: readonly StepId[], j: number, m: WalkMasks): Counterexample | null {
  let stepped = 0;
  let progressed = 0;
  let enabled = 0;
  let couldProgress = 0;
  let pending = -1;
  for (let i = j; i < choices.length; i++) {
    const bit = 1 << (m.actorAt[i] as number);
    stepped |= bit;
    if (m.progressAt[i] === true) progressed |= bit;
    enabled |= m.enabledAt[i] as number;
    couldProgress |= m.progressingAt[i] as number;
    pending &= m.pendingAt[i] as number;
  }
  if (pending === 0 || (enabled & ~stepped) !== 0 || (couldProgress & ~progressed) !== 0) return null;
  // Fair to every actor; under transition fairness the channel must also be unable to finish from here.
  const lasso = rotateToIdle(target, choices.slice(0, j), choices.slice(j));
  const v = lassoViolation(target, lasso.prefix, lasso.cycle, target.fairness);
  return typeof v === 'string' ? null : { violation: v, choices: [...lasso.prefix, ...lasso.cycle], cycleStart: lasso.prefix.length, fairness: target.fairness };
}

/** The seed of execution `i` of a run seeded with `seed`. */
export function executionSeed(seed: number, i: number): number {
  return fmix(mix(mix(0x5eed, seed), i));
}

/** What the executions of one run share: one fingerprinter, step table and normaliser, and pct's k. */
export interface WalkContext {
  readonly target: ExploreTarget;
  readonly strategy: 'random' | 'pct';
  readonly seed: number;
  readonly maxDepth: number;
  readonly pctDepth: number;
  readonly fp: Fingerprinter;
  readonly ids: StepIds;
  readonly norm: (w: World) => World;
  /** pct's k: the length of a calibration walk (a random one, seeded from the run's seed). */
  readonly k: number;
}

export function walkContext(target: ExploreTarget, strategy: 'random' | 'pct', seed: number, maxDepth: number, pctDepth: number): WalkContext {
  const fp = new Fingerprinter(target.steppers);
  const ids = new StepIds(target.steppers.index);
  const norm = normaliser(target);
  const k = strategy === 'pct' ? Math.max(1, walk(target, randomScheduler(executionSeed(seed, -1)), maxDepth, fp, ids, norm).choices.length) : 0;
  return { target, strategy, seed, maxDepth, pctDepth, fp, ids, norm, k };
}

/**
 * Execution `i` of a run: a function of (seed, i) alone (pct's k comes from a fixed calibration
 * walk, not from earlier executions), so workers can share the executions and agree with one.
 */
export function execution(c: WalkContext, i: number): WalkResult {
  const s = executionSeed(c.seed, i);
  const actors = c.target.initial.actors.map((a) => a.id);
  const scheduler = c.strategy === 'random' ? randomScheduler(s) : pctScheduler({ seed: s, depth: c.pctDepth, steps: c.k, actors });
  return walk(c.target, scheduler, c.maxDepth, c.fp, c.ids, c.norm);
}

/**
 * random: `executions` seeded walks; pct: the same with PCT schedulers. Stateless: `states`
 * counts executions. A walk cut at the depth bound leaves the verdict `incomplete`.
 */
export function walks(target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  const strategy = opts.strategy === 'pct' ? 'pct' : 'random';
  const executions = opts.maxStates ?? DEFAULT_EXECUTIONS;
  const budget = new Budget({ ...opts, maxStates: undefined });
  const c = walkContext(target, strategy, opts.seed ?? 0, opts.maxDepth ?? DEFAULT_WALK_DEPTH, opts.pctDepth ?? DEFAULT_PCT_DEPTH);
  let transitions = 0;
  let longest = 0;
  let cut = false;
  let done = 0;
  const base = (): Omit<ExploreResult, 'verdict'> => ({ strategy, unit: 'executions', states: done, transitions, depth: longest, workers: 1 });
  const progress = (): Progress => ({
    states: done,
    transitions,
    depth: longest,
    frontier: 0,
    seconds: budget.seconds,
  });
  for (let i = 0; i < executions; i++) {
    const r = execution(c, i);
    done++;
    transitions += r.choices.length;
    longest = Math.max(longest, r.choices.length);
    if (r.end === 'cut') cut = true;
    if (r.counterexample !== undefined) {
      budget.final(progress());
      return { ...base(), verdict: 'violation', counterexample: r.counterexample };
    }
    if (budget.tick(progress, true)) break;
  }
  budget.final(progress());
  if (budget.limit !== undefined) return { ...base(), verdict: 'incomplete', limit: budget.limit };
  if (cut) return { ...base(), verdict: 'incomplete', limit: 'max-depth' };
  return { ...base(), verdict: 'pass' };
}
