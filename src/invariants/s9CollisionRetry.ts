import { callsOf } from './deliveries.js';
import type { Invariant } from './types.js';
import { nouveauDriver, notifierState } from './view.js';

/**
 * S9 collision-retry discipline (domain.md §3.1): nouveau writes a GPU PTE (NVIF_VMM_V0_PFNMAP)
 * only while its fault worker holds svmm->mutex — the lock its notifier callbacks take — and only
 * if mmu_interval_read_retry() would still say "no collision": the fault's interval subscription
 * has the seq its mmu_interval_read_begin returned. Both hold until the PTE is written because
 * mmu_interval_set_seq runs under the same mutex (nouveau_atomic_range_fault, nouveau_range_fault,
 * nouveau_svm_range_invalidate). Checked on the world before the step, as the driver saw it.
 */
export const S9: Invariant = {
  id: 'S9',
  title: 'collision-retry discipline: nouveau PFNMAPs under svmm->mutex with an unchanged notifier seq',
  kernel:
    'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_atomic_range_fault, nouveau_range_fault (mutex_lock(&svmm->mutex); ' +
    'mmu_interval_read_retry; NVIF_VMM_V0_PFNMAP); mm/mmu_notifier.c mmu_interval_read_retry',
  step: (_ctx, before, deliveries) => {
    for (const c of callsOf(deliveries, 'PFNMAP')) {
      const d = nouveauDriver(before, c.event.from);
      if (d === undefined) continue;
      const what = `${d.id} issued PFNMAP vpn ${c.event.vpn} → pfn ${c.event.pfn} to ${c.to}`;
      if (d.svmmMutex !== 'worker') {
        return `${what} while svmm->mutex is ${d.svmmMutex === null ? 'free' : `held by ${d.svmmMutex}`}, not by its fault worker`;
      }
      if (d.fault === null) continue;
      const { sub, seq } = d.fault;
      const now = notifierState(before).mms.flatMap((m) => m.interval).find((s) => s.id === sub);
      if (now !== undefined && now.seq !== seq) {
        return `${what} although mmu_interval_read_retry(seq ${seq}) is true: an invalidation set interval sub ${sub}'s seq to ${now.seq}`;
      }
    }
    return null;
  },
};
