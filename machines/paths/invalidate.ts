import { MMU_NOTIFIER_ACTOR, type MmuNotifierRange, type NotifierTarget } from '../../src/domain/index.js';
import { callState, enter, FINAL, widen, type MState } from './dsl.js';
import { invFrame, need, type InvFrame, type TaskContext } from './frames.js';

type T = TaskContext;

const inv = (c: T): InvFrame => need(c.inv, 'inv');
const target = (c: T): NotifierTarget => {
  const t = inv(c).targets[inv(c).next];
  if (t === undefined) throw new Error(`no notifier target ${inv(c).next}`);
  return t;
};

/** Where the walk over the subscribers goes next: interval callbacks first, then the hlist, then done. */
function nextState(i: InvFrame, next: number): 'mnItreeInvalidate' | 'mnHlistInvalidateRangeStart' | 'done' {
  const t = i.targets[next];
  if (t === undefined) return 'done';
  return t.kind === 'interval' ? 'mnItreeInvalidate' : 'mnHlistInvalidateRangeStart';
}

/** One driver callback per step; the driver accepts the call only when its lock is free (that is the blocking). */
function callbackState(): MState<T> {
  return callState<T, 'MMU_NOTIFIER_INVALIDATE'>({
    to: (c) => target(c).driver,
    call: 'MMU_NOTIFIER_INVALIDATE',
    args: (c) => ({ target: target(c), range: inv(c).range, curSeq: inv(c).curSeq }),
    branches: (['mnItreeInvalidate', 'mnHlistInvalidateRangeStart', 'done'] as const).map((to) => ({
      when: (r, c) => {
        // Only non-blockable ranges may fail (mmu_notifier_range_blockable); the model builds none.
        if (!r.ok) throw new Error(`${target(c).driver} refused a blockable ${inv(c).range.event}`);
        return nextState(inv(c), inv(c).next + 1) === to;
      },
      target: to,
      update: (_r, c) => ({ inv: { ...inv(c), next: inv(c).next + 1 } }),
    })),
  });
}

/**
 * mm/mmu_notifier.c __mmu_notifier_invalidate_range_start(): the range comes from `rangeOf`
 * (mmu_notifier_range_init[_owner]); it stays in the `inv` frame until invalidateRangeEnd.
 */
export function invalidateRangeStart<C extends TaskContext>(rangeOf: (c: C) => MmuNotifierRange): MState<C> {
  return widen<C>({
    entry: enter<T>((c) => ({ inv: invFrame(rangeOf(c as C)) })),
    initial: 'mnItreeInvStartRange',
    states: {
      // mm/mmu_notifier.c mn_itree_inv_start_range(): active++, seq odd if an interval overlaps; lists the callbacks
      mnItreeInvStartRange: callState<T, 'INVALIDATE_RANGE_START'>({
        to: () => MMU_NOTIFIER_ACTOR,
        call: 'INVALIDATE_RANGE_START',
        args: (c) => ({ range: inv(c).range }),
        branches: (['mnItreeInvalidate', 'mnHlistInvalidateRangeStart', 'done'] as const).map((to) => ({
          when: (r, c) => nextState({ ...inv(c), targets: r.targets }, 0) === to,
          target: to,
          update: (r, c) => ({ inv: { ...inv(c), targets: r.targets, curSeq: r.curSeq, next: 0 } }),
        })),
      }),
      // mm/mmu_notifier.c mn_itree_invalidate(): interval_sub->ops->invalidate(sub, range, cur_seq)
      mnItreeInvalidate: callbackState(),
      // mm/mmu_notifier.c mn_hlist_invalidate_range_start(): subscription->ops->invalidate_range_start(range)
      mnHlistInvalidateRangeStart: callbackState(),
      done: FINAL,
    },
  });
}

/** mm/mmu_notifier.c __mmu_notifier_invalidate_range_end(): closes the range opened by invalidateRangeStart. */
export function invalidateRangeEnd<C extends TaskContext>(): MState<C> {
  return widen<C>({
    initial: 'mnItreeInvEnd',
    states: {
      // mm/mmu_notifier.c mn_itree_inv_end() + mn_hlist_invalidate_end(): active--, seq even, deferred work, wake-up
      mnItreeInvEnd: callState<T, 'INVALIDATE_RANGE_END'>({
        to: () => MMU_NOTIFIER_ACTOR,
        call: 'INVALIDATE_RANGE_END',
        args: (c) => ({ range: inv(c).range }),
        branches: [{ target: 'done', update: () => ({ inv: null }) }],
      }),
      done: FINAL,
    },
  });
}
