import type { ActorId, Envelope, MmId, MmuNotifierRange, NotifierTarget, Pfn, Pte, SubId, Vpn } from '../../src/domain/index.js';

/**
 * Context frames of the kernel paths. Kernel code keeps these on the calling task's stack
 * (struct vm_fault, struct mmu_notifier_range, struct hmm_range, GUP's locals); here they live in
 * the caller's context so the world stays plain data. A frame is `null` when its path is not
 * running: the caller sets it with the `*Frame()` constructor when it enters the path and clears
 * it in `onDone` once it has read `result`, so finished paths leave no residue in the state.
 * Paths of one kind never nest, so one frame per kind is enough.
 */

/** struct mmu_notifier_range plus __mmu_notifier_invalidate_range_start's walk over the subscribers. */
export interface InvFrame {
  readonly range: MmuNotifierRange;
  /** Set by INVALIDATE_RANGE_START's RET: the callbacks to run, in the kernel's order. */
  readonly targets: readonly NotifierTarget[];
  readonly curSeq: number;
  /** Index of the next callback to call. */
  readonly next: number;
}

/** handle_mm_fault's outcome: 0, VM_FAULT_RETRY (mmap lock already dropped) or VM_FAULT_SIGSEGV. */
export type FaultResult = 'done' | 'retry' | 'sigsegv';

/** struct vm_fault, reduced to what the model needs. */
export interface FaultFrame {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly write: boolean;
  /** vmf->orig_pte, read locklessly by handle_pte_fault. */
  readonly orig: Pte | null;
  readonly result: FaultResult | null;
}

export type GupResult =
  /** `anon`: folio_test_anon() of the returned page, when the mm reports it. */
  | { readonly kind: 'page'; readonly pfn: Pfn; readonly anon?: boolean }
  | { readonly kind: 'error'; readonly errno: '-EFAULT' | '-EOPNOTSUPP' };

/** get_user_pages_remote for one page with FOLL_GET|FOLL_WRITE|FOLL_SPLIT_PMD. */
export interface GupFrame {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly result: GupResult | null;
}

/** ok: the folio is returned locked and with a reference: the caller must FOLIO_UNLOCK_PUT it. */
export type MdeResult =
  | { readonly kind: 'ok'; readonly pfn: Pfn }
  | { readonly kind: 'error'; readonly errno: '-EFAULT' | '-EOPNOTSUPP' | '-EBUSY' };

/** make_device_exclusive (6.15) / make_device_exclusive_range (5.14) for one page. */
export interface MdeFrame {
  readonly mm: MmId;
  readonly vpn: Vpn;
  /** The owner cookie passed to MMU_NOTIFY_EXCLUSIVE (drm->dev for Nouveau, NULL for dmirror). */
  readonly owner: ActorId | null;
  /** The page GUP returned (referenced; locked from folio_lock on). */
  readonly pfn: Pfn | null;
  /** Whether the folio walk converted the PTE, kept across invalidate_range_end. */
  readonly converted: boolean | null;
  readonly result: MdeResult | null;
}

export type HrfResult =
  | { readonly kind: 'ok'; readonly pfn: Pfn; readonly write: boolean }
  /** The pfn slot is 0 (no HMM_PFN_VALID): nothing to map, e.g. a devExcl page without REQ_FAULT. */
  | { readonly kind: 'invalid' }
  | { readonly kind: 'error'; readonly errno: '-EBUSY' | '-EFAULT' | '-EPERM' };

/** struct hmm_range for one page: notifier, notifier_seq and the HMM_PFN_REQ_* default flags. */
export interface HrfFrame {
  readonly mm: MmId;
  readonly vpn: Vpn;
  /** HMM_PFN_REQ_FAULT */
  readonly fault: boolean;
  /** HMM_PFN_REQ_WRITE */
  readonly write: boolean;
  readonly sub: SubId;
  readonly seq: number;
  readonly result: HrfResult | null;
}

/**
 * The base context of every machine that runs kernel paths (cpuThread, nouveauSvm's fault worker,
 * dmirror): its own id, its outbox and the path frames. Machines add their own fields.
 */
export interface TaskContext {
  readonly self: ActorId;
  readonly out: readonly Envelope[];
  readonly inv: InvFrame | null;
  readonly fault: FaultFrame | null;
  readonly gup: GupFrame | null;
  readonly mde: MdeFrame | null;
  readonly hrf: HrfFrame | null;
}

/** The frames of a task that is not running any path (initial contexts spread this). */
export const NO_FRAMES = { inv: null, fault: null, gup: null, mde: null, hrf: null } as const;

export function invFrame(range: MmuNotifierRange): InvFrame {
  return { range, targets: [], curSeq: 0, next: 0 };
}

export function faultFrame(args: { readonly mm: MmId; readonly vpn: Vpn; readonly write: boolean }): FaultFrame {
  return { mm: args.mm, vpn: args.vpn, write: args.write, orig: null, result: null };
}

export function gupFrame(args: { readonly mm: MmId; readonly vpn: Vpn }): GupFrame {
  return { mm: args.mm, vpn: args.vpn, result: null };
}

export function mdeFrame(args: { readonly mm: MmId; readonly vpn: Vpn; readonly owner: ActorId | null }): MdeFrame {
  return { mm: args.mm, vpn: args.vpn, owner: args.owner, pfn: null, converted: null, result: null };
}

export function hrfFrame(args: {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly fault: boolean;
  readonly write: boolean;
  readonly sub: SubId;
  readonly seq: number;
}): HrfFrame {
  return { mm: args.mm, vpn: args.vpn, fault: args.fault, write: args.write, sub: args.sub, seq: args.seq, result: null };
}

/**
 * TASK_SIZE in pages (x86-64, 4-level paging: 2^47 bytes): the end of "the whole address space" for
 * ranges the kernel builds as [0, -1UL) or over every VMA (clear_refs, exit, fork).
 */
export const TASK_SIZE_VPN: Vpn = 2 ** 35;

/** A one-page range [vpn, vpn+1), blockable: every range the model's paths build is. */
export function pageRange(mm: MmId, vpn: Vpn, event: MmuNotifierRange['event'], owner: ActorId | null): MmuNotifierRange {
  return { mm, start: vpn, end: vpn + 1, event, owner, blockable: true };
}

/** Reads a frame a running path depends on; its absence is a bug in the caller's wiring. */
export function need<T>(frame: T | null, what: string): T {
  if (frame === null) throw new Error(`path frame ${what} is not set`);
  return frame;
}
