import type { Violation } from '../invariants/types.js';
import type { Scenario } from '../scenario/index.js';
import type { Counterexample } from './types.js';
import type { Defs } from './wire.js';
import type { TargetOptions } from './target.js';

/** What every worker needs to build the same model and target as the main thread. */
export interface WorkerSetup {
  readonly scenario: Scenario;
  readonly variant: string;
  readonly mutations: readonly string[];
  readonly target: TargetOptions;
}

/** A violation a worker found, with where: a state of its own, and the step from it (step properties). */
export interface Candidate {
  readonly violation: Violation;
  /** Path length of the counterexample (depth of the state, +1 with a step). */
  readonly length: number;
  readonly worker: number;
  readonly state: number;
  readonly step: string | null;
}

export type ToWorker =
  | { readonly type: 'init' }
  | { readonly type: 'level'; readonly expand: boolean }
  | { readonly type: 'parent'; readonly state: number }
  | { readonly type: 'graph'; readonly offsets: readonly number[] }
  | {
      readonly type: 'walks';
      readonly strategy: 'random' | 'pct';
      readonly seed: number;
      readonly executions: number;
      readonly maxDepth: number;
      readonly pctDepth: number;
    };

export type FromWorker =
  | { readonly type: 'ready'; readonly states: number; readonly candidates: readonly Candidate[] }
  | {
      readonly type: 'level-done';
      readonly states: number;
      readonly transitions: number;
      readonly frontier: number;
      readonly candidates: readonly Candidate[];
      /** A state at the depth bound had enabled steps. */
      readonly cut: boolean;
      readonly stopped: boolean;
    }
  | { readonly type: 'parent'; readonly worker: number; readonly state: number; readonly step: string | null }
  | {
      readonly type: 'graph';
      readonly names: readonly string[];
      /** Per edge: source (global id), target (global id), step (index into names), progress (0/1). */
      readonly src: Int32Array;
      readonly dst: Int32Array;
      readonly step: Int32Array;
      readonly progress: Uint8Array;
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

/** A batch of successor worlds for the worker that owns them, one per sender and level. */
export interface Batch {
  readonly level: number;
  readonly from: number;
  readonly names: readonly string[];
  readonly defs: Defs;
  /** Per world: parent state (sender-local), step (index into names), progress flag, then the world's hashes. */
  readonly data: Float64Array;
}
