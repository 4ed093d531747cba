import { hmmSelftest } from './hmmSelftest.js';

/**
 * fork's return value is ignored, as in the selftest, so parent and child both run the
 * increments; each must end with its own copy (§2.8), and the child never sees a device-exclusive entry.
 */
export const hmmExclusiveCow = hmmSelftest(
  'hmm-exclusive-cow',
  'The hmm.exclusive_cow selftest: fork over device-exclusive pages, then both processes write (domain.md §6 T3, tools/testing/selftests/mm/hmm-tests.c exclusive_cow).',
  [
    { op: 'dmirrorExclusive', region: 'buf', device: 'dmirror0', expect: { ret: '0' } },
    { op: 'fork' },
    { op: 'add', at: 'buf:0', value: 1 },
    { op: 'add', at: 'buf:1', value: 1 },
    { op: 'load', at: 'buf:0', expect: { value: 1 } },
    { op: 'load', at: 'buf:1', expect: { value: 2 } },
  ],
);
