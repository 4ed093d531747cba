import type {
  ActorSnap,
  ExpectFailure,
  GpuMmuState,
  KernelState,
  NotifierState,
  StateValue,
  World,
} from '../domain/index.js';

/**
 * Typed reads of the actor contexts the log and the summary need (docs/model-conventions.md,
 * "Actors, ids and contexts"). The world is plain data; these only name its fields.
 */

export function kernelOf(world: World): KernelState | null {
  const a = world.actors.find((x) => x.kind === 'kernelMm');
  return (a?.context['k'] as KernelState | undefined) ?? null;
}

export function notifierOf(world: World): NotifierState | null {
  const a = world.actors.find((x) => x.kind === 'mmuNotifier');
  return (a?.context['n'] as NotifierState | undefined) ?? null;
}

export function gpuMmuOf(a: ActorSnap): GpuMmuState | null {
  return a.kind === 'gpuMmu' ? ((a.context['g'] as GpuMmuState | undefined) ?? null) : null;
}

/** A CPU thread's or GPU channel's progress through its program. */
export interface ProgramProgress {
  readonly pc: number;
  readonly ops: number;
  readonly expectFailures: readonly ExpectFailure[];
}

export function progressOf(a: ActorSnap): ProgramProgress | null {
  if (a.kind !== 'cpuThread' && a.kind !== 'gpuChannel') return null;
  const program = a.context['program'];
  const pc = a.context['pc'];
  const failures = a.context['expectFailures'];
  return {
    pc: typeof pc === 'number' ? pc : 0,
    ops: Array.isArray(program) ? program.length : 0,
    expectFailures: Array.isArray(failures) ? (failures as readonly ExpectFailure[]) : [],
  };
}

/** `doSwapPage` → `do_swap_page`: machine states are kernel names in camelCase. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/**
 * The state names from the root to each leaf: `{fault: 'doSwapPage'}` → [[`fault`, `doSwapPage`]];
 * a parallel state (several keys) gives one path per region, in the machine's region order.
 */
export function statePaths(value: StateValue): readonly (readonly string[])[] {
  if (typeof value === 'string') return [[value]];
  const out: string[][] = [];
  for (const [k, sub] of Object.entries(value)) {
    for (const p of statePaths(sub)) out.push([k, ...p]);
  }
  return out.length === 0 ? [[]] : out;
}

/** The path of a single-region state value (the first region of a parallel one). */
export function statePath(value: StateValue): readonly string[] {
  return statePaths(value)[0] ?? [];
}

/**
 * The kernel function a state path is in: the state enclosing the leaf (the leaf is the call
 * about to be made, which the call text names), or the leaf of a top-level state.
 */
export function functionOf(path: readonly string[]): string {
  const fn = path.length >= 2 ? path[path.length - 2] : path[0];
  return fn === undefined ? '' : snakeCase(fn);
}
