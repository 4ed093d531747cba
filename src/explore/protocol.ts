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
  /** Global state id (exchange.ts `globalId`: the owning worker's own id, interleaved). */
  readonly state: number;
  readonly step: string | null;
}

/** What orders candidates (exchange.ts `candidateOrder`): where a violation shows, not what it is. */
export type CandidateKey = Pick<Candidate, 'length' | 'state' | 'step'>;

/**
 * Successors one worker found for states another worker owns (parallel.ts): `words` Uint32 words
 * of `buffer` (transferred, not copied), records of `RECORD` header words and a vector (exchange.ts).
 */
export interface Batch {
  readonly buffer: ArrayBuffer;
  readonly words: number;
}

export type ToWorker =
  | { readonly type: 'init' }
  /**
   * Insert the states of depth `depth` the other workers sent (`inbox`, in worker order), then
   * expand this worker's states of that depth (with `expand` false, at the depth bound, only
   * look for deadlocks and enabled steps).
   */
  | { readonly type: 'level'; readonly depth: number; readonly expand: boolean; readonly inbox: readonly Batch[] }
  /**
   * Only insert `inbox` (and check its new states): the level after the last one expanded.
   * `found` is the violation the last level found that is reported first, so no check that
   * cannot come before it is needed.
   */
  | { readonly type: 'absorb'; readonly depth: number; readonly inbox: readonly Batch[]; readonly found: CandidateKey }
  /** The parent and step of a state this worker owns, to rebuild a counterexample. */
  | { readonly type: 'parent'; readonly state: number }
  | { readonly type: 'graph' }
  | {
      readonly type: 'walks';
      readonly strategy: 'random' | 'pct';
      readonly seed: number;
      readonly executions: number;
      readonly maxDepth: number;
      readonly pctDepth: number;
    };

/** A worker's answer to 'level' and 'absorb'. */
export interface LevelDone {
  readonly type: 'level-done';
  /** Transitions taken in this level. */
  readonly transitions: number;
  /** Found inserting the inbox: state properties of states of the level's depth. */
  readonly inboxCandidates: readonly Candidate[];
  /** Found expanding: deadlocks at the level's depth, step and state properties one deeper. */
  readonly candidates: readonly Candidate[];
  /** States this worker owns, in all, and before it expanded. */
  readonly states: number;
  readonly statesBeforeExpand: number;
  /** States of the level's depth it expanded (or explored at the bound). */
  readonly expanded: number;
  /** Its own new states of the next depth. */
  readonly next: number;
  /** Successors for each other worker (indexed by worker; empty for itself). */
  readonly outbox: readonly Batch[];
  /** A state at the depth bound had enabled steps. */
  readonly cut: boolean;
  readonly stopped: boolean;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly candidates: readonly Candidate[]; readonly states: number }
  | LevelDone
  | { readonly type: 'parent'; readonly parent: number; readonly step: number }
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
