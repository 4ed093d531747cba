import type { ActorId, KernelState, World } from '../domain/index.js';
import { identityMemo } from './memo.js';
import type { Invariant } from './types.js';
import {
  cpuThreadOfSnap,
  cpuThreads,
  dmirrorOfSnap,
  dmirrors,
  findActor,
  gpuChannelOfSnap,
  gpuChannels,
  kernelState,
  nouveauDrivers,
  nouveauOfSnap,
} from './view.js';

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
 * What S5 asks of the kernel's locks, in report order: a self-wait (holder null: always a
 * violation), or a lock whose holder must still be able to release it. Per kernel state
 * (performance: kernel states are few and shared by many worlds, and most hold no lock).
 */
interface LockCheck {
  readonly holder: ActorId | null;
  readonly message: (why: string) => string;
}

const kernelLockChecks = identityMemo((k: KernelState): readonly LockCheck[] => {
  const out: LockCheck[] = [];
  for (const f of k.folios) {
    const locked = f.locked;
    if (locked === null) continue;
    if (f.waiters.includes(locked)) out.push({ holder: null, message: () => `${locked} waits on the lock of pfn ${f.pfn}, which it holds itself` });
    out.push({ holder: locked, message: (why) => `pfn ${f.pfn} is locked by ${locked}, but ${why}: the folio lock leaked` });
  }
  for (const m of k.mms) {
    for (const r of m.mmapLock.readers) out.push({ holder: r, message: (why) => `mm ${m.id} mmap_lock is held for read by ${r}, but ${why}: the mmap_lock leaked` });
    const w = m.mmapLock.writer;
    if (w !== null) out.push({ holder: w, message: (why) => `mm ${m.id} mmap_lock is held for write by ${w}, but ${why}: the mmap_lock leaked` });
  }
  return out;
});

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
    for (const c of kernelLockChecks(kernelState(world))) {
      if (c.holder === null) return c.message('');
      const why = cannotRelease(world, c.holder);
      if (why !== undefined) return c.message(why);
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
