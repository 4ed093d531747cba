import { assign, type DoneStateEvent, type EventObject, type MetaObject, type StateNodeConfig } from 'xstate';
import {
  callEnv,
  isRetOf,
  type ActorId,
  type CallSpec,
  type CallType,
  type ModelEvent,
  type ResultOf,
} from '../../src/domain/index.js';
import type { TaskContext } from './frames.js';

/**
 * A small typed layer over XState state configs for the "one kernel function per state, one call
 * per step" pattern of docs/model-conventions.md. Machines built with
 * `setup({ types: { context: {} as C, events: {} as ModelEvent, input: ... } })` (no named actions,
 * guards, actors or delays) accept these configs as states.
 */
export type MState<C extends TaskContext> = StateNodeConfig<
  C,
  ModelEvent,
  never,
  never,
  never,
  never,
  string,
  unknown,
  EventObject,
  MetaObject,
  MetaObject
>;

/** What a transition writes into the context besides `out` (which the helpers always assign). */
export type Update<C extends TaskContext> = Partial<Omit<C, 'self'>>;

type Assigned<C extends TaskContext> = ReturnType<typeof assign<C, ModelEvent, undefined, ModelEvent, never>>;

/** An assign that always writes `out`: the runtime reads it after each transition. */
export function act<C extends TaskContext>(
  f: (c: C, e: ModelEvent) => Update<C>,
): Assigned<C> {
  return assign<C, ModelEvent, undefined, ModelEvent, never>(({ context, event }) => {
    const u = f(context, event);
    // `out: []` first so a transition that sends nothing still clears the outbox.
    return { out: [], ...u } as unknown as Partial<C>;
  });
}

/**
 * An entry action that sets up a nested path's frame from the context. It leaves `out` alone:
 * entry actions run after the entering transition's own actions, whose outbox must survive.
 */
export function enter<C extends TaskContext>(f: (c: C) => Update<C>): Assigned<C> {
  return assign<C, ModelEvent, undefined, ModelEvent, never>(({ context }) => f(context) as unknown as Partial<C>);
}

/** The result of a RET; a RET of another call reaching this point is a wiring bug. */
export function resultOf<K extends CallType>(e: ModelEvent, call: K): ResultOf<K> {
  if (!isRetOf(e, call)) throw new Error(`expected the RET of ${call}, got ${e.type}`);
  return e.result as ResultOf<K>;
}

/** One way out of a call state, chosen on the RET. */
export interface Branch<C extends TaskContext, K extends CallType> {
  readonly when?: (r: ResultOf<K>, c: C) => boolean;
  /** A sibling state key; omitted = stay (e.g. a per-target loop that advances an index). */
  readonly target?: string;
  readonly update?: (r: ResultOf<K>, c: C) => Update<C>;
}

/**
 * A state named after a kernel function that makes one call per step: on `STEP` it issues
 * CALL `call` to `to(c)`; on the RET it takes the first branch whose `when` holds.
 */
export function callState<C extends TaskContext, K extends CallType>(spec: {
  readonly to: (c: C) => ActorId;
  readonly call: K;
  readonly args: (c: C) => CallSpec[K]['args'];
  readonly branches: readonly Branch<C, K>[];
  /** Extra guard on STEP (e.g. a loop bound): the step is disabled while false. */
  readonly enabled?: (c: C) => boolean;
}): MState<C> {
  const { to, call, args, branches, enabled } = spec;
  return {
    on: {
      STEP: {
        ...(enabled === undefined ? {} : { guard: ({ context }: { context: C }) => enabled(context) }),
        actions: act<C>((c) => ({ out: [callEnv(to(c), c.self, call, args(c))] }) as unknown as Update<C>),
      },
      RET: branches.map((b) => ({
        guard: ({ context, event }: { context: C; event: ModelEvent }) =>
          isRetOf(event, call) && (b.when === undefined || b.when(resultOf(event, call), context)),
        ...(b.target === undefined ? {} : { target: b.target }),
        actions: act<C>((c, e) => (b.update === undefined ? {} : b.update(resultOf(e, call), c))),
      })),
    },
  };
}

/**
 * Paths are written once against the base `TaskContext` and handed to machines whose context
 * extends it. Sound because a path reads and writes only `TaskContext` fields and its assigns
 * return partial contexts that XState merges into the full one; TypeScript cannot see that
 * through StateNodeConfig's variance, hence the one cast here.
 */
export function widen<C extends TaskContext>(cfg: MState<TaskContext>): MState<C> {
  return cfg as unknown as MState<C>;
}

/** One way on from a finished path (a compound state's `onDone`), tried in order. */
export interface After<C extends TaskContext> {
  readonly when?: (c: C) => boolean;
  readonly target: string;
  readonly update?: (c: C) => Update<C>;
}

/** The `onDone` of a state that runs a path: read the path's result from its frame here and clear the frame. */
export function after<C extends TaskContext>(...branches: readonly After<C>[]): MState<C>['onDone'] {
  return branches.map((b) => ({
    ...(b.when === undefined ? {} : { guard: ({ context }: { context: C }) => (b.when as (c: C) => boolean)(context) }),
    target: b.target,
    actions: assign<C, DoneStateEvent, undefined, ModelEvent, never>(
      ({ context }) => ({ out: [], ...(b.update === undefined ? {} : b.update(context)) }) as unknown as Partial<C>,
    ),
  }));
}

/** A final child: the parent's `onDone` continues. */
export const FINAL = { type: 'final' } as const;
