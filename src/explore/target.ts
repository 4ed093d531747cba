import type { ActorKind, World } from '../domain/index.js';
import { ALL_INVARIANTS, checkFinalExpectations, selectInvariants } from '../invariants/index.js';
import type { Invariant, PropertyContext, Violation } from '../invariants/types.js';
import { wordAddr, type Model } from '../runtime/build.js';
import { propertyContext } from '../runtime/run.js';
import type { Steppers } from '../runtime/step.js';
import { GPU_PROGRESS_CANCEL, type Fairness } from './liveness.js';
import { Canonicaliser } from './symmetry.js';

/**
 * What the explorer needs to know about a model: the initial world, how to step it, and what to
 * check. Built from a `Model` by `targetOf`; tests build small ones by hand from toy machines.
 */
export interface ExploreTarget {
  readonly initial: World;
  readonly steppers: Steppers;
  readonly ctx: PropertyContext;
  /** State and step properties, checked at every state and transition (catalogue order). */
  readonly invariants: readonly Invariant[];
  /** Report a world where no step is enabled but some thread or channel has not finished. */
  readonly deadlock: boolean;
  /** `gpu-progress` (b): fair cycles in which a GPU channel never finishes. */
  readonly liveness: boolean;
  /** Each actor's kind, by world position (the liveness analysis looks for `gpuChannel`s). */
  readonly kinds: readonly ActorKind[];
  /** The fairness `gpu-progress` cycles are judged by (liveness.ts `Fairness`). */
  readonly fairness: Fairness;
  /** Explore canonical worlds (symmetry.ts); off only to compare with the unreduced space. */
  readonly symmetry: boolean;
  /**
   * The scenario's `expect.final` words, checked in every world where the run ends without a
   * deadlock (as `hmmx run` checks them at its end); null when there are none.
   */
  readonly final: ((w: World) => Violation | null) | null;
}

export interface TargetOptions {
  /** Overrides the scenario's `check.liveness`. */
  readonly liveness?: boolean;
  /** Default `transition`. */
  readonly fairness?: Fairness;
  /** Default true. */
  readonly symmetry?: boolean;
}

/**
 * The scenario's `check` decides what is checked: `invariants` ('all' or ids; `deadlock` and
 * `gpu-progress` are among the ids) and `liveness`, which adds `gpu-progress` — both its
 * cancel form (a) as a step property and its fair-cycle form (b).
 */
export function targetOf(model: Model, opts: TargetOptions = {}): ExploreTarget {
  const check = model.scenario.check;
  const named = (id: string): boolean => check.invariants === 'all' || check.invariants.includes(id);
  const liveness = opts.liveness ?? (check.liveness || (check.invariants !== 'all' && check.invariants.includes('gpu-progress')));
  const selected = check.invariants === 'all' ? ALL_INVARIANTS : selectInvariants(check.invariants);
  const expect = model.scenario.expect;
  const finals = expect === undefined || expect.verdict === 'violation' ? [] : (expect.final ?? []).map((f) => ({ at: f.at, equals: f.equals, ...wordAddr(model.layout, f.at) }));
  return {
    final: finals.length === 0 ? null : (w) => checkFinalExpectations(finals, w),
    initial: model.initial,
    steppers: model.steppers,
    ctx: propertyContext(model),
    invariants: liveness ? [...selected, GPU_PROGRESS_CANCEL] : selected,
    deadlock: named('deadlock'),
    liveness,
    kinds: model.actors.map((a) => a.kind),
    fairness: opts.fairness ?? 'transition',
    symmetry: opts.symmetry ?? true,
  };
}

/** The world the explorer continues from: `w` itself, or its canonical form (symmetry.ts). */
export function normaliser(target: ExploreTarget): (w: World) => World {
  if (!target.symmetry) return (w) => w;
  const c = new Canonicaliser(target.steppers);
  return (w) => c.world(w);
}
