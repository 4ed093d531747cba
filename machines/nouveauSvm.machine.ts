import { setup } from 'xstate';
import { callEnv, MM_ACTOR, MMU_NOTIFIER_ACTOR, retEnv } from '../src/domain/index.js';
import type { ActorId, CallOf, CallType, Flags, MmId, ModelEvent, NouveauSvmInput, Pfn, ResultOf, SubId, Vpn } from '../src/domain/index.js';
import {
  BATCH_START_MODE,
  nouveauAtomicPfnmap,
  nouveauHmmConvertPfn,
  nouveauNotifierCallback,
  nouveauSvmFaultMode,
  nouveauSvmFaultNext,
  physOf,
  type CallbackPlan,
  type FaultMode,
} from '../src/drivers/nouveau/index.js';
import { nouveauSvmFaultBatch, type BatchedFault } from '../src/streams/faultBuffer.js';
import {
  act,
  after,
  callState,
  FINAL,
  hmmRangeFault,
  hrfFrame,
  makeDeviceExclusive,
  mdeFrame,
  NO_FRAMES,
  type After,
  type Branch,
  type HrfResult,
  type MState,
  type TaskContext,
  type Update,
  mmapLockState,
} from './paths/index.js';

/**
 * The Nouveau SVM driver of one GPU (`<dev>`), drivers/gpu/drm/nouveau/nouveau_svm.c, as two parallel
 * regions of one actor:
 * - `mmuNotifierCallbacks`: the svmm's hlist notifier and the fault's temporary interval notifier.
 *   They run in the invalidating task's context (that task's step), serialised by svmm->mutex.
 * - `nouveauSvmFault`: the fault work item. It drains the fault buffer, sorts the batch with the
 *   RxJS pipeline and handles each fault with nouveau_atomic_range_fault or nouveau_range_fault,
 *   which embed the kernel paths make_device_exclusive and hmm_range_fault (machines/paths).
 * The driver's own paths can call its own callbacks (its conversion's MMU_NOTIFY_EXCLUSIVE); the
 * regions' handlers are disjoint, so such a nested call is handled by the callbacks region only.
 */

export type NouveauErrno = '-EBUSY' | '-EINVAL' | '-EFAULT' | '-EPERM';

/** The locals of nouveau_atomic_range_fault / nouveau_range_fault for the fault being handled. */
export interface SvmFaultFrame {
  /** args.p.addr: the fault window is [vpn, vpn + 1). */
  readonly vpn: Vpn;
  /** The temporary struct svm_notifier's interval subscription. */
  readonly sub: SubId | null;
  /** notifier_seq from mmu_interval_read_begin. */
  readonly seq: number | null;
  /** Loop iterations so far: the HMM_RANGE_DEFAULT_TIMEOUT as a count (Flags.retryBound). */
  readonly iterations: number;
  /** The page make_device_exclusive returned, locked and referenced (atomic path). */
  readonly pfn: Pfn | null;
  /** hmm_pfns[0] as hmm_range_fault left it (hmm path). */
  readonly hmm: HrfResult | null;
  /** The handler's return value: '0' or an errno; null while running. */
  readonly ret: '0' | NouveauErrno | null;
}

export interface NouveauSvmContext extends TaskContext {
  readonly mm: MmId;
  readonly gpuMmu: ActorId;
  /** svmm->mutex: the worker, an invalidating task inside a callback (within its step), or free. */
  readonly svmmMutex: ActorId | 'worker' | null;
  /** The task whose callback waits for its nested PFNCLR / set_seq call (only inside one step). */
  readonly cbCaller: ActorId | null;
  /** buffer->fault[0 .. fault_nr), in handling order. */
  readonly batch: readonly BatchedFault[];
  /** The fault being handled (and, while cancelling, the next one to cancel). */
  readonly fi: number;
  /** End of the skip-ahead window of the fault just handled. */
  readonly fn: number;
  /** `atomic` (sticky, H2) and `hmm_flags` of nouveau_svm_fault. */
  readonly mode: FaultMode;
  /** args.p.phys[0] as the last handler left it; stale after an early failure, as in the kernel. */
  readonly phys: number;
  /** `replay != 0`: some fault of the batch was handled. */
  readonly replay: boolean;
  readonly rf: SvmFaultFrame | null;
}

type C = NouveauSvmContext;

/** The worker between batches: nothing of the last batch is kept, so equal idle drivers are equal data. */
const IDLE_WORKER = { batch: [], fi: 0, fn: 0, mode: BATCH_START_MODE, phys: 0, replay: false, rf: null } as const;

function rf(c: C): SvmFaultFrame {
  if (c.rf === null) throw new Error(`${c.self}: no fault being handled`);
  return c.rf;
}
const rfWith = (c: C, u: Partial<SvmFaultFrame>): Update<C> => ({ rf: { ...rf(c), ...u } });

interface Route {
  readonly target: string;
  readonly update: Update<C>;
}

/** onDone branches to whichever sibling `route` picks. */
function routedAfter(targets: readonly string[], route: (c: C) => Route): After<C>[] {
  return targets.map((t) => ({ when: (c: C) => route(c).target === t, target: t, update: (c: C) => route(c).update }));
}

/** RET branches to whichever sibling `route` picks from the result. */
function routedBranches<K extends CallType>(targets: readonly string[], route: (r: ResultOf<K>, c: C) => Route): Branch<C, K>[] {
  return targets.map((t) => ({ when: (r, c) => route(r, c).target === t, target: t, update: (r, c) => route(r, c).update }));
}

/** A state whose step touches no other actor (a mutex release): `routes` picks where it goes. */
function localStep(spec: { readonly routes: readonly After<C>[] }): MState<C> {
  return {
    on: {
      STEP: spec.routes.map((r) => ({
        guard: ({ context }: { context: C }) => r.when?.(context) ?? true,
        target: r.target,
        actions: act<C>((c) => (r.update === undefined ? {} : r.update(c))),
      })),
    },
  };
}

// ---- the handlers' shared loop -------------------------------------------------------------------

const LOOP_TOP = ['mmuIntervalReadBegin', 'mmuIntervalNotifierRemove'] as const;

/** `while (true) { if (time_after(jiffies, timeout)) { ret = -EBUSY; goto out; } ...`, with `u` applied first. */
function loopTop(flags: Flags, c: C, u: Partial<SvmFaultFrame>): Route {
  const next = { ...rf(c), ...u };
  if (next.iterations >= flags.retryBound) return { target: 'mmuIntervalNotifierRemove', update: { rf: { ...next, ret: '-EBUSY' } } };
  return { target: 'mmuIntervalReadBegin', update: { rf: next } };
}

// mm/mmu_notifier.c mmu_interval_notifier_insert(): the struct svm_notifier over the fault window.
function mmuIntervalNotifierInsert(flags: Flags): MState<C> {
  return callState<C, 'MMU_INTERVAL_NOTIFIER_INSERT'>({
    to: () => MMU_NOTIFIER_ACTOR,
    call: 'MMU_INTERVAL_NOTIFIER_INSERT',
    args: (c) => ({ mm: c.mm, start: rf(c).vpn, end: rf(c).vpn + 1 }),
    branches: routedBranches<'MMU_INTERVAL_NOTIFIER_INSERT'>(LOOP_TOP, (r, c) => loopTop(flags, c, { sub: r.sub })),
  });
}

// mm/mmu_notifier.c mmu_interval_read_begin(): may sleep while an invalidation of the window runs.
function mmuIntervalReadBegin(): MState<C> {
  return callState<C, 'MMU_INTERVAL_READ_BEGIN'>({
    to: () => MMU_NOTIFIER_ACTOR,
    call: 'MMU_INTERVAL_READ_BEGIN',
    args: (c) => ({ sub: rf(c).sub as SubId }),
    branches: [{ target: 'mmapReadLock', update: (r, c) => rfWith(c, { seq: r.seq }) }],
  });
}

// include/linux/mmap_lock.h mmap_read_lock(mm), then the mm path named by `next` with its frame set.
function mmapReadLock(next: string, frame: (c: C) => Update<C>): MState<C> {
  return mmapLockState<C, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK', [{ target: next, update: (_r, c) => frame(c) }]);
}

// mm/mmu_notifier.c mmu_interval_notifier_remove(): waits for a running invalidation of the mm to end.
function mmuIntervalNotifierRemove(): MState<C> {
  return callState<C, 'MMU_INTERVAL_NOTIFIER_REMOVE'>({
    to: () => MMU_NOTIFIER_ACTOR,
    call: 'MMU_INTERVAL_NOTIFIER_REMOVE',
    args: (c) => ({ sub: rf(c).sub as SubId }),
    branches: [{ target: 'done', update: (_r, c) => rfWith(c, { sub: null, seq: null }) }],
  });
}

/**
 * mutex_lock(&svmm->mutex) + mmu_interval_read_retry(): one step, enabled only while the mutex is free.
 * Mutation driver-skips-seq-retry: the answer is ignored and the page is mapped regardless.
 */
function svmmMutexLockReadRetry(flags: Flags, retry: string, proceed: (c: C) => Route, proceedTargets: readonly string[]): MState<C> {
  return callState<C, 'MMU_INTERVAL_READ_RETRY'>({
    enabled: (c) => c.svmmMutex === null,
    to: () => MMU_NOTIFIER_ACTOR,
    call: 'MMU_INTERVAL_READ_RETRY',
    args: (c) => ({ sub: rf(c).sub as SubId, seq: rf(c).seq as number }),
    // The mutex is taken in the same step as the call, so recording it on the RET is the same state change.
    branches: routedBranches<'MMU_INTERVAL_READ_RETRY'>([retry, ...proceedTargets], (r, c) => {
      const to = r.retry && !flags.driverSkipsSeqRetry ? { target: retry, update: {} } : proceed(c);
      return { target: to.target, update: { svmmMutex: 'worker', ...to.update } };
    }),
  });
}

// ---- nouveau_atomic_range_fault -----------------------------------------------------------------

/**
 * nouveau_svm.c nouveau_atomic_range_fault(): make the page device-exclusive for this device (the
 * owner cookie is drm->dev, the driver actor) and map it V|W|A while holding svmm->mutex and the
 * folio lock, retrying when an invalidation hit the window since read_begin.
 */
function nouveauAtomicRangeFault(flags: Flags): MState<C> {
  return {
    initial: 'mmuIntervalNotifierInsert',
    states: {
      mmuIntervalNotifierInsert: mmuIntervalNotifierInsert(flags),
      mmuIntervalReadBegin: mmuIntervalReadBegin(),
      mmapReadLock: mmapReadLock('makeDeviceExclusive', (c) => ({ mde: mdeFrame({ mm: c.mm, vpn: rf(c).vpn, owner: c.self }) })),
      // mm/rmap.c make_device_exclusive() (6.15) / make_device_exclusive_range() (5.14), the shared path
      makeDeviceExclusive: {
        ...makeDeviceExclusive<C>(flags),
        onDone: after<C>({
          target: 'mmapReadUnlock',
          update: (c) => {
            const r = c.mde?.result;
            return { mde: null, ...rfWith(c, { pfn: r?.kind === 'ok' ? r.pfn : null }) };
          },
        }),
      },
      // include/linux/mmap_lock.h mmap_read_unlock(); `ret <= 0 || !page` → -EINVAL, goto out
      mmapReadUnlock: mmapLockState<C, 'MMAP_READ_UNLOCK'>('MMAP_READ_UNLOCK', [
          { when: (_r, c) => rf(c).pfn === null, target: 'mmuIntervalNotifierRemove', update: (_r, c) => rfWith(c, { ret: '-EINVAL' }) },
          { target: 'svmmMutexLockReadRetry' },
        ]),
      svmmMutexLockReadRetry: svmmMutexLockReadRetry(flags, 'svmmMutexUnlockRetry', () => ({ target: 'pfnmap', update: {} }), ['pfnmap']),
      // nouveau_atomic_range_fault(): mutex_unlock(&svmm->mutex) before the next iteration
      svmmMutexUnlockRetry: localStep({
        // 6.14-rc fix (David Hildenbrand, Fixes 8f187163eb89): unlock + put the folio before retrying.
        // 5.14 keeps both: the folio lock and reference leak (domain.md §5 #5).
        routes: flags.nouveauRetryUnlock
          ? [{ target: 'folioUnlockPutRetry', update: () => ({ svmmMutex: null }) }]
          : LOOP_TOP.map((t) => ({
              when: (c: C) => loopTop(flags, c, { iterations: rf(c).iterations + 1, pfn: null }).target === t,
              target: t,
              update: (c: C) => ({ svmmMutex: null, ...loopTop(flags, c, { iterations: rf(c).iterations + 1, pfn: null }).update }),
            })),
      }),
      // nouveau_atomic_range_fault(): folio_unlock(folio); folio_put(folio); continue
      folioUnlockPutRetry: callState<C, 'FOLIO_UNLOCK_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_UNLOCK_PUT',
        args: (c) => ({ pfn: rf(c).pfn as Pfn }),
        branches: routedBranches<'FOLIO_UNLOCK_PUT'>(LOOP_TOP, (_r, c) => loopTop(flags, c, { iterations: rf(c).iterations + 1, pfn: null })),
      }),
      // nvif_object_ioctl(NVIF_VMM_V0_PFNMAP): page_to_phys | V | W | A | HOST, under svmm->mutex
      pfnmap: callState<C, 'PFNMAP'>({
        to: (c) => c.gpuMmu,
        call: 'PFNMAP',
        args: (c) => ({ vpn: rf(c).vpn, ...nouveauAtomicPfnmap(rf(c).pfn as Pfn) }),
        branches: [{ target: 'svmmMutexUnlock', update: (_r, c) => ({ phys: physOf(nouveauAtomicPfnmap(rf(c).pfn as Pfn)) }) }],
      }),
      // mutex_unlock(&svmm->mutex): from here an invalidation may PFNCLR the fresh mapping
      svmmMutexUnlock: localStep({ routes: [{ target: 'folioUnlockPut', update: () => ({ svmmMutex: null }) }] }),
      // folio_unlock(folio); folio_put(folio): from here a CPU access may restore the PTE and revoke
      folioUnlockPut: callState<C, 'FOLIO_UNLOCK_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_UNLOCK_PUT',
        args: (c) => ({ pfn: rf(c).pfn as Pfn }),
        branches: [{ target: 'mmuIntervalNotifierRemove', update: (_r, c) => rfWith(c, { pfn: null, ret: '0' }) }],
      }),
      mmuIntervalNotifierRemove: mmuIntervalNotifierRemove(),
      done: FINAL,
    },
  };
}

// ---- nouveau_range_fault ------------------------------------------------------------------------

/** After read_retry passed: nouveau_hmm_convert_pfn() picks a PFNMAP, or phys 0 (an unmap). */
function convertPfn(c: C): Route {
  const hmm = rf(c).hmm;
  const req = hmm?.kind === 'ok' ? nouveauHmmConvertPfn({ valid: true, pfn: hmm.pfn, write: hmm.write }) : null;
  return { target: req === null ? 'pfnclr' : 'pfnmap', update: { phys: physOf(req) } };
}

/**
 * nouveau_svm.c nouveau_range_fault(): hmm_range_fault with HMM_PFN_REQ_FAULT (READ), +REQ_WRITE
 * (WRITE) or nothing (PREFETCH), then PFNMAP V (+W if the CPU maps it writable), never A.
 */
function nouveauRangeFault(flags: Flags): MState<C> {
  return {
    initial: 'mmuIntervalNotifierInsert',
    states: {
      mmuIntervalNotifierInsert: mmuIntervalNotifierInsert(flags),
      mmuIntervalReadBegin: mmuIntervalReadBegin(),
      mmapReadLock: mmapReadLock('hmmRangeFault', (c) => ({
        hrf: hrfFrame({
          mm: c.mm,
          vpn: rf(c).vpn,
          fault: c.mode.hmmFlags.fault,
          write: c.mode.hmmFlags.write,
          sub: rf(c).sub as SubId,
          seq: rf(c).seq as number,
        }),
      })),
      // mm/hmm.c hmm_range_fault(), the shared path
      hmmRangeFault: {
        ...hmmRangeFault<C>(flags),
        onDone: after<C>({ target: 'mmapReadUnlock', update: (c) => ({ hrf: null, ...rfWith(c, { hmm: c.hrf?.result ?? null }) }) }),
      },
      // mmap_read_unlock(); -EBUSY → continue; another error → goto out
      mmapReadUnlock: callState<C, 'MMAP_READ_UNLOCK'>({
        to: () => MM_ACTOR,
        call: 'MMAP_READ_UNLOCK',
        args: (c) => ({ mm: c.mm }),
        branches: routedBranches<'MMAP_READ_UNLOCK'>([...LOOP_TOP, 'svmmMutexLockReadRetry'], (_r, c) => {
          const hmm = rf(c).hmm;
          if (hmm?.kind === 'error' && hmm.errno === '-EBUSY') return loopTop(flags, c, { iterations: rf(c).iterations + 1, hmm: null });
          if (hmm?.kind === 'error') return { target: 'mmuIntervalNotifierRemove', update: rfWith(c, { ret: hmm.errno }) };
          return { target: 'svmmMutexLockReadRetry', update: {} };
        }),
      }),
      svmmMutexLockReadRetry: svmmMutexLockReadRetry(flags, 'svmmMutexUnlockRetry', convertPfn, ['pfnmap', 'pfnclr']),
      // nouveau_range_fault(): mutex_unlock(&svmm->mutex); continue
      svmmMutexUnlockRetry: localStep({
        routes: LOOP_TOP.map((t) => ({
          when: (c: C) => loopTop(flags, c, { iterations: rf(c).iterations + 1, hmm: null }).target === t,
          target: t,
          update: (c: C) => ({ svmmMutex: null, ...loopTop(flags, c, { iterations: rf(c).iterations + 1, hmm: null }).update }),
        })),
      }),
      // nvif_object_ioctl(NVIF_VMM_V0_PFNMAP) with HOST | V [| W]
      pfnmap: callState<C, 'PFNMAP'>({
        to: (c) => c.gpuMmu,
        call: 'PFNMAP',
        args: (c) => {
          const hmm = rf(c).hmm;
          if (hmm?.kind !== 'ok') throw new Error(`${c.self}: pfnmap without a valid hmm pfn`);
          return { vpn: rf(c).vpn, pfn: hmm.pfn, w: hmm.write, a: false, aperture: 'host' };
        },
        branches: [{ target: 'svmmMutexUnlock' }],
      }),
      // PFNMAP with phys 0: nvkm_vmm_pfn_map() unmaps the page (modelled as the PFNCLR of the window)
      pfnclr: callState<C, 'PFNCLR'>({
        to: (c) => c.gpuMmu,
        call: 'PFNCLR',
        args: (c) => ({ start: rf(c).vpn, end: rf(c).vpn + 1 }),
        branches: [{ target: 'svmmMutexUnlock' }],
      }),
      // mutex_unlock(&svmm->mutex)
      svmmMutexUnlock: localStep({ routes: [{ target: 'mmuIntervalNotifierRemove', update: (c) => ({ svmmMutex: null, ...rfWith(c, { ret: '0' }) }) }] }),
      mmuIntervalNotifierRemove: mmuIntervalNotifierRemove(),
      done: FINAL,
    },
  };
}

// ---- nouveau_svm_fault --------------------------------------------------------------------------

const FAULT_TARGETS = ['nouveauAtomicRangeFault', 'nouveauRangeFault', 'faultReplay', 'idle'] as const;

/** The loop head `fi < buffer->fault_nr`: handle fault `fi`, or finish the batch. */
function nextFault(c: C, fi: number, replay: boolean): Route {
  const f = c.batch[fi];
  if (f === undefined) return replay ? { target: 'faultReplay', update: { fi, fn: 0, replay, rf: null } } : { target: 'idle', update: IDLE_WORKER };
  // switch (buffer->fault[fi]->access): `atomic` is set by an ATOMIC fault and never cleared (H2).
  const mode = nouveauSvmFaultMode(f.access, c.mode);
  const frame: SvmFaultFrame = { vpn: f.addr, sub: null, seq: null, iterations: 0, pfn: null, hmm: null, ret: null };
  return { target: mode.atomic ? 'nouveauAtomicRangeFault' : 'nouveauRangeFault', update: { fi, fn: 0, replay, mode, rf: frame } };
}

/** After a handler: skip-ahead over the faults it satisfied, then cancel them all on failure. */
function afterHandler(c: C): Route {
  const r = rf(c);
  const fn = nouveauSvmFaultNext(c.batch, c.fi, c.phys, r.vpn + 1);
  if (r.ret !== '0') return { target: 'faultCancel', update: { fn, rf: null } };
  return nextFault(c, fn, true);
}

const HANDLER_DONE_TARGETS = ['faultCancel', ...FAULT_TARGETS] as const;

function nouveauSvmFault(flags: Flags): MState<C> {
  return {
    initial: 'idle',
    states: {
      // The work item is idle; nouveau_svm_event() → schedule_work() queues it.
      idle: { on: { NOUVEAU_SVM_EVENT: { target: 'faultBufferDrain', actions: act<C>(() => ({})) } } },
      // nouveau_svm_fault(): nouveau_svm_fault_cache() GET..PUT, then sort() with nouveau_svm_fault_cmp
      faultBufferDrain: callState<C, 'FAULT_BUFFER_DRAIN'>({
        to: (c) => c.gpuMmu,
        call: 'FAULT_BUFFER_DRAIN',
        args: () => ({}),
        branches: routedBranches<'FAULT_BUFFER_DRAIN'>(FAULT_TARGETS, (r, c) => {
          // Sorted once per batch by the RxJS drain pipeline; an empty buffer ends the work item.
          const batch = nouveauSvmFaultBatch(r.entries);
          const n = nextFault({ ...c, ...IDLE_WORKER, batch }, 0, false);
          return { target: n.target, update: { ...IDLE_WORKER, batch, ...n.update } };
        }),
      }),
      nouveauAtomicRangeFault: { ...nouveauAtomicRangeFault(flags), onDone: after<C>(...routedAfter(HANDLER_DONE_TARGETS, afterHandler)) },
      nouveauRangeFault: { ...nouveauRangeFault(flags), onDone: after<C>(...routedAfter(HANDLER_DONE_TARGETS, afterHandler)) },
      // nouveau_svm_fault_cancel_fault() for each of fi..fn-1: the channel is killed (GPU SIGSEGV)
      faultCancel: callState<C, 'FAULT_CANCEL'>({
        to: (c) => c.gpuMmu,
        call: 'FAULT_CANCEL',
        args: (c) => ({ channel: (c.batch[c.fi] as BatchedFault).channel }),
        branches: routedBranches<'FAULT_CANCEL'>(['faultCancel', ...FAULT_TARGETS], (_r, c) =>
          c.fi + 1 < c.fn ? { target: 'faultCancel', update: { fi: c.fi + 1 } } : nextFault(c, c.fn, c.replay),
        ),
      }),
      // nouveau_svm_fault_replay(): GP100_VMM_VN_FAULT_REPLAY once for the batch
      faultReplay: callState<C, 'FAULT_REPLAY'>({
        to: (c) => c.gpuMmu,
        call: 'FAULT_REPLAY',
        args: () => ({}),
        branches: [{ target: 'idle', update: () => IDLE_WORKER }],
      }),
    },
  };
}

// ---- notifier callbacks -------------------------------------------------------------------------

type Invalidate = CallOf<'MMU_NOTIFIER_INVALIDATE'>;

function planOf(flags: Flags, c: C, e: Invalidate): CallbackPlan {
  return nouveauNotifierCallback(e.target, e.range, e.curSeq, c.self, flags, c.svmmMutex === null);
}

/** RET of the nested call: unlock svmm->mutex and return to the invalidating task. */
function callbackReturn(c: C): Update<C> {
  return {
    svmmMutex: null,
    cbCaller: null,
    out: [retEnv(c.cbCaller as ActorId, c.self, 'MMU_NOTIFIER_INVALIDATE', { ok: true })],
  };
}

function mmuNotifierCallbacks(flags: Flags): MState<C> {
  const planned = (kind: CallbackPlan['kind']) => ({ context, event }: { context: C; event: ModelEvent }) =>
    event.type === 'MMU_NOTIFIER_INVALIDATE' && planOf(flags, context, event).kind === kind;
  return {
    initial: 'idle',
    states: {
      idle: {
        on: {
          // A 'block' plan matches no branch: mutex_lock() sleeps, so the invalidating step is disabled.
          MMU_NOTIFIER_INVALIDATE: [
            {
              guard: planned('return'),
              actions: act<C>((c, e) => {
                const ev = e as Invalidate;
                const p = planOf(flags, c, ev);
                return { out: [retEnv(ev.from, c.self, 'MMU_NOTIFIER_INVALIDATE', { ok: p.kind === 'return' ? p.ok : true })] };
              }),
            },
            {
              guard: planned('pfnclr'),
              target: 'nouveauSvmmInvalidate',
              actions: act<C>((c, e) => {
                const ev = e as Invalidate;
                const p = planOf(flags, c, ev);
                const [start, end] = p.kind === 'pfnclr' ? [p.start, p.end] : [ev.range.start, ev.range.end];
                return { svmmMutex: ev.from, cbCaller: ev.from, out: [callEnv(c.gpuMmu, c.self, 'PFNCLR', { start, end })] };
              }),
            },
            {
              guard: planned('setSeq'),
              target: 'mmuIntervalSetSeq',
              actions: act<C>((c, e) => {
                const ev = e as Invalidate;
                const p = planOf(flags, c, ev);
                const args = p.kind === 'setSeq' ? { sub: p.sub, seq: p.seq } : { sub: -1, seq: ev.curSeq };
                return { svmmMutex: ev.from, cbCaller: ev.from, out: [callEnv(MMU_NOTIFIER_ACTOR, c.self, 'MMU_INTERVAL_SET_SEQ', args)] };
              }),
            },
          ],
        },
      },
      // nouveau_svmm_invalidate_range_start() → nouveau_svmm_invalidate(): PFNCLR + GPU TLB flush under svmm->mutex
      nouveauSvmmInvalidate: {
        on: {
          RET: {
            guard: ({ context, event }: { context: C; event: ModelEvent }) =>
              context.cbCaller !== null && event.type === 'RET' && event.call === 'PFNCLR',
            target: 'idle',
            actions: act<C>(callbackReturn),
          },
        },
      },
      // nouveau_svm_range_invalidate(): mmu_interval_set_seq(mni, cur_seq) under svmm->mutex
      mmuIntervalSetSeq: {
        on: {
          RET: {
            guard: ({ context, event }: { context: C; event: ModelEvent }) =>
              context.cbCaller !== null && event.type === 'RET' && event.call === 'MMU_INTERVAL_SET_SEQ',
            target: 'idle',
            actions: act<C>(callbackReturn),
          },
        },
      },
    },
  };
}

export function createNouveauSvmMachine(flags: Flags) {
  return setup({
    types: { context: {} as NouveauSvmContext, events: {} as ModelEvent, input: {} as NouveauSvmInput },
  }).createMachine({
    id: 'nouveauSvm',
    type: 'parallel',
    context: ({ input }) => ({
      self: input.self,
      out: [],
      ...NO_FRAMES,
      mm: input.mm,
      gpuMmu: input.gpuMmu,
      svmmMutex: null,
      cbCaller: null,
      ...IDLE_WORKER,
    }),
    states: {
      mmuNotifierCallbacks: mmuNotifierCallbacks(flags),
      nouveauSvmFault: nouveauSvmFault(flags),
    },
  });
}
