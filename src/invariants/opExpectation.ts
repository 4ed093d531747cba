import type { ExpectFailure } from '../domain/index.js';
import type { Invariant } from './types.js';
import { cpuThreads, gpuChannels } from './view.js';

function describe(id: string, f: ExpectFailure): string {
  return `${id} op #${f.pc} ${f.op}: expected ${f.expected}, got ${f.got}`;
}

/**
 * op-expectation: an op of the scenario carried an `expect` (a loaded value, a syscall or ioctl
 * return) and the thread or channel observed something else. The actors record the mismatch in
 * `expectFailures` when the op completes; this property only reports it.
 */
export const OP_EXPECTATION: Invariant = {
  id: 'op-expectation',
  title: 'every op expectation of the scenario holds',
  kernel: 'the scenario (user-visible results of loads, syscalls and ioctls)',
  state: (_ctx, world) => {
    // Fast path (performance): almost every state has no recorded failure.
    const cpus = cpuThreads(world);
    const chans = gpuChannels(world);
    if (cpus.every((a) => a.expectFailures.length === 0) && chans.every((a) => a.expectFailures.length === 0)) return null;
    const failures = [...cpus, ...chans].flatMap((a) => a.expectFailures.map((f) => describe(a.id, f)));
    return failures.length === 0 ? null : failures.join('; ');
  },
};
