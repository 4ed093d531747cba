import type { ActorId, World } from '../domain/index.js';
import { heldKernelLocks } from './locks.js';
import type { Invariant } from './types.js';
import { cpuThreadOfSnap, dmirrorOfSnap, dmirrors, findActor, gpuChannelOfSnap, kernelState, nouveauDrivers, nouveauOfSnap } from './view.js';

/**
 * Why `id` can no longer release anything, or undefined when it still can (or is no thread,
 * channel or driver). Looked up per lock holder, through the holder's own snapshot (performance:
 * lock holders are few; actor ids are unique in a world, so this is the one actor a scan of every
 * view by id would find).
 */
function cannotRelease(world: World, id: ActorId): string | undefined {
  const a = findActor(world, id);
  switch (a?.kind) {
    case 'dmirror':
      return dmirrorOfSnap(a).busy ? undefined : `${id} has no ioctl in progress`;
    case 'nouveauSvm':
      return nouveauOfSnap(a).workerIdle ? `${id}'s fault worker (nouveau_svm_fault) is idle` : undefined;
    case 'gpuChannel': {
      const c = gpuChannelOfSnap(a);
      return c.finished ? `channel ${id} is ${JSON.stringify(c.value)}` : undefined;
    }
    case 'cpuThread': {
      const t = cpuThreadOfSnap(a);
      return t.finished ? `thread ${id} is ${JSON.stringify(t.value)}` : undefined;
    }
    default:
      return undefined;
  }
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
    // The drivers' views up front, so a driver of the wrong shape fails here whatever the locks.
    const drivers = nouveauDrivers(world);
    const mirrors = dmirrors(world);
    for (const l of heldKernelLocks(kernelState(world))) {
      if (l.kind === 'folio' && l.selfWait) return `${l.holder} waits on the lock of pfn ${l.pfn}, which it holds itself`;
      const why = cannotRelease(world, l.holder);
      if (why === undefined) continue;
      return l.kind === 'folio'
        ? `pfn ${l.pfn} is locked by ${l.holder}, but ${why}: the folio lock leaked`
        : `mm ${l.mm} mmap_lock is held for ${l.mode} by ${l.holder}, but ${why}: the mmap_lock leaked`;
    }
    for (const d of drivers) {
      const owner = d.svmmMutex === 'worker' ? d.id : d.svmmMutex;
      const why = owner === null ? undefined : cannotRelease(world, owner);
      if (why !== undefined) return `${d.id} svmm->mutex is held by ${d.svmmMutex}, but ${why}: the mutex leaked`;
    }
    for (const d of mirrors) {
      const why = d.mutex === null ? undefined : cannotRelease(world, d.mutex);
      if (why !== undefined) return `${d.id} dmirror->mutex is held by ${d.mutex}, but ${why}: the mutex leaked`;
    }
    return null;
  },
};
