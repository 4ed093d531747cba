import type { Flags, Layout, World } from '../domain/index.js';
import type { Delivery } from '../runtime/stepTypes.js';

/** What every property may read besides the world: the static facts of the run. */
export interface PropertyContext {
  readonly layout: Layout;
  readonly flags: Flags;
  /** Initial value of every word, keyed `vpn:word`, for properties over memory contents. */
  readonly initWords: ReadonlyMap<string, number>;
}

export interface Violation {
  /** `S1` … `S13`, `deadlock`, `op-expectation`, `gpu-progress`. */
  readonly invariant: string;
  readonly message: string;
}

/**
 * A safety property. `state` is checked on every reachable world; `step` on every transition
 * (for properties about what a step did, e.g. S7 guarded restore, S8 notify-before-change).
 */
export interface Invariant {
  readonly id: string;
  readonly title: string;
  /** Where the kernel guarantees it (file and function). */
  readonly kernel: string;
  readonly state?: (ctx: PropertyContext, world: World) => string | null;
  readonly step?: (ctx: PropertyContext, before: World, deliveries: readonly Delivery[], after: World) => string | null;
}
