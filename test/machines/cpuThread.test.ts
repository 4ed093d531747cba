import { flagsFor, REGION_BASE_VPN, type CpuOp, type ExpectFailure, type Flags, type KernelState, type MmuNotifierRange, type Pte } from '../../src/domain/index.js';
import { makeDeviceExclusiveConvert, pageMakeDeviceExclusiveOne } from '../../src/mm/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { createCpuThreadMachine } from '../../machines/cpuThread.machine.js';
import { actor, BUF, buildWorld, enabledIds, kernelOf, pteOf, runFirst, stepOf } from './pathsWorld.js';

const E2 = flagsFor('linux-6.15', []);
const E1 = flagsFor('linux-5.14', []);
const V0 = REGION_BASE_VPN;

function pfnAt(k: KernelState, vpn: number): number {
  const p = k.mms[0]?.ptes[String(vpn)];
  if (p === undefined || p.kind !== 'present') throw new Error('not present');
  return p.pfn;
}

/** The page at `vpn` made device-exclusive by some earlier driver (its folio unlocked again). */
function exclusive(flags: Flags, vpn: number) {
  return (k: KernelState): KernelState => {
    const pfn = pfnAt(k, vpn);
    return flags.makeExclusive === 'single'
      ? makeDeviceExclusiveConvert(k, { mm: 0, vpn, pfn }).k
      : pageMakeDeviceExclusiveOne(k, { mm: 0, vpn, pfn }).k;
  };
}

function lockFolio(vpn: number, owner: string) {
  return (k: KernelState): KernelState => {
    const p = k.mms[0]?.ptes[String(vpn)];
    const pfn = p !== undefined && (p.kind === 'present' || p.kind === 'devExcl') ? p.pfn : -1;
    return { ...k, folios: k.folios.map((f) => (f.pfn === pfn ? { ...f, locked: owner } : f)) };
  };
}

const failures = (w: Parameters<typeof actor>[0], id: string) => actor(w, id).context['expectFailures'] as readonly ExpectFailure[];
const seen = (w: Parameters<typeof actor>[0], id: string) => actor(w, id).context['seen'] as readonly MmuNotifierRange[];

describe('cpuThread: CPU store to a device-exclusive page (restore path, domain.md §2.3)', () => {
  it.each([
    ['linux-6.15', E2, 'MMU_NOTIFY_CLEAR'],
    ['linux-5.14', E1, 'MMU_NOTIFY_EXCLUSIVE'],
  ] as const)('%s: the notifier revokes the device mapping before the PTE is restored writable', (_v, flags, event) => {
    const b = buildWorld({ flags, fakes: ['gpu0'], kernel: exclusive(flags, V0), cpu: [{ id: 'cpu0', program: [{ op: 'store', vpn: V0, word: 0, value: 42 }] }] });
    expect(pteOf(b.world, V0).kind).toBe('devExcl');
    const { world, steps } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(seen(world, 'gpu0')).toEqual([{ mm: 0, start: V0, end: V0 + 1, event, owner: null, blockable: true }]);
    const pte = pteOf(world, V0) as Extract<Pte, { kind: 'present' }>;
    expect(pte).toMatchObject({ kind: 'present', write: true, dirty: true });
    const k = kernelOf(world);
    expect(k.folios[pte.pfn]?.data[0]).toBe(42);
    expect(k.folios[pte.pfn]?.locked).toBeNull();
    expect(k.mms[0]?.mmapLock).toEqual({ readers: [], writer: null });
    // access, read lock, handle_mm_fault, (try_get), lock, start, callback, restore, unlock(+put), end, read unlock, access again
    expect(steps.every((s) => s === 'cpu0')).toBe(true);
    expect(steps.length).toBe(flags.restoreTakesRef ? 12 : 11);
  });

  it('6.15 load after an E1-style read-only restore is a plain fault-and-retry; loads check expect.value', () => {
    const b = buildWorld({
      flags: E2,
      fakes: ['gpu0'],
      kernel: exclusive(E2, V0 + 1),
      cpu: [{ id: 'cpu0', program: [{ op: 'load', vpn: V0 + 1, word: 0, expect: { value: 1 } }, { op: 'load', vpn: V0, word: 0, expect: { value: 7 } }] }],
    });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(pteOf(world, V0 + 1).kind).toBe('present');
    expect(failures(world, 'cpu0')).toEqual([{ pc: 1, op: 'load', expected: '7', got: '0' }]);
  });

  it('a folio locked by someone else: VM_FAULT_RETRY drops the mmap lock and waits; the retry (FAULT_FLAG_TRIED) restores', () => {
    const b = buildWorld({
      flags: E2,
      fakes: ['gpu0'],
      lockers: [{ id: 'drv', pfn: 1 }],
      kernel: (k) => lockFolio(V0, 'drv')(exclusive(E2, V0)(k)),
      cpu: [{ id: 'cpu0', program: [{ op: 'store', vpn: V0, word: 0, value: 5 }] }],
    });
    const { world: blocked } = runFirst(b, b.world, { avoid: ['drv'] });
    expect(actor(blocked, 'cpu0').value).toEqual({ access: { handleMmFault: { removeDeviceExclusiveEntry: 'folioWaitLocked' } } });
    expect(kernelOf(blocked).mms[0]?.mmapLock.readers).toEqual([]);
    expect(kernelOf(blocked).folios[1]?.waiters).toContain('cpu0');
    expect(enabledIds(b, blocked)).toEqual(['drv']);
    const released = stepOf(b, blocked, 'drv');
    let w = stepOf(b, released, 'cpu0'); // folio_wait_locked returns
    w = stepOf(b, w, 'cpu0'); // folio_put, VM_FAULT_RETRY
    expect(actor(w, 'cpu0').value).toEqual({ access: 'mmapReadLockTried' });
    const { world } = runFirst(b, w);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(pteOf(world, V0)).toMatchObject({ kind: 'present', write: true });
    expect(kernelOf(world).folios[1]?.data[0]).toBe(5);
    expect(kernelOf(world).folios[1]?.refcount).toBe(1);
  });

  it('5.14 retry: no reference is taken or dropped', () => {
    const b = buildWorld({
      flags: E1,
      lockers: [{ id: 'drv', pfn: 1 }],
      kernel: (k) => lockFolio(V0, 'drv')(exclusive(E1, V0)(k)),
      cpu: [{ id: 'cpu0', program: [{ op: 'store', vpn: V0, word: 0, value: 5 }] }],
    });
    const { world: blocked } = runFirst(b, b.world, { avoid: ['drv'] });
    expect(kernelOf(blocked).folios[1]?.refcount).toBe(1);
    const { world } = runFirst(b, blocked);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(kernelOf(world).folios[1]).toMatchObject({ refcount: 1, mapcount: 1, locked: null, data: [5] });
  });
});

describe('cpuThread: SIGSEGV', () => {
  const ro = { ...BUF, write: false, populate: 'read' as const, init: [0, 0] };
  it('a store to a read-only VMA kills the thread and records the failure', () => {
    const b = buildWorld({ flags: E2, regions: [ro], cpu: [{ id: 'cpu0', program: [{ op: 'store', vpn: V0, word: 0, value: 1 }, { op: 'exit' }] }] });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('sigsegv');
    expect(failures(world, 'cpu0')).toEqual([{ pc: 0, op: 'store', expected: 'no SIGSEGV', got: 'SIGSEGV' }]);
    expect(kernelOf(world).mms[0]?.mmapLock.readers).toEqual([]);
  });

  it('an expected SIGSEGV is not a failure', () => {
    const b = buildWorld({ flags: E2, regions: [ro], cpu: [{ id: 'cpu0', program: [{ op: 'store', vpn: V0, word: 0, value: 1, expect: { ret: 'SIGSEGV' } }] }] });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('sigsegv');
    expect(failures(world, 'cpu0')).toEqual([]);
  });
});

describe('cpuThread: add is a load and a store (two steps)', () => {
  it('two threads interleaving their loads lose one increment', () => {
    const prog: CpuOp[] = [{ op: 'add', vpn: V0, word: 0, value: 1 }];
    const b = buildWorld({ flags: E2, cpu: [{ id: 'a', program: prog }, { id: 'b', program: prog }] });
    let w = stepOf(b, b.world, 'a'); // a loads 0
    w = stepOf(b, w, 'b'); // b loads 0
    expect(actor(w, 'a').value).toEqual({ add: { store: 'cpuAccess' } });
    const { world } = runFirst(b, w);
    expect(kernelOf(world).folios[1]?.data[0]).toBe(1);
    const seq = runFirst(b);
    expect(kernelOf(seq.world).folios[1]?.data[0]).toBe(2);
  });
});

describe('cpuThread: fork (kernel/fork.c dup_mmap)', () => {
  it('write-locks, notifies PROTECTION_PAGE, copies, starts the child at pc+1 on the child mm', () => {
    const prog: CpuOp[] = [{ op: 'fork', expect: { ret: '0' } }, { op: 'store', vpn: V0, word: 0, value: 9 }];
    const b = buildWorld({ flags: E2, fakes: ['gpu0'], kernel: exclusive(E2, V0), cpu: [{ id: 'cpu0', program: prog }] });
    expect(actor(b.world, 'cpu0.child').value).toBe('forkChildWait');
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(actor(world, 'cpu0.child').value).toBe('done');
    expect(actor(world, 'cpu0.child').context['mm']).toBe(1);
    expect(actor(world, 'cpu0.child').context['pc']).toBe(2);
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(seen(world, 'gpu0')[0]).toMatchObject({ event: 'MMU_NOTIFY_PROTECTION_PAGE', start: 0, owner: null });
    // the devExcl entry was restored in the parent; both processes wrote their own copy (COW)
    expect(pteOf(world, V0, 0)).toMatchObject({ kind: 'present' });
    expect(pteOf(world, V0, 1)).toMatchObject({ kind: 'present' });
    const k = kernelOf(world);
    const p0 = (pteOf(world, V0, 0) as { pfn: number }).pfn;
    const p1 = (pteOf(world, V0, 1) as { pfn: number }).pfn;
    expect(p0).not.toBe(p1);
    expect(k.folios[p0]?.data[0]).toBe(9);
    expect(k.folios[p1]?.data[0]).toBe(9);
  });

  it('-ENOMEM when a devExcl folio is locked (try_restore_exclusive_pte trylock fails): no child', () => {
    const prog: CpuOp[] = [{ op: 'fork', expect: { ret: '0' } }, { op: 'load', vpn: V0 + 1, word: 0 }];
    const b = buildWorld({ flags: E2, kernel: (k) => lockFolio(V0, 'drv')(exclusive(E2, V0)(k)), cpu: [{ id: 'cpu0', program: prog }] });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(actor(world, 'cpu0.child').value).toBe('forkChildWait');
    expect(world.net).toEqual([]);
    expect(failures(world, 'cpu0')).toEqual([{ pc: 0, op: 'fork', expected: '0', got: '-ENOMEM' }]);
    expect(kernelOf(world).mms[0]?.mmapLock).toEqual({ readers: [], writer: null });
  });
});

describe('cpuThread: syscalls notify with their event and lock mode', () => {
  const cases: readonly [CpuOp, string, MmuNotifierRange['event'], number, number][] = [
    [{ op: 'mprotect', start: V0, end: V0 + 2, write: false }, 'mprotectFixup', 'MMU_NOTIFY_PROTECTION_VMA', V0, V0 + 2],
    [{ op: 'munmap', start: V0, end: V0 + 2 }, 'doVmiMunmap', 'MMU_NOTIFY_UNMAP', V0, V0 + 2],
    [{ op: 'madviseDontneed', start: V0, end: V0 + 1 }, 'madviseDontneedSingleVma', 'MMU_NOTIFY_CLEAR', V0, V0 + 1],
    [{ op: 'clearRefs' }, 'clearRefsWrite', 'MMU_NOTIFY_SOFT_DIRTY', 0, 2 ** 35],
    [{ op: 'exit' }, 'exitMmap', 'MMU_NOTIFY_RELEASE', 0, 2 ** 35],
  ];
  it.each(cases)('%j runs %s with %s', (op, state, event, start, end) => {
    const b = buildWorld({ flags: E2, fakes: ['gpu0'], cpu: [{ id: 'cpu0', program: [op] }] });
    const w1 = stepOf(b, b.world, 'cpu0');
    const lockState = op.op === 'exit' ? null : op.op === 'madviseDontneed' ? 'mmapReadLock' : 'mmapWriteLock';
    if (lockState !== null) {
      expect(actor(w1, 'cpu0').value).toEqual({ [state]: { mmuNotifierInvalidateRangeStart: 'mnItreeInvStartRange' } });
      const lock = kernelOf(w1).mms[0]?.mmapLock;
      expect(lockState === 'mmapReadLock' ? lock?.readers : lock?.writer).toEqual(lockState === 'mmapReadLock' ? ['cpu0'] : 'cpu0');
    }
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(seen(world, 'gpu0')).toEqual([{ mm: 0, start, end, event, owner: null, blockable: true }]);
    expect(kernelOf(world).mms[0]?.mmapLock).toEqual({ readers: [], writer: null });
    expect(failures(world, 'cpu0')).toEqual([]);
  });

  it('mprotect(PROT_READ): E1 downgrades a writable devExcl entry, E2 leaves it', () => {
    for (const flags of [E1, E2]) {
      const b = buildWorld({ flags, kernel: exclusive(flags, V0), cpu: [{ id: 'cpu0', program: [{ op: 'mprotect', start: V0, end: V0 + 2, write: false, expect: { ret: '0' } }] }] });
      const before = pteOf(b.world, V0);
      const { world } = runFirst(b);
      expect(pteOf(world, V0)).toEqual(flags.mprotectDowngradesEntry ? { ...before, writable: false } : before);
    }
  });
});

describe('cpuThread: transitions in isolation', () => {
  it('a fork child waits for FORK_CHILD_START and then runs from its pc on its mm', () => {
    const s = new MachineStepper('cpuThread', createCpuThreadMachine(E2));
    const snap = s.initial('c', { self: 'c', mm: 0, program: [{ op: 'load', vpn: V0, word: 0 }, { op: 'store', vpn: V0, word: 0, value: 1 }], child: null, started: false });
    expect(snap.value).toBe('forkChildWait');
    expect(s.transition(snap, { type: 'STEP', from: 'c' })).toBeNull();
    const r = s.transition(snap, { type: 'FORK_CHILD_START', from: 'p', mm: 3, pc: 1 });
    expect(r?.next.value).toEqual({ access: 'cpuAccess' });
    const call = s.transition(r?.next ?? snap, { type: 'STEP', from: 'c' });
    expect(call?.out).toEqual([{ mode: 'call', to: 'mm', event: { type: 'CPU_ACCESS', from: 'c', mm: 3, vpn: V0, word: 0, access: 'store', value: 1 } }]);
  });

  it('an ioctl posts DMIRROR_IOCTL and checks the returned value', () => {
    const s = new MachineStepper('cpuThread', createCpuThreadMachine(E2));
    const prog: CpuOp[] = [{ op: 'dmirror', cmd: 'HMM_DMIRROR_WRITE', device: 'dm', start: V0, npages: 2, expect: { ret: '-EPERM' } }];
    const snap = s.initial('c', { self: 'c', mm: 0, program: prog, child: null, started: true });
    const r = s.transition(snap, { type: 'STEP', from: 'c' });
    expect(r?.out).toEqual([{ mode: 'post', to: 'dm', event: { type: 'DMIRROR_IOCTL', from: 'c', cmd: 'HMM_DMIRROR_WRITE', mm: 0, start: V0, npages: 2 } }]);
    expect(r?.next.value).toBe('dmirrorIoctlWait');
    const w = r?.next ?? snap;
    expect(s.transition(w, { type: 'DMIRROR_IOCTL_RET', from: 'other', ret: '0', cpages: 0 })).toBeNull();
    const done = s.transition(w, { type: 'DMIRROR_IOCTL_RET', from: 'dm', ret: '-EFAULT', cpages: 0 });
    expect(done?.next.value).toBe('done');
    expect(done?.next.context['expectFailures']).toEqual([{ pc: 0, op: 'dmirror HMM_DMIRROR_WRITE', expected: '-EPERM', got: '-EFAULT' }]);
  });
});
