import { assign, setup } from 'xstate';
import type { ActorId, Envelope, Flags, KernelState, ModelEvent } from '../src/domain/index.js';
import { isMmCall, serveMmCall, type Served } from '../src/mm/index.js';

/**
 * The kernel's memory management (`mm`): owns every mm_struct, VMA, PTE and folio. Each call is
 * kernel code running in its caller's context under the lock that protects the data it touches
 * (PTL, PG_locked, mmap_lock), so it is answered atomically with one RET; a call that would sleep
 * on a held lock is not accepted, which disables the caller's step until the lock is released.
 * @kernel mm/memory.c, mm/rmap.c, mm/gup.c, mm/hmm.c, mm/mprotect.c, mm/filemap.c, kernel/fork.c
 */
export interface KernelMmInput {
  readonly self: ActorId;
  readonly kernel: KernelState;
}

export interface KernelMmContext {
  readonly self: ActorId;
  readonly out: readonly Envelope[];
  readonly k: KernelState;
}

export function createKernelMmMachine(flags: Flags) {
  // The guard and the action of one transition see the same context and event objects: compute once.
  let memo: { readonly ctx: KernelMmContext; readonly event: ModelEvent; readonly served: Served<KernelState> | null } | null = null;
  const serve = (ctx: KernelMmContext, event: ModelEvent): Served<KernelState> | null => {
    if (memo !== null && memo.ctx === ctx && memo.event === event) return memo.served;
    const served = isMmCall(event) ? serveMmCall(ctx.k, flags, ctx.self, event) : null;
    memo = { ctx, event, served };
    return served;
  };
  const call = { guard: 'accepts', actions: 'answer' } as const;

  return setup({
    types: { context: {} as KernelMmContext, events: {} as ModelEvent, input: {} as KernelMmInput },
    guards: {
      /** false = the call sleeps on a held lock (mmap_lock, PG_locked). */
      accepts: ({ context, event }) => serve(context, event) !== null,
    },
    actions: {
      answer: assign(({ context, event }) => {
        const s = serve(context, event);
        if (s === null) throw new Error(`kernelMm: ${event.type} from ${event.from} answered while refused`);
        return { k: s.state, out: [s.ret] };
      }),
    },
  }).createMachine({
    id: 'kernelMm',
    context: ({ input }) => ({ self: input.self, out: [], k: input.kernel }),
    initial: 'serving',
    states: {
      serving: {
        on: {
          // The CPU MMU's page walk (arch/x86/mm/fault.c raises the fault).
          CPU_ACCESS: call,
          // include/linux/mmap_lock.h
          MMAP_READ_LOCK: call,
          MMAP_READ_UNLOCK: call,
          MMAP_WRITE_LOCK: call,
          MMAP_WRITE_UNLOCK: call,
          // mm/memory.c handle_mm_fault → handle_pte_fault
          HANDLE_MM_FAULT: call,
          // mm/memory.c do_anonymous_page
          DO_ANONYMOUS_PAGE: call,
          // mm/memory.c do_wp_page / wp_page_copy
          DO_WP_PAGE: call,
          WP_PAGE_COPY: call,
          // include/linux/page_ref.h, mm/filemap.c, include/linux/mm.h
          FOLIO_TRY_GET: call,
          FOLIO_LOCK_OR_RETRY: call,
          FOLIO_WAIT_UNLOCKED: call,
          FOLIO_LOCK: call,
          FOLIO_TRYLOCK: call,
          FOLIO_UNLOCK: call,
          FOLIO_PUT: call,
          FOLIO_UNLOCK_PUT: call,
          // mm/memory.c remove_device_exclusive_entry → restore_exclusive_pte
          RESTORE_EXCLUSIVE_PTE: call,
          // mm/gup.c follow_page_pte
          GUP_FOLLOW_PAGE: call,
          // mm/rmap.c make_device_exclusive (6.15) / page_make_device_exclusive_one (5.14)
          MAKE_DEVICE_EXCLUSIVE_CONVERT: call,
          PAGE_MAKE_DEVICE_EXCLUSIVE_ONE: call,
          // mm/hmm.c hmm_vma_handle_pte
          HMM_VMA_WALK: call,
          // mm/memory.c zap_pte_range (munmap, MADV_DONTNEED)
          ZAP_PTE_RANGE: call,
          // mm/mprotect.c change_pte_range
          CHANGE_PROTECTION: call,
          // fs/proc/task_mmu.c clear_refs_write
          CLEAR_SOFT_DIRTY: call,
          // kernel/fork.c dup_mmap → mm/memory.c copy_page_range
          COPY_PAGE_RANGE: call,
          // mm/mmap.c exit_mmap
          EXIT_MMAP: call,
          // device DMA to a host page
          DMA_READ: call,
          DMA_WRITE: call,
        },
      },
    },
  });
}
