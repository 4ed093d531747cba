import type { CpuOp, Scenario } from '../types.js';

/**
 * The fixture of tools/testing/selftests/mm/hmm-tests.c as a scenario: one dmirror device and a
 * private anonymous buffer whose words start as `ptr[i] = i` (domain.md §6, "Common setup"),
 * two pages instead of the test's 1024 because behaviour per page is independent.
 */
export function hmmSelftest(name: string, description: string, program: readonly CpuOp[]): Scenario {
  return {
    name,
    description,
    variant: 'linux-6.15',
    mutations: [],
    devices: [{ id: 'dmirror0', driver: 'dmirror' }],
    regions: [{ id: 'buf', pages: 2, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0, 1] }],
    cpu: [{ id: 'cpu0', program }],
    gpu: [],
    kernel: [],
    check: { invariants: 'all', liveness: true },
  };
}
