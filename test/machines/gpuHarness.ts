import { assign, setup, type AnyStateMachine } from 'xstate';
import { callEnv, retEnv } from '../../src/domain/index.js';
import type { ActorKind, ActorSnap, CallEvent, Envelope, ModelEvent, World } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { step, type Steppers } from '../../src/runtime/step.js';

/**
 * Test doubles for the GPU machines: a host-memory server that answers DMA like `mm` does, and a
 * scripted driver that issues one call per STEP and records the RETs and posts it gets.
 */
interface MemCtx { readonly self: string; readonly out: readonly Envelope[]; readonly mem: Readonly<Record<string, number>> }
export const hostMemory = setup({
  types: { context: {} as MemCtx, events: {} as ModelEvent, input: {} as { self: string; mem: Record<string, number> } },
}).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], mem: input.mem }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        DMA_READ: {
          actions: assign(({ context, event }) => ({
            out: [retEnv(event.from, context.self, 'DMA_READ', { value: context.mem[`${event.pfn}:${event.word}`] ?? 0 })],
          })),
        },
        DMA_WRITE: {
          actions: assign(({ context, event }) => ({
            mem: { ...context.mem, [`${event.pfn}:${event.word}`]: event.value },
            out: [retEnv(event.from, context.self, 'DMA_WRITE', { ok: true })],
          })),
        },
      },
    },
  },
});

/** Calls without `type`/`from`, issued in order to `to`. */
export type ScriptedCall = { readonly to: string; readonly call: CallEvent['type']; readonly args: Record<string, unknown> };
interface DrvCtx {
  readonly self: string;
  readonly out: readonly Envelope[];
  readonly script: readonly ScriptedCall[];
  readonly i: number;
  readonly rets: readonly unknown[];
  readonly events: number;
}
export const scriptedDriver = setup({
  types: { context: {} as DrvCtx, events: {} as ModelEvent, input: {} as { self: string; script: readonly ScriptedCall[] } },
}).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], script: input.script, i: 0, rets: [], events: 0 }),
  initial: 'run',
  states: {
    run: {
      on: {
        STEP: {
          guard: ({ context }) => context.i < context.script.length,
          actions: assign(({ context }) => {
            const c = context.script[context.i] as ScriptedCall;
            return { out: [callEnv(c.to, context.self, c.call, c.args as never)] };
          }),
        },
        RET: { actions: assign(({ context, event }) => ({ i: context.i + 1, rets: [...context.rets, event.result], out: [] })) },
        NOUVEAU_SVM_EVENT: { actions: assign(({ context }) => ({ events: context.events + 1, out: [] })) },
      },
    },
  },
});

export interface Harness {
  world: World;
  readonly steppers: Steppers;
  /** Runs step `id`; throws when it is not enabled (use `enabled` to test blocking). */
  run(id: string): void;
  enabled(id: string): boolean;
  actor(id: string): ActorSnap;
  ctx<T>(id: string): T;
}

export function harness(actors: readonly { id: string; kind: ActorKind; machine: AnyStateMachine; input: unknown }[]): Harness {
  const byMachine = new Map<AnyStateMachine, MachineStepper>();
  const byPosition = actors.map((a) => {
    let s = byMachine.get(a.machine);
    if (s === undefined) {
      s = new MachineStepper(a.kind, a.machine);
      byMachine.set(a.machine, s);
    }
    return s;
  });
  const steppers: Steppers = { index: new Map(actors.map((a, i) => [a.id, i])), byPosition };
  const h: Harness = {
    world: { actors: actors.map((a, i) => (byPosition[i] as MachineStepper).initial(a.id, a.input)), net: [] },
    steppers,
    run(id) {
      const o = step(h.world, steppers, id);
      if (o === null) throw new Error(`step ${id} is not enabled`);
      h.world = o.world;
    },
    enabled: (id) => step(h.world, steppers, id) !== null,
    actor(id) {
      const a = h.world.actors.find((x) => x.id === id);
      if (a === undefined) throw new Error(`no actor ${id}`);
      return a;
    },
    ctx: <T>(id: string) => h.actor(id).context as unknown as T,
  };
  return h;
}
