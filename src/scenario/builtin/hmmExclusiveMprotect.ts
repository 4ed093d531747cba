import type { Scenario } from '../types.js';

/** The failed device write must not restore the CPU PTE; -EPERM comes from hmm_vma_fault (§2.7). */
export const hmmExclusiveMprotect: Scenario = {
  name: 'hmm-exclusive-mprotect',
  description: 'The hmm.exclusive_mprotect selftest: a device write after mprotect(PROT_READ) fails with -EPERM (domain.md §6 T2, tools/testing/selftests/mm/hmm-tests.c exclusive_mprotect).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'dmirror0', driver: 'dmirror' }],
  regions: [{
    id: 'buf', pages: 2, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0, 1],
  }],
  cpu: [{
    id: 'cpu0',
    program: [
      { op: 'dmirrorExclusive', region: 'buf', device: 'dmirror0', expect: { ret: '0' } },
      { op: 'mprotect', region: 'buf', prot: 'r', expect: { ret: '0' } },
      { op: 'dmirrorWrite', region: 'buf', device: 'dmirror0', expect: { ret: '-EPERM' } },
    ],
  }],
  gpu: [],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};
