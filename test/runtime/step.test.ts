import { assign, setup } from 'xstate';
import { callEnv, retEnv, postEnv, isRetOf } from '../../src/domain/index.js';
import type { ActorSnap, Envelope, ModelEvent, World } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { enabledSteps, step, type Steppers } from '../../src/runtime/step.js';

// A toy lock server and a toy client exercise the step semantics independently of the kernel model.
interface ServerCtx { readonly self: string; readonly out: readonly Envelope[]; readonly locked: string | null }
const server = setup({ types: { context: {} as ServerCtx, events: {} as ModelEvent, input: {} as { self: string } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], locked: null }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        FOLIO_LOCK: {
          guard: ({ context }) => context.locked === null,
          actions: assign(({ context, event }) => ({ locked: event.from, out: [retEnv(event.from, context.self, 'FOLIO_LOCK', { ok: true })] })),
        },
        FOLIO_UNLOCK: {
          actions: assign(({ context, event }) => ({ locked: null, out: [retEnv(event.from, context.self, 'FOLIO_UNLOCK', { ok: true })] })),
        },
      },
    },
  },
});

interface ClientCtx { readonly self: string; readonly out: readonly Envelope[]; readonly done: number }
const client = setup({ types: { context: {} as ClientCtx, events: {} as ModelEvent, input: {} as { self: string } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], done: 0 }),
  initial: 'lock',
  states: {
    lock: {
      on: {
        STEP: { actions: assign(({ context }) => ({ out: [callEnv('srv', context.self, 'FOLIO_LOCK', { pfn: 1 })] })) },
        RET: { guard: ({ event }) => isRetOf(event, 'FOLIO_LOCK'), target: 'unlock', actions: assign({ out: [] }) },
      },
    },
    unlock: {
      on: {
        STEP: { actions: assign(({ context }) => ({ out: [callEnv('srv', context.self, 'FOLIO_UNLOCK', { pfn: 1 })] })) },
        RET: {
          target: 'finished',
          actions: assign(({ context }) => ({ done: context.done + 1, out: [postEnv('b', { type: 'GPU_REPLAY', from: context.self })] })),
        },
      },
    },
    finished: { on: { GPU_REPLAY: { actions: assign(({ context }) => ({ done: context.done + 10, out: [] })) } } },
  },
});

function setupWorld(): { world: World; steppers: Steppers } {
  const s = new MachineStepper('kernelMm', server);
  const c = new MachineStepper('cpuThread', client);
  const actors: ActorSnap[] = [s.initial('srv', { self: 'srv' }), c.initial('a', { self: 'a' }), c.initial('b', { self: 'b' })];
  return {
    world: { actors, net: [] },
    steppers: { index: new Map([['srv', 0], ['a', 1], ['b', 2]]), byPosition: [s, c, c] },
  };
}

describe('step semantics', () => {
  it('resolves a call and its RET inside the caller step', () => {
    const { world, steppers } = setupWorld();
    const o = step(world, steppers, 'a');
    expect(o).not.toBeNull();
    expect(o?.world.actors[1]?.value).toBe('unlock');
    expect(o?.world.actors[0]?.context['locked']).toBe('a');
    expect(o?.deliveries.map((d) => `${d.mode}:${d.to}:${d.event.type}`)).toEqual(['step:a:STEP', 'call:srv:FOLIO_LOCK', 'ret:a:RET']);
  });

  it('disables a step whose callee refuses (lock held) and leaves the world untouched', () => {
    const { world, steppers } = setupWorld();
    const w1 = step(world, steppers, 'a')?.world as World;
    expect(step(w1, steppers, 'b')).toBeNull();
    expect(enabledSteps(w1, steppers).map((e) => e.id)).toEqual(['a']);
    expect(w1.actors[2]?.value).toBe('lock');
  });

  it('queues posts and delivers them as their own step', () => {
    const { world, steppers } = setupWorld();
    let w = step(world, steppers, 'a')?.world as World;
    w = step(w, steppers, 'a')?.world as World;
    expect(w.net).toEqual([{ to: 'b', event: { type: 'GPU_REPLAY', from: 'a' } }]);
    // b is in `lock`, which does not accept GPU_REPLAY: the delivery is not enabled yet.
    expect(enabledSteps(w, steppers).map((e) => e.id)).toEqual(['b']);
    w = step(w, steppers, 'b')?.world as World;
    w = step(w, steppers, 'b')?.world as World;
    expect(enabledSteps(w, steppers).map((e) => e.id)).toEqual(['b<a', 'b<b']);
    w = step(w, steppers, 'b<a')?.world as World;
    expect(w.net).toEqual([{ to: 'b', event: { type: 'GPU_REPLAY', from: 'b' } }]);
    expect(w.actors[2]?.context['done']).toBe(11);
  });

  it('interns equal states to one object and memoizes transitions', () => {
    const { world, steppers } = setupWorld();
    const w1 = step(world, steppers, 'a')?.world as World;
    const w2 = step(world, steppers, 'a')?.world as World;
    expect(w1.actors[1]).toBe(w2.actors[1]);
    expect(JSON.stringify(w1)).toBe(JSON.stringify(w2));
  });
});
