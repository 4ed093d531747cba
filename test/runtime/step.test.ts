import { assign, setup } from 'xstate';
import { callEnv, retEnv, postEnv, isRetOf } from '../../src/domain/index.js';
import type { ActorSnap, Envelope, ModelEvent, World } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { enabledSteps, step, stepAll, type Steppers } from '../../src/runtime/step.js';
import { expand, StepIds } from '../../src/explore/expand.js';

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

  it("delivers each sender's oldest message first, and the explorer's expand agrees", () => {
    const { world, steppers } = setupWorld();
    let w = world;
    for (const id of ['a', 'a', 'b', 'b']) w = step(w, steppers, id)?.world as World;
    const replay = (from: string, n: number) => ({ to: 'b', event: { type: 'GPU_REPLAY', from, n } as unknown as ModelEvent });
    w = { actors: w.actors, net: [replay('a', 1), replay('b', 1), replay('a', 2)] } as World;
    const want = enabledSteps(w, steppers, true);
    expect(want.map((e) => e.id)).toEqual(['b<a', 'b<b']);
    expect(want[0]?.outcome.world.net).toEqual([replay('b', 1), replay('a', 2)]);
    const ids = new StepIds(steppers.index);
    const got = expand(w, steppers, ids);
    expect(got.map((s) => ids.name(s.idx))).toEqual(['b<a', 'b<b']);
    expect(got.map((s) => s.outcome)).toEqual(want.map((e) => e.outcome));
  });

  it('replays a list of steps, stopping at the first one not enabled', () => {
    const { world, steppers } = setupWorld();
    const all = stepAll(world, steppers, ['a', 'a']);
    expect(all.stuck).toBeUndefined();
    expect(all.world.actors[1]?.value).toBe('finished');
    // After a's first step the lock is held: b's step is refused, and the world is the one before it.
    const part = stepAll(world, steppers, ['a', 'b', 'a']);
    expect(part.stuck).toBe('b');
    expect(part.world).toEqual(step(world, steppers, 'a')?.world);
  });

  it('interns equal states to one object and memoizes transitions', () => {
    const { world, steppers } = setupWorld();
    const w1 = step(world, steppers, 'a')?.world as World;
    const w2 = step(world, steppers, 'a')?.world as World;
    expect(w1.actors[1]).toBe(w2.actors[1]);
    expect(JSON.stringify(w1)).toBe(JSON.stringify(w2));
  });
});

// A thread-like toy with its id and a program array in its context, as cpuThread and gpuChannel have.
interface ProgCtx { readonly self: string; readonly out: readonly Envelope[]; readonly program: readonly number[]; readonly pc: number }
const runner = setup({ types: { context: {} as ProgCtx, events: {} as ModelEvent, input: {} as { self: string; program: readonly number[] } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], program: input.program, pc: 0 }),
  initial: 'run',
  states: { run: { on: { STEP: { actions: assign(({ context }) => ({ pc: context.pc + 1, out: [] })) } } } },
});

describe('MachineStepper.fromKey', () => {
  it('rebuilds a state made by another stepper with the objects this one holds for the same actor', () => {
    // Two steppers stand for two worker threads; x and y have equal programs in separate arrays.
    const here = new MachineStepper('cpuThread', runner);
    const there = new MachineStepper('cpuThread', runner);
    const progX = [1, 2, 3];
    const progY = [1, 2, 3];
    here.initial('x', { self: 'x', program: progX });
    here.initial('y', { self: 'y', program: progY });
    const moved = (id: string) => {
      const r = there.transition(there.initial(id, { self: id, program: [1, 2, 3] }), { type: 'STEP', from: id });
      if (r === null) throw new Error('the toy takes its STEP');
      return there.keyOf(r.next);
    };
    const rebuiltX = here.fromKey('x', moved('x'));
    expect(rebuiltX.context['pc']).toBe(1);
    expect(rebuiltX.context['program']).toBe(progX);
    expect(here.fromKey('y', moved('y')).context['program']).toBe(progY);
    // A field this stepper never held is kept as parsed and not remembered: fields other than
    // programs (the kernel's whole state) differ in nearly every rebuild.
    const other = there.initial('x', { self: 'x', program: [9] });
    const next = there.transition(other, { type: 'STEP', from: 'x' })?.next as ActorSnap;
    const first = here.fromKey('x', there.keyOf(other));
    const second = here.fromKey('x', there.keyOf(next));
    expect(first.context['program']).toEqual([9]);
    expect(second.context['pc']).toBe(1);
    expect(second.context['program']).toEqual([9]);
    expect(second.context['program']).not.toBe(first.context['program']);
  });
});
