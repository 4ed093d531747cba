import type { Scenario } from '../types.js';

/**
 * Differs from peer-3cpu-1gpu only in the number of CPU threads, so state counts can be
 * compared across sizes and with other model checkers.
 */
export const peer2Cpu1Gpu: Scenario = {
  name: 'peer-2cpu-1gpu',
  description: 'Two CPU threads and one GPU channel, two atomic increments each, on one word on linux-5.14 (domain.md §6 T6, scaled).',
  variant: 'linux-5.14',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0],
  }],
  cpu: [
    {
      id: 'cpu0',
      program: [
        { op: 'atomicAdd', at: 'buf:0', value: 1 },
        { op: 'atomicAdd', at: 'buf:0', value: 1 },
      ],
    },
    {
      id: 'cpu1',
      program: [
        { op: 'atomicAdd', at: 'buf:0', value: 1 },
        { op: 'atomicAdd', at: 'buf:0', value: 1 },
      ],
    },
  ],
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
