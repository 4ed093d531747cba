import type { ActorId, KernelState, MmId, Pfn } from '../domain/index.js';
import { identityMemo } from './memo.js';

/**
 * A kernel lock someone holds: a folio's PG_locked (folio_lock, mm/filemap.c) with whether the
 * holder also sleeps in its wait queue, or an mm's mmap_lock (mmap_read_lock / mmap_write_lock,
 * include/linux/mmap_lock.h). What S5 judges and what a deadlock report lists, as lockdep would.
 */
export type HeldLock =
  | { readonly kind: 'folio'; readonly pfn: Pfn; readonly holder: ActorId; readonly selfWait: boolean }
  | { readonly kind: 'mmap_lock'; readonly mm: MmId; readonly mode: 'read' | 'write'; readonly holder: ActorId };

/** Every lock held in `k`: folios in pfn order, then each mm's readers and writer. Per kernel state (performance: shared by many worlds). */
export const heldKernelLocks = identityMemo((k: KernelState): readonly HeldLock[] => {
  const out: HeldLock[] = [];
  for (const f of k.folios) {
    if (f.locked !== null) out.push({ kind: 'folio', pfn: f.pfn, holder: f.locked, selfWait: f.waiters.includes(f.locked) });
  }
  for (const m of k.mms) {
    for (const r of m.mmapLock.readers) out.push({ kind: 'mmap_lock', mm: m.id, mode: 'read', holder: r });
    if (m.mmapLock.writer !== null) out.push({ kind: 'mmap_lock', mm: m.id, mode: 'write', holder: m.mmapLock.writer });
  }
  return out;
});
