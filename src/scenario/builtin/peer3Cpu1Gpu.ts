import { atomicThrash } from './atomicThrash.js';

/** Differs from peer-2cpu-1gpu only in the number of CPU threads, so state counts compare across sizes. */
export const peer3Cpu1Gpu = atomicThrash(
  'peer-3cpu-1gpu',
  'Three CPU threads and one GPU channel, two atomic increments each, on one word on linux-5.14 (domain.md §6 T6, scaled).',
  'linux-5.14',
  3,
);
