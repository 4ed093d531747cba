import type { ActorSnap, KernelState, World } from '../domain/index.js';
import { heldKernelLocks } from '../invariants/locks.js';
import type { Invariant, PropertyContext, Violation } from '../invariants/types.js';
import type { Scheduler } from '../sched/scheduler.js';
import type { Model } from './build.js';
import { enabledSteps, type Delivery, type StepId } from './step.js';

export interface RunStep {
  readonly id: StepId;
  readonly deliveries: readonly Delivery[];
  /** The world after the step. */
  readonly world: World;
}

export type RunEnd = 'quiescent' | 'deadlock' | 'violation' | 'max-steps';

export interface RunResult {
  readonly steps: readonly RunStep[];
  readonly final: World;
  readonly end: RunEnd;
  readonly violation: Violation | null;
}

/** A thread or channel that has no more obligations; servers and drivers never do. */
export function actorFinished(a: ActorSnap): boolean {
  switch (a.kind) {
    case 'cpuThread':
      return a.value === 'done' || a.value === 'sigsegv' || a.value === 'forkChildWait';
    case 'gpuChannel':
      return a.value === 'done' || a.value === 'killed';
    case 'kernelMm':
    case 'mmuNotifier':
    case 'gpuMmu':
    case 'nouveauSvm':
    case 'dmirror':
      return true;
  }
}

export function propertyContext(model: Model): PropertyContext {
  const initWords = new Map<string, number>();
  for (const r of model.layout.regions) {
    r.init.forEach((v, i) => initWords.set(`${r.start + Math.floor(i / r.wordsPerPage)}:${i % r.wordsPerPage}`, v));
  }
  return { layout: model.layout, flags: model.flags, initWords };
}

/** The first violated state property of `world`, in catalogue order. */
export function checkState(ctx: PropertyContext, invariants: readonly Invariant[], world: World): Violation | null {
  for (const inv of invariants) {
    const msg = inv.state?.(ctx, world) ?? null;
    if (msg !== null) return { invariant: inv.id, message: msg };
  }
  return null;
}

export function checkStep(
  ctx: PropertyContext,
  invariants: readonly Invariant[],
  before: World,
  deliveries: readonly Delivery[],
  after: World,
): Violation | null {
  for (const inv of invariants) {
    const msg = inv.step?.(ctx, before, deliveries, after) ?? null;
    if (msg !== null) return { invariant: inv.id, message: msg };
  }
  return checkState(ctx, invariants, after);
}

/** Who holds what when nothing can move: the folio locks and mmap locks, as a lockdep report would list them. */
function heldLocks(world: World): string[] {
  const held: string[] = [];
  for (const a of world.actors) {
    if (a.kind !== 'kernelMm') continue;
    for (const l of heldKernelLocks(a.context['k'] as KernelState)) {
      held.push(l.kind === 'folio' ? `folio ${l.pfn} locked by ${l.holder}` : `mm ${l.mm} mmap_lock held for ${l.mode} by ${l.holder}`);
    }
  }
  return held;
}

export function deadlockOf(world: World): Violation | null {
  const stuck = world.actors.filter((a) => !actorFinished(a));
  if (stuck.length === 0) return null;
  const held = heldLocks(world);
  return {
    invariant: 'deadlock',
    message:
      `no step is enabled but ${stuck.map((a) => `${a.id} (${JSON.stringify(a.value)})`).join(', ')} cannot finish` +
      (held.length === 0 ? '' : `; held: ${held.join(', ')}`),
  };
}

/** One execution under a scheduler, checking every property after every step. */
export function runModel(
  model: Model,
  scheduler: Scheduler,
  invariants: readonly Invariant[],
  opts: { readonly maxSteps?: number; readonly checkDeadlock?: boolean } = {},
): RunResult {
  const ctx = propertyContext(model);
  const maxSteps = opts.maxSteps ?? 20_000;
  const steps: RunStep[] = [];
  let world = model.initial;
  const v0 = checkState(ctx, invariants, world);
  if (v0 !== null) return { steps, final: world, end: 'violation', violation: v0 };
  for (let depth = 0; depth < maxSteps; depth++) {
    const enabled = enabledSteps(world, model.steppers, true);
    if (enabled.length === 0) {
      const dl = opts.checkDeadlock === false ? null : deadlockOf(world);
      return { steps, final: world, end: dl === null ? 'quiescent' : 'deadlock', violation: dl };
    }
    const id = scheduler.choose(enabled.map((e) => e.id), depth);
    const chosen = enabled.find((e) => e.id === id);
    if (chosen === undefined) throw new Error(`scheduler chose '${id}', which is not enabled`);
    const v = checkStep(ctx, invariants, world, chosen.outcome.deliveries, chosen.outcome.world);
    world = chosen.outcome.world;
    steps.push({ id, deliveries: chosen.outcome.deliveries, world });
    if (v !== null) return { steps, final: world, end: 'violation', violation: v };
  }
  return { steps, final: world, end: 'max-steps', violation: null };
}
