import { hmmSelftest } from './hmmSelftest.js';

/** The failed device write must not restore the CPU PTE; -EPERM comes from hmm_vma_fault (§2.7). */
export const hmmExclusiveMprotect = hmmSelftest(
  'hmm-exclusive-mprotect',
  'The hmm.exclusive_mprotect selftest: a device write after mprotect(PROT_READ) fails with -EPERM (domain.md §6 T2, tools/testing/selftests/mm/hmm-tests.c exclusive_mprotect).',
  [
    { op: 'dmirrorExclusive', region: 'buf', device: 'dmirror0', expect: { ret: '0' } },
    { op: 'mprotect', region: 'buf', prot: 'r', expect: { ret: '0' } },
    { op: 'dmirrorWrite', region: 'buf', device: 'dmirror0', expect: { ret: '-EPERM' } },
  ],
);
