import type { Scenario } from '../types.js';

/** Both words share one page, so every CPU access revokes the GPU's atomic mapping (§2.3). */
export const svmAtomicBasic: Scenario = {
  name: 'svm-atomic-basic',
  description: 'GPU atomics and CPU stores on one SVM page, the cover letter\'s OpenCL test (domain.md §6 T5).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 2, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0, 0],
  }],
  cpu: [{
    id: 'cpu0',
    program: [
      { op: 'store', at: 'buf:1', value: 5 },
      { op: 'load', at: 'buf:1', expect: { value: 5 } },
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
  expect: { verdict: 'pass', final: [{ at: 'buf:0', equals: 2 }, { at: 'buf:1', equals: 5 }] },
};
