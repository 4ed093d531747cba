import type { ActorId, CallType, Folio, KernelState, Pfn, ResultOf } from '../domain/index.js';
import { folioOf, folioPutOne, MmModelBugError, withFolio, type Done } from './state.js';

/**
 * PG_locked and folio references (mm/filemap.c, include/linux/pagemap.h, include/linux/mm.h).
 * The lock records its owner so lock hygiene (S5) and use-after-free (S6) can be checked.
 */

export interface FolioArgs {
  readonly pfn: Pfn;
}
export interface FolioCallerArgs extends FolioArgs {
  readonly caller: ActorId;
}

type R<K extends CallType> = Done<KernelState, ResultOf<K>>;

/** include/linux/page_ref.h folio_try_get: fails once the folio was freed (refcount 0). */
export function folioTryGet(k: KernelState, a: FolioArgs): R<'FOLIO_TRY_GET'> {
  const f = folioOf(k, a.pfn);
  if (f.refcount <= 0) return { k, result: { ok: false } };
  return { k: withFolio(k, { ...f, refcount: f.refcount + 1 }), result: { ok: true } };
}

function lockedBy(f: Folio, caller: ActorId): Folio {
  return { ...f, locked: caller };
}

/**
 * mm/filemap.c __folio_lock_or_retry (FAULT_FLAG_ALLOW_RETRY, not NOWAIT): take the lock if free,
 * else join the wait queue; the caller drops its mmap lock and sleeps (FOLIO_WAIT_UNLOCKED).
 */
export function folioLockOrRetry(k: KernelState, a: FolioCallerArgs): R<'FOLIO_LOCK_OR_RETRY'> {
  const f = folioOf(k, a.pfn);
  if (f.locked === null) return { k: withFolio(k, lockedBy(f, a.caller)), result: { result: 'locked' } };
  const waiters = f.waiters.includes(a.caller) ? f.waiters : [...f.waiters, a.caller];
  return { k: withFolio(k, { ...f, waiters }), result: { result: 'wait' } };
}

/** mm/filemap.c folio_wait_locked (the sleep of __folio_lock_or_retry): runs once PG_locked is clear. */
export function folioWaitUnlocked(k: KernelState, a: FolioCallerArgs): R<'FOLIO_WAIT_UNLOCKED'> | null {
  const f = folioOf(k, a.pfn);
  if (f.locked !== null) return null;
  return { k: withFolio(k, { ...f, waiters: f.waiters.filter((w) => w !== a.caller) }), result: { ok: true } };
}

/** mm/filemap.c __folio_lock (folio_lock / folio_lock_killable): sleeps while locked, even by the caller. */
export function folioLock(k: KernelState, a: FolioCallerArgs): R<'FOLIO_LOCK'> | null {
  const f = folioOf(k, a.pfn);
  if (f.locked !== null) return null;
  return { k: withFolio(k, lockedBy(f, a.caller)), result: { ok: true } };
}

/** include/linux/pagemap.h folio_trylock. */
export function folioTrylock(k: KernelState, a: FolioCallerArgs): R<'FOLIO_TRYLOCK'> {
  const f = folioOf(k, a.pfn);
  if (f.locked !== null) return { k, result: { ok: false } };
  return { k: withFolio(k, lockedBy(f, a.caller)), result: { ok: true } };
}

function unlocked(f: Folio, caller: ActorId): Folio {
  if (f.locked !== caller) {
    throw new MmModelBugError(`${caller} unlocks folio ${f.pfn} but ${f.locked === null ? 'nobody' : f.locked} holds its lock`);
  }
  return { ...f, locked: null };
}

/** mm/filemap.c folio_unlock: clear PG_locked; sleepers re-run their FOLIO_WAIT_UNLOCKED / FOLIO_LOCK. */
export function folioUnlock(k: KernelState, a: FolioCallerArgs): R<'FOLIO_UNLOCK'> {
  return { k: withFolio(k, unlocked(folioOf(k, a.pfn), a.caller)), result: { ok: true } };
}

/** include/linux/mm.h folio_put: the last reference frees it (kept with refcount 0 so S6 can see it). */
export function folioPut(k: KernelState, a: FolioArgs): R<'FOLIO_PUT'> {
  const f = folioPutOne(folioOf(k, a.pfn));
  return { k: withFolio(k, f), result: { freed: f.refcount === 0 } };
}

/** folio_unlock(); folio_put(); back to back, as Nouveau and dmirror do after programming the device. */
export function folioUnlockPut(k: KernelState, a: FolioCallerArgs): R<'FOLIO_UNLOCK_PUT'> {
  const f = folioPutOne(unlocked(folioOf(k, a.pfn), a.caller));
  return { k: withFolio(k, f), result: { freed: f.refcount === 0 } };
}
