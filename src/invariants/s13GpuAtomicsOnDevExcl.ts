import { formatPte } from '../domain/index.js';
import { callsOf, type CallDelivery } from './deliveries.js';
import { pteAt } from './pages.js';
import type { Invariant } from './types.js';
import { kernelState } from './view.js';

const withAtomics = (c: CallDelivery<'PFNMAP'>): boolean => c.event.a;

/**
 * S13 GPU atomics only on device-exclusive pages (domain.md §3.1): a PFNMAP requesting A (atomics
 * allowed) is only issued by nouveau_atomic_range_fault, after make_device_exclusive converted the
 * page and while it still holds the folio lock, so at that moment the CPU PTE of mm 0 (the svmm's
 * process) at that vpn is a device-exclusive entry for the same pfn. Checked on the world before
 * the step, i.e. as the driver saw it when it issued the call.
 */
export const S13: Invariant = {
  id: 'S13',
  title: 'GPU atomics only on device-exclusive pages',
  kernel: 'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_atomic_range_fault (NVIF_VMM_PFNMAP_V0_A); mm/rmap.c make_device_exclusive',
  step: (_ctx, before, deliveries) => {
    const calls = callsOf(deliveries, 'PFNMAP', withAtomics);
    if (calls.length === 0) return null;
    const k = kernelState(before);
    for (const c of calls) {
      const { vpn, pfn } = c.event;
      const cpu = pteAt(k, 0, vpn);
      if (cpu.kind !== 'devExcl' || cpu.pfn !== pfn) {
        return `${c.event.from} mapped vpn ${vpn} → pfn ${pfn} with atomics (V W A) on ${c.to}, but mm 0 vpn ${vpn} is ${formatPte(cpu)}, not devExcl(pfn=${pfn})`;
      }
    }
    return null;
  },
};
