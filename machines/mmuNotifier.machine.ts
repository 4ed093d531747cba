import { assign, setup } from 'xstate';
import type { ActorId, Envelope, Flags, ModelEvent, NotifierState } from '../src/domain/index.js';
import { isNotifierCall, serveNotifierCall, type Served } from '../src/mm/index.js';

/**
 * The MMU-notifier core (`mmu`): per-mm invalidate_seq, active ranges and subscriptions, under
 * subscriptions->lock. It only keeps the collision-retry bookkeeping and says which callbacks run;
 * the invalidating caller calls each driver callback itself, one step each.
 * @kernel mm/mmu_notifier.c
 */
export interface MmuNotifierInput {
  readonly self: ActorId;
  readonly notifier: NotifierState;
}

export interface MmuNotifierContext {
  readonly self: ActorId;
  readonly out: readonly Envelope[];
  readonly n: NotifierState;
}

// Flags switch nothing here today; the factory keeps the shape of every other machine.
export function createMmuNotifierMachine(_flags: Flags) {
  let memo: { readonly ctx: MmuNotifierContext; readonly event: ModelEvent; readonly served: Served<NotifierState> | null } | null = null;
  const serve = (ctx: MmuNotifierContext, event: ModelEvent): Served<NotifierState> | null => {
    if (memo !== null && memo.ctx === ctx && memo.event === event) return memo.served;
    const served = isNotifierCall(event) ? serveNotifierCall(ctx.n, ctx.self, event) : null;
    memo = { ctx, event, served };
    return served;
  };
  const call = { guard: 'accepts', actions: 'answer' } as const;

  return setup({
    types: { context: {} as MmuNotifierContext, events: {} as ModelEvent, input: {} as MmuNotifierInput },
    guards: {
      /** false = the call sleeps on subscriptions->wq (read_begin colliding, remove during an invalidation). */
      accepts: ({ context, event }) => serve(context, event) !== null,
    },
    actions: {
      answer: assign(({ context, event }) => {
        const s = serve(context, event);
        if (s === null) throw new Error(`mmuNotifier: ${event.type} from ${event.from} answered while refused`);
        return { n: s.state, out: [s.ret] };
      }),
    },
  }).createMachine({
    id: 'mmuNotifier',
    context: ({ input }) => ({ self: input.self, out: [], n: input.notifier }),
    initial: 'serving',
    states: {
      serving: {
        on: {
          // mmu_interval_notifier_insert / _remove
          MMU_INTERVAL_NOTIFIER_INSERT: call,
          MMU_INTERVAL_NOTIFIER_REMOVE: call,
          // mmu_interval_read_begin / _read_retry / _set_seq
          MMU_INTERVAL_READ_BEGIN: call,
          MMU_INTERVAL_READ_RETRY: call,
          MMU_INTERVAL_SET_SEQ: call,
          // __mmu_notifier_invalidate_range_start → mn_itree_inv_start_range; _end → mn_itree_inv_end
          INVALIDATE_RANGE_START: call,
          INVALIDATE_RANGE_END: call,
        },
      },
    },
  });
}
