import { setup } from 'xstate';
import {
  callEnv,
  isRetOf,
  MM_ACTOR,
  MMU_NOTIFIER_ACTOR,
  postEnv,
  retEnv,
  type ActorId,
  type DmirrorCmd,
  type DmirrorInput,
  type Flags,
  type MmId,
  type MmuNotifierRange,
  type ModelEvent,
  type Pfn,
  type SubId,
  type Vpn,
} from '../src/domain/index.js';
import {
  dmirrorAtomicMap,
  dmirrorCheckAtomic,
  dmirrorDoFault,
  dmirrorDoUpdate,
  dmirrorEntry,
  dmirrorIgnoresInvalidate,
  dmirrorIoctlOf,
  dmirrorPermits,
  type DmirrorIoctl,
  type DmirrorPt,
} from '../src/drivers/dmirror/index.js';
import {
  act,
  after,
  callState,
  hmmRangeFault,
  hrfFrame,
  makeDeviceExclusive,
  mdeFrame,
  NO_FRAMES,
  type MState,
  type TaskContext,
  type Update,
  mmapLockState,
} from './paths/index.js';

/** lib/test_hmm.c struct dmirror: the mirror page table, its mutex and the interval notifier. */
export interface DmirrorContext extends TaskContext {
  /** dmirror->notifier.mm: the mm that opened the device; every ioctl works on it. */
  readonly mm: MmId;
  readonly sub: SubId;
  readonly pt: DmirrorPt;
  /** dmirror->mutex owner: the ioctl (self) or the task running the interval callback. */
  readonly mutex: ActorId | null;
  readonly ioctl: DmirrorIoctl | null;
  /** dmirror_interval_invalidate waiting for its nested mmu_interval_set_seq: whom to answer. */
  readonly invalidating: { readonly caller: ActorId; readonly range: MmuNotifierRange } | null;
}

type C = DmirrorContext;
const ID = 'dmirror';
const IDLE = `#${ID}.idle`;

function io(c: C): DmirrorIoctl {
  if (c.ioctl === null) throw new Error(`${c.self}: no ioctl in progress`);
  return c.ioctl;
}
const vpnAt = (c: C, i: number): Vpn => io(c).start + i;
const withIo = (c: C, u: Partial<DmirrorIoctl>): Update<C> => ({ ioctl: { ...io(c), ...u } });

/** copy_to_user of cmd + return from the ioctl: the thread waiting in dmirrorIoctlWait continues. */
function reply(c: C, ret: string, cpages: number): Update<C> {
  return {
    ioctl: null,
    out: [postEnv(io(c).caller, { type: 'DMIRROR_IOCTL_RET', from: c.self, ret, cpages })],
  };
}

const mutexFree = (c: C): boolean => c.mutex === null || c.mutex === c.self;
const mdeOk = (c: C): Pfn | null => (c.mde?.result?.kind === 'ok' ? c.mde.result.pfn : null);
const mdeErr = (c: C): string => (c.mde?.result?.kind === 'error' ? c.mde.result.errno : '-EFAULT');

/**
 * lib/test_hmm.c dmirror_do_read / dmirror_do_write over [start + cursor, end) under dmirror->mutex,
 * one page per step (the mutex is held across the steps, so callbacks wait as in the kernel).
 * A page without a usable entry: -ENOENT → dmirror_fault for it (READ/WRITE) or the ioctl's
 * return value (EXCLUSIVE's read-back).
 */
function doReadWrite(mode: 'read' | 'write' | 'readback', flags: Flags): MState<C> {
  const write = mode === 'write';
  const name = write ? 'dmirrorDoWrite' : 'dmirrorDoRead';
  const entry = (c: C) => dmirrorPermits(c.pt, vpnAt(c, io(c).cursor), write);
  const states: Record<string, MState<C>> = {
    [name]: {
      on: {
        STEP: [
          // loop done: mutex_unlock, copy_to_user, return 0
          {
            guard: ({ context }) => mutexFree(context) && io(context).cursor >= io(context).npages,
            target: IDLE,
            actions: act<C>((c) => ({ mutex: null, ...reply(c, '0', io(c).npages) })),
          },
          // memcpy_from_page / the read half of the model's write-back
          {
            guard: ({ context }) => mutexFree(context) && entry(context) !== null,
            actions: act<C>((c) => ({
              mutex: c.self,
              out: [callEnv(MM_ACTOR, c.self, 'DMA_READ', { pfn: entry(c)?.pfn ?? -1, word: 0 })],
            })),
          },
          // -ENOENT: mutex_unlock; READ/WRITE fault the page in, EXCLUSIVE returns it
          mode === 'readback'
            ? { guard: ({ context }) => mutexFree(context), target: IDLE, actions: act<C>((c) => ({ mutex: null, ...reply(c, '-ENOENT', io(c).cursor) })) }
            : {
                guard: ({ context }) => mutexFree(context),
                target: 'dmirrorRangeFault',
                actions: act<C>((c) => ({ mutex: null, ...withIo(c, { tries: 0 }) })),
              },
        ],
        RET: {
          guard: ({ event }) => isRetOf(event, 'DMA_READ'),
          ...(write ? { target: 'memcpyToPage' } : {}),
          actions: act<C>((c, e) =>
            write
              ? withIo(c, { value: isRetOf(e, 'DMA_READ') ? e.result.value : 0 })
              : withIo(c, { cursor: io(c).cursor + 1 }),
          ),
        },
      },
    },
  };
  if (write) {
    // lib/test_hmm.c dmirror_do_write(): memcpy_to_page through the WRITE entry, mutex still held
    states['memcpyToPage'] = callState<C, 'DMA_WRITE'>({
      to: () => MM_ACTOR,
      call: 'DMA_WRITE',
      args: (c) => ({ pfn: dmirrorEntry(c.pt, vpnAt(c, io(c).cursor))?.pfn ?? -1, word: 0, value: io(c).value ?? 0 }),
      branches: [{ target: name, update: (_r, c) => withIo(c, { cursor: io(c).cursor + 1, value: null }) }],
    });
  }
  if (mode !== 'readback') states['dmirrorRangeFault'] = {
    ...dmirrorRangeFault(write, flags),
    onDone: after<C>({ target: name }),
  };
  return { initial: name, states };
}

/**
 * lib/test_hmm.c dmirror_range_fault() for the page at the cursor: read_begin, hmm_range_fault
 * under the mmap read lock, then dmirror->mutex + mmu_interval_read_retry before storing the entry.
 */
function dmirrorRangeFault(write: boolean, flags: Flags): MState<C> {
  const vpn = (c: C) => vpnAt(c, io(c).cursor);
  const fail = (c: C, ret: string): Update<C> => ({ hrf: null, mutex: null, ...reply(c, ret, io(c).cursor) });
  /** lib/test_hmm.c dmirror_do_fault() + mutex_unlock. */
  const doFault = (c: C): Update<C> => {
    const r = c.hrf?.result;
    if (r?.kind !== 'ok') throw new Error(`${c.self}: dmirror_do_fault without a valid pfn`);
    const f = dmirrorDoFault(c.pt, vpn(c), r, write);
    return { hrf: null, mutex: null, pt: f.pt, ...(f.ret === '0' ? {} : reply(c, f.ret, io(c).cursor)) };
  };
  return {
    initial: 'mmuIntervalReadBegin',
    states: {
      // include/linux/mmu_notifier.h mmu_interval_read_begin(): sleeps while an invalidation collides
      mmuIntervalReadBegin: {
        on: {
          STEP: [
            // time_after(jiffies, timeout): HMM_RANGE_DEFAULT_TIMEOUT as an iteration bound
            { guard: ({ context }) => io(context).tries >= flags.retryBound, target: IDLE, actions: act<C>((c) => reply(c, '-EBUSY', io(c).cursor)) },
            { actions: act<C>((c) => ({ out: [callEnv(MMU_NOTIFIER_ACTOR, c.self, 'MMU_INTERVAL_READ_BEGIN', { sub: c.sub })] })) },
          ],
          RET: {
            guard: ({ event }) => isRetOf(event, 'MMU_INTERVAL_READ_BEGIN'),
            target: 'mmapReadLock',
            actions: act<C>((c, e) => withIo(c, { seq: isRetOf(e, 'MMU_INTERVAL_READ_BEGIN') ? e.result.seq : 0, tries: io(c).tries + 1 })),
          },
        },
      },
      mmapReadLock: mmapLockState<C, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK', [
          {
            target: 'hmmRangeFault',
            update: (_r, c) => ({ hrf: hrfFrame({ mm: c.mm, vpn: vpn(c), fault: true, write, sub: c.sub, seq: io(c).seq }) }),
          },
        ]),
      // HMM_PFN_REQ_FAULT (| HMM_PFN_REQ_WRITE)
      hmmRangeFault: { ...hmmRangeFault<C>(flags), onDone: after<C>({ target: 'mmapReadUnlock' }) },
      mmapReadUnlock: mmapLockState<C, 'MMAP_READ_UNLOCK'>('MMAP_READ_UNLOCK', [
          { when: (_r, c) => c.hrf?.result?.kind === 'ok', target: 'mmuIntervalReadRetry' },
          {
            when: (_r, c) => c.hrf?.result?.kind === 'error' && c.hrf.result.errno === '-EBUSY',
            target: 'mmuIntervalReadBegin',
            update: () => ({ hrf: null }),
          },
          // any other error ends the ioctl; a pfn without HMM_PFN_VALID after REQ_FAULT is dmirror_do_fault's WARN → -EFAULT
          {
            target: IDLE,
            update: (_r, c) => fail(c, c.hrf?.result?.kind === 'error' ? c.hrf.result.errno : '-EFAULT'),
          },
        ]),
      // mutex_lock(&dmirror->mutex) + mmu_interval_read_retry(); the mutation maps without the check
      mmuIntervalReadRetry: flags.driverSkipsSeqRetry
        ? {
            on: {
              STEP: [
                { guard: ({ context }) => context.mutex === null && doFaultOk(context, vpn(context), write), target: 'done', actions: act<C>(doFault) },
                { guard: ({ context }) => context.mutex === null, target: IDLE, actions: act<C>(doFault) },
              ],
            },
          }
        : {
            on: {
              STEP: {
                guard: ({ context }) => context.mutex === null,
                actions: act<C>((c) => ({
                  mutex: c.self,
                  out: [callEnv(MMU_NOTIFIER_ACTOR, c.self, 'MMU_INTERVAL_READ_RETRY', { sub: c.sub, seq: io(c).seq })],
                })),
              },
              RET: [
                {
                  guard: ({ event }) => isRetOf(event, 'MMU_INTERVAL_READ_RETRY') && event.result.retry,
                  target: 'mmuIntervalReadBegin',
                  actions: act<C>(() => ({ mutex: null, hrf: null })),
                },
                {
                  guard: ({ context, event }) => isRetOf(event, 'MMU_INTERVAL_READ_RETRY') && doFaultOk(context, vpn(context), write),
                  target: 'done',
                  actions: act<C>(doFault),
                },
                { guard: ({ event }) => isRetOf(event, 'MMU_INTERVAL_READ_RETRY'), target: IDLE, actions: act<C>(doFault) },
              ],
            },
          },
      done: { type: 'final' },
    },
  };
}

function doFaultOk(c: C, vpn: Vpn, write: boolean): boolean {
  const r = c.hrf?.result;
  return r?.kind === 'ok' && dmirrorDoFault(c.pt, vpn, r, write).ret === '0';
}

/** lib/test_hmm.c dmirror_exclusive() (6.15): one make_device_exclusive per page, mapped ATOMIC at once. */
function exclusiveSingle(flags: Flags): MState<C> {
  const nextOrUnlock = (c: C): boolean => io(c).cursor + 1 < io(c).npages;
  return {
    initial: 'mmapReadLock',
    states: {
      mmapReadLock: mmapLockState<C, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK', [
          // an empty range: the kernel's page loop does not run
          { when: (_r, c) => io(c).npages === 0, target: 'mmapReadUnlock' },
          { target: 'makeDeviceExclusive', update: (_r, c) => ({ mde: mdeFrame({ mm: c.mm, vpn: vpnAt(c, 0), owner: null }) }) },
        ]),
      makeDeviceExclusive: {
        ...makeDeviceExclusive<C>(flags),
        onDone: after<C>(
          { when: (c) => mdeOk(c) !== null, target: 'dmirrorAtomicMap' },
          { target: 'mmapReadUnlock', update: (c) => ({ mde: null, ...withIo(c, { err: mdeErr(c) }) }) },
        ),
      },
      // lib/test_hmm.c dmirror_atomic_map(): mutex_lock, xa_store(ATOMIC), mutex_unlock
      dmirrorAtomicMap: {
        on: {
          STEP: {
            guard: ({ context }) => context.mutex === null,
            target: 'folioUnlockPut',
            actions: act<C>((c) => ({ pt: dmirrorAtomicMap(c.pt, vpnAt(c, io(c).cursor), mdeOk(c) ?? -1) })),
          },
        },
      },
      // lib/test_hmm.c dmirror_exclusive(): folio_unlock + folio_put: from here a CPU access may revoke
      folioUnlockPut: callState<C, 'FOLIO_UNLOCK_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_UNLOCK_PUT',
        args: (c) => ({ pfn: mdeOk(c) ?? -1 }),
        branches: [
          {
            when: (_r, c) => nextOrUnlock(c),
            target: 'makeDeviceExclusive',
            update: (_r, c) => ({ mde: mdeFrame({ mm: c.mm, vpn: vpnAt(c, io(c).cursor + 1), owner: null }), ...withIo(c, { cursor: io(c).cursor + 1 }) }),
          },
          { target: 'mmapReadUnlock', update: (_r, c) => ({ mde: null, ...withIo(c, { cursor: io(c).cursor + 1 }) }) },
        ],
      }),
      ...exclusiveTail(flags),
    },
  };
}

/**
 * lib/test_hmm.c dmirror_exclusive() (5.14, with Miaohe Lin's fix): make_device_exclusive_range
 * over the pages, dmirror_atomic_map only if GUP got all of them, unlock + put each non-NULL page,
 * -EBUSY unless every page was mapped.
 */
function exclusiveRange(flags: Flags): MState<C> {
  const more = (c: C, pages: number): boolean => pages < io(c).npages;
  const firstHeld = (c: C): number => io(c).pages.findIndex((p) => p !== null);
  const anyHeld = (c: C): boolean => firstHeld(c) >= 0;
  const allGup = (c: C): boolean => io(c).pages.length === io(c).npages;
  return {
    initial: 'mmapReadLock',
    states: {
      mmapReadLock: mmapLockState<C, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK', [
          { when: (_r, c) => io(c).npages === 0, target: 'mmapReadUnlock' },
          { target: 'makeDeviceExclusiveRange', update: (_r, c) => ({ mde: mdeFrame({ mm: c.mm, vpn: vpnAt(c, 0), owner: null }) }) },
        ]),
      // mm/rmap.c make_device_exclusive_range(): per page, GUP then trylock + convert (the model interleaves them per page)
      makeDeviceExclusiveRange: {
        ...makeDeviceExclusive<C>(flags),
        onDone: after<C>(
          // a GUP error ends the batch: get_user_pages_remote returned fewer pages
          {
            when: (c) => c.mde?.result?.kind === 'error' && c.mde.result.errno !== '-EBUSY',
            target: 'collected',
            update: () => ({ mde: null }),
          },
          {
            when: (c) => more(c, io(c).pages.length + 1),
            target: 'makeDeviceExclusiveRange',
            update: (c) => ({
              mde: mdeFrame({ mm: c.mm, vpn: vpnAt(c, io(c).pages.length + 1), owner: null }),
              ...withIo(c, { pages: [...io(c).pages, mdeOk(c)], cursor: io(c).pages.length + 1 }),
            }),
          },
          { target: 'collected', update: (c) => ({ mde: null, ...withIo(c, { pages: [...io(c).pages, mdeOk(c)], cursor: io(c).pages.length + 1 }) }) },
        ),
      },
      // routing only: "if (ret == (next - addr) >> PAGE_SHIFT) mapped = dmirror_atomic_map(...)"
      collected: {
        always: [
          { guard: ({ context }) => allGup(context), target: 'dmirrorAtomicMap' },
          { guard: ({ context }) => anyHeld(context), target: 'unlockPagePutPage' },
          { target: 'mmapReadUnlock', actions: act<C>((c) => withIo(c, { err: '-EBUSY' })) },
        ],
      },
      // lib/test_hmm.c dmirror_atomic_map(): every non-NULL page tagged ATOMIC under one mutex hold
      dmirrorAtomicMap: {
        on: {
          STEP: [
            {
              guard: ({ context }) => context.mutex === null && io(context).pages.some((p) => p !== null),
              target: 'unlockPagePutPage',
              actions: act<C>((c) => {
                let pt = c.pt;
                let mapped = 0;
                io(c).pages.forEach((p, i) => {
                  if (p === null) return;
                  pt = dmirrorAtomicMap(pt, vpnAt(c, i), p);
                  mapped++;
                });
                return { pt, ...withIo(c, { mapped }) };
              }),
            },
            { guard: ({ context }) => context.mutex === null, target: 'mmapReadUnlock', actions: act<C>((c) => withIo(c, { err: '-EBUSY' })) },
          ],
        },
      },
      // lib/test_hmm.c dmirror_exclusive(): unlock_page + put_page for every non-NULL page
      unlockPagePutPage: callState<C, 'FOLIO_UNLOCK_PUT'>({
        to: () => MM_ACTOR,
        call: 'FOLIO_UNLOCK_PUT',
        args: (c) => ({ pfn: io(c).pages[firstHeld(c)] ?? -1 }),
        branches: [
          {
            update: (_r, c) => {
              const pages = io(c).pages.map((p, i) => (i === firstHeld(c) ? null : p));
              return withIo(c, { pages });
            },
            when: (_r, c) => io(c).pages.filter((p) => p !== null).length > 1,
          },
          {
            target: 'mmapReadUnlock',
            update: (_r, c) => {
              const pages = io(c).pages.map(() => null);
              return withIo(c, { pages, err: io(c).mapped < io(c).npages ? '-EBUSY' : null });
            },
          },
        ],
      }),
      ...exclusiveTail(flags),
    },
  };
}

/** Both eras: mmap_read_unlock, then the read-back through the mirror (dmirror_do_read) unless an error. */
function exclusiveTail(flags: Flags): Record<string, MState<C>> {
  return {
    mmapReadUnlock: mmapLockState<C, 'MMAP_READ_UNLOCK'>('MMAP_READ_UNLOCK', [
        { when: (_r, c) => io(c).err !== null, target: IDLE, update: (_r, c) => reply(c, io(c).err ?? '?', 0) },
        { target: 'dmirrorDoRead', update: (_r, c) => withIo(c, { cursor: 0 }) },
      ]),
    // "Return the migrated data for verification": dmirror_bounce_init + dmirror_do_read under the mutex
    dmirrorDoRead: doReadWrite('readback', flags),
  };
}

export function createDmirrorMachine(flags: Flags) {
  const isCmd = (cmd: DmirrorCmd) => ({ context }: { context: C }) => context.ioctl?.cmd === cmd;
  return setup({ types: { context: {} as C, events: {} as ModelEvent, input: {} as DmirrorInput } }).createMachine({
    id: ID,
    context: ({ input }) => ({
      self: input.self,
      out: [],
      ...NO_FRAMES,
      mm: input.mm,
      sub: input.sub,
      pt: {},
      mutex: null,
      ioctl: null,
      invalidating: null,
    }),
    initial: 'idle',
    // The interval callback runs in the invalidating task's context, whatever the ioctl is doing.
    on: {
      // lib/test_hmm.c dmirror_interval_invalidate(): mutex_lock blocks the caller while the mutex is held
      MMU_NOTIFIER_INVALIDATE: [
        {
          guard: ({ context, event }) =>
            context.mutex === null &&
            context.invalidating === null &&
            (flags.driverIgnoresInvalidate || dmirrorIgnoresInvalidate(event.range, context.self)),
          actions: act<C>((c, e) => (e.type === 'MMU_NOTIFIER_INVALIDATE' ? { out: [retEnv(e.from, c.self, 'MMU_NOTIFIER_INVALIDATE', { ok: true })] } : {})),
        },
        {
          guard: ({ context }) => context.mutex === null && context.invalidating === null,
          actions: act<C>((c, e) => {
            if (e.type !== 'MMU_NOTIFIER_INVALIDATE') return {};
            const sub = e.target.kind === 'interval' ? e.target.sub : c.sub;
            return {
              mutex: e.from,
              invalidating: { caller: e.from, range: e.range },
              out: [callEnv(MMU_NOTIFIER_ACTOR, c.self, 'MMU_INTERVAL_SET_SEQ', { sub, seq: e.curSeq })],
            };
          }),
        },
      ],
      // mmu_interval_set_seq done: dmirror_do_update erases the range, mutex_unlock, return true
      RET: {
        guard: ({ context, event }) => isRetOf(event, 'MMU_INTERVAL_SET_SEQ') && context.invalidating !== null,
        actions: act<C>((c) => {
          const inv = c.invalidating;
          if (inv === null) return {};
          return {
            pt: dmirrorDoUpdate(c.pt, inv.range.start, inv.range.end),
            mutex: null,
            invalidating: null,
            out: [retEnv(inv.caller, c.self, 'MMU_NOTIFIER_INVALIDATE', { ok: true })],
          };
        }),
      },
    },
    states: {
      // No ioctl running: the next request is delivered (others stay queued in the network)
      idle: {
        on: {
          DMIRROR_IOCTL: {
            target: 'dmirrorFopsUnlockedIoctl',
            actions: act<C>((_c, e) => ({ ioctl: e.type === 'DMIRROR_IOCTL' ? dmirrorIoctlOf(e) : null })),
          },
        },
      },
      // lib/test_hmm.c dmirror_fops_unlocked_ioctl(): routing only
      dmirrorFopsUnlockedIoctl: {
        always: [
          { guard: isCmd('HMM_DMIRROR_EXCLUSIVE'), target: 'dmirrorExclusive' },
          { guard: isCmd('HMM_DMIRROR_CHECK_EXCLUSIVE'), target: 'dmirrorCheckAtomic' },
          { guard: isCmd('HMM_DMIRROR_READ'), target: 'dmirrorRead' },
          { guard: isCmd('HMM_DMIRROR_WRITE'), target: 'dmirrorWrite' },
        ],
      },
      dmirrorExclusive: flags.makeExclusive === 'single' ? exclusiveSingle(flags) : exclusiveRange(flags),
      // lib/test_hmm.c dmirror_check_atomic(): reads the mirror without the mutex
      dmirrorCheckAtomic: {
        on: {
          STEP: { target: 'idle', actions: act<C>((c) => reply(c, dmirrorCheckAtomic(c.pt, io(c).start, io(c).npages), 0)) },
        },
      },
      // lib/test_hmm.c dmirror_read(): read through the mirror, faulting missing pages in
      dmirrorRead: doReadWrite('read', flags),
      // lib/test_hmm.c dmirror_write(): write through WRITE entries, faulting with HMM_PFN_REQ_WRITE
      dmirrorWrite: doReadWrite('write', flags),
    },
  });
}
