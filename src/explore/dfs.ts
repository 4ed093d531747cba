import type { World } from '../domain/index.js';
import type { Violation } from '../invariants/types.js';
import { alwaysReadMask, anyEnabled, expand, independent, type Successor } from './expand.js';
import { livenessOf, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import { startSearch } from './search.js';
import type { ExploreTarget } from './target.js';
import type { ExploreOptions, ExploreResult, Progress } from './types.js';

/** A step in a sleep set, with the footprint it had when it was put there. */
interface Sleeper {
  readonly idx: number;
  readonly mask: number;
}

interface Frame {
  readonly world: World;
  readonly id: number;
  readonly depth: number;
  readonly succ: readonly Successor[];
  /** With liveness: which successors are progress steps of their actor. */
  readonly progress: readonly boolean[] | null;
  next: number;
  readonly sleep: readonly Sleeper[];
  /** Steps already explored from this frame: later siblings put them to sleep. */
  readonly done: Sleeper[];
}

/** Only the first 31 step indices can sleep (bit sets); the others are always explored. */
const SLEEP_BITS = 31;

function bitsOf(sleep: readonly Sleeper[]): number {
  let b = 0;
  for (const s of sleep) b |= 1 << s.idx;
  return b;
}

/**
 * Depth-first search over distinct worlds with sleep sets (Godefroid): after exploring step t
 * from a world, its later siblings u that are independent of t (disjoint footprints, every step
 * also reading `mm` and `mmu`) do not explore t again, because t·u and u·t reach the same world.
 * Sleep sets prune transitions, never states, so the states counted equal bfs's; with state
 * caching, a world reached again with a smaller sleep set explores the steps it slept on before
 * (the stored sleep set shrinks to the intersection). Liveness needs every edge of the state
 * graph, so the reduction is off when `gpu-progress` cycles are checked.
 */
export function dfs(target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  const reduction = opts.reduction !== false && !target.liveness;
  const { fp, store, ids, vec, budget, channels, graph, norm } = startSearch(target, opts);
  const alwaysRead = alwaysReadMask(target.steppers);
  let storedSleep = new Int32Array(1 << 12);
  const stack: Frame[] = [];
  let transitions = 0;
  let maxDepth = 0;
  let violation: { violation: Violation; path: number[] } | null = null;

  const progress = (): Progress => ({
    states: store.size,
    transitions,
    depth: stack.length,
    frontier: stack.length,
    seconds: budget.seconds,
  });

  const push = (world: World, id: number, depth: number, sleep: readonly Sleeper[], only?: number): void => {
    const sleepBits = bitsOf(sleep);
    const skip =
      !reduction ? undefined
      : only === undefined ? (i: number): boolean => i < SLEEP_BITS && ((sleepBits >>> i) & 1) === 1
      : (i: number): boolean => i >= SLEEP_BITS || ((only >>> i) & 1) === 0;
    const succ = expand(world, target.steppers, ids, skip);
    let progressFlags: readonly boolean[] | null = null;
    if (only === undefined) {
      if (graph !== null) {
        const m = stateMasks(world, succ, ids, channels);
        graph.setState(id, m.enabled, m.progressing, m.pending);
        progressFlags = m.progress;
      }
      if (succ.length === 0 && (sleepBits === 0 || !anyEnabled(world, target.steppers, ids, (i) => i < SLEEP_BITS && ((sleepBits >>> i) & 1) === 1))) {
        const dl = deadlockViolation(target, world);
        if (dl !== null) violation = { violation: dl, path: store.pathTo(id) };
        return;
      }
    }
    if (succ.length === 0) return;
    if (!budget.mayExpand(depth)) {
      budget.cutAtDepth();
      return;
    }
    if (depth > maxDepth) maxDepth = depth;
    stack.push({ world, id, depth, succ, progress: progressFlags, next: 0, sleep, done: [] });
  };

  const v0 = stateViolation(target, target.initial);
  if (v0 !== null) violation = { violation: v0, path: [] };
  else {
    const initial = norm(target.initial);
    push(initial, store.add(vec, fp.encode(initial, vec), -1, 0), 0, []);
  }

  while (violation === null && stack.length > 0) {
    const f = stack[stack.length - 1] as Frame;
    const s = f.succ[f.next++];
    if (s === undefined) {
      stack.pop();
      continue;
    }
    transitions++;
    const after = s.outcome.world;
    const sv = stepViolation(target, f.world, s.outcome.deliveries, after);
    if (sv !== null) {
      violation = { violation: sv, path: [...store.pathTo(f.id), s.idx] };
      break;
    }
    const childSleep: Sleeper[] = [];
    if (reduction) {
      for (const z of f.sleep) if (independent(z.mask, s.mask, alwaysRead)) childSleep.push(z);
      for (const z of f.done) if (independent(z.mask, s.mask, alwaysRead)) childSleep.push(z);
      if (s.idx < SLEEP_BITS) f.done.push({ idx: s.idx, mask: s.mask });
    }
    const stored = norm(after);
    const nid = store.add(vec, fp.encode(stored, vec), f.id, s.idx);
    graph?.addEdge(f.id, nid, s.idx, f.progress?.[f.next - 1] === true);
    if (store.added) {
      const v = stateViolation(target, after);
      if (v !== null) {
        violation = { violation: v, path: store.pathTo(nid) };
        break;
      }
      if (budget.overStates(store.size)) break;
      if (reduction) {
        if (nid >= storedSleep.length) {
          const g = new Int32Array(storedSleep.length * 2);
          g.set(storedSleep);
          storedSleep = g;
        }
        storedSleep[nid] = bitsOf(childSleep);
      }
      push(stored, nid, f.depth + 1, childSleep);
    } else if (reduction) {
      const old = storedSleep[nid] as number;
      const missing = old & ~bitsOf(childSleep);
      if (missing !== 0) {
        storedSleep[nid] = old & bitsOf(childSleep);
        push(stored, nid, f.depth + 1, childSleep, missing);
      }
    }
    if (budget.tick(progress)) break;
  }

  budget.final(progress());
  const base = {
    strategy: 'dfs' as const,
    unit: 'states' as const,
    states: store.size,
    transitions,
    depth: maxDepth,
    bytesPerState: (store.bytes + (reduction ? storedSleep.byteLength : 0)) / store.size,
    workers: 1,
  };
  const v = violation as { violation: Violation; path: number[] } | null;
  if (v !== null) return { ...base, verdict: 'violation', counterexample: { violation: v.violation, choices: v.path.map((i) => ids.name(i)) } };
  if (budget.limit !== undefined) return { ...base, verdict: 'incomplete', limit: budget.limit };
  if (graph !== null) {
    const lasso = livenessOf(target, graph, ids, channels);
    if (lasso !== null) return { ...base, verdict: 'violation', counterexample: lasso };
  }
  return { ...base, verdict: 'pass' };
}
