import { atomicThrash } from './atomicThrash.js';

/** The benchmark's reference size (issue "Model checker", item 8), comparable with other model checkers. */
export const peer2Cpu1Gpu = atomicThrash(
  'peer-2cpu-1gpu',
  'Two CPU threads and one GPU channel, two atomic increments each, on one word on linux-5.14 (domain.md §6 T6, scaled).',
  'linux-5.14',
  2,
);
