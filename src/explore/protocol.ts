import type { Violation } from '../invariants/types.js';
import type { Scenario } from '../scenario/index.js';
import type { Counterexample } from './types.js';
import type { TargetOptions } from './target.js';

/** What every worker needs to build the same model and target as the main thread. */
export interface WorkerSetup {
  readonly scenario: Scenario;
  readonly variant: string;
  readonly mutations: readonly string[];
  readonly target: TargetOptions;
}

/** A violation a worker found, with where: a state, and the step from it (step properties). */
export interface Candidate {
  readonly violation: Violation;
  /** Path length of the counterexample (depth of the state, +1 with a step). */
  readonly length: number;
  /** Global state id (the shared store's). */
  readonly state: number;
  readonly step: string | null;
}

export type ToWorker =
  | { readonly type: 'init' }
  /** Expand the states with ids in [from, to) (taken in chunks from a shared cursor) at depth `depth`. */
  | { readonly type: 'level'; readonly from: number; readonly to: number; readonly depth: number; readonly expand: boolean }
  | { readonly type: 'graph' }
  | {
      readonly type: 'walks';
      readonly strategy: 'random' | 'pct';
      readonly seed: number;
      readonly executions: number;
      readonly maxDepth: number;
      readonly pctDepth: number;
    };

export type FromWorker =
  | { readonly type: 'ready'; readonly candidates: readonly Candidate[]; readonly bound: number }
  | {
      readonly type: 'level-done';
      /** Transitions taken in this level. */
      readonly transitions: number;
      readonly candidates: readonly Candidate[];
      /** At most this many successors of the next frontier (the store reserves room for them). */
      readonly bound: number;
      /** A state at the depth bound had enabled steps. */
      readonly cut: boolean;
      readonly stopped: boolean;
    }
  | {
      readonly type: 'graph';
      readonly names: readonly string[];
      /** Per edge: source and target (global ids), step (index into names), progress (0/1). */
      readonly src: Int32Array;
      readonly dst: Int32Array;
      readonly step: Uint16Array;
      readonly progress: Uint8Array;
      /** The states this worker expanded (global ids) and their masks (liveness.ts stateMasks). */
      readonly states: Int32Array;
      readonly enabled: Int32Array;
      readonly progressing: Int32Array;
      readonly pending: Int32Array;
    }
  | {
      readonly type: 'walks-done';
      /** The first violating execution this worker ran (its index), or null. */
      readonly first: { readonly index: number; readonly counterexample: Counterexample } | null;
      /** [execution index, steps] of every execution it ran. */
      readonly lengths: readonly (readonly [number, number])[];
      readonly cut: boolean;
      readonly stopped: boolean;
    }
  | { readonly type: 'error'; readonly message: string };
