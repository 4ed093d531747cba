import type { AnyStateMachine } from 'xstate';
import {
  MM_ACTOR,
  MMU_NOTIFIER_ACTOR,
  type ActorId,
  type ActorKind,
  type CpuOp,
  type CpuThreadInput,
  type DmirrorInput,
  type Flags,
  type GpuChannelInput,
  type GpuMmuInput,
  type GpuOp,
  type Layout,
  type NouveauSvmInput,
} from '../src/domain/index.js';
import { initKernelState, initNotifierState } from '../src/mm/index.js';
import { createCpuThreadMachine } from './cpuThread.machine.js';
import { createDmirrorMachine } from './dmirror.machine.js';
import { createGpuChannelMachine } from './gpuChannel.machine.js';
import { createGpuMmuMachine } from './gpuMmu.machine.js';
import { createKernelMmMachine } from './kernelMm.machine.js';
import { createMmuNotifierMachine } from './mmuNotifier.machine.js';
import { createNouveauSvmMachine } from './nouveauSvm.machine.js';

/** The registry: the runtime knows machines only through this file. */
export function buildMachines(flags: Flags): Readonly<Record<ActorKind, AnyStateMachine>> {
  return {
    kernelMm: createKernelMmMachine(flags),
    mmuNotifier: createMmuNotifierMachine(flags),
    cpuThread: createCpuThreadMachine(flags),
    gpuChannel: createGpuChannelMachine(flags),
    gpuMmu: createGpuMmuMachine(flags),
    nouveauSvm: createNouveauSvmMachine(flags),
    dmirror: createDmirrorMachine(flags),
  };
}

export interface ActorSpec {
  readonly id: ActorId;
  readonly kind: ActorKind;
  readonly input: unknown;
}

export interface WorldPlan {
  readonly layout: Layout;
  readonly devices: readonly { readonly id: string; readonly driver: 'nouveau' | 'dmirror' }[];
  readonly cpu: readonly { readonly id: string; readonly program: readonly CpuOp[] }[];
  readonly gpu: readonly { readonly id: string; readonly device: string; readonly program: readonly GpuOp[] }[];
}

/** The GPU MMU actor of a nouveau device. */
export function gpuMmuActorOf(device: ActorId): ActorId {
  return `${device}.mmu`;
}

/** The actor a fork child's thread runs as. */
export function forkChildOf(thread: ActorId): ActorId {
  return `${thread}.child`;
}

/**
 * The actors of a world in their fixed order, with their machine inputs. Nouveau devices register
 * their hlist notifier (nouveau_svmm_init → mmu_notifier_register); dmirror devices their
 * whole-address-space interval notifier (dmirror_fops_open), both on the scenario's mm 0.
 */
export function initialInputs(plan: WorldPlan): readonly ActorSpec[] {
  const nouveau = plan.devices.filter((d) => d.driver === 'nouveau');
  const dmirror = plan.devices.filter((d) => d.driver === 'dmirror');
  const lastVpn = plan.layout.regions.reduce((m, r) => Math.max(m, r.start + r.pages), 0);
  const notifier = initNotifierState(
    1,
    nouveau.map((d) => ({ mm: 0, driver: d.id })),
    dmirror.map((d) => ({ mm: 0, driver: d.id, start: 0, end: lastVpn + 1 })),
  );
  const specs: ActorSpec[] = [
    { id: MM_ACTOR, kind: 'kernelMm', input: { self: MM_ACTOR, kernel: initKernelState(plan.layout) } },
    { id: MMU_NOTIFIER_ACTOR, kind: 'mmuNotifier', input: { self: MMU_NOTIFIER_ACTOR, notifier } },
  ];
  for (const d of plan.devices) {
    if (d.driver === 'nouveau') {
      const svm: NouveauSvmInput = { self: d.id, gpuMmu: gpuMmuActorOf(d.id), mm: 0 };
      const mmu: GpuMmuInput = { self: gpuMmuActorOf(d.id), driver: d.id };
      specs.push({ id: d.id, kind: 'nouveauSvm', input: svm }, { id: mmu.self, kind: 'gpuMmu', input: mmu });
    } else {
      const sub = notifier.mms[0]?.interval.find((s) => s.driver === d.id)?.id;
      if (sub === undefined) throw new Error(`no interval notifier registered for ${d.id}`);
      const input: DmirrorInput = { self: d.id, mm: 0, sub };
      specs.push({ id: d.id, kind: 'dmirror', input });
    }
  }
  for (const c of plan.gpu) {
    const input: GpuChannelInput = { self: c.id, mmu: gpuMmuActorOf(c.device), program: c.program };
    specs.push({ id: c.id, kind: 'gpuChannel', input });
  }
  for (const t of plan.cpu) {
    const forks = t.program.some((o) => o.op === 'fork');
    const child = forks ? forkChildOf(t.id) : null;
    const input: CpuThreadInput = { self: t.id, mm: 0, program: t.program, child, started: true };
    specs.push({ id: t.id, kind: 'cpuThread', input });
    if (child !== null) {
      const childInput: CpuThreadInput = { self: child, mm: 0, program: t.program, child: null, started: false };
      specs.push({ id: child, kind: 'cpuThread', input: childInput });
    }
  }
  return specs;
}
