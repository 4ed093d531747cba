import type { Scenario } from '../types.js';

/**
 * `populate: write` with `init` stands for the test's `ptr[i] = i` loop; `add` is its
 * `ptr[i]++`, whose first access to each page takes the restore fault (§2.3).
 */
export const hmmExclusive: Scenario = {
  name: 'hmm-exclusive',
  description: 'The hmm.exclusive selftest: make pages exclusive, then CPU writes revoke it (domain.md §6 T1, tools/testing/selftests/mm/hmm-tests.c exclusive).',
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
      { op: 'add', at: 'buf:0', value: 1 },
      { op: 'add', at: 'buf:1', value: 1 },
      { op: 'load', at: 'buf:0', expect: { value: 1 } },
      { op: 'load', at: 'buf:1', expect: { value: 2 } },
      { op: 'dmirrorCheckExclusive', region: 'buf', device: 'dmirror0', expect: { ret: '0' } },
    ],
  }],
  gpu: [],
  kernel: [],
  check: { invariants: 'all', liveness: true },
  expect: { verdict: 'pass', final: [{ at: 'buf:0', equals: 1 }, { at: 'buf:1', equals: 2 }] },
};
