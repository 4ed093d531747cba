import type { Violation } from '../invariants/types.js';
import type { StepId } from '../runtime/step.js';

/** The exploration strategies of `hmmx check --strategy`. */
export type Strategy = 'bfs' | 'dfs' | 'random' | 'pct';
export const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random', 'pct'];

export type Verdict = 'pass' | 'violation' | 'incomplete';

/** What stopped an exploration early (the verdict is then `incomplete`, exit 3). */
export type Limit = 'max-states' | 'max-depth' | 'max-seconds';

/** Progress of a running exploration, reported a few times a second to whoever asked. */
export interface Progress {
  /** Distinct states (stateful) or executions (random, pct) so far. */
  readonly states: number;
  readonly transitions: number;
  /** Current BFS level, DFS stack depth, or longest walk so far. */
  readonly depth: number;
  /** States waiting to be expanded (BFS queue, DFS stack); 0 for walks. */
  readonly frontier: number;
  readonly seconds: number;
}

export interface ExploreOptions {
  readonly strategy: Strategy;
  /** Distinct states (stateful) or executions (random, pct) before giving up with `incomplete`. */
  readonly maxStates?: number;
  /** States deeper than this are not expanded (stateful) or walks are cut there (random, pct). */
  readonly maxDepth?: number;
  readonly maxSeconds?: number;
  /** random, pct: the PRNG seed (printed, so every run can be repeated). */
  readonly seed?: number;
  /** pct: the bug depth d of Burckhardt et al. (d − 1 priority change points). */
  readonly pctDepth?: number;
  /** dfs: sleep-set reduction (on unless false). */
  readonly reduction?: boolean;
  /** Milliseconds from some origin; the explorer never reads a clock itself (the CLI passes one). */
  readonly clock?: () => number;
  readonly onProgress?: (p: Progress) => void;
  /** Shrink dfs/random/pct counterexamples before returning them (on unless false). */
  readonly shrink?: boolean;
}

/** A counterexample: the scheduler choices from the initial world that reach the violation. */
export interface Counterexample {
  readonly violation: Violation;
  readonly choices: readonly StepId[];
  /**
   * For a liveness lasso (`gpu-progress` (b)): `choices[cycleStart..]` is one turn of a cycle that
   * returns to the world reached after `choices[..cycleStart]`.
   */
  readonly cycleStart?: number;
  /** For a lasso: the fairness it is fair under (liveness.ts `Fairness`). */
  readonly fairness?: 'transition' | 'actor';
}

export interface ExploreResult {
  readonly verdict: Verdict;
  readonly strategy: Strategy;
  /** `states`: distinct world states; `executions`: complete runs of a stateless strategy. */
  readonly unit: 'states' | 'executions';
  readonly states: number;
  readonly transitions: number;
  /** Deepest level expanded, longest stack, or longest walk. */
  readonly depth: number;
  readonly limit?: Limit;
  readonly counterexample?: Counterexample;
  /** Bytes of the visited-state store (typed arrays) divided by `states`, for stateful strategies. */
  readonly bytesPerState?: number;
  /** Worker threads that shared the work (1 unless `--workers`). */
  readonly workers: number;
}
