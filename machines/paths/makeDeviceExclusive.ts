import { MM_ACTOR, type Flags, type Pfn } from '../../src/domain/index.js';
import { after, callState, enter, FINAL, widen, type MState } from './dsl.js';
import { gupFrame, need, pageRange, type MdeFrame, type MdeResult, type TaskContext } from './frames.js';
import { gup } from './gup.js';
import { invalidateRangeEnd, invalidateRangeStart } from './invalidate.js';

type T = TaskContext;

const mde = (c: T): MdeFrame => need(c.mde, 'mde');
const pfn = (c: T): Pfn => need(mde(c).pfn, 'mde.pfn');
const finish = (c: T, result: MdeResult) => ({ mde: { ...mde(c), result } });
/** MMU_NOTIFY_EXCLUSIVE with the caller's owner cookie, so the caller can filter its own event. */
const exclusiveRange = (c: T) => pageRange(mde(c).mm, mde(c).vpn, 'MMU_NOTIFY_EXCLUSIVE', mde(c).owner);

/**
 * The GUP step shared by both eras: it sets up the `gup` frame and hands the page to `next`, or
 * to `notAnon` when the folio is not anonymous (6.15 checks folio_test_anon right after GUP).
 */
function gupState(flags: Flags, next: string, notAnon?: string): MState<T> {
  return {
    entry: enter<T>((c) => ({ gup: gupFrame({ mm: mde(c).mm, vpn: mde(c).vpn }) })),
    ...gup<T>(flags),
    onDone: after<T>(
      {
        when: (c) => need(c.gup, 'gup').result?.kind === 'error',
        target: 'done',
        update: (c) => {
          const r = need(c.gup, 'gup').result;
          return { gup: null, ...finish(c, r?.kind === 'error' ? r : { kind: 'error', errno: '-EFAULT' }) };
        },
      },
      ...(notAnon === undefined
        ? []
        : [
            {
              when: (c: T) => {
                const r = need(c.gup, 'gup').result;
                return r?.kind === 'page' && r.anon === false;
              },
              target: notAnon,
              update: (c: T) => {
                const r = need(c.gup, 'gup').result;
                return { gup: null, mde: { ...mde(c), pfn: r?.kind === 'page' ? r.pfn : null, converted: null } };
              },
            },
          ]),
      {
        target: next,
        update: (c) => {
          const r = need(c.gup, 'gup').result;
          return { gup: null, mde: { ...mde(c), pfn: r?.kind === 'page' ? r.pfn : null, converted: null } };
        },
      },
    ),
  };
}

/**
 * The MMU_NOTIFY_EXCLUSIVE window both eras open around the conversion (mm/rmap.c
 * make_device_exclusive in 6.15, page_make_device_exclusive_one in 5.14): invalidate_range_start,
 * the PTL section that writes the device-exclusive entry (`call`), invalidate_range_end; a
 * converted page is returned locked and referenced, anything else goes to `onFail` to be unlocked and put.
 */
function mmuNotifyExclusiveWindow(
  call: 'MAKE_DEVICE_EXCLUSIVE_CONVERT' | 'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE',
  state: string,
  onFail: string,
): Record<string, MState<T>> {
  return {
    mmuNotifierInvalidateRangeStart: {
      ...invalidateRangeStart<T>(exclusiveRange),
      onDone: after<T>({ target: state }),
    },
    [state]: callState<T, typeof call>({
      to: () => MM_ACTOR,
      call,
      args: (c) => ({ mm: mde(c).mm, vpn: mde(c).vpn, pfn: pfn(c) }),
      branches: [{ target: 'mmuNotifierInvalidateRangeEnd', update: (r, c) => ({ mde: { ...mde(c), converted: r.ok } }) }],
    }),
    mmuNotifierInvalidateRangeEnd: {
      ...invalidateRangeEnd<T>(),
      onDone: after<T>(
        // returned locked and referenced: exclusive access lasts until the caller unlocks and puts
        { when: (c) => mde(c).converted === true, target: 'done', update: (c) => finish(c, { kind: 'ok', pfn: pfn(c) }) },
        { target: onFail },
      ),
    },
  };
}

/**
 * mm/rmap.c make_device_exclusive() (6.15): GUP, folio_lock, MMU_NOTIFY_EXCLUSIVE, convert under
 * the PTL; if the folio walk finds anything but our writable PTE, undo and goto retry.
 */
function single(flags: Flags): MState<T> {
  return {
    initial: 'getUserPageVmaRemote',
    states: {
      // mm/gup.c get_user_page_vma_remote() (retry: label of make_device_exclusive)
      getUserPageVmaRemote: gupState(flags, 'folioLockKillable', 'folioPut'),
      // mm/rmap.c make_device_exclusive(): !folio_test_anon || hugetlb → folio_put, -EOPNOTSUPP
      folioPut: callState<T, 'FOLIO_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_PUT',
        args: (c) => ({ pfn: pfn(c) }),
        branches: [{ target: 'done', update: (_r, c) => finish(c, { kind: 'error', errno: '-EOPNOTSUPP' }) }],
      }),
      // mm/filemap.c folio_lock_killable(): sleeps while reclaim, migration, a driver or a CPU fault holds it
      folioLockKillable: callState<T, 'FOLIO_LOCK'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_LOCK',
        args: (c) => ({ pfn: pfn(c) }),
        branches: [{ target: 'mmuNotifierInvalidateRangeStart' }],
      }),
      // mm/rmap.c make_device_exclusive(): folio_walk_start, checks, ptep_clear_flush, set_pte_at(devExcl), folio_walk_end
      ...mmuNotifyExclusiveWindow('MAKE_DEVICE_EXCLUSIVE_CONVERT', 'folioWalkStart', 'folioUnlockPut'),
      // mm/rmap.c make_device_exclusive(): folio_unlock + folio_put, then goto retry (6.15 patch 17, no -EBUSY)
      folioUnlockPut: callState<T, 'FOLIO_UNLOCK_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_UNLOCK_PUT',
        args: (c) => ({ pfn: pfn(c) }),
        branches: [{ target: 'getUserPageVmaRemote', update: (_r, c) => ({ mde: { ...mde(c), pfn: null, converted: null } }) }],
      }),
      done: FINAL,
    },
  };
}

/**
 * mm/rmap.c make_device_exclusive_range() (5.14) for one page: GUP, trylock (contention = failure,
 * the pages[] slot becomes NULL), page_make_device_exclusive → rmap walk → page_make_device_exclusive_one.
 */
function range(flags: Flags): MState<T> {
  const busy = (c: T) => finish(c, { kind: 'error', errno: '-EBUSY' });
  return {
    initial: 'getUserPagesRemote',
    states: {
      // mm/gup.c get_user_pages_remote()
      getUserPagesRemote: gupState(flags, 'trylockPage'),
      // include/linux/pagemap.h trylock_page()
      trylockPage: callState<T, 'FOLIO_TRYLOCK'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_TRYLOCK',
        args: (c) => ({ pfn: pfn(c) }),
        branches: [{ when: (r) => r.ok, target: 'mmuNotifierInvalidateRangeStart' }, { target: 'putPage' }],
      }),
      // mm/rmap.c make_device_exclusive_range(): put_page(pages[i]); pages[i] = NULL
      putPage: callState<T, 'FOLIO_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_PUT',
        args: (c) => ({ pfn: pfn(c) }),
        branches: [{ target: 'done', update: (_r, c) => busy(c) }],
      }),
      // mm/rmap.c page_make_device_exclusive_one(): MMU_NOTIFY_EXCLUSIVE over the folio (one page: order-0
      // folios), page_vma_mapped_walk, convert, page_remove_rmap; ok = valid && !mapcount
      ...mmuNotifyExclusiveWindow('PAGE_MAKE_DEVICE_EXCLUSIVE_ONE', 'pageMakeDeviceExclusiveOne', 'unlockPagePutPage'),
      // mm/rmap.c make_device_exclusive_range(): unlock_page + put_page; pages[i] = NULL
      unlockPagePutPage: callState<T, 'FOLIO_UNLOCK_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_UNLOCK_PUT',
        args: (c) => ({ pfn: pfn(c) }),
        branches: [{ target: 'done', update: (_r, c) => busy(c) }],
      }),
      done: FINAL,
    },
  };
}

/**
 * Converts the page of the `mde` frame to a device-exclusive entry. Caller holds the mmap read lock.
 * Result `{kind:'ok', pfn}`: folio locked + referenced (the caller must FOLIO_UNLOCK_PUT it);
 * `{kind:'error', errno}`: nothing held.
 */
export function makeDeviceExclusive<C extends TaskContext>(flags: Flags): MState<C> {
  switch (flags.makeExclusive) {
    case 'single':
      return widen<C>(single(flags));
    case 'range':
      return widen<C>(range(flags));
  }
}
