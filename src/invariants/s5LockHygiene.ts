import type { ActorId, World } from '../domain/index.js';
import type { Invariant } from './types.js';
import { cpuThreads, dmirrors, gpuChannels, kernelState, nouveauDrivers } from './view.js';

/**
 * Why `id` can no longer release anything, or undefined when it still can. Looked up per lock
 * holder instead of building a map of every finished actor per checked state (performance; lock
 * holders are few). The search order reproduces the map this replaced, where a later kind (and a
 * later actor of one kind) overwrote an earlier entry for the same id.
 */
function cannotRelease(world: World, id: ActorId): string | undefined {
  const ds = dmirrors(world);
  for (let i = ds.length - 1; i >= 0; i--) {
    const d = ds[i];
    if (d !== undefined && d.id === id && !d.busy) return `${d.id} has no ioctl in progress`;
  }
  const ns = nouveauDrivers(world);
  for (let i = ns.length - 1; i >= 0; i--) {
    const d = ns[i];
    if (d !== undefined && d.id === id && d.workerIdle) return `${d.id}'s fault worker (nouveau_svm_fault) is idle`;
  }
  const cs = gpuChannels(world);
  for (let i = cs.length - 1; i >= 0; i--) {
    const c = cs[i];
    if (c !== undefined && c.id === id && c.finished) return `channel ${c.id} is ${JSON.stringify(c.value)}`;
  }
  const ts = cpuThreads(world);
  for (let i = ts.length - 1; i >= 0; i--) {
    const t = ts[i];
    if (t !== undefined && t.id === id && t.finished) return `thread ${t.id} is ${JSON.stringify(t.value)}`;
  }
  return undefined;
}

/**
 * S5 lock hygiene (domain.md §3.1): every folio lock, mmap_lock and svmm->mutex taken is released on
 * every path, so none is held by an actor that has finished (thread done/killed, channel done/killed)
 * or by a driver whose work has returned; and nobody sleeps on a folio lock it holds itself. The
 * known violation is the 5.14 nouveau_atomic_range_fault retry, which `continue`s without
 * folio_unlock/folio_put (fixed by "nouveau/svm: fix missing folio unlock + put after
 * make_device_exclusive_range()", domain.md §5 #5).
 */
export const S5: Invariant = {
  id: 'S5',
  title: 'lock hygiene: no lock held by a finished actor or idle driver; no self-wait',
  kernel: 'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_atomic_range_fault; mm/filemap.c __folio_lock_or_retry; lib/test_hmm.c dmirror_exclusive',
  state: (_ctx, world) => {
    // Evaluated up front as before, so a world of the wrong shape fails here whatever its locks.
    cpuThreads(world);
    gpuChannels(world);
    nouveauDrivers(world);
    dmirrors(world);
    const k = kernelState(world);
    for (const f of k.folios) {
      if (f.locked !== null && f.waiters.includes(f.locked)) return `${f.locked} waits on the lock of pfn ${f.pfn}, which it holds itself`;
      const why = f.locked === null ? undefined : cannotRelease(world, f.locked);
      if (why !== undefined) return `pfn ${f.pfn} is locked by ${f.locked}, but ${why}: the folio lock leaked`;
    }
    for (const m of k.mms) {
      const holders = [...m.mmapLock.readers.map((r) => ({ id: r, how: 'read' })), ...(m.mmapLock.writer === null ? [] : [{ id: m.mmapLock.writer, how: 'write' }])];
      for (const h of holders) {
        const why = cannotRelease(world, h.id);
        if (why !== undefined) return `mm ${m.id} mmap_lock is held for ${h.how} by ${h.id}, but ${why}: the mmap_lock leaked`;
      }
    }
    for (const d of nouveauDrivers(world)) {
      const owner = d.svmmMutex === 'worker' ? d.id : d.svmmMutex;
      const why = owner === null ? undefined : cannotRelease(world, owner);
      if (why !== undefined) return `${d.id} svmm->mutex is held by ${d.svmmMutex}, but ${why}: the mutex leaked`;
    }
    for (const d of dmirrors(world)) {
      const why = d.mutex === null ? undefined : cannotRelease(world, d.mutex);
      if (why !== undefined) return `${d.id} dmirror->mutex is held by ${d.mutex}, but ${why}: the mutex leaked`;
    }
    return null;
  },
};
