import { flagsFor, type CpuOp, type Flags, type GpuOp, type KernelState, type Layout, type MutationId, type RegionLayout, type VariantId, type World } from '../../src/domain/index.js';
import { initKernelState, initNotifierState } from '../../src/mm/index.js';
import { createKernelMmMachine } from '../../machines/kernelMm.machine.js';
import { createMmuNotifierMachine } from '../../machines/mmuNotifier.machine.js';
import { createNouveauSvmMachine } from '../../machines/nouveauSvm.machine.js';
import { createGpuMmuMachine } from '../../machines/gpuMmu.machine.js';
import { createGpuChannelMachine } from '../../machines/gpuChannel.machine.js';
import { createCpuThreadMachine } from '../../machines/cpuThread.machine.js';
import { enabledSteps } from '../../src/runtime/step.js';
import { harness, type Harness } from './gpuHarness.js';

/** A private-anon region laid out from `start` (the scenario layout puts the first at REGION_BASE_VPN = 16). */
export function region(start: number, init: readonly number[], opts: Partial<RegionLayout> = {}): RegionLayout {
  return { id: `r${start}`, start, pages: 1, wordsPerPage: init.length, write: true, shared: false, populate: 'write', init, thp: false, hugetlb: false, ...opts };
}

/** mm, mmu, one nouveau GPU `gpu0` with its MMU, GPU channels on it and CPU threads, all on mm 0. */
export function gpuWorld(opts: {
  readonly variant: VariantId;
  readonly mutations?: readonly MutationId[];
  readonly regions: readonly RegionLayout[];
  readonly channels: Readonly<Record<string, readonly GpuOp[]>>;
  readonly cpus?: Readonly<Record<string, readonly CpuOp[]>>;
  readonly retryBound?: number;
}): { readonly h: Harness; readonly flags: Flags } {
  const flags = flagsFor(opts.variant, opts.mutations ?? [], opts.retryBound ?? 3);
  const layout: Layout = { regions: opts.regions };
  const h = harness([
    { id: 'mm', kind: 'kernelMm', machine: createKernelMmMachine(flags), input: { self: 'mm', kernel: initKernelState(layout) } },
    { id: 'mmu', kind: 'mmuNotifier', machine: createMmuNotifierMachine(flags), input: { self: 'mmu', notifier: initNotifierState(1, [{ mm: 0, driver: 'gpu0' }], []) } },
    { id: 'gpu0', kind: 'nouveauSvm', machine: createNouveauSvmMachine(flags), input: { self: 'gpu0', gpuMmu: 'gpu0.mmu', mm: 0 } },
    { id: 'gpu0.mmu', kind: 'gpuMmu', machine: createGpuMmuMachine(flags), input: { self: 'gpu0.mmu', driver: 'gpu0' } },
    ...Object.entries(opts.channels).map(([id, program]) => ({
      id,
      kind: 'gpuChannel' as const,
      machine: createGpuChannelMachine(flags),
      input: { self: id, mmu: 'gpu0.mmu', program },
    })),
    ...Object.entries(opts.cpus ?? {}).map(([id, program]) => ({
      id,
      kind: 'cpuThread' as const,
      machine: createCpuThreadMachine(flags),
      input: { self: id, mm: 0, program, child: null, started: true },
    })),
  ]);
  return { h, flags };
}

/** Runs the first enabled step until none is enabled (a fixed, fair-enough schedule); returns the step ids. */
export function runToQuiescence(h: Harness, limit = 500): string[] {
  const taken: string[] = [];
  for (let i = 0; i < limit; i++) {
    const next = enabledSteps(h.world, h.steppers)[0];
    if (next === undefined) return taken;
    taken.push(next.id);
    h.world = next.outcome.world;
  }
  throw new Error(`no quiescence after ${limit} steps: ${taken.slice(-20).join(' ')}`);
}

export const kernelOf = (w: World): KernelState => (w.actors.find((a) => a.id === 'mm')?.context as unknown as { k: KernelState }).k;
