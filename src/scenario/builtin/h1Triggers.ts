import type { Scenario } from '../types.js';

/**
 * Hazard H1 (domain.md §3.3): nouveau_atomic_range_fault's retry loop when the CPU PTE is already
 * device-exclusive, or when the GUP inside make_device_exclusive fires an unfiltered notifier.
 * Each scenario asks whether the GPU atomic completes (as designed) or is cancelled after the
 * retry bound (H1); none of them states an expected verdict.
 */

/** T14a: mprotect revokes the GPU mapping (PROTECTION_VMA) but leaves the CPU PTE device-exclusive. */
export const h1MprotectRevoke: Scenario = {
  name: 'h1-mprotect-revoke',
  description: 'GPU atomic, an mprotect that revokes it without restoring the CPU PTE, then another GPU atomic (domain.md §6 T14a, hazard H1).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0],
  }],
  cpu: [{ id: 'cpu0', program: [{ op: 'mprotect', region: 'buf', prot: 'rw', expect: { ret: '0' } }] }],
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

/** T14b: the CPU only read the buffer, so the zero page is mapped; GUP(FOLL_WRITE) must COW it (wp_page_copy: MMU_NOTIFY_CLEAR). */
export const h1ZeroPage: Scenario = {
  name: 'h1-zero-page',
  description: 'A GPU atomic on a buffer the CPU has only read (zero page mapped) (domain.md §6 T14b, hazard H1).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'read', init: [0],
  }],
  cpu: [],
  gpu: [{ id: 'ch0', device: 'gpu0', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] }],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};

/** T14d: after fork the page is COW-shared with the child; GUP(FOLL_WRITE) copies it (MMU_NOTIFY_CLEAR). */
export const h1CowAfterFork: Scenario = {
  name: 'h1-cow-after-fork',
  description: 'A GPU atomic on a page COW-shared with a child after fork (domain.md §6 T14d, hazard H1).',
  variant: 'linux-6.15',
  mutations: [],
  devices: [{ id: 'gpu0', driver: 'nouveau' }],
  regions: [{
    id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0],
  }],
  cpu: [{ id: 'cpu0', program: [{ op: 'fork' }] }],
  gpu: [{ id: 'ch0', device: 'gpu0', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] }],
  kernel: [],
  check: { invariants: 'all', liveness: true },
};
