import { MM_ACTOR, type Flags } from '../../src/domain/index.js';
import { after, callState, enter, FINAL, widen, type MState } from './dsl.js';
import { faultFrame, need, type GupFrame, type GupResult, type TaskContext } from './frames.js';
import { handleMmFault } from './handleMmFault.js';

type T = TaskContext;

const gupOf = (c: T): GupFrame => need(c.gup, 'gup');
const finish = (c: T, result: GupResult) => ({ gup: { ...gupOf(c), result } });

/**
 * mm/gup.c get_user_pages_remote() for the one page of the `gup` frame, FOLL_GET|FOLL_WRITE|FOLL_SPLIT_PMD:
 * follow the page table, fault the page in until a writable PTE is there. Result: a referenced pfn
 * or an errno. The caller holds the mmap read lock; faults never drop it (no FOLL_UNLOCKABLE).
 */
export function gup<C extends TaskContext>(flags: Flags): MState<C> {
  return widen<C>({
    initial: 'followPageMask',
    states: {
      // mm/gup.c follow_page_mask() → follow_page_pte(): under the PTL, take a reference on a present writable PTE
      followPageMask: callState<T, 'GUP_FOLLOW_PAGE'>({
        to: () => MM_ACTOR,
        call: 'GUP_FOLLOW_PAGE',
        args: (c) => ({ mm: gupOf(c).mm, vpn: gupOf(c).vpn, write: true }),
        branches: [
          { when: (r) => r.kind === 'page', target: 'done', update: (r, c) => (r.kind === 'page' ? finish(c, r) : {}) },
          { when: (r) => r.kind === 'error', target: 'done', update: (r, c) => (r.kind === 'error' ? finish(c, r) : {}) },
          { target: 'faultinPage' },
        ],
      }),
      // mm/gup.c faultin_page(): handle_mm_fault(FAULT_FLAG_WRITE|FAULT_FLAG_REMOTE), then follow again
      faultinPage: {
        entry: enter<T>((c) => ({ fault: faultFrame({ mm: gupOf(c).mm, vpn: gupOf(c).vpn, write: true }) })),
        ...handleMmFault<T>(flags, { allowRetry: false }),
        onDone: after<T>(
          // mm/gup.c vm_fault_to_errno(): VM_FAULT_SIGSEGV → -EFAULT
          {
            when: (c) => need(c.fault, 'fault').result === 'sigsegv',
            target: 'done',
            update: (c) => ({ fault: null, ...finish(c, { kind: 'error', errno: '-EFAULT' }) }),
          },
          { target: 'followPageMask', update: () => ({ fault: null }) },
        ),
      },
      done: FINAL,
    },
  });
}
