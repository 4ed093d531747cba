import type { ActorId, DmirrorCmd, Pfn, PostEvent, Vpn } from '../../domain/index.js';

/** One HMM_DMIRROR_* ioctl in progress (lib/test_hmm.c dmirror_fops_unlocked_ioctl and its locals). */
export interface DmirrorIoctl {
  readonly caller: ActorId;
  readonly cmd: DmirrorCmd;
  readonly start: Vpn;
  readonly npages: number;
  /** Pages done: made exclusive (EXCLUSIVE) or copied through the mirror (bounce.cpages). */
  readonly cursor: number;
  /** 5.14 make_device_exclusive_range's pages[]: a locked, referenced page or NULL. */
  readonly pages: readonly (Pfn | null)[];
  /** 5.14 dmirror_atomic_map's count. */
  readonly mapped: number;
  /** The error the ioctl returns once its locks are dropped. */
  readonly err: string | null;
  /** dmirror_range_fault: notifier_seq and the loop count standing for its timeout. */
  readonly seq: number;
  readonly tries: number;
  /** dmirror_do_write: the word the device writes back (the model has no user buffer). */
  readonly value: number | null;
}

/** lib/test_hmm.c dmirror_fops_unlocked_ioctl(): copy_from_user of the command, nothing done yet. */
export function dmirrorIoctlOf(e: Extract<PostEvent, { type: 'DMIRROR_IOCTL' }>): DmirrorIoctl {
  return { caller: e.from, cmd: e.cmd, start: e.start, npages: e.npages, cursor: 0, pages: [], mapped: 0, err: null, seq: 0, tries: 0, value: null };
}
