import type { CpuOp, CpuThread, GpuOp, Scenario } from '../types.js';

const increment = { op: 'atomicAdd', at: 'buf:0', value: 1 } as const;
const cpuIncrements: readonly CpuOp[] = [increment, increment];
const gpuIncrements: readonly GpuOp[] = [increment, increment];

/**
 * CPU threads and one GPU channel each doing two atomic increments of one word (domain.md §6 T6).
 * No `final` expectation: the kernel may cancel a GPU fault (domain.md §3.3 H1), so S2 compares
 * the word with the increments that completed rather than with a fixed total.
 */
export function atomicThrash(name: string, description: string, variant: string, cpus: number): Scenario {
  const cpu: CpuThread[] = Array.from({ length: cpus }, (_, i) => ({ id: `cpu${i}`, program: cpuIncrements }));
  return {
    name,
    description,
    variant,
    mutations: [],
    devices: [{ id: 'gpu0', driver: 'nouveau' }],
    regions: [{ id: 'buf', pages: 1, wordsPerPage: 1, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0] }],
    cpu,
    gpu: [{ id: 'ch0', device: 'gpu0', program: gpuIncrements }],
    kernel: [],
    check: { invariants: 'all', liveness: true },
  };
}
