import type { Scenario } from '../types.js';

/**
 * No `final` expectation: the kernel may cancel a GPU fault (domain.md §3.3 H1), so the checker
 * compares the word with the increments that completed rather than with a fixed total.
 */
export const cpuGpuAtomicThrash: Scenario = {
  name: 'cpu-gpu-atomic-thrash',
  description: 'CPU and GPU atomic increments thrashing one word (domain.md §6 T6).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0],
  }],
  cpu: [{
    id: 'cpu0',
    program: [
      { op: 'atomicAdd', at: 'buf:0', value: 1 },
      { op: 'atomicAdd', at: 'buf:0', value: 1 },
    ],
  }],
  gpu: [{
    id: 'ch0',
    device: 'gpu0',
    program: [
      { op: 'atomicAdd', at: 'buf:0', value: 1 },
      { op: 'atomicAdd', at: 'buf:0', value: 1 },
    ],
  }],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};
