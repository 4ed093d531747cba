import type { Scenario } from '../types.js';

/** Two owners on one page: each GPU's exclusive grab must revoke the other's atomic mapping (§2.11). */
export const twoGpus: Scenario = {
  name: 'two-gpus',
  description: 'Two Nouveau GPUs and a CPU thread doing atomic increments on one page (domain.md §6 T7).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }, { id: 'gpu1', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0],
  }],
  cpu: [{ id: 'cpu0', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] }],
  gpu: [
    { id: 'ch0', device: 'gpu0', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] },
    { id: 'ch1', device: 'gpu1', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] },
  ],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};
