import type { ActorId } from './ids.js';
import type { Envelope, PostEvent } from './messages.js';

/** The actor kinds; `machines/index.ts` maps each to its machine. */
export type ActorKind = 'cpuThread' | 'kernelMm' | 'mmuNotifier' | 'nouveauSvm' | 'gpuMmu' | 'gpuChannel' | 'dmirror';

/** An XState state value as plain data. */
export type StateValue = string | { readonly [k: string]: StateValue };

/**
 * One actor's state: its machine's state value and context. Contexts are plain JSON data whose
 * `out` field is the machine's outbox, always empty between steps.
 */
export interface ActorSnap {
  readonly id: ActorId;
  readonly kind: ActorKind;
  readonly value: StateValue;
  readonly context: { readonly out: readonly Envelope[] } & Readonly<Record<string, unknown>>;
}

/** A posted message in flight. */
export interface InFlight {
  readonly to: ActorId;
  readonly event: PostEvent;
}

/** The whole state of a run: plain, serialisable data. Equal worlds serialise equal. */
export interface World {
  /** In a fixed order (the scenario's), so positions are stable. */
  readonly actors: readonly ActorSnap[];
  /** Posted messages in send order; per (from, to) pair they are delivered FIFO. */
  readonly net: readonly InFlight[];
}
