import { assign, setup } from 'xstate';
import {
  MM_ACTOR,
  MMU_NOTIFIER_ACTOR,
  REGION_BASE_VPN,
  callEnv,
  retEnv,
  type ActorSnap,
  type CpuOp,
  type Envelope,
  type Flags,
  type KernelState,
  type ModelEvent,
  type MmuNotifierRange,
  type Pte,
  type RegionLayout,
  type World,
} from '../../src/domain/index.js';
import { initKernelState, initNotifierState } from '../../src/mm/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { enabledSteps, step, type Steppers, type StepId } from '../../src/runtime/step.js';
import { createKernelMmMachine } from '../../machines/kernelMm.machine.js';
import { createMmuNotifierMachine } from '../../machines/mmuNotifier.machine.js';
import { createCpuThreadMachine } from '../../machines/cpuThread.machine.js';
import { createDmirrorMachine } from '../../machines/dmirror.machine.js';

/** A small world built by hand: mm, mmu, CPU threads (and fork children), dmirror devices, fakes. */

export const BUF: RegionLayout = {
  id: 'buf', start: REGION_BASE_VPN, pages: 2, wordsPerPage: 1, write: true, shared: false,
  populate: 'write', init: [0, 1], thp: false, hugetlb: false,
};

/** A secondary MMU that accepts every invalidation and records it (an hlist subscriber). */
interface FakeCtx { readonly self: string; readonly out: readonly Envelope[]; readonly seen: readonly MmuNotifierRange[] }
const fakeDriver = setup({ types: { context: {} as FakeCtx, events: {} as ModelEvent, input: {} as { self: string } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], seen: [] }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        MMU_NOTIFIER_INVALIDATE: {
          actions: assign(({ context, event }) => ({
            seen: [...context.seen, event.range],
            out: [retEnv(event.from, context.self, 'MMU_NOTIFIER_INVALIDATE', { ok: true })],
          })),
        },
      },
    },
  },
});

/** Holds a folio lock (set up in the kernel state) and drops it on its one STEP. */
interface LockerCtx { readonly self: string; readonly out: readonly Envelope[]; readonly pfn: number; readonly done: boolean }
const locker = setup({ types: { context: {} as LockerCtx, events: {} as ModelEvent, input: {} as { self: string; pfn: number } } }).createMachine({
  context: ({ input }) => ({ self: input.self, out: [], pfn: input.pfn, done: false }),
  initial: 'holding',
  states: {
    holding: {
      on: {
        STEP: { actions: assign(({ context }) => ({ out: [callEnv(MM_ACTOR, context.self, 'FOLIO_UNLOCK', { pfn: context.pfn })] })) },
        RET: { target: 'released', actions: assign({ out: [] }) },
      },
    },
    released: {},
  },
});

export interface WorldSpec {
  readonly flags: Flags;
  readonly regions?: readonly RegionLayout[];
  readonly cpu: readonly { readonly id: string; readonly program: readonly CpuOp[] }[];
  readonly dmirrors?: readonly string[];
  readonly fakes?: readonly string[];
  readonly lockers?: readonly { readonly id: string; readonly pfn: number }[];
  readonly kernel?: (k: KernelState) => KernelState;
}

export interface Built {
  readonly world: World;
  readonly steppers: Steppers;
}

export function buildWorld(spec: WorldSpec): Built {
  const regions = spec.regions ?? [BUF];
  const layout = { regions };
  const lastVpn = regions.reduce((m, r) => Math.max(m, r.start + r.pages), 0);
  const dmirrors = spec.dmirrors ?? [];
  const notifier = initNotifierState(1, (spec.fakes ?? []).map((d) => ({ mm: 0, driver: d })), dmirrors.map((d) => ({ mm: 0, driver: d, start: 0, end: lastVpn + 1 })));
  const k0 = initKernelState(layout);
  const kernel = spec.kernel === undefined ? k0 : spec.kernel(k0);
  const mmS = new MachineStepper('kernelMm', createKernelMmMachine(spec.flags));
  const mmuS = new MachineStepper('mmuNotifier', createMmuNotifierMachine(spec.flags));
  const cpuS = new MachineStepper('cpuThread', createCpuThreadMachine(spec.flags));
  const dmS = new MachineStepper('dmirror', createDmirrorMachine(spec.flags));
  const fakeS = new MachineStepper('nouveauSvm', fakeDriver);
  const lockS = new MachineStepper('gpuChannel', locker);
  const actors: ActorSnap[] = [];
  const byPosition: MachineStepper[] = [];
  const add = (s: MachineStepper, id: string, input: unknown) => {
    actors.push(s.initial(id, input));
    byPosition.push(s);
  };
  add(mmS, MM_ACTOR, { self: MM_ACTOR, kernel });
  add(mmuS, MMU_NOTIFIER_ACTOR, { self: MMU_NOTIFIER_ACTOR, notifier });
  for (const d of dmirrors) {
    const sub = notifier.mms[0]?.interval.find((s) => s.driver === d)?.id;
    add(dmS, d, { self: d, mm: 0, sub });
  }
  for (const f of spec.fakes ?? []) add(fakeS, f, { self: f });
  for (const l of spec.lockers ?? []) add(lockS, l.id, { self: l.id, pfn: l.pfn });
  for (const t of spec.cpu) {
    const forks = t.program.some((o) => o.op === 'fork');
    const child = forks ? `${t.id}.child` : null;
    add(cpuS, t.id, { self: t.id, mm: 0, program: t.program, child, started: true });
    if (child !== null) add(cpuS, child, { self: child, mm: 0, program: t.program, child: null, started: false });
  }
  return { world: { actors, net: [] }, steppers: { index: new Map(actors.map((a, i) => [a.id, i])), byPosition } };
}

export function actor(w: World, id: string): ActorSnap {
  const a = w.actors.find((x) => x.id === id);
  if (a === undefined) throw new Error(`no actor ${id}`);
  return a;
}

export function kernelOf(w: World): KernelState {
  return actor(w, MM_ACTOR).context['k'] as KernelState;
}

export function pteOf(w: World, vpn: number, mm = 0): Pte {
  return kernelOf(w).mms[mm]?.ptes[String(vpn)] ?? { kind: 'none' };
}

/** Runs, always taking the first enabled step whose id is not excluded, until nothing is enabled. */
export function runFirst(b: Built, w0: World = b.world, opts: { readonly max?: number; readonly avoid?: readonly string[] } = {}): { world: World; steps: StepId[] } {
  let w = w0;
  const steps: StepId[] = [];
  for (let i = 0; i < (opts.max ?? 5000); i++) {
    const e = enabledSteps(w, b.steppers).find((s) => !(opts.avoid ?? []).includes(s.id));
    if (e === undefined) return { world: w, steps };
    w = e.outcome.world;
    steps.push(e.id);
  }
  throw new Error('runFirst: no end after max steps');
}

/** One named step; throws when it is not enabled. */
export function stepOf(b: Built, w: World, id: StepId): World {
  const o = step(w, b.steppers, id);
  if (o === null) throw new Error(`step ${id} not enabled`);
  return o.world;
}

export function enabledIds(b: Built, w: World): string[] {
  return enabledSteps(w, b.steppers).map((e) => e.id);
}
