import type { Scenario } from '../types.js';

/**
 * Two threads fault on the same device-exclusive entry: one restores it, the other must find
 * !pte_same under the PTL and leave the PTE alone (§2.3 concurrency notes, S7). The ioctl's own
 * return is not checked: a CPU touch between dmirror_atomic_map and its read-back makes it -ENOENT.
 */
export const hmmExclusiveTwoFaults: Scenario = {
  name: 'hmm-exclusive-two-faults',
  description: 'Two CPU threads faulting on one device-exclusive entry made by the test driver (domain.md §6 T9).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'dmirror0', driver: 'dmirror' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [7],
  }],
  cpu: [
    {
      id: 'cpu0',
      program: [
        { op: 'dmirrorExclusive', region: 'buf', device: 'dmirror0' },
        { op: 'load', at: 'buf:0', expect: { value: 7 } },
      ],
    },
    { id: 'cpu1', program: [{ op: 'load', at: 'buf:0', expect: { value: 7 } }] },
  ],
  gpu: [],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};
