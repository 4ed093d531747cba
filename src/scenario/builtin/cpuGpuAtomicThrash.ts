import { atomicThrash } from './atomicThrash.js';

export const cpuGpuAtomicThrash = atomicThrash(
  'cpu-gpu-atomic-thrash',
  'CPU and GPU atomic increments thrashing one word (domain.md §6 T6).',
  'linux-6.15',
  1,
);
