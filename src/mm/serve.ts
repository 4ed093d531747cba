import type { ActorId, CallOf, CallType, Envelope, Flags, KernelState, ModelEvent, NotifierState, ResultOf } from '../domain/index.js';
import { retEnv } from '../domain/index.js';
import { cpuAccess, dmaRead, dmaWrite } from './access.js';
import { folioLock, folioLockOrRetry, folioPut, folioTrylock, folioTryGet, folioUnlock, folioUnlockPut, folioWaitUnlocked } from './filemap.js';
import { copyPageRange } from './fork.js';
import { gupFollowPage } from './gup.js';
import { hmmVmaWalk } from './hmm.js';
import { doAnonymousPage, doWpPage, handleMmFault, restoreExclusivePte, wpPageCopy } from './memory.js';
import { mmapReadLock, mmapReadUnlock, mmapWriteLock, mmapWriteUnlock } from './mmapLock.js';
import {
  invalidateRangeEnd,
  invalidateRangeStart,
  mmuIntervalNotifierInsert,
  mmuIntervalNotifierRemove,
  mmuIntervalReadBegin,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
  type NotifierDone,
} from './mmuNotifier.js';
import { changeProtection } from './mprotect.js';
import { makeDeviceExclusiveConvert, pageMakeDeviceExclusiveOne } from './rmap.js';
import type { Done } from './state.js';
import { clearSoftDirty } from './taskMmu.js';
import { exitMmap, zapPteRange } from './zap.js';

/**
 * The calls each kernel server actor answers, mapped onto the pure functions. A null answer means
 * the call sleeps (its lock is held): the machine's guard is false and the caller's step is disabled.
 */

export const MM_CALLS = [
  'CPU_ACCESS',
  'MMAP_READ_LOCK',
  'MMAP_READ_UNLOCK',
  'MMAP_WRITE_LOCK',
  'MMAP_WRITE_UNLOCK',
  'HANDLE_MM_FAULT',
  'DO_ANONYMOUS_PAGE',
  'DO_WP_PAGE',
  'WP_PAGE_COPY',
  'FOLIO_TRY_GET',
  'FOLIO_LOCK_OR_RETRY',
  'FOLIO_WAIT_UNLOCKED',
  'FOLIO_LOCK',
  'FOLIO_TRYLOCK',
  'FOLIO_UNLOCK',
  'FOLIO_PUT',
  'FOLIO_UNLOCK_PUT',
  'RESTORE_EXCLUSIVE_PTE',
  'GUP_FOLLOW_PAGE',
  'MAKE_DEVICE_EXCLUSIVE_CONVERT',
  'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE',
  'HMM_VMA_WALK',
  'ZAP_PTE_RANGE',
  'CHANGE_PROTECTION',
  'CLEAR_SOFT_DIRTY',
  'COPY_PAGE_RANGE',
  'EXIT_MMAP',
  'DMA_READ',
  'DMA_WRITE',
] as const satisfies readonly CallType[];
export type MmCallType = (typeof MM_CALLS)[number];
export type MmCallEvent = CallOf<MmCallType>;

export const NOTIFIER_CALLS = [
  'MMU_INTERVAL_NOTIFIER_INSERT',
  'MMU_INTERVAL_NOTIFIER_REMOVE',
  'MMU_INTERVAL_READ_BEGIN',
  'MMU_INTERVAL_READ_RETRY',
  'MMU_INTERVAL_SET_SEQ',
  'INVALIDATE_RANGE_START',
  'INVALIDATE_RANGE_END',
] as const satisfies readonly CallType[];
export type NotifierCallType = (typeof NOTIFIER_CALLS)[number];
export type NotifierCallEvent = CallOf<NotifierCallType>;

const mmCallSet: ReadonlySet<string> = new Set(MM_CALLS);
const notifierCallSet: ReadonlySet<string> = new Set(NOTIFIER_CALLS);

export function isMmCall(e: ModelEvent): e is MmCallEvent {
  return mmCallSet.has(e.type);
}
export function isNotifierCall(e: ModelEvent): e is NotifierCallEvent {
  return notifierCallSet.has(e.type);
}

/** An accepted call: the server's new state and the RET to its caller. */
export interface Served<S> {
  readonly state: S;
  readonly ret: Envelope;
}

function unreachable(x: never): never {
  throw new Error(`unhandled call ${JSON.stringify(x)}`);
}

export function serveMmCall(k: KernelState, flags: Flags, self: ActorId, e: MmCallEvent): Served<KernelState> | null {
  const reply = <K extends MmCallType>(call: K, d: Done<KernelState, ResultOf<K>> | null): Served<KernelState> | null =>
    d === null ? null : { state: d.k, ret: retEnv(e.from, self, call, d.result) };
  const caller = e.from;
  switch (e.type) {
    case 'CPU_ACCESS':
      return reply(e.type, cpuAccess(k, e));
    case 'MMAP_READ_LOCK':
      return reply(e.type, mmapReadLock(k, { mm: e.mm, caller }));
    case 'MMAP_READ_UNLOCK':
      return reply(e.type, mmapReadUnlock(k, { mm: e.mm, caller }));
    case 'MMAP_WRITE_LOCK':
      return reply(e.type, mmapWriteLock(k, { mm: e.mm, caller }));
    case 'MMAP_WRITE_UNLOCK':
      return reply(e.type, mmapWriteUnlock(k, { mm: e.mm, caller }));
    case 'HANDLE_MM_FAULT':
      return reply(e.type, handleMmFault(k, e));
    case 'DO_ANONYMOUS_PAGE':
      return reply(e.type, doAnonymousPage(k, e));
    case 'DO_WP_PAGE':
      return reply(e.type, doWpPage(k, e));
    case 'WP_PAGE_COPY':
      return reply(e.type, wpPageCopy(k, e));
    case 'FOLIO_TRY_GET':
      return reply(e.type, folioTryGet(k, e));
    case 'FOLIO_LOCK_OR_RETRY':
      return reply(e.type, folioLockOrRetry(k, { pfn: e.pfn, caller }));
    case 'FOLIO_WAIT_UNLOCKED':
      return reply(e.type, folioWaitUnlocked(k, { pfn: e.pfn, caller }));
    case 'FOLIO_LOCK':
      return reply(e.type, folioLock(k, { pfn: e.pfn, caller }));
    case 'FOLIO_TRYLOCK':
      return reply(e.type, folioTrylock(k, { pfn: e.pfn, caller }));
    case 'FOLIO_UNLOCK':
      return reply(e.type, folioUnlock(k, { pfn: e.pfn, caller }));
    case 'FOLIO_PUT':
      return reply(e.type, folioPut(k, e));
    case 'FOLIO_UNLOCK_PUT':
      return reply(e.type, folioUnlockPut(k, { pfn: e.pfn, caller }));
    case 'RESTORE_EXCLUSIVE_PTE':
      return reply(e.type, restoreExclusivePte(k, e, flags));
    case 'GUP_FOLLOW_PAGE':
      return reply(e.type, gupFollowPage(k, e));
    case 'MAKE_DEVICE_EXCLUSIVE_CONVERT':
      return reply(e.type, makeDeviceExclusiveConvert(k, e));
    case 'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE':
      return reply(e.type, pageMakeDeviceExclusiveOne(k, e));
    case 'HMM_VMA_WALK':
      return reply(e.type, hmmVmaWalk(k, e));
    case 'ZAP_PTE_RANGE':
      return reply(e.type, zapPteRange(k, e, flags));
    case 'CHANGE_PROTECTION':
      return reply(e.type, changeProtection(k, e, flags));
    case 'CLEAR_SOFT_DIRTY':
      return reply(e.type, clearSoftDirty(k, e));
    case 'COPY_PAGE_RANGE':
      return reply(e.type, copyPageRange(k, e, flags));
    case 'EXIT_MMAP':
      return reply(e.type, exitMmap(k, e, flags));
    case 'DMA_READ':
      return reply(e.type, dmaRead(k, e));
    case 'DMA_WRITE':
      return reply(e.type, dmaWrite(k, e));
    default:
      return unreachable(e);
  }
}

export function serveNotifierCall(n: NotifierState, self: ActorId, e: NotifierCallEvent): Served<NotifierState> | null {
  const reply = <K extends NotifierCallType>(call: K, d: NotifierDone<ResultOf<K>> | null): Served<NotifierState> | null =>
    d === null ? null : { state: d.n, ret: retEnv(e.from, self, call, d.result) };
  switch (e.type) {
    case 'MMU_INTERVAL_NOTIFIER_INSERT':
      return reply(e.type, mmuIntervalNotifierInsert(n, { mm: e.mm, start: e.start, end: e.end, driver: e.from }));
    case 'MMU_INTERVAL_NOTIFIER_REMOVE':
      return reply(e.type, mmuIntervalNotifierRemove(n, e));
    case 'MMU_INTERVAL_READ_BEGIN':
      return reply(e.type, mmuIntervalReadBegin(n, e));
    case 'MMU_INTERVAL_READ_RETRY':
      return reply(e.type, mmuIntervalReadRetry(n, e));
    case 'MMU_INTERVAL_SET_SEQ':
      return reply(e.type, mmuIntervalSetSeq(n, e));
    case 'INVALIDATE_RANGE_START':
      return reply(e.type, invalidateRangeStart(n, e));
    case 'INVALIDATE_RANGE_END':
      return reply(e.type, invalidateRangeEnd(n, e));
    default:
      return unreachable(e);
  }
}
