import type { ActorId, Flags, MmuNotifierRange, NotifierTarget, SubId, Vpn } from '../../domain/index.js';

/**
 * What nouveau's two notifier callbacks do with one invalidation, decided purely from the range,
 * the driver's identity (range->owner is compared with drm->dev, the driver actor here) and whether
 * svmm->mutex is free. The machine turns the plan into one step.
 * @kernel drivers/gpu/drm/nouveau/nouveau_svm.c
 */
export type CallbackPlan =
  /** mutex_lock(&svmm->mutex) would sleep: the invalidating thread's step is disabled until it is free. */
  | { readonly kind: 'block' }
  /** Returns without touching the GPU or the seq (filtered, ignored, or a failed trylock / -EAGAIN). */
  | { readonly kind: 'return'; readonly ok: boolean }
  /** Under svmm->mutex: nouveau_svmm_invalidate() → NVIF_VMM_V0_PFNCLR on [start, end). */
  | { readonly kind: 'pfnclr'; readonly start: Vpn; readonly end: Vpn }
  /** Under svmm->mutex: mmu_interval_set_seq(mni, cur_seq), so the fault in flight retries. */
  | { readonly kind: 'setSeq'; readonly sub: SubId; readonly seq: number };

// nouveau_svm.c nouveau_svmm_invalidate_range_start(): the hlist notifier of the svmm.
export function nouveauSvmmInvalidateRangeStart(range: MmuNotifierRange, self: ActorId, flags: Flags, mutexFree: boolean): CallbackPlan {
  // Mutation driver-ignores-invalidate: the callback body is empty.
  if (flags.driverIgnoresInvalidate) return { kind: 'return', ok: true };
  // !mmu_notifier_range_blockable() → -EAGAIN before taking the mutex.
  if (!range.blockable) return { kind: 'return', ok: false };
  if (!mutexFree) return { kind: 'block' };
  // The svmm's own migration handles device-private pages itself; checked under the mutex.
  if (range.event === 'MMU_NOTIFY_MIGRATE' && range.owner === self) return { kind: 'return', ok: true };
  // nouveau_svmm_invalidate(): only when limit > start; the model's svmm has no unmanaged hole.
  if (range.end <= range.start) return { kind: 'return', ok: true };
  return { kind: 'pfnclr', start: range.start, end: range.end };
}

// nouveau_svm.c nouveau_svm_range_invalidate(): the temporary interval notifier of one fault.
export function nouveauSvmRangeInvalidate(
  sub: SubId,
  range: MmuNotifierRange,
  curSeq: number,
  self: ActorId,
  flags: Flags,
  mutexFree: boolean,
): CallbackPlan {
  if (flags.driverIgnoresInvalidate) return { kind: 'return', ok: true };
  // Its own make_device_exclusive() conversion, recognised before any lock (L3: without it, livelock).
  // Mutation driver-no-owner-filter drops the test.
  if (!flags.driverNoOwnerFilter && range.event === 'MMU_NOTIFY_EXCLUSIVE' && range.owner === self) {
    return { kind: 'return', ok: true };
  }
  if (!mutexFree) {
    // mutex_lock() when blockable; mutex_trylock() failing → return false otherwise.
    return range.blockable ? { kind: 'block' } : { kind: 'return', ok: false };
  }
  return { kind: 'setSeq', sub, seq: curSeq };
}

/** Dispatch on the kind of subscription the notifier core is calling back. */
export function nouveauNotifierCallback(
  target: NotifierTarget,
  range: MmuNotifierRange,
  curSeq: number,
  self: ActorId,
  flags: Flags,
  mutexFree: boolean,
): CallbackPlan {
  switch (target.kind) {
    case 'hlist':
      return nouveauSvmmInvalidateRangeStart(range, self, flags, mutexFree);
    case 'interval':
      return nouveauSvmRangeInvalidate(target.sub, range, curSeq, self, flags, mutexFree);
  }
}
