import {
  MM_ACTOR,
  MMU_NOTIFIER_ACTOR,
  REGION_BASE_VPN,
  flagsFor,
  isMutationId,
  isVariantId,
  type ActorId,
  type ActorKind,
  type ActorSnap,
  type CpuOp,
  type Flags,
  type GpuOp,
  type Layout,
  type MutationId,
  type RegionLayout,
  type World,
  type WordAddr,
} from '../domain/index.js';
import { ScenarioError, parseAt, type Scenario } from '../scenario/index.js';
import type { CpuOp as ScenarioCpuOp, GpuOp as ScenarioGpuOp } from '../scenario/index.js';
import { buildMachines, initialInputs } from '../../machines/index.js';
import { MachineStepper } from './xstateStep.js';
import type { Steppers } from './step.js';

/** Everything needed to step one scenario under one variant: the flags, the layout and the steppers. */
export interface Model {
  readonly scenario: Scenario;
  readonly flags: Flags;
  readonly layout: Layout;
  readonly actors: readonly { readonly id: ActorId; readonly kind: ActorKind }[];
  readonly steppers: Steppers;
  readonly initial: World;
}

export interface ModelOptions {
  readonly variant?: string;
  readonly mutations?: readonly string[];
  /** Iterations of the drivers' retry loops before the 1 s timeout fires; default `defaultRetryBound`. */
  readonly retryBound?: number;
  /** Where the scenario came from, for error messages. */
  readonly file?: string;
}

/**
 * HMM_RANGE_DEFAULT_TIMEOUT as an iteration count. The kernel gives up after 1 s; a scenario's
 * finite programs cannot keep a page busy that long, so the bound sits above the number of
 * invalidations the other actors can cause (each CPU or GPU memory op, ioctl and syscall can cause
 * at most one round). A fault that still runs out of retries livelocked on its own, which is what
 * `gpu-progress` reports, rather than losing a race the real timeout would have waited out.
 */
export function defaultRetryBound(scenario: Scenario): number {
  const ops = scenario.cpu.reduce((n, t) => n + t.program.length, 0) + scenario.gpu.reduce((n, c) => n + c.program.length, 0);
  return ops + 2;
}

export function layoutOf(scenario: Scenario): Layout {
  let next = REGION_BASE_VPN;
  const regions: RegionLayout[] = scenario.regions.map((r) => {
    const start = next;
    next += r.pages + 1;
    return {
      id: r.id,
      start,
      pages: r.pages,
      wordsPerPage: r.wordsPerPage,
      write: r.prot === 'rw',
      shared: r.mapping === 'shared',
      populate: r.populate,
      init: r.init,
      thp: r.thp === true,
      hugetlb: r.hugetlb === true,
    };
  });
  return { regions };
}

function regionOf(layout: Layout, id: string): RegionLayout {
  const r = layout.regions.find((x) => x.id === id);
  if (r === undefined) throw new Error(`unknown region ${id} after validation`);
  return r;
}

export function wordAddr(layout: Layout, at: string): WordAddr {
  const ref = parseAt(at);
  const r = regionOf(layout, ref.region);
  return { vpn: r.start + Math.floor(ref.word / r.wordsPerPage), word: ref.word % r.wordsPerPage };
}

function resolveCpuOp(layout: Layout, op: ScenarioCpuOp): CpuOp {
  const expect = op.expect === undefined ? {} : { expect: op.expect };
  switch (op.op) {
    case 'load':
      return { op: 'load', ...wordAddr(layout, op.at), ...expect };
    case 'store':
    case 'add':
    case 'atomicAdd':
      return { op: op.op, value: op.value, ...wordAddr(layout, op.at), ...expect };
    case 'fork':
    case 'clearRefs':
    case 'exit':
      return { op: op.op, ...expect };
    case 'mprotect': {
      const r = regionOf(layout, op.region);
      return { op: 'mprotect', start: r.start, end: r.start + r.pages, write: op.prot === 'rw', ...expect };
    }
    case 'munmap':
    case 'madviseDontneed': {
      const r = regionOf(layout, op.region);
      return { op: op.op, start: r.start, end: r.start + r.pages, ...expect };
    }
    case 'dmirrorExclusive':
    case 'dmirrorCheckExclusive':
    case 'dmirrorRead':
    case 'dmirrorWrite': {
      const r = regionOf(layout, op.region);
      const cmd = {
        dmirrorExclusive: 'HMM_DMIRROR_EXCLUSIVE',
        dmirrorCheckExclusive: 'HMM_DMIRROR_CHECK_EXCLUSIVE',
        dmirrorRead: 'HMM_DMIRROR_READ',
        dmirrorWrite: 'HMM_DMIRROR_WRITE',
      } as const;
      return { op: 'dmirror', cmd: cmd[op.op], device: op.device, start: r.start, npages: r.pages, ...expect };
    }
  }
}

function resolveGpuOp(layout: Layout, op: ScenarioGpuOp): GpuOp {
  switch (op.op) {
    case 'load':
      return { op: 'load', ...wordAddr(layout, op.at), ...(op.expect === undefined ? {} : { expect: { value: op.expect.value } }) };
    case 'prefetch':
      return { op: 'prefetch', ...wordAddr(layout, op.at) };
    case 'store':
    case 'atomicAdd':
      return { op: op.op, value: op.value, ...wordAddr(layout, op.at) };
    case 'atomicCas':
      return { op: 'atomicCas', expectOld: op.expect, value: op.value, ...wordAddr(layout, op.at) };
  }
}

/** Features the scenario format names but this model does not execute yet: refused, not faked. */
function refuseUnmodelled(scenario: Scenario, file: string): void {
  scenario.kernel.forEach((k, i) => {
    throw new ScenarioError(file, `$.kernel[${i}].op`, `background kernel activity '${k.op}' is not modelled yet; remove it`);
  });
  scenario.regions.forEach((r, i) => {
    if (r.thp === true) throw new ScenarioError(file, `$.regions[${i}].thp`, 'THP-backed regions are not modelled yet');
    if (r.hugetlb === true) throw new ScenarioError(file, `$.regions[${i}].hugetlb`, 'hugetlb regions are not modelled yet');
  });
  scenario.cpu.forEach((t, i) => {
    const forks = t.program.filter((o) => o.op === 'fork').length;
    if (forks > 1) throw new ScenarioError(file, `$.cpu[${i}].program`, 'at most one fork per program is modelled');
  });
}

export function buildModel(scenario: Scenario, opts: ModelOptions = {}): Model {
  const file = opts.file ?? scenario.name;
  const variant = opts.variant ?? scenario.variant;
  if (!isVariantId(variant)) throw new ScenarioError(file, '$.variant', `unknown variant '${variant}'`);
  const mutations = opts.mutations ?? scenario.mutations;
  const bad = mutations.find((m) => !isMutationId(m));
  if (bad !== undefined) throw new ScenarioError(file, '$.mutations', `unknown mutation '${bad}'`);
  refuseUnmodelled(scenario, file);
  const flags = flagsFor(variant, mutations as readonly MutationId[], opts.retryBound ?? scenario.check.retryBound ?? defaultRetryBound(scenario));
  const layout = layoutOf(scenario);
  const machines = buildMachines(flags);

  const cpuPrograms = scenario.cpu.map((t) => ({ id: t.id, program: t.program.map((o) => resolveCpuOp(layout, o)) }));
  const gpuPrograms = scenario.gpu.map((c) => ({ id: c.id, device: c.device, program: c.program.map((o) => resolveGpuOp(layout, o)) }));
  const specs = initialInputs({ layout, devices: scenario.devices, cpu: cpuPrograms, gpu: gpuPrograms });

  const steppersByKind = new Map<ActorKind, MachineStepper>();
  const stepperFor = (kind: ActorKind): MachineStepper => {
    let s = steppersByKind.get(kind);
    if (s === undefined) {
      s = new MachineStepper(kind, machines[kind]);
      steppersByKind.set(kind, s);
    }
    return s;
  };
  const index = new Map<ActorId, number>();
  const byPosition: MachineStepper[] = [];
  const actors: ActorSnap[] = [];
  for (const spec of specs) {
    const s = stepperFor(spec.kind);
    index.set(spec.id, actors.length);
    byPosition.push(s);
    actors.push(s.initial(spec.id, spec.input));
  }
  return {
    scenario,
    flags,
    layout,
    actors: specs.map((s) => ({ id: s.id, kind: s.kind })),
    steppers: { index, byPosition },
    initial: { actors, net: [] },
  };
}

export { MM_ACTOR, MMU_NOTIFIER_ACTOR };
