import { bfs } from './bfs.js';
import { dfs } from './dfs.js';
import { concretise, shrink } from './shrink.js';
import type { ExploreTarget } from './target.js';
import type { ExploreOptions, ExploreResult } from './types.js';
import { walks } from './walk.js';

export type { Counterexample, ExploreOptions, ExploreResult, Limit, Progress, Strategy, Verdict } from './types.js';
export { STRATEGIES } from './types.js';
export { targetOf, type ExploreTarget, type TargetOptions } from './target.js';
export { concretise, replayViolation, shrink, type Replayed } from './shrink.js';
export { GPU_PROGRESS_CANCEL } from './liveness.js';
export { DEFAULT_EXECUTIONS, DEFAULT_PCT_DEPTH, DEFAULT_WALK_DEPTH } from './walk.js';

/**
 * Explores `target` with one strategy on this thread and checks every property. bfs returns a
 * shortest counterexample; the others' go through `shrink` (unless `shrink: false`).
 */
export function explore(target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  const r = run(target, opts);
  if (r.counterexample === undefined) return r;
  const cx = opts.strategy === 'bfs' || opts.shrink === false ? r.counterexample : shrink(target, r.counterexample);
  return { ...r, counterexample: concretise(target, cx) };
}

function run(target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  switch (opts.strategy) {
    case 'bfs':
      return bfs(target, opts);
    case 'dfs':
      return dfs(target, opts);
    case 'random':
    case 'pct':
      return walks(target, opts);
  }
}
