import type { Scenario } from '../types.js';
import { hmmSelftest } from './hmmSelftest.js';

/**
 * `populate: write` with `init` stands for the test's `ptr[i] = i` loop; `add` is its
 * `ptr[i]++`, whose first access to each page takes the restore fault (§2.3).
 */
export const hmmExclusive: Scenario = {
  ...hmmSelftest(
    'hmm-exclusive',
    'The hmm.exclusive selftest: make pages exclusive, then CPU writes revoke it (domain.md §6 T1, tools/testing/selftests/mm/hmm-tests.c exclusive).',
    [
      { op: 'dmirrorExclusive', region: 'buf', device: 'dmirror0', expect: { ret: '0' } },
      { op: 'add', at: 'buf:0', value: 1 },
      { op: 'add', at: 'buf:1', value: 1 },
      { op: 'load', at: 'buf:0', expect: { value: 1 } },
      { op: 'load', at: 'buf:1', expect: { value: 2 } },
      { op: 'dmirrorCheckExclusive', region: 'buf', device: 'dmirror0', expect: { ret: '0' } },
    ],
  ),
  expect: { verdict: 'pass', final: [{ at: 'buf:0', equals: 1 }, { at: 'buf:1', equals: 2 }] },
};
