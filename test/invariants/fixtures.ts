import {
  flagsFor,
  type ActorSnap,
  type CpuOp,
  type ExpectFailure,
  type Folio,
  type GpuOp,
  type GpuPte,
  type InflightAtomic,
  type IntervalSub,
  type Mm,
  type MmuNotifierRange,
  type MutationId,
  type Pfn,
  type Pte,
  type StateValue,
  type VariantId,
  type Vma,
  type Vpn,
  type World,
} from '../../src/domain/index.js';
import type { PropertyContext } from '../../src/invariants/types.js';

/** Hand-built worlds in the documented context shapes (docs/model-conventions.md). */

export const V = 16;

export function ctxFor(variant: VariantId = 'linux-6.15', init: Readonly<Record<string, number>> = {}, mutations: readonly MutationId[] = []): PropertyContext {
  return { layout: { regions: [] }, flags: flagsFor(variant, mutations), initWords: new Map(Object.entries(init)) };
}

export const zeroPage: Folio = {
  pfn: 0, refcount: 1, mapcount: 0, locked: null, waiters: [], dirty: false, anon: false, anonExclusive: false, data: [0, 0],
};

export function folio(pfn: Pfn, over: Partial<Folio> = {}): Folio {
  return { pfn, refcount: 1, mapcount: 1, locked: null, waiters: [], dirty: true, anon: true, anonExclusive: true, data: [0, 0], ...over };
}

export function present(pfn: Pfn, over: Partial<Extract<Pte, { kind: 'present' }>> = {}): Pte {
  return { kind: 'present', pfn, write: true, dirty: true, young: true, softDirty: false, uffdWp: false, ...over };
}

export function devExcl(pfn: Pfn, over: Partial<Extract<Pte, { kind: 'devExcl' }>> = {}): Pte {
  return { kind: 'devExcl', pfn, writable: false, softDirty: false, uffdWp: false, ...over };
}

export function vma(over: Partial<Vma> = {}): Vma {
  return {
    region: 'buf', start: V, pages: 2, read: true, write: true, shared: false, mayWrite: true, anon: true, hugetlb: false,
    softDirtyTracking: false, ...over,
  };
}

export function mm(id: number, ptes: Readonly<Record<number, Pte>>, over: Partial<Mm> = {}): Mm {
  return { id, live: true, vmas: [vma()], ptes, mmapLock: { readers: [], writer: null }, ...over };
}

function actor(id: string, kind: ActorSnap['kind'], value: StateValue, ctx: Readonly<Record<string, unknown>>): ActorSnap {
  return { id, kind, value, context: { self: id, out: [], ...ctx } };
}

export function kernelActor(mms: readonly Mm[], folios: readonly Folio[]): ActorSnap {
  return actor('mm', 'kernelMm', 'serving', { k: { mms, folios } });
}

export function range(start: Vpn, end: Vpn, over: Partial<MmuNotifierRange> = {}): MmuNotifierRange {
  return { mm: 0, start, end, event: 'MMU_NOTIFY_CLEAR', owner: null, blockable: true, ...over };
}

export function mmuActor(activeRanges: readonly MmuNotifierRange[] = [], interval: readonly IntervalSub[] = []): ActorSnap {
  return actor('mmu', 'mmuNotifier', 'serving', {
    n: {
      mms: [{ mm: 0, invalidateSeq: activeRanges.length > 0 ? 1 : 0, activeInvalidateRanges: activeRanges.length, activeRanges, interval, hlist: [] }],
      nextSub: 1,
    },
  });
}

export function gpuPte(pfn: Pfn, over: Partial<GpuPte> = {}): GpuPte {
  return { valid: true, ro: false, atomicDisable: false, aperture: 'host', vol: true, pfn, ...over };
}

export function gpuMmuActor(device: string, ptes: Readonly<Record<number, GpuPte>>, inflight: readonly InflightAtomic[] = []): ActorSnap {
  return actor(`${device}.mmu`, 'gpuMmu', 'serving', {
    g: { device, ptes, faultBuffer: [], get: 0, put: 0, notifyPending: false, stalled: [], inflight },
  });
}

/** The parallel nouveauSvm machine: callbacks region (its own `idle`) and the fault worker region. */
export function nouveauActor(id: string, worker: StateValue, svmmMutex: string | null, rf: { sub: number; seq: number | null } | null = null): ActorSnap {
  const frame = rf === null ? null : { vpn: V, sub: rf.sub, seq: rf.seq, iterations: 0, pfn: 1, hmm: null, ret: null };
  return actor(id, 'nouveauSvm', { mmuNotifierCallbacks: 'idle', nouveauSvmFault: worker }, { gpuMmu: `${id}.mmu`, mm: 0, svmmMutex, cbCaller: null, rf: frame });
}

export function dmirrorActor(
  id: string,
  pt: Readonly<Record<number, { pfn: Pfn; tag: 'ATOMIC' | 'WRITE' | 'READ' }>>,
  ioctl: unknown = null,
  mutex: string | null = null,
): ActorSnap {
  return actor(id, 'dmirror', ioctl === null ? 'idle' : { dmirrorExclusive: 'makeDeviceExclusive' }, { mm: 0, sub: 1, pt, mutex, ioctl });
}

export function cpuActor(id: string, value: StateValue, program: readonly CpuOp[], pc: number, expectFailures: readonly ExpectFailure[] = []): ActorSnap {
  return actor(id, 'cpuThread', value, { mm: 0, program, pc, expectFailures });
}

export function channelActor(id: string, value: StateValue, program: readonly GpuOp[], pc: number, expectFailures: readonly ExpectFailure[] = []): ActorSnap {
  return actor(id, 'gpuChannel', value, { mmu: 'gpu0.mmu', program, pc, expectFailures });
}

export function world(...actors: ActorSnap[]): World {
  return { actors, net: [] };
}

/** Replace the actor with the same id. */
export function withActor(w: World, a: ActorSnap): World {
  return { ...w, actors: w.actors.map((x) => (x.id === a.id ? a : x)) };
}
