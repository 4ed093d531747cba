/**
 * Kernel paths that run in the context of the task that calls them (a CPU thread, Nouveau's fault
 * worker, dmirror's ioctl): each builder returns the config of a compound state that runs the path
 * one call per step (docs/model-conventions.md) and ends in its final child `done`; the embedding
 * state continues with `onDone`.
 *
 * Usage (the machine's context extends `TaskContext`; spread `NO_FRAMES` into the initial context):
 *
 *   import { after, faultFrame, makeDeviceExclusive, mdeFrame, mmapLockState, NO_FRAMES, type TaskContext } from './paths/index.js';
 *   interface Ctx extends TaskContext { readonly mm: MmId; ... }
 *   setup({ types: { context: {} as Ctx, events: {} as ModelEvent, input: {} as ... } }).createMachine({
 *     context: ({ input }) => ({ self: input.self, out: [], ...NO_FRAMES, ... }),
 *     states: {
 *       // 1. enter the path from a transition that sets its input frame (here the RET of the mmap lock):
 *       mmapReadLock: mmapLockState<Ctx, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK',
 *         [{ target: 'makeDeviceExclusive', update: (_r, c) => ({ mde: mdeFrame({ mm: c.mm, vpn, owner: c.self }) }) }]),
 *       // 2. embed the path and read its result in onDone, clearing the frame:
 *       makeDeviceExclusive: {
 *         ...makeDeviceExclusive<Ctx>(flags),
 *         onDone: after<Ctx>(
 *           { when: (c) => c.mde?.result?.kind === 'ok', target: 'mapIt', update: (c) => ({ mde: null, page: ... }) },
 *           { target: 'failed', update: () => ({ mde: null }) }),
 *       },
 *     },
 *   });
 *
 * Frames (inputs → result), one per path kind (paths of one kind never nest):
 * - invalidateRangeStart(rangeOf) / invalidateRangeEnd(): `inv` (set by the start's entry from rangeOf,
 *   cleared by the end). One step for INVALIDATE_RANGE_START, then one step per driver callback.
 * - handleMmFault(flags, {allowRetry}): `fault` = faultFrame({mm, vpn, write}) → result 'done' | 'retry' | 'sigsegv'.
 *   Caller holds the mmap read lock; after 'retry' it does not (VM_FAULT_RETRY dropped it).
 * - gup(flags): `gup` = gupFrame({mm, vpn}) → {kind:'page', pfn} (referenced) | {kind:'error', errno}.
 * - makeDeviceExclusive(flags): `mde` = mdeFrame({mm, vpn, owner}) → {kind:'ok', pfn} (folio LOCKED and
 *   REFERENCED: FOLIO_UNLOCK_PUT it when done) | {kind:'error', errno}. Caller holds the mmap read lock.
 *   6.15: make_device_exclusive (folio_lock, retries internally); 5.14: make_device_exclusive_range for
 *   one page (trylock; contention → -EBUSY).
 * - hmmRangeFault(flags): `hrf` = hrfFrame({mm, vpn, fault, write, sub, seq}) → {kind:'ok', pfn, write} |
 *   {kind:'invalid'} | {kind:'error', errno: '-EBUSY' | '-EFAULT' | '-EPERM'}. Caller holds the mmap read
 *   lock and took `seq` from MMU_INTERVAL_READ_BEGIN; -EBUSY means: read_begin again and retry.
 *
 * Paths call other actors (mm, mmu, notifier targets) including, possibly, the calling machine itself
 * (a driver whose own notifier fires): such a machine must accept MMU_NOTIFIER_INVALIDATE in every
 * state, e.g. with a root-level handler (dmirror.machine.ts does). Handlers of STEP or RET on an
 * ancestor of a path state must be guarded so they never take the path's events (XState offers an
 * event to the ancestors when the active child's guards refuse it).
 *
 * Every transition the helpers build assigns `out` (`[]` unless it calls); `enter` (entry actions)
 * and guard-only routing (`always` without actions) leave it alone so a post made by the entering
 * transition survives.
 */
export * from './frames.js';
export { act, after, callState, enter, FINAL, resultOf, widen, type After, type Branch, type MState, type Update } from './dsl.js';
export { invalidateRangeEnd, invalidateRangeStart } from './invalidate.js';
export { handleMmFault, type HandleMmFaultOptions } from './handleMmFault.js';
export { gup } from './gup.js';
export { makeDeviceExclusive } from './makeDeviceExclusive.js';
export { hmmRangeFault } from './hmmRangeFault.js';
export { mmapLockState } from './mmapLock.js';
