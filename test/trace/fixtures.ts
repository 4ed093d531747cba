import type { ActorSnap, Folio, GpuPte, KernelState, Layout, NotifierState, Pte, World } from '../../src/domain/index.js';
import type { Delivery } from '../../src/runtime/step.js';
import type { LogStep } from '../../src/trace/render.js';

/** A hand-made world (one page `buf` at vpn 16, pfn 1, one GPU) for rendering tests that need no machines. */
export const layout: Layout = {
  regions: [{ id: 'buf', start: 16, pages: 1, wordsPerPage: 2, write: true, shared: false, populate: 'write', init: [0, 0], thp: false, hugetlb: false }],
};

export const present: Pte = { kind: 'present', pfn: 1, write: true, dirty: true, young: true, softDirty: false, uffdWp: false };
export const devExcl: Pte = { kind: 'devExcl', pfn: 1, writable: false, softDirty: false, uffdWp: false };
export const gpuAtomic: GpuPte = { valid: true, ro: false, atomicDisable: false, aperture: 'host', vol: true, pfn: 1 };

export function folio(over: Partial<Folio> = {}): Folio {
  return { pfn: 1, refcount: 1, mapcount: 1, locked: null, waiters: [], dirty: false, anon: true, anonExclusive: true, data: [0, 0], ...over };
}

export function kernel(pte: Pte | null, f: Folio = folio()): KernelState {
  const zero: Folio = { ...folio({ pfn: 0, anon: false, anonExclusive: false, mapcount: 0 }) };
  return {
    mms: [{
      id: 0,
      live: true,
      vmas: [{ region: 'buf', start: 16, pages: 1, read: true, write: true, shared: false, mayWrite: true, anon: true, hugetlb: false, softDirtyTracking: false }],
      ptes: pte === null ? {} : { '16': pte },
      mmapLock: { readers: [], writer: null },
    }],
    folios: [zero, f],
  };
}

export function notifier(seq = 0): NotifierState {
  return { mms: [{ mm: 0, invalidateSeq: seq, activeInvalidateRanges: 0, activeRanges: [], interval: [], hlist: [{ mm: 0, driver: 'gpu0' }] }], nextSub: 0 };
}

function actor(id: string, kind: ActorSnap['kind'], value: ActorSnap['value'], ctx: Record<string, unknown>): ActorSnap {
  return { id, kind, value, context: { self: id, out: [], ...ctx } };
}

export interface WorldSpec {
  readonly k?: KernelState;
  readonly n?: NotifierState;
  readonly gpuPte?: GpuPte | null;
  readonly stalled?: readonly string[];
  readonly cpu?: ActorSnap['value'];
  readonly cpuPc?: number;
  readonly ch?: ActorSnap['value'];
  readonly chPc?: number;
  readonly gpu0?: ActorSnap['value'];
  readonly net?: World['net'];
}

export function world(s: WorldSpec = {}): World {
  const gpuPte = s.gpuPte === undefined ? gpuAtomic : s.gpuPte;
  return {
    actors: [
      actor('mm', 'kernelMm', 'serving', { k: s.k ?? kernel(devExcl) }),
      actor('mmu', 'mmuNotifier', 'serving', { n: s.n ?? notifier() }),
      actor('gpu0', 'nouveauSvm', s.gpu0 ?? { mmuNotifierCallbacks: 'idle', nouveauSvmFault: 'idle' }, { svmmMutex: null }),
      actor('gpu0.mmu', 'gpuMmu', 'serving', {
        g: { device: 'gpu0', ptes: gpuPte === null ? {} : { '16': gpuPte }, faultBuffer: [], get: 0, put: 0, notifyPending: false, stalled: s.stalled ?? [], inflight: [] },
      }),
      actor('ch0', 'gpuChannel', s.ch ?? 'issuing', {
        program: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }, { op: 'atomicAdd', vpn: 16, word: 0, value: 1 }],
        pc: s.chPc ?? 0,
        expectFailures: [],
      }),
      actor('cpu0', 'cpuThread', s.cpu ?? { access: 'cpuAccess' }, {
        program: [{ op: 'store', vpn: 16, word: 1, value: 5 }],
        pc: s.cpuPc ?? 0,
        expectFailures: [],
      }),
    ],
    net: s.net ?? [],
  };
}

export function logStep(id: string, deliveries: readonly Delivery[], after: World): LogStep {
  return { id, deliveries, world: after };
}
