import type { Scenario } from '../types.js';

/**
 * munmap needs no folio lock, so it can zap the page while nouveau_atomic_range_fault sits between
 * mmu_interval_read_begin and mmu_interval_read_retry; only the seq retry keeps the driver from
 * mapping a page that is no longer the process's (§2.2, S9). Whatever the order, the channel
 * either finishes or is cancelled because its VMA is gone.
 */
export const gpuAtomicMunmap: Scenario = {
  name: 'gpu-atomic-munmap',
  description: 'A GPU atomic fault racing munmap of its page: the collision-retry protocol must retry, never map the zapped page (domain.md §6 T8).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0],
  }],
  cpu: [{ id: 'cpu0', program: [{ op: 'munmap', region: 'buf' }] }],
  gpu: [{ id: 'ch0', device: 'gpu0', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] }],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};
