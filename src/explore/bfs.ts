import type { Violation } from '../invariants/types.js';
import { expand } from './expand.js';
import { livenessOf, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import { startSearch } from './search.js';
import type { ExploreTarget } from './target.js';
import type { Counterexample, ExploreOptions, ExploreResult, Progress } from './types.js';

/**
 * Breadth-first search over distinct worlds, level by level. The first violation of the lowest
 * level is reported, so its counterexample is a shortest one: the parent chain of the state
 * (or transition) where it shows, replayed as step ids from the initial world.
 */
export function bfs(target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  const { fp, store, ids, vec, budget, channels, graph, norm } = startSearch(target, opts);
  const initial = norm(target.initial);
  let transitions = 0;
  let depth = 0;
  // The frontier is kept as store ids, its worlds rebuilt from their vectors when expanded: a
  // level of world objects kept alive until the next one was most of the garbage collector's work.
  let frontier: number[] = [store.add(vec, fp.encode(initial, vec), -1, 0)];
  const unpacked = new Uint32Array(fp.width);
  let best: { violation: Violation; path: number[] } | null = null;
  const found = (violation: Violation, path: number[]): void => {
    if (best === null || path.length < best.path.length) best = { violation, path };
  };
  const progress = (): Progress => ({
    states: store.size,
    transitions,
    depth,
    frontier: frontier.length,
    seconds: budget.seconds,
  });

  const v0 = stateViolation(target, target.initial);
  if (v0 !== null) found(v0, []);
  search: while (best === null && frontier.length > 0) {
    const next: number[] = [];
    for (let i = 0; i < frontier.length; i++) {
      const id = frontier[i] as number;
      const world = fp.decode(store.vector(id, unpacked));
      const succ = expand(world, target.steppers, ids);
      const masks = graph === null ? null : stateMasks(world, succ, ids, channels);
      if (masks !== null) graph?.setState(id, masks.enabled, masks.progressing, masks.pending);
      if (succ.length === 0) {
        const dl = deadlockViolation(target, world);
        if (dl !== null) found(dl, store.pathTo(id));
        continue;
      }
      if (!budget.mayExpand(depth)) {
        budget.cutAtDepth();
        continue;
      }
      for (let k = 0; k < succ.length; k++) {
        const s = succ[k] as (typeof succ)[number];
        transitions++;
        const after = s.outcome.world;
        const stored = norm(after);
        const nid = store.add(vec, fp.encode(stored, vec), id, s.idx);
        graph?.addEdge(id, nid, s.idx, masks?.progress[k] === true);
        const sv = best === null ? stepViolation(target, world, s.outcome.deliveries, after) : null;
        if (sv !== null) found(sv, [...store.pathTo(id), s.idx]);
        if (store.added) {
          if (best === null) {
            const v = stateViolation(target, after);
            if (v !== null) found(v, store.pathTo(nid));
          }
          next.push(nid);
          if (budget.overStates(store.size)) break search;
        }
        if (budget.tick(progress)) break search;
      }
    }
    if (best !== null) break;
    frontier = next;
    if (frontier.length > 0) depth++;
  }

  const base = {
    strategy: 'bfs' as const,
    unit: 'states' as const,
    states: store.size,
    transitions,
    depth,
    bytesPerState: store.bytes / store.size,
    workers: 1,
  };
  budget.final(progress());
  const b = best as { violation: Violation; path: number[] } | null;
  if (b !== null) {
    const counterexample: Counterexample = { violation: b.violation, choices: b.path.map((i) => ids.name(i)) };
    return { ...base, verdict: 'violation', counterexample };
  }
  if (budget.limit !== undefined) return { ...base, verdict: 'incomplete', limit: budget.limit };
  if (graph !== null) {
    const lasso = livenessOf(target, graph, ids, channels);
    if (lasso !== null) return { ...base, verdict: 'violation', counterexample: lasso };
  }
  return { ...base, verdict: 'pass' };
}
