import { MM_ACTOR, formatPte, type Flags, type Pfn, type Pte } from '../../src/domain/index.js';
import { after, callState, FINAL, widen, type MState } from './dsl.js';
import { need, pageRange, type FaultFrame, type FaultResult, type TaskContext } from './frames.js';
import { invalidateRangeEnd, invalidateRangeStart } from './invalidate.js';

type T = TaskContext;

const fault = (c: T): FaultFrame => need(c.fault, 'fault');
const orig = (c: T): Pte => need(fault(c).orig, 'fault.orig');
/** pfn_swap_entry_to_page(entry): the page a device-exclusive entry stands for. */
const exclPfn = (c: T): Pfn => {
  const o = orig(c);
  if (o.kind !== 'devExcl') throw new Error(`remove_device_exclusive_entry on ${formatPte(o)}`);
  return o.pfn;
};
const finish = (result: FaultResult) => (_r: unknown, c: T) => ({ fault: { ...fault(c), result } });

export interface HandleMmFaultOptions {
  /** FAULT_FLAG_ALLOW_RETRY: a user CPU fault may drop the mmap lock and ask for a retry; GUP and hmm_range_fault may not. */
  readonly allowRetry: boolean;
}

/**
 * mm/memory.c remove_device_exclusive_entry(): lock the folio, notify, restore the PTE under the PTL.
 * E1a (5.14) locks without a reference; E1b+ takes one first (7c7b962938dd).
 */
function removeDeviceExclusiveEntry(flags: Flags, allowRetry: boolean): MState<T> {
  const lockState = allowRetry ? 'folioLockOrRetry' : 'folioLock';
  // The mutation writes the PTE before the secondary MMUs were told to drop their mapping.
  const afterLock = flags.restoreBeforeInvalidate ? 'restoreExclusivePte' : 'mmuNotifierInvalidateRangeStart';
  const afterStart = flags.restoreBeforeInvalidate ? 'folioUnlock' : 'restoreExclusivePte';
  const afterRestore = flags.restoreBeforeInvalidate ? 'mmuNotifierInvalidateRangeStart' : 'folioUnlock';
  return {
    initial: flags.restoreTakesRef ? 'folioTryGet' : lockState,
    states: {
      // include/linux/page_ref.h folio_try_get(): a freed folio means the entry is gone; return 0 and re-execute
      folioTryGet: callState<T, 'FOLIO_TRY_GET'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_TRY_GET',
        args: (c) => ({ pfn: exclPfn(c) }),
        branches: [
          { when: (r) => r.ok, target: lockState },
          { target: 'done', update: finish('done') },
        ],
      }),
      // mm/filemap.c __folio_lock_or_retry(): trylock, else queue as a waiter and give up the fault
      folioLockOrRetry: callState<T, 'FOLIO_LOCK_OR_RETRY'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_LOCK_OR_RETRY',
        args: (c) => ({ pfn: exclPfn(c) }),
        branches: [
          { when: (r) => r.result === 'locked', target: afterLock },
          { target: 'releaseFaultLock' },
        ],
      }),
      // mm/filemap.c __folio_lock_or_retry() → release_fault_lock(): VM_FAULT_RETRY returns without the mmap lock
      releaseFaultLock: callState<T, 'MMAP_READ_UNLOCK'>({
        to: () => MM_ACTOR,
        call: 'MMAP_READ_UNLOCK',
        args: (c) => ({ mm: fault(c).mm }),
        branches: [{ target: 'folioWaitLocked' }],
      }),
      // mm/filemap.c folio_wait_locked(): sleep until PG_locked clears, without taking it
      folioWaitLocked: callState<T, 'FOLIO_WAIT_UNLOCKED'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_WAIT_UNLOCKED',
        args: (c) => ({ pfn: exclPfn(c) }),
        branches: flags.restoreTakesRef ? [{ target: 'folioPut' }] : [{ target: 'done', update: finish('retry') }],
      }),
      // mm/memory.c remove_device_exclusive_entry(): folio_put() before returning VM_FAULT_RETRY
      folioPut: callState<T, 'FOLIO_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_PUT',
        args: (c) => ({ pfn: exclPfn(c) }),
        branches: [{ target: 'done', update: finish('retry') }],
      }),
      // mm/filemap.c __folio_lock(): no retry allowed (GUP, hmm_range_fault): sleep until the lock is ours
      folioLock: callState<T, 'FOLIO_LOCK'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_LOCK',
        args: (c) => ({ pfn: exclPfn(c) }),
        branches: [{ target: afterLock }],
      }),
      // mm/memory.c remove_device_exclusive_entry(): E1 MMU_NOTIFY_EXCLUSIVE / E2 MMU_NOTIFY_CLEAR, owner NULL
      mmuNotifierInvalidateRangeStart: {
        ...invalidateRangeStart<T>((c) => pageRange(fault(c).mm, fault(c).vpn, flags.restoreEvent, null)),
        onDone: after<T>({ target: afterStart }),
      },
      // mm/memory.c remove_device_exclusive_entry(): pte_offset_map_lock, pte_same(orig), restore_exclusive_pte
      restoreExclusivePte: callState<T, 'RESTORE_EXCLUSIVE_PTE'>({
        to: () => MM_ACTOR,
        call: 'RESTORE_EXCLUSIVE_PTE',
        args: (c) => ({ mm: fault(c).mm, vpn: fault(c).vpn, orig: orig(c), pfn: exclPfn(c) }),
        branches: [{ target: afterRestore }],
      }),
      // mm/memory.c remove_device_exclusive_entry(): folio_unlock (+ folio_put when a reference was taken)
      folioUnlock: flags.restoreTakesRef
        ? callState<T, 'FOLIO_UNLOCK_PUT'>({
            to: () => MM_ACTOR,
            call: 'FOLIO_UNLOCK_PUT',
            args: (c) => ({ pfn: exclPfn(c) }),
            branches: [{ target: 'mmuNotifierInvalidateRangeEnd' }],
          })
        : callState<T, 'FOLIO_UNLOCK'>({
            to: () => MM_ACTOR,
            call: 'FOLIO_UNLOCK',
            args: (c) => ({ pfn: exclPfn(c) }),
            branches: [{ target: 'mmuNotifierInvalidateRangeEnd' }],
          }),
      mmuNotifierInvalidateRangeEnd: {
        ...invalidateRangeEnd<T>(),
        onDone: after<T>({ target: 'done', update: (c) => finish('done')(null, c) }),
      },
      done: FINAL,
    },
  };
}

/** mm/memory.c wp_page_copy(): the copy replaces the PTE inside an MMU_NOTIFY_CLEAR range. */
function wpPageCopy(): MState<T> {
  return {
    initial: 'mmuNotifierInvalidateRangeStart',
    states: {
      mmuNotifierInvalidateRangeStart: {
        ...invalidateRangeStart<T>((c) => pageRange(fault(c).mm, fault(c).vpn, 'MMU_NOTIFY_CLEAR', null)),
        onDone: after<T>({ target: 'ptepClearFlush' }),
      },
      // mm/memory.c wp_page_copy(): under the PTL, pte_same, ptep_clear_flush, set_pte_at(new copy)
      ptepClearFlush: callState<T, 'WP_PAGE_COPY'>({
        to: () => MM_ACTOR,
        call: 'WP_PAGE_COPY',
        args: (c) => ({ mm: fault(c).mm, vpn: fault(c).vpn, orig: orig(c) }),
        branches: [{ target: 'mmuNotifierInvalidateRangeEnd' }],
      }),
      mmuNotifierInvalidateRangeEnd: {
        ...invalidateRangeEnd<T>(),
        onDone: after<T>({ target: 'done', update: (c) => finish('done')(null, c) }),
      },
      done: FINAL,
    },
  };
}

/**
 * mm/memory.c handle_mm_fault() → handle_pte_fault() for the page in the `fault` frame (set it
 * with `faultFrame()`). The caller holds the mmap read lock; on result 'retry' it no longer does.
 */
export function handleMmFault<C extends TaskContext>(flags: Flags, opts: HandleMmFaultOptions): MState<C> {
  return widen<C>({
    initial: 'handlePteFault',
    states: {
      // mm/memory.c handle_pte_fault(): VMA checks, lockless orig_pte read, choice of the handler
      handlePteFault: callState<T, 'HANDLE_MM_FAULT'>({
        to: () => MM_ACTOR,
        call: 'HANDLE_MM_FAULT',
        args: (c) => ({ mm: fault(c).mm, vpn: fault(c).vpn, write: fault(c).write }),
        branches: [
          { when: (r) => r.action === 'sigsegv', target: 'done', update: finish('sigsegv') },
          { when: (r) => r.action === 'do_anonymous_page', target: 'doAnonymousPage' },
          { when: (r) => r.action === 'do_wp_page', target: 'doWpPage', update: (r, c) => ({ fault: { ...fault(c), orig: r.orig } }) },
          { when: (r) => r.action === 'spurious', target: 'done', update: finish('done') },
          {
            when: (r) => {
              // mm/memory.c do_swap_page(): only the device-exclusive branch is modelled so far
              if (r.orig.kind !== 'devExcl') throw new Error(`do_swap_page on ${formatPte(r.orig)} is not modelled`);
              return true;
            },
            target: 'removeDeviceExclusiveEntry',
            update: (r, c) => ({ fault: { ...fault(c), orig: r.orig } }),
          },
        ],
      }),
      // mm/memory.c do_anonymous_page(): a new zeroed folio (write) or the zero page (read), if still pte_none
      doAnonymousPage: callState<T, 'DO_ANONYMOUS_PAGE'>({
        to: () => MM_ACTOR,
        call: 'DO_ANONYMOUS_PAGE',
        args: (c) => ({ mm: fault(c).mm, vpn: fault(c).vpn, write: fault(c).write }),
        branches: [{ target: 'done', update: finish('done') }],
      }),
      // mm/memory.c do_wp_page(): reuse an exclusive anon folio, or copy it
      doWpPage: callState<T, 'DO_WP_PAGE'>({
        to: () => MM_ACTOR,
        call: 'DO_WP_PAGE',
        args: (c) => ({ mm: fault(c).mm, vpn: fault(c).vpn, orig: orig(c) }),
        branches: [
          { when: (r) => r.result === 'copy', target: 'wpPageCopy' },
          { target: 'done', update: finish('done') },
        ],
      }),
      wpPageCopy: { ...wpPageCopy(), onDone: after<T>({ target: 'done' }) },
      removeDeviceExclusiveEntry: {
        ...removeDeviceExclusiveEntry(flags, opts.allowRetry),
        onDone: after<T>({ target: 'done' }),
      },
      done: FINAL,
    },
  });
}
