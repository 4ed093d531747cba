import {
  formatPte,
  type ActorId,
  type ActorKind,
  type CallSpec,
  type CallType,
  type MmuNotifierRange,
  type NotifierTarget,
  type PostEvent,
} from '../domain/index.js';
import type { AddrFmt } from './addr.js';

/** What a call's text may look up: addresses, and which driver an actor is (for callback names). */
export interface CallFmt extends AddrFmt {
  kindOf(actor: ActorId): ActorKind | undefined;
}

type Args<K extends CallType> = CallSpec[K]['args'];
type Result<K extends CallType> = CallSpec[K]['result'];

/** One call as a log fragment: the kernel function it models, its arguments and (when known) its result. */
type CallText<K extends CallType> = (a: Args<K>, r: Result<K> | null, f: CallFmt) => string;

const ret = (s: string): string => (s === '' ? '' : ` → ${s}`);
const pfn = (p: number): string => `pfn=${p}`;
const mmTag = (mm: number): string => (mm === 0 ? '' : ` mm${mm}`);

function range(r: MmuNotifierRange, f: CallFmt): string {
  const owner = r.owner === null ? '' : ` owner=${r.owner}`;
  return `${r.event} ${f.range(r.start, r.end)}${mmTag(r.mm)}${owner}${r.blockable ? '' : ' !blockable'}`;
}

function target(t: NotifierTarget, f: CallFmt): string {
  const kind = f.kindOf(t.driver);
  switch (t.kind) {
    case 'interval':
      // drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svm_range_invalidate(); lib/test_hmm.c dmirror_interval_invalidate()
      if (kind === 'nouveauSvm') return `${t.driver}:nouveau_svm_range_invalidate(sub ${t.sub})`;
      if (kind === 'dmirror') return `${t.driver}:dmirror_interval_invalidate(sub ${t.sub})`;
      return `${t.driver}:interval(sub ${t.sub})`;
    case 'hlist':
      // drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svmm_invalidate_range_start()
      if (kind === 'nouveauSvm') return `${t.driver}:nouveau_svmm_invalidate_range_start`;
      return `${t.driver}:invalidate_range_start`;
  }
}

/**
 * The one table from call types to kernel function names (docs/model-conventions.md: every call
 * models a kernel function or a back-to-back sequence under one lock).
 */
export const CALL_TEXT: { readonly [K in CallType]: CallText<K> } = {
  CPU_ACCESS: (a, r, f) => {
    const at = f.word(a.vpn, a.word);
    const op = a.access === 'load' ? `load ${at}` : a.access === 'store' ? `store ${at} := ${a.value}` : `atomic add ${at} += ${a.value}`;
    if (r === null) return `user ${op}`;
    if (r.kind === 'fault') return `user ${op} → page fault (${r.write ? 'write' : 'read'})`;
    return a.access === 'store' ? `user ${op}` : `user ${op} = ${r.value}`;
  },
  MMAP_READ_LOCK: (a) => `mmap_read_lock${mmTag(a.mm)}`,
  MMAP_READ_UNLOCK: (a) => `mmap_read_unlock${mmTag(a.mm)}`,
  MMAP_WRITE_LOCK: (a) => `mmap_write_lock${mmTag(a.mm)}`,
  MMAP_WRITE_UNLOCK: (a) => `mmap_write_unlock${mmTag(a.mm)}`,
  HANDLE_MM_FAULT: (a, r, f) =>
    `handle_mm_fault ${f.page(a.vpn)}${mmTag(a.mm)}${a.write ? ' FAULT_FLAG_WRITE' : ''}${r === null ? '' : ` orig=${formatPte(r.orig)} → ${r.action}`}`,
  DO_ANONYMOUS_PAGE: (a, r, f) =>
    `do_anonymous_page ${f.page(a.vpn)}${mmTag(a.mm)}${a.write ? ' write' : ' read'}${ret(r === null ? '' : r.mapped ? 'mapped' : 'pte changed, nothing to do')}`,
  DO_WP_PAGE: (a, r, f) => `do_wp_page ${f.page(a.vpn)}${mmTag(a.mm)}${ret(r === null ? '' : r.result === 'copy' ? 'wp_page_copy needed' : r.result)}`,
  WP_PAGE_COPY: (a, r, f) => `wp_page_copy ${f.page(a.vpn)}${mmTag(a.mm)}${ret(r === null ? '' : r.copied ? 'copied' : '!pte_same, nothing to do')}`,
  FOLIO_TRY_GET: (a, r) => `folio_try_get ${pfn(a.pfn)}${ret(r === null ? '' : r.ok ? 'ref taken' : 'refcount 0, folio freed')}`,
  FOLIO_LOCK_OR_RETRY: (a, r) => `folio_lock_or_retry ${pfn(a.pfn)}${ret(r === null ? '' : r.result === 'locked' ? 'locked' : 'contended, VM_FAULT_RETRY')}`,
  // mm/filemap.c __folio_lock_or_retry(): the sleep after dropping the mmap lock
  FOLIO_WAIT_UNLOCKED: (a) => `folio_wait_locked_killable ${pfn(a.pfn)} → woken`,
  FOLIO_LOCK: (a) => `folio_lock ${pfn(a.pfn)}`,
  FOLIO_TRYLOCK: (a, r) => `folio_trylock ${pfn(a.pfn)}${ret(r === null ? '' : r.ok ? 'locked' : 'busy')}`,
  FOLIO_UNLOCK: (a) => `folio_unlock ${pfn(a.pfn)}`,
  FOLIO_PUT: (a, r) => `folio_put ${pfn(a.pfn)}${ret(r?.freed === true ? 'freed' : '')}`,
  FOLIO_UNLOCK_PUT: (a, r) => `folio_unlock+folio_put ${pfn(a.pfn)}${ret(r?.freed === true ? 'freed' : '')}`,
  RESTORE_EXCLUSIVE_PTE: (a, r, f) =>
    `restore_exclusive_pte ${f.page(a.vpn)}${mmTag(a.mm)} ${pfn(a.pfn)} orig=${formatPte(a.orig)}${ret(r === null ? '' : r.restored ? 'restored' : '!pte_same, skipped')}`,
  // mm/gup.c follow_page_pte(), the page-table half of __get_user_pages()
  GUP_FOLLOW_PAGE: (a, r, f) => {
    const res = r === null ? '' : r.kind === 'page' ? `page ${pfn(r.pfn)}` : r.kind === 'fault' ? 'needs a fault' : r.errno;
    return `follow_page_pte ${f.page(a.vpn)}${mmTag(a.mm)}${a.write ? ' FOLL_WRITE' : ''}${ret(res)}`;
  },
  // mm/rmap.c make_device_exclusive() (6.15): folio_walk_start, ptep_clear_flush, set_pte_at of the entry
  MAKE_DEVICE_EXCLUSIVE_CONVERT: (a, r, f) =>
    `make_device_exclusive folio_walk+ptep_clear_flush ${f.page(a.vpn)}${mmTag(a.mm)} ${pfn(a.pfn)}${ret(r === null ? '' : r.ok ? 'devExcl' : 'not the writable PTE, retry')}`,
  PAGE_MAKE_DEVICE_EXCLUSIVE_ONE: (a, r, f) =>
    `page_make_device_exclusive_one ${f.page(a.vpn)}${mmTag(a.mm)} ${pfn(a.pfn)}${ret(r === null ? '' : r.ok ? 'devExcl' : 'failed')}`,
  HMM_VMA_WALK: (a, r, f) => {
    const flags = a.fault ? (a.write ? ' HMM_PFN_REQ_FAULT|HMM_PFN_REQ_WRITE' : ' HMM_PFN_REQ_FAULT') : '';
    let res = '';
    if (r !== null) {
      switch (r.kind) {
        case 'valid': res = `valid ${pfn(r.pfn)}${r.write ? ' W' : ''}`; break;
        case 'fault': res = `needs a ${r.write ? 'write ' : ''}fault`; break;
        case 'invalid': res = 'invalid'; break;
        case 'error': res = r.errno; break;
      }
    }
    // mm/hmm.c hmm_vma_handle_pte(), reached through walk_page_range() for the one page of the range
    return `hmm_vma_handle_pte ${f.page(a.vpn)}${mmTag(a.mm)}${flags}${ret(res)}`;
  },
  ZAP_PTE_RANGE: (a, _r, f) => `zap_pte_range ${f.range(a.start, a.end)}${mmTag(a.mm)}${a.unmapVma ? ' (vma removed)' : ''}`,
  CHANGE_PROTECTION: (a, _r, f) => `change_pte_range ${f.range(a.start, a.end)}${mmTag(a.mm)} ${a.write ? 'PROT_READ|PROT_WRITE' : 'PROT_READ'}`,
  // fs/proc/task_mmu.c clear_refs_write() with CLEAR_REFS_SOFT_DIRTY
  CLEAR_SOFT_DIRTY: (a) => `clear_refs_write CLEAR_REFS_SOFT_DIRTY${mmTag(a.mm)}`,
  COPY_PAGE_RANGE: (a, r) => `copy_page_range${mmTag(a.mm)}${ret(r === null ? '' : r.ret === '0' ? `0, child mm${r.child}` : r.ret)}`,
  EXIT_MMAP: (a) => `exit_mmap mm${a.mm}`,
  // The device's (or a driver's memcpy) access to the page itself, not a kernel function
  DMA_READ: (a, r) => `dma read ${pfn(a.pfn)}[${a.word}]${r === null ? '' : ` = ${r.value}`}`,
  DMA_WRITE: (a) => `dma write ${pfn(a.pfn)}[${a.word}] := ${a.value}`,
  MMU_INTERVAL_NOTIFIER_INSERT: (a, r, f) =>
    `mmu_interval_notifier_insert ${f.range(a.start, a.end)}${mmTag(a.mm)}${ret(r === null ? '' : `sub ${r.sub}`)}`,
  MMU_INTERVAL_NOTIFIER_REMOVE: (a) => `mmu_interval_notifier_remove sub ${a.sub}`,
  MMU_INTERVAL_READ_BEGIN: (a, r) => `mmu_interval_read_begin sub ${a.sub}${ret(r === null ? '' : `seq ${r.seq}`)}`,
  MMU_INTERVAL_READ_RETRY: (a, r) =>
    `mmu_interval_read_retry sub ${a.sub} seq ${a.seq}${ret(r === null ? '' : r.retry ? 'true (collided, retry)' : 'false')}`,
  MMU_INTERVAL_SET_SEQ: (a) => `mmu_interval_set_seq sub ${a.sub} seq ${a.seq}`,
  INVALIDATE_RANGE_START: (a, r, f) => {
    const res = r === null ? '' : r.targets.length === 0 ? 'no subscribers' : r.targets.map((t) => (t.kind === 'interval' ? `interval ${t.driver}#${t.sub}` : `hlist ${t.driver}`)).join(', ');
    return `mmu_notifier_invalidate_range_start ${range(a.range, f)}${ret(res)}`;
  },
  INVALIDATE_RANGE_END: (a, _r, f) => `mmu_notifier_invalidate_range_end ${range(a.range, f)}`,
  MMU_NOTIFIER_INVALIDATE: (a, r, f) =>
    `${target(a.target, f)} ${range(a.range, f)} cur_seq ${a.curSeq}${ret(r === null || r.ok ? '' : '-EAGAIN')}`,
  GPU_ACCESS: (a, r, f) => {
    const at = f.word(a.vpn, a.word);
    let op: string;
    switch (a.access) {
      case 'load': op = `load ${at}`; break;
      case 'store': op = `store ${at} := ${a.value}`; break;
      case 'atomicRead': op = `atomic read ${at}`; break;
      case 'atomicWrite': op = `atomic write ${at} := ${a.value}`; break;
      case 'prefetch': op = `prefetch ${at}`; break;
    }
    if (r === null) return op;
    if (r.kind === 'fault') return `${op} → replayable fault, stalled`;
    return a.access === 'load' || a.access === 'atomicRead' ? `${op} = ${r.value}` : op;
  },
  // nouveau_svm.c: NVIF_VMM_V0_PFNMAP / NVIF_VMM_V0_PFNCLR on the svmm's vmm object
  PFNMAP: (a, _r, f) =>
    `nvif_vmm PFNMAP ${f.page(a.vpn)} ${pfn(a.pfn)} V${a.w ? '|W' : ''}${a.a ? '|A' : ''} ${a.aperture.toUpperCase()}`,
  PFNCLR: (a, _r, f) => `nvif_vmm PFNCLR ${f.range(a.start, a.end)}`,
  // drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svm_fault() reading GET..PUT through nouveau_svm_fault_cache()
  FAULT_BUFFER_DRAIN: (_a, r, f) => {
    if (r === null) return 'nouveau_svm_fault_cache';
    const entries = r.entries.map((e) => `${f.page(e.addr)} ${e.access} (${e.channel})`);
    return `nouveau_svm_fault_cache → ${entries.length === 0 ? 'empty' : entries.join(', ')}`;
  },
  // nouveau_svm.c nouveau_svm_fault_replay() / nouveau_svm_fault_cancel() → nvkm gp100 fault methods
  FAULT_REPLAY: () => 'nouveau_svm_fault_replay REPLAY_GLOBAL',
  FAULT_CANCEL: (a) => `nouveau_svm_fault_cancel ${a.channel} CANCEL_TARGETED`,
};

/** Calls whose nested calls say nothing more (a user or GPU access is one DMA to the page). */
export const CALLS_HIDING_NESTED: ReadonlySet<CallType> = new Set<CallType>(['CPU_ACCESS', 'GPU_ACCESS']);

export function callText<K extends CallType>(type: K, args: Args<K>, result: Result<K> | null, f: CallFmt): string {
  const text = CALL_TEXT[type] as CallText<K>;
  return text(args, result, f);
}

/** Posted messages (interrupts, replay/cancel, ioctls) as the kernel names them. */
export function postText(e: PostEvent, f: AddrFmt): string {
  switch (e.type) {
    case 'NOUVEAU_SVM_EVENT':
      return 'nouveau_svm_event (replayable fault interrupt)';
    case 'GPU_REPLAY':
      return 'fault replay';
    case 'GPU_CANCEL':
      return 'fault cancel (GPU SIGSEGV)';
    case 'FORK_CHILD_START':
      return `fork child starts (mm${e.mm}, op ${e.pc})`;
    case 'DMIRROR_IOCTL':
      return `ioctl ${e.cmd} ${f.range(e.start, e.start + e.npages)}${mmTag(e.mm)}`;
    case 'DMIRROR_IOCTL_RET':
      return `ioctl returns ${e.ret} cpages=${e.cpages}`;
  }
}
