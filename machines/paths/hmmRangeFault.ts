import { MM_ACTOR, MMU_NOTIFIER_ACTOR, type Flags } from '../../src/domain/index.js';
import { after, callState, FINAL, widen, type MState } from './dsl.js';
import { faultFrame, need, type HrfFrame, type HrfResult, type TaskContext } from './frames.js';
import { handleMmFault } from './handleMmFault.js';

type T = TaskContext;

const hrf = (c: T): HrfFrame => need(c.hrf, 'hrf');
const finish = (c: T, result: HrfResult) => ({ hrf: { ...hrf(c), result } });

/**
 * mm/hmm.c hmm_range_fault() for the one page of the `hrf` frame (caller holds the mmap read lock):
 * do { check the notifier seq; walk; a fault inside the walk returns -EBUSY to this loop } while (-EBUSY).
 */
export function hmmRangeFault<C extends TaskContext>(flags: Flags): MState<C> {
  return widen<C>({
    initial: 'mmuIntervalCheckRetry',
    states: {
      // include/linux/mmu_notifier.h mmu_interval_check_retry(): an invalidation since read_begin → -EBUSY
      mmuIntervalCheckRetry: callState<T, 'MMU_INTERVAL_READ_RETRY'>({
        to: () => MMU_NOTIFIER_ACTOR,
        call: 'MMU_INTERVAL_READ_RETRY',
        args: (c) => ({ sub: hrf(c).sub, seq: hrf(c).seq }),
        branches: [
          { when: (r) => r.retry, target: 'done', update: (_r, c) => finish(c, { kind: 'error', errno: '-EBUSY' }) },
          { target: 'hmmVmaWalk' },
        ],
      }),
      // mm/hmm.c walk_page_range → hmm_vma_walk_pmd → hmm_vma_handle_pte for the page
      hmmVmaWalk: callState<T, 'HMM_VMA_WALK'>({
        to: () => MM_ACTOR,
        call: 'HMM_VMA_WALK',
        args: (c) => ({ mm: hrf(c).mm, vpn: hrf(c).vpn, fault: hrf(c).fault, write: hrf(c).write }),
        branches: [
          { when: (r) => r.kind === 'valid', target: 'done', update: (r, c) => (r.kind === 'valid' ? finish(c, { kind: 'ok', pfn: r.pfn, write: r.write }) : {}) },
          { when: (r) => r.kind === 'invalid', target: 'done', update: (_r, c) => finish(c, { kind: 'invalid' }) },
          { when: (r) => r.kind === 'error', target: 'done', update: (r, c) => (r.kind === 'error' ? finish(c, r) : {}) },
          {
            target: 'hmmVmaFault',
            update: (r, c) => ({ fault: faultFrame({ mm: hrf(c).mm, vpn: hrf(c).vpn, write: r.kind === 'fault' && r.write }) }),
          },
        ],
      }),
      // mm/hmm.c hmm_vma_fault(): handle_mm_fault(FAULT_FLAG_REMOTE [|WRITE]) then -EBUSY, so the loop re-checks the seq
      hmmVmaFault: {
        ...handleMmFault<T>(flags, { allowRetry: false }),
        onDone: after<T>(
          {
            when: (c) => need(c.fault, 'fault').result === 'sigsegv',
            target: 'done',
            update: (c) => ({ fault: null, ...finish(c, { kind: 'error', errno: '-EFAULT' }) }),
          },
          { target: 'mmuIntervalCheckRetry', update: () => ({ fault: null }) },
        ),
      },
      done: FINAL,
    },
  });
}
