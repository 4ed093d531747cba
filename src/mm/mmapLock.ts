import type { ActorId, KernelState, MmapLock, MmId } from '../domain/index.js';
import { mmOf, MmModelBugError, withMm, type Done } from './state.js';

/** mmap_lock, an rw_semaphore (include/linux/mmap_lock.h); owners are the calling actors. */

export interface MmapLockArgs {
  readonly mm: MmId;
  readonly caller: ActorId;
}

type Ok = Done<KernelState, { ok: true }>;

function withLock(k: KernelState, mm: MmId, lock: MmapLock): KernelState {
  return withMm(k, { ...mmOf(k, mm), mmapLock: lock });
}

/** mmap_read_lock: down_read sleeps while a writer holds the semaphore. */
export function mmapReadLock(k: KernelState, a: MmapLockArgs): Ok | null {
  const l = mmOf(k, a.mm).mmapLock;
  if (l.writer !== null) return null;
  return { k: withLock(k, a.mm, { readers: [...l.readers, a.caller], writer: null }), result: { ok: true } };
}

export function mmapReadUnlock(k: KernelState, a: MmapLockArgs): Ok {
  const l = mmOf(k, a.mm).mmapLock;
  const i = l.readers.indexOf(a.caller);
  if (i < 0) throw new MmModelBugError(`${a.caller} releases mmap_lock(read) of mm ${a.mm} without holding it`);
  const readers = [...l.readers.slice(0, i), ...l.readers.slice(i + 1)];
  return { k: withLock(k, a.mm, { readers, writer: l.writer }), result: { ok: true } };
}

/** mmap_write_lock: down_write sleeps while anyone holds the semaphore (including the caller as reader). */
export function mmapWriteLock(k: KernelState, a: MmapLockArgs): Ok | null {
  const l = mmOf(k, a.mm).mmapLock;
  if (l.writer !== null || l.readers.length > 0) return null;
  return { k: withLock(k, a.mm, { readers: [], writer: a.caller }), result: { ok: true } };
}

export function mmapWriteUnlock(k: KernelState, a: MmapLockArgs): Ok {
  const l = mmOf(k, a.mm).mmapLock;
  if (l.writer !== a.caller) throw new MmModelBugError(`${a.caller} releases mmap_lock(write) of mm ${a.mm} held by ${l.writer ?? 'nobody'}`);
  return { k: withLock(k, a.mm, { readers: l.readers, writer: null }), result: { ok: true } };
}
