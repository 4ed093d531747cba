import type { Violation } from '../invariants/types.js';
import type { StepId } from '../runtime/step.js';
import { pctScheduler } from '../sched/pct.js';
import { randomScheduler, type Scheduler } from '../sched/scheduler.js';
import { Budget } from './budget.js';
import { expand, StepIds } from './expand.js';
import { Fingerprinter, fmix, mix } from './fingerprint.js';
import { channelPositions, fairCycleViolation, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import type { ExploreTarget } from './target.js';
import type { Counterexample, ExploreOptions, ExploreResult } from './types.js';

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
export function walk(target: ExploreTarget, scheduler: Scheduler, maxDepth: number, fp: Fingerprinter, ids: StepIds): WalkResult {
  const channels = channelPositions(target.kinds);
  const choices: StepId[] = [];
  const seen = target.liveness ? new Map<string, number>() : null;
  const vec = new Uint32Array(fp.width);
  const enabledAt: number[] = [];
  const progressingAt: number[] = [];
  const pendingAt: number[] = [];
  const actorAt: number[] = [];
  const progressAt: boolean[] = [];
  let world = target.initial;
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
        const lasso = fairLasso(target, world, choices, j, { enabledAt, progressingAt, pendingAt, actorAt, progressAt });
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
    world = after;
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
function fairLasso(target: ExploreTarget, world: ExploreTarget['initial'], choices: readonly StepId[], j: number, m: WalkMasks): Counterexample | null {
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
  const channel = Math.clz32(0) - 1 - Math.clz32(pending & -pending);
  const names = target.initial.actors.filter((_a, i) => (stepped & (1 << i)) !== 0).map((a) => a.id);
  return {
    violation: fairCycleViolation(world, channel, choices.length - j, names),
    choices: [...choices],
    cycleStart: j,
  };
}

/** The seed of execution `i` of a run seeded with `seed`. */
export function executionSeed(seed: number, i: number): number {
  return fmix(mix(mix(0x5eed, seed), i));
}

/**
 * random: `executions` seeded walks; pct: the same with PCT schedulers, k estimated from the
 * longest walk so far. Stateless: `states` counts executions. A walk cut at the depth bound
 * leaves the verdict `incomplete`.
 */
export function walks(target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  const strategy = opts.strategy === 'pct' ? 'pct' : 'random';
  const seed = opts.seed ?? 0;
  const executions = opts.maxStates ?? DEFAULT_EXECUTIONS;
  const maxDepth = opts.maxDepth ?? DEFAULT_WALK_DEPTH;
  const budget = new Budget({ ...opts, maxStates: undefined });
  const fp = new Fingerprinter(target.steppers);
  const ids = new StepIds(target.steppers.index);
  const actors = target.initial.actors.map((a) => a.id);
  let transitions = 0;
  let longest = 0;
  let k = 0;
  let cut = false;
  let done = 0;
  const base = (): Omit<ExploreResult, 'verdict'> => ({ strategy, unit: 'executions', states: done, transitions, depth: longest, workers: 1 });
  const progress = (): { states: number; transitions: number; depth: number; frontier: number; seconds: number } => ({
    states: done,
    transitions,
    depth: longest,
    frontier: 0,
    seconds: budget.seconds,
  });
  for (let i = 0; i < executions; i++) {
    const s = executionSeed(seed, i);
    const scheduler =
      strategy === 'random' || k === 0
        ? randomScheduler(s)
        : pctScheduler({ seed: s, depth: opts.pctDepth ?? DEFAULT_PCT_DEPTH, steps: k, actors });
    const r = walk(target, scheduler, maxDepth, fp, ids);
    done++;
    transitions += r.choices.length;
    longest = Math.max(longest, r.choices.length);
    k = Math.max(k, r.choices.length);
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
