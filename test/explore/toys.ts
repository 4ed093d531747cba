import { assign, setup } from 'xstate';
import { callEnv, flagsFor, isRetOf, postEnv, retEnv } from '../../src/domain/index.js';
import type { ActorKind, ActorSnap, Envelope, ModelEvent } from '../../src/domain/index.js';
import type { Invariant } from '../../src/invariants/types.js';
import type { ExploreTarget } from '../../src/explore/target.js';
import type { Fairness } from '../../src/explore/liveness.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';

/**
 * Small hand-made worlds for the explorer, built from toy machines in the model's style (calls
 * resolved inside a step, a refused call disables the step), so expected state counts and
 * counterexamples can be worked out by hand.
 */

interface ServerCtx { readonly self: string; readonly out: readonly Envelope[]; readonly owner: Readonly<Record<string, string>> }
/** A server holding one lock per pfn: FOLIO_LOCK blocks while held. */
export const lockServer = setup({ types: { context: {} as ServerCtx, events: {} as ModelEvent, input: {} as { self: string } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], owner: {} }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        FOLIO_LOCK: {
          guard: ({ context, event }) => context.owner[String(event.pfn)] === undefined,
          actions: assign(({ context, event }) => ({
            owner: { ...context.owner, [String(event.pfn)]: event.from },
            out: [retEnv(event.from, context.self, 'FOLIO_LOCK', { ok: true })],
          })),
        },
        FOLIO_UNLOCK: {
          actions: assign(({ context, event }) => {
            const { [String(event.pfn)]: _gone, ...rest } = context.owner;
            return { owner: rest, out: [retEnv(event.from, context.self, 'FOLIO_UNLOCK', { ok: true })] };
          }),
        },
      },
    },
  },
});

interface LockerCtx {
  readonly self: string;
  readonly out: readonly Envelope[];
  readonly server: string;
  readonly pfns: readonly number[];
  readonly held: number;
}
/** Locks `pfns` in order, one step each, then unlocks them in reverse order, then is done. */
export const locker = setup({
  types: { context: {} as LockerCtx, events: {} as ModelEvent, input: {} as { self: string; server: string; pfns: readonly number[] } },
}).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], server: input.server, pfns: input.pfns, held: 0 }),
  initial: 'locking',
  states: {
    locking: {
      always: { guard: ({ context }) => context.held === context.pfns.length, target: 'unlocking' },
      on: {
        STEP: { actions: assign(({ context }) => ({ out: [callEnv(context.server, context.self, 'FOLIO_LOCK', { pfn: context.pfns[context.held] as number })] })) },
        RET: { guard: ({ event }) => isRetOf(event, 'FOLIO_LOCK'), actions: assign(({ context }) => ({ held: context.held + 1, out: [] })) },
      },
    },
    unlocking: {
      always: { guard: ({ context }) => context.held === 0, target: 'done' },
      on: {
        STEP: { actions: assign(({ context }) => ({ out: [callEnv(context.server, context.self, 'FOLIO_UNLOCK', { pfn: context.pfns[context.held - 1] as number })] })) },
        RET: { guard: ({ event }) => isRetOf(event, 'FOLIO_UNLOCK'), actions: assign(({ context }) => ({ held: context.held - 1, out: [] })) },
      },
    },
    done: { type: 'final' },
  },
});

interface CounterCtx { readonly self: string; readonly out: readonly Envelope[]; readonly n: number; readonly max: number }
/** Counts its own steps up to `max`; touches nobody (fully independent of the others). */
export const counter = setup({ types: { context: {} as CounterCtx, events: {} as ModelEvent, input: {} as { self: string; max: number } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], n: 0, max: input.max }),
  initial: 'counting',
  states: {
    counting: {
      always: { guard: ({ context }) => context.n >= context.max, target: 'done' },
      on: { STEP: { actions: assign(({ context }) => ({ n: context.n + 1, out: [] })) } },
    },
    done: { type: 'final' },
  },
});

interface SpinCtx { readonly self: string; readonly out: readonly Envelope[]; readonly phase: number; readonly wake: string | null }
/** Toggles between two phases forever; with `wake`, its first step posts GPU_REPLAY to that actor. */
export const spinner = setup({ types: { context: {} as SpinCtx, events: {} as ModelEvent, input: {} as { self: string; wake?: string } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], phase: 0, wake: input.wake ?? null }),
  initial: 'spinning',
  states: {
    spinning: {
      on: {
        STEP: {
          actions: assign(({ context }) => ({
            phase: 1 - context.phase,
            wake: null,
            out: context.wake === null ? [] : [postEnv(context.wake, { type: 'GPU_REPLAY', from: context.self })],
          })),
        },
      },
    },
  },
});

interface StallCtx {
  readonly self: string;
  readonly out: readonly Envelope[];
  readonly program: readonly never[];
  readonly pc: number;
  readonly expectFailures: readonly never[];
}
/** A GPU channel that is stalled until a GPU_REPLAY arrives (`stalled`), or that can finish by itself (`ready`). */
export const channel = setup({ types: { context: {} as StallCtx, events: {} as ModelEvent, input: {} as { self: string } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], program: [], pc: 0, expectFailures: [] }),
  initial: 'stalled',
  states: {
    stalled: { on: { GPU_REPLAY: { target: 'done', actions: assign({ out: [] }) } } },
    ready: { on: { STEP: { target: 'done', actions: assign({ out: [] }) } } },
    done: { type: 'final' },
  },
});

export interface ToyActor {
  readonly id: string;
  readonly kind: ActorKind;
  readonly machine: typeof lockServer | typeof locker | typeof counter | typeof spinner | typeof channel;
  readonly input: unknown;
  /** Start in this state instead of the machine's initial one (the toy channel's `ready`). */
  readonly value?: string;
}

/** A target over toy actors; properties default to none, deadlock on, liveness off. */
export function toyTarget(
  actors: readonly ToyActor[],
  opts: { invariants?: readonly Invariant[]; deadlock?: boolean; liveness?: boolean; fairness?: Fairness } = {},
): ExploreTarget {
  const steppers = new Map<unknown, MachineStepper>();
  const byPosition: MachineStepper[] = [];
  const snaps: ActorSnap[] = [];
  actors.forEach((a) => {
    let s = steppers.get(a.machine);
    if (s === undefined) {
      s = new MachineStepper(a.kind, a.machine);
      steppers.set(a.machine, s);
    }
    byPosition.push(s);
    const snap = s.initial(a.id, a.input);
    snaps.push(a.value === undefined ? snap : s.canonical({ ...snap, value: a.value }));
  });
  return {
    initial: { actors: snaps, net: [] },
    steppers: { index: new Map(actors.map((a, i) => [a.id, i])), byPosition },
    ctx: { layout: { regions: [] }, flags: flagsFor('linux-6.15', []), initWords: new Map() },
    invariants: opts.invariants ?? [],
    deadlock: opts.deadlock ?? true,
    liveness: opts.liveness ?? false,
    kinds: actors.map((a) => a.kind),
    fairness: opts.fairness ?? 'transition',
    symmetry: true,
    final: null,
  };
}

export const server = (id = 'srv'): ToyActor => ({ id, kind: 'dmirror', machine: lockServer, input: { self: id } });
export const lockerOf = (id: string, pfns: readonly number[], srv = 'srv'): ToyActor => ({
  id,
  kind: 'cpuThread',
  machine: locker,
  input: { self: id, server: srv, pfns },
});
export const counterOf = (id: string, max: number): ToyActor => ({ id, kind: 'cpuThread', machine: counter, input: { self: id, max } });
export const spinnerOf = (id: string, wake?: string): ToyActor => ({
  id,
  kind: 'cpuThread',
  machine: spinner,
  input: wake === undefined ? { self: id } : { self: id, wake },
});
export const channelOf = (id: string, ready = false): ToyActor => ({
  id,
  kind: 'gpuChannel',
  machine: channel,
  input: { self: id },
  ...(ready ? { value: 'ready' } : {}),
});
