import { MM_ACTOR, type MmId } from '../../src/domain/index.js';
import { callState, type Branch, type MState } from './dsl.js';
import type { TaskContext } from './frames.js';

type MmapLockCall = 'MMAP_READ_LOCK' | 'MMAP_READ_UNLOCK' | 'MMAP_WRITE_LOCK' | 'MMAP_WRITE_UNLOCK';

/** include/linux/mmap_lock.h mmap_{read,write}_{lock,unlock}() on the task's own mm: one step each. */
export function mmapLockState<C extends TaskContext & { readonly mm: MmId }, K extends MmapLockCall>(
  call: K,
  branches: readonly Branch<C, K>[],
): MState<C> {
  return callState<C, K>({ to: () => MM_ACTOR, call, args: (c) => ({ mm: c.mm }), branches });
}
