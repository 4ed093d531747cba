import type { ActorId, MmId, SubId, Vpn } from './ids.js';

/** enum mmu_notifier_event (include/linux/mmu_notifier.h). */
export type MmuNotifyEvent =
  | 'MMU_NOTIFY_UNMAP'
  | 'MMU_NOTIFY_CLEAR'
  | 'MMU_NOTIFY_PROTECTION_VMA'
  | 'MMU_NOTIFY_PROTECTION_PAGE'
  | 'MMU_NOTIFY_SOFT_DIRTY'
  | 'MMU_NOTIFY_RELEASE'
  | 'MMU_NOTIFY_MIGRATE'
  | 'MMU_NOTIFY_EXCLUSIVE';

/** struct mmu_notifier_range: [start, end) in pages; owner is the opaque driver cookie (an actor id here). */
export interface MmuNotifierRange {
  readonly mm: MmId;
  readonly start: Vpn;
  readonly end: Vpn;
  readonly event: MmuNotifyEvent;
  readonly owner: ActorId | null;
  readonly blockable: boolean;
}

/** struct mmu_interval_notifier: a driver's subscription to [start, end). */
export interface IntervalSub {
  readonly id: SubId;
  readonly mm: MmId;
  /** The driver actor whose callback (ops->invalidate) runs. */
  readonly driver: ActorId;
  readonly start: Vpn;
  readonly end: Vpn;
  /** mni->invalidate_seq. */
  readonly seq: number;
  /**
   * On subscriptions->deferred_list, not yet in the itree: inserted while an invalidation was
   * running (mm/mmu_notifier.c __mmu_interval_notifier_insert); mn_itree_inv_end adds it. Absent = in the itree.
   */
  readonly deferred?: true;
}

/** struct mmu_notifier (hlist subscriber): gets invalidate_range_start for every range of its mm. */
export interface HlistSub {
  readonly mm: MmId;
  readonly driver: ActorId;
}

/** struct mmu_notifier_subscriptions, one per mm (mm/mmu_notifier.c). */
export interface MmNotifierState {
  readonly mm: MmId;
  /** Even = idle, odd = an invalidation overlapping some interval subscription is running. */
  readonly invalidateSeq: number;
  readonly activeInvalidateRanges: number;
  /** The ranges between invalidate_range_start and _end right now (the count above is their length); S8 reads them. */
  readonly activeRanges: readonly MmuNotifierRange[];
  readonly interval: readonly IntervalSub[];
  readonly hlist: readonly HlistSub[];
}

export interface NotifierState {
  readonly mms: readonly MmNotifierState[];
  readonly nextSub: SubId;
}

/** A subscriber to call during invalidate_range_start, in the kernel's order: interval subs first, then hlist. */
export type NotifierTarget =
  | { readonly kind: 'interval'; readonly sub: SubId; readonly driver: ActorId }
  | { readonly kind: 'hlist'; readonly driver: ActorId };
