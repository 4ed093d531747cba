import type { ActorId, MmId, MmuNotifierRange, MmuNotifyEvent, Vpn } from '../domain/index.js';

/**
 * The "include/linux" of the model: what drivers, machines and world construction may use of the
 * mm core. Drivers never see KernelState; they call the `mm` and `mmu` actors.
 */

export { initKernelState } from './init.js';
export { initNotifierState, type NotifierDone } from './mmuNotifier.js';
export {
  invalidateRangeEnd,
  invalidateRangeStart,
  mmuIntervalNotifierInsert,
  mmuIntervalNotifierRemove,
  mmuIntervalReadBegin,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
} from './mmuNotifier.js';
export { cpuAccess, dmaRead, dmaWrite, type CpuAccessArgs } from './access.js';
export { mmapReadLock, mmapReadUnlock, mmapWriteLock, mmapWriteUnlock, type MmapLockArgs } from './mmapLock.js';
export {
  canChangePteWritable,
  doAnonymousPage,
  doWpPage,
  handleMmFault,
  restoreExclusivePte,
  restoreExclusivePteAt,
  wpPageCopy,
  type FaultArgs,
  type OrigArgs,
  type RestoreArgs,
} from './memory.js';
export {
  folioLock,
  folioLockOrRetry,
  folioPut,
  folioTrylock,
  folioTryGet,
  folioUnlock,
  folioUnlockPut,
  folioWaitUnlocked,
  type FolioArgs,
  type FolioCallerArgs,
} from './filemap.js';
export { gupFollowPage, type GupArgs } from './gup.js';
export { makeDeviceExclusiveConvert, pageMakeDeviceExclusiveOne, type ConvertArgs } from './rmap.js';
export { hmmVmaWalk, type HmmWalkArgs } from './hmm.js';
export { exitMmap, vmasWithout, zapPteRange, zapRange, type ZapArgs } from './zap.js';
export { changeProtection, type ChangeProtectionArgs } from './mprotect.js';
export { clearSoftDirty } from './taskMmu.js';
export { copyPageRange } from './fork.js';
export {
  isMmCall,
  isNotifierCall,
  MM_CALLS,
  NOTIFIER_CALLS,
  serveMmCall,
  serveNotifierCall,
  type MmCallEvent,
  type MmCallType,
  type NotifierCallEvent,
  type NotifierCallType,
  type Served,
} from './serve.js';
export { folioOf, mmOf, MmModelBugError, pteAt, vmaLookup, type Done } from './state.js';

/**
 * include/linux/mmu_notifier.h mmu_notifier_range_init_owner, with one key order so ranges kept in
 * driver contexts serialise equal. `owner` is the driver cookie (drm->dev: the driver's actor id).
 */
export function mmuNotifierRangeInit(
  event: MmuNotifyEvent,
  mm: MmId,
  start: Vpn,
  end: Vpn,
  owner: ActorId | null = null,
  blockable = true,
): MmuNotifierRange {
  return { mm, start, end, event, owner, blockable };
}

