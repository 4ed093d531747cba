import { setup } from 'xstate';
import {
  MM_ACTOR,
  postEnv,
  type ActorId,
  type CallSpec,
  type CallType,
  type CpuOp,
  type CpuThreadInput,
  type ExpectFailure,
  type Flags,
  type MmId,
  type MmuNotifierRange,
  type ModelEvent,
  type ResultOf,
} from '../src/domain/index.js';
import {
  act,
  after,
  callState,
  FINAL,
  faultFrame,
  handleMmFault,
  invalidateRangeEnd,
  invalidateRangeStart,
  NO_FRAMES,
  TASK_SIZE_VPN,
  type MState,
  type TaskContext,
  type Update,
  mmapLockState,
} from './paths/index.js';

/** A user thread running a program of loads, stores and syscalls on one mm (domain.md §1.2). */
export interface CpuThreadContext extends TaskContext {
  readonly mm: MmId;
  readonly program: readonly CpuOp[];
  /** Ops before `pc` have completed. */
  readonly pc: number;
  readonly expectFailures: readonly ExpectFailure[];
  /** The pre-allocated thread of a fork child (kernel/fork.c copy_process). */
  readonly child: ActorId | null;
  /** false while a fork child waits for FORK_CHILD_START. */
  readonly started: boolean;
  /** `add`: what its load read; its store writes this plus the op's value. */
  readonly loaded: number | null;
  /** The syscall in progress: its return value (and the child mm of a fork). */
  readonly sys: { readonly ret: string; readonly child: MmId | null } | null;
}

type C = CpuThreadContext;
const ID = 'cpuThread';
const DISPATCH = `#${ID}.dispatch`;
const SIGSEGV = `#${ID}.sigsegv`;

function opAt(c: C): CpuOp {
  const op = c.program[c.pc];
  if (op === undefined) throw new Error(`${c.self}: no op at pc ${c.pc}`);
  return op;
}

function opName(op: CpuOp): string {
  return op.op === 'dmirror' ? `dmirror ${op.cmd}` : op.op;
}

/** The op's `expect.ret` against what the syscall or ioctl returned. */
function checkRet(c: C, got: string): readonly ExpectFailure[] {
  const op = opAt(c);
  const want = op.expect?.ret;
  if (want === undefined || want === got) return c.expectFailures;
  return [...c.expectFailures, { pc: c.pc, op: opName(op), expected: want, got }];
}

function checkValue(c: C, got: number): readonly ExpectFailure[] {
  const op = opAt(c);
  const want = op.expect?.value;
  if (want === undefined || want === got) return c.expectFailures;
  return [...c.expectFailures, { pc: c.pc, op: opName(op), expected: String(want), got: String(got) }];
}

type AccessArgs = CallSpec['CPU_ACCESS']['args'];

function wordOf(c: C): { readonly vpn: number; readonly word: number; readonly value: number } {
  const op = opAt(c);
  switch (op.op) {
    case 'load':
      return { vpn: op.vpn, word: op.word, value: 0 };
    case 'store':
    case 'add':
    case 'atomicAdd':
      return { vpn: op.vpn, word: op.word, value: op.value };
    case 'fork':
    case 'mprotect':
    case 'munmap':
    case 'madviseDontneed':
    case 'clearRefs':
    case 'exit':
    case 'dmirror':
      throw new Error(`${c.self}: ${op.op} is not a memory access`);
  }
}

/**
 * One user memory access through the CPU MMU and, when it faults, the page-fault handler
 * (arch/x86/mm/fault.c do_user_addr_fault): mmap_read_lock, handle_mm_fault with
 * FAULT_FLAG_ALLOW_RETRY, then the thread re-executes the instruction.
 */
function accessState(
  args: (c: C) => AccessArgs,
  onDone: { readonly target: string; readonly update: (c: C, value: number) => Update<C> },
  flags: Flags,
): MState<C> {
  const vpnOf = (c: C) => args(c).vpn;
  const retryFault = (c: C): Update<C> => {
    const f = c.fault;
    return { fault: f === null ? null : faultFrame({ mm: f.mm, vpn: f.vpn, write: f.write }) };
  };
  return {
    initial: 'cpuAccess',
    states: {
      // The access itself: done on a present PTE that permits it, else a #PF
      cpuAccess: callState<C, 'CPU_ACCESS'>({
        to: () => MM_ACTOR,
        call: 'CPU_ACCESS',
        args,
        branches: [
          { when: (r) => r.kind === 'done', target: onDone.target, update: (r, c) => onDone.update(c, r.kind === 'done' ? r.value : 0) },
          {
            target: 'mmapReadLock',
            update: (r, c) => ({ fault: faultFrame({ mm: c.mm, vpn: vpnOf(c), write: r.kind === 'fault' && r.write }) }),
          },
        ],
      }),
      // arch/x86/mm/fault.c do_user_addr_fault() → lock_mm_and_find_vma(): mmap_read_lock
      mmapReadLock: mmapLockState<C, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK', [{ target: 'handleMmFault' }]),
      // mm/memory.c handle_mm_fault() with FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE | FAULT_FLAG_USER
      handleMmFault: {
        ...handleMmFault<C>(flags, { allowRetry: true }),
        onDone: after<C>(
          // VM_FAULT_RETRY: the lock is already dropped; do_user_addr_fault sets FAULT_FLAG_TRIED and goes again
          { when: (c) => c.fault?.result === 'retry', target: 'mmapReadLockTried', update: retryFault },
          { target: 'mmapReadUnlock' },
        ),
      },
      // arch/x86/mm/fault.c do_user_addr_fault(): "goto retry" after VM_FAULT_RETRY
      mmapReadLockTried: mmapLockState<C, 'MMAP_READ_LOCK'>('MMAP_READ_LOCK', [{ target: 'handleMmFaultTried' }]),
      // handle_mm_fault with FAULT_FLAG_TRIED: no second retry, folio_lock_or_retry sleeps for the lock
      handleMmFaultTried: {
        ...handleMmFault<C>(flags, { allowRetry: false }),
        onDone: after<C>({ target: 'mmapReadUnlock' }),
      },
      // arch/x86/mm/fault.c do_user_addr_fault(): mmap_read_unlock, then VM_FAULT_SIGSEGV → bad_area → SIGSEGV
      mmapReadUnlock: mmapLockState<C, 'MMAP_READ_UNLOCK'>('MMAP_READ_UNLOCK', [
          {
            when: (_r, c) => c.fault?.result === 'sigsegv',
            target: SIGSEGV,
            update: (_r, c) => ({
              fault: null,
              expectFailures:
                opAt(c).expect?.ret === 'SIGSEGV'
                  ? c.expectFailures
                  : [...c.expectFailures, { pc: c.pc, op: opName(opAt(c)), expected: 'no SIGSEGV', got: 'SIGSEGV' }],
            }),
          },
          // the fault is fixed up: the thread re-executes the instruction
          { target: 'cpuAccess', update: () => ({ fault: null }) },
        ]),
    },
  };
}

type LockMode = 'read' | 'write' | null;

/**
 * A syscall body that the kernel runs as: take the mmap lock, open a notifier range, one PTL
 * section (one call to the mm), close the range, drop the lock. Its return value lands in `sys`.
 */
function invalidatingSyscall<K extends CallType>(spec: {
  readonly lock: LockMode;
  readonly range: (c: C) => MmuNotifierRange;
  /** The kernel function of the PTL section (the state's name). */
  readonly name: string;
  readonly call: K;
  readonly args: (c: C) => CallSpec[K]['args'];
  readonly ret: (r: ResultOf<K>) => { readonly ret: string; readonly child: MmId | null };
}): MState<C> {
  const write = spec.lock === 'write';
  const lockName = write ? 'mmapWriteLock' : 'mmapReadLock';
  const unlockName = write ? 'mmapWriteUnlock' : 'mmapReadUnlock';
  const body: Record<string, MState<C>> = {
    mmuNotifierInvalidateRangeStart: {
      ...invalidateRangeStart<C>(spec.range),
      onDone: after<C>({ target: spec.name }),
    },
    [spec.name]: callState<C, K>({
      to: () => MM_ACTOR,
      call: spec.call,
      args: spec.args,
      branches: [{ target: 'mmuNotifierInvalidateRangeEnd', update: (r) => ({ sys: spec.ret(r) }) }],
    }),
    mmuNotifierInvalidateRangeEnd: {
      ...invalidateRangeEnd<C>(),
      onDone: after<C>({ target: spec.lock === null ? 'done' : unlockName }),
    },
    done: FINAL,
  };
  if (spec.lock === null) return { initial: 'mmuNotifierInvalidateRangeStart', states: body };
  return {
    initial: lockName,
    states: {
      // include/linux/mmap_lock.h mmap_write_lock / mmap_read_lock (sleeps while held incompatibly)
      [lockName]: callState<C, 'MMAP_WRITE_LOCK' | 'MMAP_READ_LOCK'>({
        to: () => MM_ACTOR,
        call: write ? 'MMAP_WRITE_LOCK' : 'MMAP_READ_LOCK',
        args: (c) => ({ mm: c.mm }),
        branches: [{ target: 'mmuNotifierInvalidateRangeStart' }],
      }),
      ...body,
      [unlockName]: callState<C, 'MMAP_WRITE_UNLOCK' | 'MMAP_READ_UNLOCK'>({
        to: () => MM_ACTOR,
        call: write ? 'MMAP_WRITE_UNLOCK' : 'MMAP_READ_UNLOCK',
        args: (c) => ({ mm: c.mm }),
        branches: [{ target: 'done' }],
      }),
    },
  };
}

function spanOf(c: C): { readonly start: number; readonly end: number } {
  const op = opAt(c);
  switch (op.op) {
    case 'mprotect':
    case 'munmap':
    case 'madviseDontneed':
      return { start: op.start, end: op.end };
    case 'load':
    case 'store':
    case 'add':
    case 'atomicAdd':
    case 'fork':
    case 'clearRefs':
    case 'exit':
    case 'dmirror':
      throw new Error(`${c.self}: ${op.op} has no address range`);
  }
}

function rangeOf(event: MmuNotifierRange['event'], span: 'op' | 'all') {
  return (c: C): MmuNotifierRange => {
    const s = span === 'op' ? spanOf(c) : { start: 0, end: TASK_SIZE_VPN };
    return { mm: c.mm, start: s.start, end: s.end, event, owner: null, blockable: true };
  };
}

const ok = () => ({ ret: '0', child: null });
/** The syscall finished: check its return value, next op. */
const sysDone = after<C>({ target: DISPATCH, update: (c) => ({ sys: null, pc: c.pc + 1, expectFailures: checkRet(c, c.sys?.ret ?? '?') }) });

export function createCpuThreadMachine(flags: Flags) {
  const isOp = (...ops: CpuOp['op'][]) => ({ context }: { context: C }) => context.pc < context.program.length && ops.includes(opAt(context).op);
  return setup({ types: { context: {} as C, events: {} as ModelEvent, input: {} as CpuThreadInput } }).createMachine({
    id: ID,
    context: ({ input }) => ({
      self: input.self,
      out: [],
      ...NO_FRAMES,
      mm: input.mm,
      program: input.program,
      pc: 0,
      expectFailures: [],
      child: input.child,
      started: input.started,
      loaded: null,
      sys: null,
    }),
    initial: 'dispatch',
    states: {
      // The next instruction of the program; routing only (no step of its own).
      dispatch: {
        always: [
          { guard: ({ context }) => !context.started, target: 'forkChildWait' },
          { guard: ({ context }) => context.pc >= context.program.length, target: 'done' },
          { guard: isOp('load', 'store', 'atomicAdd'), target: 'access' },
          { guard: isOp('add'), target: 'add' },
          { guard: isOp('fork'), target: 'dupMmap' },
          { guard: isOp('mprotect'), target: 'mprotectFixup' },
          { guard: isOp('munmap'), target: 'doVmiMunmap' },
          { guard: isOp('madviseDontneed'), target: 'madviseDontneedSingleVma' },
          { guard: isOp('clearRefs'), target: 'clearRefsWrite' },
          { guard: isOp('exit'), target: 'exitMmap' },
          { guard: isOp('dmirror'), target: 'dmirrorIoctl' },
        ],
      },
      // kernel/fork.c: the child's thread has not returned from fork() yet
      forkChildWait: {
        on: {
          FORK_CHILD_START: {
            target: 'dispatch',
            actions: act<C>((_c, e) => (e.type === 'FORK_CHILD_START' ? { mm: e.mm, pc: e.pc, started: true } : {})),
          },
        },
      },
      access: accessState(
        (c) => ({ mm: c.mm, ...wordOf(c), access: opAt(c).op === 'load' ? 'load' : opAt(c).op === 'store' ? 'store' : 'atomicAdd' }),
        { target: DISPATCH, update: (c, v) => ({ pc: c.pc + 1, expectFailures: opAt(c).op === 'load' ? checkValue(c, v) : c.expectFailures }) },
        flags,
      ),
      // `ptr[i] += v` compiled to a load and a store: another actor can come between them
      add: {
        initial: 'load',
        states: {
          load: accessState(
            (c) => ({ mm: c.mm, vpn: wordOf(c).vpn, word: wordOf(c).word, access: 'load', value: 0 }),
            { target: `#${ID}.add.store`, update: (_c, v) => ({ loaded: v }) },
            flags,
          ),
          store: accessState(
            (c) => ({ mm: c.mm, vpn: wordOf(c).vpn, word: wordOf(c).word, access: 'store', value: (c.loaded ?? 0) + wordOf(c).value }),
            { target: DISPATCH, update: (c) => ({ loaded: null, pc: c.pc + 1 }) },
            flags,
          ),
        },
      },
      // kernel/fork.c dup_mmap(): parent write-locked; copy_page_range opens MMU_NOTIFY_PROTECTION_PAGE
      dupMmap: {
        ...invalidatingSyscall({
          lock: 'write',
          range: rangeOf('MMU_NOTIFY_PROTECTION_PAGE', 'all'),
          name: 'copyPageRange',
          call: 'COPY_PAGE_RANGE',
          args: (c) => ({ mm: c.mm }),
          ret: (r) => (r.ret === '0' ? { ret: '0', child: r.child } : { ret: r.ret, child: null }),
        }),
        onDone: after<C>({
          target: DISPATCH,
          update: (c) => {
            const child = c.sys?.child ?? null;
            // the child returns from fork() into the rest of the program (kernel/fork.c wake_up_new_task)
            const out = child !== null && c.child !== null ? [postEnv(c.child, { type: 'FORK_CHILD_START', from: c.self, mm: child, pc: c.pc + 1 })] : [];
            return { out, sys: null, pc: c.pc + 1, expectFailures: checkRet(c, c.sys?.ret ?? '?') };
          },
        }),
      },
      // mm/mprotect.c mprotect_fixup() → change_protection(): MMU_NOTIFY_PROTECTION_VMA
      mprotectFixup: {
        ...invalidatingSyscall({
          lock: 'write',
          range: rangeOf('MMU_NOTIFY_PROTECTION_VMA', 'op'),
          name: 'changeProtection',
          call: 'CHANGE_PROTECTION',
          args: (c) => {
            const op = opAt(c);
            return { mm: c.mm, ...spanOf(c), write: op.op === 'mprotect' && op.write };
          },
          ret: ok,
        }),
        onDone: sysDone,
      },
      // mm/vma.c do_vmi_munmap() → unmap_region(): MMU_NOTIFY_UNMAP, zap, VMA removed
      doVmiMunmap: {
        ...invalidatingSyscall({
          lock: 'write',
          range: rangeOf('MMU_NOTIFY_UNMAP', 'op'),
          name: 'zapPteRange',
          call: 'ZAP_PTE_RANGE',
          args: (c) => ({ mm: c.mm, ...spanOf(c), unmapVma: true }),
          ret: ok,
        }),
        onDone: sysDone,
      },
      // mm/madvise.c madvise_dontneed_single_vma() → zap_page_range_single(): mmap read lock, MMU_NOTIFY_CLEAR
      madviseDontneedSingleVma: {
        ...invalidatingSyscall({
          lock: 'read',
          range: rangeOf('MMU_NOTIFY_CLEAR', 'op'),
          name: 'zapPteRange',
          call: 'ZAP_PTE_RANGE',
          args: (c) => ({ mm: c.mm, ...spanOf(c), unmapVma: false }),
          ret: ok,
        }),
        onDone: sysDone,
      },
      // fs/proc/task_mmu.c clear_refs_write(CLEAR_REFS_SOFT_DIRTY): MMU_NOTIFY_SOFT_DIRTY over [0, -1)
      clearRefsWrite: {
        ...invalidatingSyscall({
          lock: 'write',
          range: rangeOf('MMU_NOTIFY_SOFT_DIRTY', 'all'),
          name: 'clearSoftDirty',
          call: 'CLEAR_SOFT_DIRTY',
          args: (c) => ({ mm: c.mm }),
          ret: ok,
        }),
        onDone: sysDone,
      },
      // kernel/exit.c do_exit → mmput → mm/mmap.c exit_mmap(): MMU_NOTIFY_RELEASE, zap everything
      exitMmap: {
        ...invalidatingSyscall({
          lock: null,
          range: rangeOf('MMU_NOTIFY_RELEASE', 'all'),
          name: 'unmapVmas',
          call: 'EXIT_MMAP',
          args: (c) => ({ mm: c.mm }),
          ret: ok,
        }),
        onDone: after<C>({ target: 'done', update: () => ({ sys: null }) }),
      },
      // lib/test_hmm.c dmirror_fops_unlocked_ioctl(): the request goes to the device's ioctl handler
      dmirrorIoctl: {
        on: {
          STEP: {
            target: 'dmirrorIoctlWait',
            actions: act<C>((c) => {
              const op = opAt(c);
              if (op.op !== 'dmirror') throw new Error(`${c.self}: not an ioctl`);
              return {
                out: [postEnv(op.device, { type: 'DMIRROR_IOCTL', from: c.self, cmd: op.cmd, mm: c.mm, start: op.start, npages: op.npages })],
              };
            }),
          },
        },
      },
      dmirrorIoctlWait: {
        on: {
          DMIRROR_IOCTL_RET: {
            guard: ({ context, event }) => {
              const op = opAt(context);
              return op.op === 'dmirror' && event.from === op.device;
            },
            target: 'dispatch',
            actions: act<C>((c, e) => (e.type === 'DMIRROR_IOCTL_RET' ? { pc: c.pc + 1, expectFailures: checkRet(c, e.ret) } : {})),
          },
        },
      },
      done: { type: 'final' },
      // the thread was killed by SIGSEGV (arch/x86/mm/fault.c bad_area → force_sig_fault)
      sigsegv: { type: 'final' },
    },
  });
}
