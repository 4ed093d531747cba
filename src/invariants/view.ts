import {
  MM_ACTOR,
  MMU_NOTIFIER_ACTOR,
  type ActorId,
  type ActorSnap,
  type CpuOp,
  type ExpectFailure,
  type GpuMmuState,
  type GpuOp,
  type KernelState,
  type MmId,
  type NotifierState,
  type Pfn,
  type StateValue,
  type SubId,
  type World,
} from '../domain/index.js';
import { snapMemo } from './memo.js';

/**
 * The one place that knows how the machines lay out their contexts (docs/model-conventions.md,
 * "Actors, ids and contexts"). Properties read worlds only through these accessors, so a shape
 * change in a machine fails here, loudly and once, instead of silently weakening a property.
 */

export class WorldShapeError extends Error {
  override readonly name = 'WorldShapeError';
}

type Ctx = ActorSnap['context'];

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(actor: ActorSnap | string, what: string): never {
  const id = typeof actor === 'string' ? actor : `${actor.id} (${actor.kind})`;
  throw new WorldShapeError(`invariants/view: ${id}: ${what}; the machine's context shape changed, update src/invariants/view.ts`);
}

function field(a: ActorSnap, ctx: Ctx | Readonly<Record<string, unknown>>, key: string, kind: 'array' | 'number' | 'record'): unknown {
  const v = ctx[key];
  const ok = kind === 'array' ? Array.isArray(v) : kind === 'number' ? typeof v === 'number' : isRecord(v);
  if (!ok) fail(a, `context.${key} is ${v === undefined ? 'missing' : `not a${kind === 'array' ? 'n' : ''} ${kind}`}`);
  return v;
}

/**
 * Where each id was last found (performance): actors keep their positions in every world of a run,
 * so the hint almost always hits and saves a scan. Actor ids are unique within a world (the
 * runtime indexes actors by id), so a hit is the actor `find` would return.
 */
const lastPosition = new Map<ActorId, number>();

function actorById(world: World, id: ActorId): ActorSnap {
  const a = findActor(world, id);
  if (a === undefined) fail(id, 'no such actor in the world');
  return a;
}

/** The actor with id `id`, or undefined when the world has none. */
export function findActor(world: World, id: ActorId): ActorSnap | undefined {
  const hint = lastPosition.get(id);
  if (hint !== undefined) {
    const h = world.actors[hint];
    if (h !== undefined && h.id === id) return h;
  }
  const i = world.actors.findIndex((x) => x.id === id);
  const a = world.actors[i];
  if (a !== undefined) lastPosition.set(id, i);
  return a;
}

/**
 * Memo tables (performance). Every property reads the same world through these accessors, several
 * times per checked state, and the explorer checks millions of states. Worlds and actor snapshots
 * are immutable, and snapshots are hash-consed by the runtime (an unchanged actor is the same
 * object in every world that contains it), so a view derived from one snapshot is cached per
 * snapshot (`snapMemo`: no leak, no invalidation needed), and the per-world lists per world.
 * Only successful derivations are cached: a shape error is rethrown on every call.
 */
const kernelOfSnap = snapMemo(kernelView);
const notifierOfSnap = snapMemo(notifierView);
const gpuMmuOfSnap = snapMemo(gpuMmuView);
/** The view of one dmirror actor's snapshot. */
export const dmirrorOfSnap = snapMemo(dmirrorView);
/** The view of one nouveauSvm actor's snapshot. */
export const nouveauOfSnap = snapMemo(nouveauView);
/** The view of one cpuThread actor's snapshot. */
export const cpuThreadOfSnap = snapMemo(cpuThreadView);
/** The view of one gpuChannel actor's snapshot. */
export const gpuChannelOfSnap = snapMemo(gpuChannelView);

interface WorldViews {
  gpuMmus?: readonly GpuMmuView[];
  dmirrors?: readonly DmirrorView[];
  nouveau?: readonly NouveauView[];
  cpuThreads?: readonly CpuThreadView[];
  gpuChannels?: readonly GpuChannelView[];
}
/**
 * The lists of the last few worlds asked about, by identity. A checker asks about one world (or a
 * before/after pair) at a time, so a tiny ring beats a WeakMap keyed by every world: that made
 * millions of short-lived ephemerons and showed up as garbage-collector time.
 */
const RECENT = 4;
const recentWorlds: Array<World | undefined> = new Array<World | undefined>(RECENT).fill(undefined);
const recentViews: WorldViews[] = Array.from({ length: RECENT }, (): WorldViews => ({}));
let recentNext = 0;

function worldViews(world: World): WorldViews {
  for (let i = 0; i < RECENT; i++) {
    if (recentWorlds[i] === world) return recentViews[i] as WorldViews;
  }
  const v: WorldViews = {};
  recentWorlds[recentNext] = world;
  recentViews[recentNext] = v;
  recentNext = (recentNext + 1) % RECENT;
  return v;
}

/** The views of every actor of `kind`, each derived once per snapshot. */
function viewsOfKind<V>(world: World, kind: ActorSnap['kind'], of: (a: ActorSnap) => V): readonly V[] {
  const out: V[] = [];
  for (const a of world.actors) {
    if (a.kind === kind) out.push(of(a));
  }
  return out;
}

/**
 * Both worlds have the same `mm` snapshot, so the same kernel state: the cheap first test of a
 * step property about kernel changes (the runtime shares an unchanged actor's snapshot).
 */
export function sameKernel(before: World, after: World): boolean {
  return mmActor(before) === mmActor(after);
}

/** Where `mm` was last found: one position for the whole run, read without a Map lookup (performance). */
let mmPosition = -1;
/**
 * `MM_ACTOR` read once (performance): a re-exported binding compiles to a getter on the barrel
 * module, and calling it on every property check was measurable.
 */
const MM_ID: ActorId = MM_ACTOR;

function mmActor(world: World): ActorSnap {
  const h = world.actors[mmPosition];
  if (h !== undefined && h.id === MM_ID) return h;
  const a = actorById(world, MM_ID);
  mmPosition = world.actors.indexOf(a);
  return a;
}

/** `mm`'s `context.k`: every mm_struct and every folio. */
export function kernelState(world: World): KernelState {
  return kernelOfSnap(mmActor(world));
}

function kernelView(a: ActorSnap): KernelState {
  const k = field(a, a.context, 'k', 'record') as Readonly<Record<string, unknown>>;
  field(a, k, 'mms', 'array');
  field(a, k, 'folios', 'array');
  return k as unknown as KernelState;
}

/** `mmu`'s `context.n`, with the per-mm `activeRanges` S8 reads. */
export function notifierState(world: World): NotifierState {
  return notifierOfSnap(actorById(world, MMU_NOTIFIER_ACTOR));
}

function notifierView(a: ActorSnap): NotifierState {
  const n = field(a, a.context, 'n', 'record') as Readonly<Record<string, unknown>>;
  const mms = field(a, n, 'mms', 'array') as readonly unknown[];
  for (const m of mms) {
    if (!isRecord(m) || !Array.isArray(m['activeRanges'])) fail(a, 'context.n.mms[*].activeRanges is missing');
  }
  return n as unknown as NotifierState;
}

export interface GpuMmuView {
  readonly id: ActorId;
  /** The device (driver actor) the page table belongs to. */
  readonly device: ActorId;
  readonly g: GpuMmuState;
}

/** Every `<dev>.mmu`: GPU PTEs (for mm 0) and the atomics between their read and write halves. */
export function gpuMmus(world: World): readonly GpuMmuView[] {
  const v = worldViews(world);
  return (v.gpuMmus ??= viewsOfKind(world, 'gpuMmu', gpuMmuOfSnap));
}

function gpuMmuView(a: ActorSnap): GpuMmuView {
  const g = field(a, a.context, 'g', 'record') as Readonly<Record<string, unknown>>;
  field(a, g, 'ptes', 'record');
  field(a, g, 'inflight', 'array');
  const device = typeof g['device'] === 'string' ? g['device'] : a.id;
  return { id: a.id, device, g: g as unknown as GpuMmuState };
}

export type DmirrorTag = 'ATOMIC' | 'WRITE' | 'READ';

export interface DmirrorView {
  readonly id: ActorId;
  /** lib/test_hmm.c dmirror->pt: vpn -> (page, tag). */
  readonly pt: Readonly<Record<string, { readonly pfn: Pfn; readonly tag: DmirrorTag }>>;
  /** An ioctl (dmirror_exclusive, dmirror_fault, ...) is running: it may legitimately hold locks. */
  readonly busy: boolean;
  /** dmirror->mutex owner: the device itself during an ioctl, an invalidating task inside its callback, or free. */
  readonly mutex: ActorId | null;
}

export function dmirrors(world: World): readonly DmirrorView[] {
  const v = worldViews(world);
  return (v.dmirrors ??= viewsOfKind(world, 'dmirror', dmirrorOfSnap));
}

function dmirrorView(a: ActorSnap): DmirrorView {
  const pt = field(a, a.context, 'pt', 'record') as DmirrorView['pt'];
  // dmirror_fops_unlocked_ioctl: one HMM_DMIRROR_* ioctl at a time, null between ioctls.
  if (!('ioctl' in a.context)) fail(a, 'context.ioctl (the HMM_DMIRROR_* ioctl in progress, or null) is missing');
  const mutex = a.context['mutex'];
  if (mutex !== null && typeof mutex !== 'string') fail(a, 'context.mutex (dmirror->mutex owner: ActorId | null) is missing');
  return { id: a.id, pt, busy: a.context['ioctl'] !== null, mutex };
}

export interface NouveauView {
  readonly id: ActorId;
  /** svmm->mutex owner: the fault worker ('worker'), an invalidating actor, or free. */
  readonly svmmMutex: ActorId | null;
  /** nouveau_svm_fault is not running: the work item has returned. */
  readonly workerIdle: boolean;
  /** The fault in progress: its interval subscription and read_begin seq (null when none or not read yet). */
  readonly fault: { readonly sub: SubId; readonly seq: number } | null;
}

function svmmMutexOf(a: ActorSnap): ActorId | null {
  const m = a.context['svmmMutex'];
  if (m === null || typeof m === 'string') return m;
  return fail(a, "context.svmmMutex (svmm->mutex owner: 'worker' | ActorId | null) is missing");
}

/** nouveau_svm.c nouveau_svm_fault: the work item's region of the parallel nouveauSvm machine. */
const NOUVEAU_WORKER_REGION = /worker|svmFault/i;

export function nouveauDrivers(world: World): readonly NouveauView[] {
  const v = worldViews(world);
  return (v.nouveau ??= viewsOfKind(world, 'nouveauSvm', nouveauOfSnap));
}

function nouveauView(a: ActorSnap): NouveauView {
  return {
    id: a.id,
    svmmMutex: svmmMutexOf(a),
    workerIdle: regionIdle(a.value, NOUVEAU_WORKER_REGION, a),
    fault: faultSeqOf(a),
  };
}

/**
 * The temporary svm_notifier of the fault being handled and the notifier_seq its
 * mmu_interval_read_begin returned (context.rf), when both are set; null otherwise.
 */
function faultSeqOf(a: ActorSnap): { readonly sub: SubId; readonly seq: number } | null {
  const rf = a.context['rf'];
  if (rf === null || rf === undefined) return null;
  if (!isRecord(rf)) return fail(a, 'context.rf (the fault being handled) is not a record');
  const sub = rf['sub'];
  const seq = rf['seq'];
  return typeof sub === 'number' && typeof seq === 'number' ? { sub, seq } : null;
}

export function nouveauDriver(world: World, id: ActorId): NouveauView | undefined {
  return nouveauDrivers(world).find((d) => d.id === id);
}

export interface CpuThreadView {
  readonly id: ActorId;
  readonly value: StateValue;
  readonly mm: MmId;
  readonly program: readonly CpuOp[];
  readonly pc: number;
  readonly expectFailures: readonly ExpectFailure[];
  /** The thread ran off its program or was killed: it will never release anything. */
  readonly finished: boolean;
}

export interface GpuChannelView {
  readonly id: ActorId;
  readonly value: StateValue;
  readonly program: readonly GpuOp[];
  readonly pc: number;
  readonly expectFailures: readonly ExpectFailure[];
  readonly finished: boolean;
}

function programFields(a: ActorSnap): { program: readonly unknown[]; pc: number; expectFailures: readonly ExpectFailure[] } {
  return {
    program: field(a, a.context, 'program', 'array') as readonly unknown[],
    pc: field(a, a.context, 'pc', 'number') as number,
    expectFailures: field(a, a.context, 'expectFailures', 'array') as readonly ExpectFailure[],
  };
}

export function cpuThreads(world: World): readonly CpuThreadView[] {
  const v = worldViews(world);
  return (v.cpuThreads ??= viewsOfKind(world, 'cpuThread', cpuThreadOfSnap));
}

function cpuThreadView(a: ActorSnap): CpuThreadView {
  const p = programFields(a);
  return {
    id: a.id,
    value: a.value,
    mm: field(a, a.context, 'mm', 'number') as MmId,
    program: p.program as readonly CpuOp[],
    pc: p.pc,
    expectFailures: p.expectFailures,
    // The final states of cpuThread: done (program ran out or exit), sigsegv (killed).
    finished: a.value === 'done' || a.value === 'sigsegv',
  };
}

export function gpuChannels(world: World): readonly GpuChannelView[] {
  const v = worldViews(world);
  return (v.gpuChannels ??= viewsOfKind(world, 'gpuChannel', gpuChannelOfSnap));
}

function gpuChannelView(a: ActorSnap): GpuChannelView {
  const p = programFields(a);
  return {
    id: a.id,
    value: a.value,
    program: p.program as readonly GpuOp[],
    pc: p.pc,
    expectFailures: p.expectFailures,
    // killed = the fault was cancelled (GP100_VMM_VN_FAULT_CANCEL): GPU SIGSEGV.
    finished: a.value === 'done' || a.value === 'killed',
  };
}

/**
 * The region of a parallel state value whose key matches `region` is in its top-level `idle`
 * state. A flat (string) state value is its own region. No such region → the shape changed.
 */
function regionIdle(v: StateValue, region: RegExp, a: ActorSnap): boolean {
  if (typeof v === 'string') return v === 'idle';
  const regions = Object.entries(v).filter(([k]) => region.test(k));
  if (regions.length === 0) fail(a, `no region matching ${String(region)} in state value ${JSON.stringify(v)}`);
  return regions.every(([, sub]) => sub === 'idle');
}
