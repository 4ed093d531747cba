import type { FaultEntry, GpuAccess } from './gpu.js';
import type { ActorId, MmId, Pfn, SubId, Vpn } from './ids.js';
import type { MmuNotifierRange, NotifierTarget } from './notifier.js';
import type { Pte } from './pte.js';

/**
 * Every message between actors. Two kinds:
 * - calls: a synchronous call into another actor's critical section (the kernel code runs in the
 *   caller's context; the callee owns the data and its lock). A call and its RET happen inside
 *   the caller's step; a call the callee cannot accept now (lock held) disables that step.
 * - posts: asynchronous messages queued in the network (interrupts, replay/cancel, ioctls),
 *   delivered later in an order the scheduler chooses (FIFO per sender→receiver pair).
 */
export interface CallSpec {
  // ---- kernel mm (mm/memory.c, mm/rmap.c, mm/gup.c, mm/mprotect.c, mm/filemap.c) ----
  /** A user-mode access through the CPU MMU: succeeds on a present PTE that permits it, else faults. */
  CPU_ACCESS: {
    args: { mm: MmId; vpn: Vpn; word: number; access: 'load' | 'store' | 'atomicAdd'; value: number };
    result: { kind: 'done'; value: number } | { kind: 'fault'; write: boolean };
  };
  /** mmap_read_lock / mmap_write_lock (blocking) and their unlocks (include/linux/mmap_lock.h). */
  MMAP_READ_LOCK: { args: { mm: MmId }; result: { ok: true } };
  MMAP_READ_UNLOCK: { args: { mm: MmId }; result: { ok: true } };
  MMAP_WRITE_LOCK: { args: { mm: MmId }; result: { ok: true } };
  MMAP_WRITE_UNLOCK: { args: { mm: MmId }; result: { ok: true } };
  /** handle_mm_fault → handle_pte_fault: VMA checks, then read orig_pte locklessly and pick the handler. */
  HANDLE_MM_FAULT: {
    args: { mm: MmId; vpn: Vpn; write: boolean };
    result: {
      action: 'sigsegv' | 'do_anonymous_page' | 'do_wp_page' | 'do_swap_page' | 'spurious';
      orig: Pte;
    };
  };
  /** do_anonymous_page under the PTL: map a new zeroed folio (write) or the zero page (read) if still none. */
  DO_ANONYMOUS_PAGE: { args: { mm: MmId; vpn: Vpn; write: boolean }; result: { mapped: boolean } };
  /** do_wp_page under the PTL: reuse an exclusive anon folio, or ask for wp_page_copy. */
  DO_WP_PAGE: { args: { mm: MmId; vpn: Vpn; orig: Pte }; result: { result: 'reused' | 'copy' | 'changed' } };
  /** wp_page_copy's PTL section (after MMU_NOTIFY_CLEAR started): replace the PTE with a private copy. */
  WP_PAGE_COPY: { args: { mm: MmId; vpn: Vpn; orig: Pte }; result: { copied: boolean } };
  FOLIO_TRY_GET: { args: { pfn: Pfn }; result: { ok: boolean } };
  /** folio_lock_or_retry: take PG_locked, or register as a waiter and tell the fault to retry. */
  FOLIO_LOCK_OR_RETRY: { args: { pfn: Pfn }; result: { result: 'locked' | 'wait' } };
  /** The sleep of __folio_lock_or_retry: enabled once the folio is unlocked; leaves the wait queue. */
  FOLIO_WAIT_UNLOCKED: { args: { pfn: Pfn }; result: { ok: true } };
  /** folio_lock / folio_lock_killable: blocks while locked. */
  FOLIO_LOCK: { args: { pfn: Pfn }; result: { ok: true } };
  FOLIO_TRYLOCK: { args: { pfn: Pfn }; result: { ok: boolean } };
  FOLIO_UNLOCK: { args: { pfn: Pfn }; result: { ok: true } };
  FOLIO_PUT: { args: { pfn: Pfn }; result: { freed: boolean } };
  /** folio_unlock() immediately followed by folio_put(), with no lock in between. */
  FOLIO_UNLOCK_PUT: { args: { pfn: Pfn }; result: { freed: boolean } };
  /** remove_device_exclusive_entry's PTL section: pte_same(orig) then restore_exclusive_pte. */
  RESTORE_EXCLUSIVE_PTE: { args: { mm: MmId; vpn: Vpn; orig: Pte; pfn: Pfn }; result: { restored: boolean } };
  /** GUP's follow_page_pte with FOLL_GET|FOLL_WRITE (|FOLL_SPLIT_PMD|FOLL_TOUCH): a page ref, or a fault to take. */
  GUP_FOLLOW_PAGE: {
    args: { mm: MmId; vpn: Vpn; write: boolean };
    /** `anon`: folio_test_anon(), which 6.15 make_device_exclusive checks right after GUP (kernelMm always sets it). */
    result: { kind: 'page'; pfn: Pfn; anon?: boolean } | { kind: 'fault' } | { kind: 'error'; errno: '-EFAULT' | '-EOPNOTSUPP' };
  };
  /** 6.15 make_device_exclusive: folio_walk + ptep_clear_flush + devExcl entry, under the PTL. */
  MAKE_DEVICE_EXCLUSIVE_CONVERT: { args: { mm: MmId; vpn: Vpn; pfn: Pfn }; result: { ok: boolean } };
  /** 5.14 page_make_device_exclusive_one for the mapping of the folio: convert, drop mapcount; ok = valid && !mapped. */
  PAGE_MAKE_DEVICE_EXCLUSIVE_ONE: { args: { mm: MmId; vpn: Vpn; pfn: Pfn }; result: { ok: boolean } };
  /** hmm_vma_walk for one page (mm/hmm.c): valid pfn, a fault to take, or invalid/no permission. */
  HMM_VMA_WALK: {
    args: { mm: MmId; vpn: Vpn; fault: boolean; write: boolean };
    result:
      | { kind: 'valid'; pfn: Pfn; write: boolean }
      | { kind: 'fault'; write: boolean }
      | { kind: 'invalid' }
      | { kind: 'error'; errno: '-EPERM' | '-EFAULT' };
  };
  /** zap_pte_range over [start, end) under one PTL hold; optionally removes the VMA (munmap). */
  ZAP_PTE_RANGE: { args: { mm: MmId; start: Vpn; end: Vpn; unmapVma: boolean }; result: { ok: true } };
  /** mprotect_fixup + change_pte_range. */
  CHANGE_PROTECTION: { args: { mm: MmId; start: Vpn; end: Vpn; write: boolean }; result: { ok: true } };
  /** clear_refs_write with CLEAR_REFS_SOFT_DIRTY: clear soft-dirty bits, write-protect to track. */
  CLEAR_SOFT_DIRTY: { args: { mm: MmId }; result: { ok: true } };
  /** dup_mmap → copy_page_range under both PTLs; devExcl entries restored via try_restore_exclusive_pte. */
  COPY_PAGE_RANGE: { args: { mm: MmId }; result: { ret: '0'; child: MmId } | { ret: '-ENOMEM' } };
  /** exit_mmap: zap everything; the mm is dead. */
  EXIT_MMAP: { args: { mm: MmId }; result: { ok: true } };
  /** Device DMA (or a kernel memcpy by a driver) to a host page's word. */
  DMA_READ: { args: { pfn: Pfn; word: number }; result: { value: number } };
  DMA_WRITE: { args: { pfn: Pfn; word: number; value: number }; result: { ok: true } };

  // ---- MMU notifiers (mm/mmu_notifier.c) ----
  MMU_INTERVAL_NOTIFIER_INSERT: { args: { mm: MmId; start: Vpn; end: Vpn }; result: { sub: SubId } };
  /** Waits while an invalidation of the mm is in progress. */
  MMU_INTERVAL_NOTIFIER_REMOVE: { args: { sub: SubId }; result: { ok: true } };
  /** Sleeps while the subscription collides with a running invalidation. */
  MMU_INTERVAL_READ_BEGIN: { args: { sub: SubId }; result: { seq: number } };
  MMU_INTERVAL_READ_RETRY: { args: { sub: SubId; seq: number }; result: { retry: boolean } };
  MMU_INTERVAL_SET_SEQ: { args: { sub: SubId; seq: number }; result: { ok: true } };
  /** mn_itree_inv_start_range + the list of callbacks to run, interval subs first, then hlist. */
  INVALIDATE_RANGE_START: { args: { range: MmuNotifierRange }; result: { targets: readonly NotifierTarget[]; curSeq: number } };
  INVALIDATE_RANGE_END: { args: { range: MmuNotifierRange }; result: { ok: true } };

  // ---- driver callbacks (ops->invalidate / ops->invalidate_range_start) ----
  MMU_NOTIFIER_INVALIDATE: {
    args: { target: NotifierTarget; range: MmuNotifierRange; curSeq: number };
    result: { ok: boolean };
  };

  // ---- GPU MMU (nvkm vmm, fault buffer) ----
  GPU_ACCESS: {
    args: { vpn: Vpn; word: number; access: GpuAccess; value: number };
    result: { kind: 'done'; value: number } | { kind: 'fault' };
  };
  /** NVIF_VMM_V0_PFNMAP for one 4 KiB page: V, W, A, aperture. */
  PFNMAP: { args: { vpn: Vpn; pfn: Pfn; w: boolean; a: boolean; aperture: 'host' | 'vram' }; result: { ok: true } };
  /** NVIF_VMM_V0_PFNCLR: clear + GPU TLB flush; waits for in-flight accesses to drain. */
  PFNCLR: { args: { start: Vpn; end: Vpn }; result: { ok: true } };
  FAULT_BUFFER_DRAIN: { args: Record<string, never>; result: { entries: readonly FaultEntry[] } };
  FAULT_REPLAY: { args: Record<string, never>; result: { ok: true } };
  FAULT_CANCEL: { args: { channel: ActorId }; result: { ok: true } };
}

export type CallType = keyof CallSpec;

export type CallEvent = {
  [K in CallType]: { readonly type: K; readonly from: ActorId } & Readonly<CallSpec[K]['args']>;
}[CallType];

export type RetEvent = {
  [K in CallType]: { readonly type: 'RET'; readonly from: ActorId; readonly call: K; readonly result: CallSpec[K]['result'] };
}[CallType];

export type CallOf<K extends CallType> = Extract<CallEvent, { type: K }>;
export type ResultOf<K extends CallType> = CallSpec[K]['result'];

/** dmirror ioctls (lib/test_hmm_uapi.h HMM_DMIRROR_*). */
export type DmirrorCmd = 'HMM_DMIRROR_EXCLUSIVE' | 'HMM_DMIRROR_CHECK_EXCLUSIVE' | 'HMM_DMIRROR_READ' | 'HMM_DMIRROR_WRITE';

/** Asynchronous messages. */
export type PostEvent =
  /** nouveau_svm_event: the replayable-fault interrupt schedules the fault work item. */
  | { readonly type: 'NOUVEAU_SVM_EVENT'; readonly from: ActorId }
  /** A global fault replay: a stalled channel retries its access. */
  | { readonly type: 'GPU_REPLAY'; readonly from: ActorId }
  /** Fault cancel: recovery kills the channel (GPU SIGSEGV). */
  | { readonly type: 'GPU_CANCEL'; readonly from: ActorId }
  /** fork(2) returned in the child: the child thread runs the rest of the program on its own mm. */
  | { readonly type: 'FORK_CHILD_START'; readonly from: ActorId; readonly mm: MmId; readonly pc: number }
  | {
      readonly type: 'DMIRROR_IOCTL';
      readonly from: ActorId;
      readonly cmd: DmirrorCmd;
      readonly mm: MmId;
      readonly start: Vpn;
      readonly npages: number;
    }
  | { readonly type: 'DMIRROR_IOCTL_RET'; readonly from: ActorId; readonly ret: string; readonly cpages: number };

/** The scheduler's "take your next step" event for an actor with no message to handle. */
export type StepEvent = { readonly type: 'STEP'; readonly from: ActorId };

export type ModelEvent = CallEvent | RetEvent | PostEvent | StepEvent;

/** What a machine puts in its outbox. */
export type Envelope =
  | { readonly mode: 'call'; readonly to: ActorId; readonly event: CallEvent }
  | { readonly mode: 'ret'; readonly to: ActorId; readonly event: RetEvent }
  | { readonly mode: 'post'; readonly to: ActorId; readonly event: PostEvent };
