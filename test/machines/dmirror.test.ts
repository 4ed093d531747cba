import { flagsFor, REGION_BASE_VPN, type CpuOp, type ExpectFailure, type Flags, type KernelState } from '../../src/domain/index.js';
import type { DmirrorPt } from '../../src/drivers/dmirror/index.js';
import { dmirrorCheckAtomic, dmirrorDoFault, dmirrorDoUpdate, dmirrorPermits } from '../../src/drivers/dmirror/index.js';
import { actor, BUF, buildWorld, enabledIds, kernelOf, pteOf, runFirst, stepOf } from './pathsWorld.js';

const E2 = flagsFor('linux-6.15', []);
const E1 = flagsFor('linux-5.14', []);
const V0 = REGION_BASE_VPN;
const DM = 'dmirror0';
const ioctl = (cmd: Extract<CpuOp, { op: 'dmirror' }>['cmd'], ret?: string): CpuOp => ({
  op: 'dmirror', cmd, device: DM, start: V0, npages: 2, ...(ret === undefined ? {} : { expect: { ret } }),
});
const failures = (w: Parameters<typeof actor>[0], id: string) => actor(w, id).context['expectFailures'] as readonly ExpectFailure[];
const ptOf = (w: Parameters<typeof actor>[0]) => actor(w, DM).context['pt'] as DmirrorPt;
const variants: readonly [string, Flags][] = [['linux-6.15', E2], ['linux-5.14', E1]];

/** Runs the world until cpu0 has taken `n` program ops. */
function runUntilPc(b: ReturnType<typeof buildWorld>, n: number) {
  let w = b.world;
  for (let i = 0; i < 2000 && (actor(w, 'cpu0').context['pc'] as number) < n; i++) {
    const id = enabledIds(b, w)[0];
    if (id === undefined) break;
    w = stepOf(b, w, id);
  }
  return w;
}

describe('dmirror: T1 hmm.exclusive (domain.md §6)', () => {
  it.each(variants)('%s: pages become exclusive, CPU increments revoke them, CHECK_EXCLUSIVE is 0', (_v, flags) => {
    const program: CpuOp[] = [
      ioctl('HMM_DMIRROR_EXCLUSIVE', '0'),
      { op: 'add', vpn: V0, word: 0, value: 1 },
      { op: 'add', vpn: V0 + 1, word: 0, value: 1 },
      { op: 'load', vpn: V0, word: 0, expect: { value: 1 } },
      { op: 'load', vpn: V0 + 1, word: 0, expect: { value: 2 } },
      ioctl('HMM_DMIRROR_CHECK_EXCLUSIVE', '0'),
    ];
    const b = buildWorld({ flags, dmirrors: [DM], cpu: [{ id: 'cpu0', program }] });
    const mid = runUntilPc(b, 1);
    expect(pteOf(mid, V0)).toMatchObject({ kind: 'devExcl', writable: !flags.singleEntryType });
    expect(pteOf(mid, V0 + 1)).toMatchObject({ kind: 'devExcl' });
    expect(Object.values(ptOf(mid)).map((e) => e.tag)).toEqual(['ATOMIC', 'ATOMIC']);
    expect(kernelOf(mid).folios.filter((f) => f.locked !== null)).toEqual([]);
    expect(failures(mid, 'cpu0')).toEqual([]);

    const { world } = runFirst(b, mid);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(actor(world, DM).value).toBe('idle');
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(ptOf(world)).toEqual({});
    expect(pteOf(world, V0)).toMatchObject({ kind: 'present', write: true, dirty: true });
    const k = kernelOf(world);
    expect(k.folios.map((f) => f.data[0]).slice(1, 3)).toEqual([1, 2]);
    expect(k.folios.slice(1, 3).map((f) => [f.refcount, f.mapcount])).toEqual([[1, 1], [1, 1]]);
  });

  it('the exclusive ioctl fires its own MMU_NOTIFY_EXCLUSIVE into its callback (owner NULL is not filtered)', () => {
    const b = buildWorld({ flags: E2, dmirrors: [DM], cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_READ', '0'), ioctl('HMM_DMIRROR_EXCLUSIVE', '0')] }] });
    const afterRead = runUntilPc(b, 1);
    expect(Object.values(ptOf(afterRead)).map((e) => e.tag)).toEqual(['WRITE', 'WRITE']);
    const { world } = runFirst(b, afterRead);
    expect(Object.values(ptOf(world)).map((e) => e.tag)).toEqual(['ATOMIC', 'ATOMIC']);
    expect(failures(world, 'cpu0')).toEqual([]);
  });
});

describe('dmirror: T2 hmm.exclusive_mprotect', () => {
  it.each(variants)('%s: a device write after mprotect(PROT_READ) fails with -EPERM and does not restore the PTE', (_v, flags) => {
    const program: CpuOp[] = [
      ioctl('HMM_DMIRROR_EXCLUSIVE', '0'),
      { op: 'mprotect', start: V0, end: V0 + 2, write: false, expect: { ret: '0' } },
      ioctl('HMM_DMIRROR_WRITE', '-EPERM'),
    ];
    const b = buildWorld({ flags, dmirrors: [DM], cpu: [{ id: 'cpu0', program }] });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(ptOf(world)).toEqual({});
    // E1: the WRITE entry was downgraded to READ by mprotect; E2 has one entry type, left untouched
    expect(pteOf(world, V0)).toEqual({ kind: 'devExcl', pfn: 1, writable: false, softDirty: true, uffdWp: false });
  });
});

describe('dmirror: T3 hmm.exclusive_cow', () => {
  it.each(variants)('%s: fork restores the entries in the parent; both processes increment their own copy', (_v, flags) => {
    const program: CpuOp[] = [
      ioctl('HMM_DMIRROR_EXCLUSIVE', '0'),
      { op: 'fork', expect: { ret: '0' } },
      { op: 'add', vpn: V0, word: 0, value: 1 },
      { op: 'add', vpn: V0 + 1, word: 0, value: 1 },
      { op: 'load', vpn: V0, word: 0, expect: { value: 1 } },
      { op: 'load', vpn: V0 + 1, word: 0, expect: { value: 2 } },
    ];
    const b = buildWorld({ flags, dmirrors: [DM], cpu: [{ id: 'cpu0', program }] });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(actor(world, 'cpu0.child').value).toBe('done');
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(failures(world, 'cpu0.child')).toEqual([]);
    expect(ptOf(world)).toEqual({});
    for (const mm of [0, 1]) {
      for (const vpn of [V0, V0 + 1]) expect(pteOf(world, vpn, mm)).toMatchObject({ kind: 'present', write: true });
    }
    const k = kernelOf(world);
    const data = (mm: number) => [V0, V0 + 1].map((vpn) => k.folios[(pteOf(world, vpn, mm) as { pfn: number }).pfn]?.data[0]);
    expect(data(0)).toEqual([1, 2]);
    expect(data(1)).toEqual([1, 2]);
  });
});

describe('dmirror: read and write through the mirror', () => {
  it('READ of untouched memory faults through hmm_range_fault; the zero page gives READ entries', () => {
    const region = { ...BUF, populate: 'none' as const, init: [0, 0] };
    const b = buildWorld({ flags: E2, regions: [region], dmirrors: [DM], cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_READ', '0')] }] });
    const { world } = runFirst(b);
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(Object.values(ptOf(world)).map((e) => e.tag)).toEqual(['READ', 'READ']);
    expect(pteOf(world, V0)).toMatchObject({ kind: 'present', write: false });
  });

  it('WRITE faults with HMM_PFN_REQ_WRITE, writes through WRITE entries and keeps the data', () => {
    const b = buildWorld({ flags: E2, dmirrors: [DM], cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_EXCLUSIVE', '0'), ioctl('HMM_DMIRROR_WRITE', '0')] }] });
    const { world } = runFirst(b);
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(Object.values(ptOf(world)).map((e) => e.tag)).toEqual(['WRITE', 'WRITE']);
    expect(pteOf(world, V0)).toMatchObject({ kind: 'present', write: true });
    expect(kernelOf(world).folios.slice(1, 3).map((f) => f.data[0])).toEqual([0, 1]);
  });

  it('the mutex held by dmirror_do_read blocks a CPU restore until the read is done', () => {
    const b = buildWorld({
      flags: E2,
      dmirrors: [DM],
      cpu: [
        { id: 'cpu0', program: [ioctl('HMM_DMIRROR_EXCLUSIVE', '0'), ioctl('HMM_DMIRROR_READ', '0')] },
        { id: 'cpu1', program: [{ op: 'store', vpn: V0 + 1, word: 0, value: 8 }] },
      ],
    });
    let w = b.world;
    for (let i = 0; i < 500 && actor(w, DM).context['mutex'] !== DM; i++) {
      const id = enabledIds(b, w).find((s) => s !== 'cpu1');
      if (id === undefined) break;
      w = stepOf(b, w, id);
    }
    // the EXCLUSIVE ioctl's read-back copies the first page under the mutex
    expect(actor(w, DM).value).toEqual({ dmirrorExclusive: { dmirrorDoRead: 'dmirrorDoRead' } });
    expect(actor(w, DM).context['mutex']).toBe(DM);
    // cpu1 faults, locks the folio and opens the range, then blocks in the dmirror callback
    for (let i = 0; i < 6; i++) w = stepOf(b, w, 'cpu1');
    expect(actor(w, 'cpu1').value).toEqual({ access: { handleMmFault: { removeDeviceExclusiveEntry: { mmuNotifierInvalidateRangeStart: 'mnItreeInvalidate' } } } });
    expect(enabledIds(b, w)).not.toContain('cpu1');
    const { world } = runFirst(b, w);
    expect(failures(world, 'cpu0')).toEqual([]);
    expect(actor(world, 'cpu1').value).toBe('done');
    expect(kernelOf(world).folios[2]?.data[0]).toBe(8);
    expect(Object.keys(ptOf(world))).toEqual([String(V0)]);
  });
});

describe('dmirror: 5.14 make_device_exclusive_range', () => {
  it('a locked folio fails the trylock: GUP got every page, so the others are still mapped ATOMIC; all unlocked and put; -EBUSY', () => {
    const lock = (k: KernelState): KernelState => ({ ...k, folios: k.folios.map((f) => (f.pfn === 2 ? { ...f, locked: 'other' } : f)) });
    const b = buildWorld({ flags: E1, dmirrors: [DM], kernel: lock, cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_EXCLUSIVE', '-EBUSY')] }] });
    const { world } = runFirst(b);
    expect(actor(world, 'cpu0').value).toBe('done');
    expect(failures(world, 'cpu0')).toEqual([]);
    // lib/test_hmm.c maps when ret (the GUP count) == npages, even with a NULL slot, then returns -EBUSY
    expect(ptOf(world)).toEqual({ [String(V0)]: { pfn: 1, tag: 'ATOMIC' } });
    expect(pteOf(world, V0).kind).toBe('devExcl');
    expect(pteOf(world, V0 + 1).kind).toBe('present');
    const k = kernelOf(world);
    expect(k.folios[1]).toMatchObject({ locked: null, refcount: 1, mapcount: 0 });
    expect(k.folios[2]).toMatchObject({ locked: 'other', refcount: 1 });
    expect(k.mms[0]?.mmapLock.readers).toEqual([]);
  });

  it('6.15 sleeps on the same locked folio instead', () => {
    const lock = (k: KernelState): KernelState => ({ ...k, folios: k.folios.map((f) => (f.pfn === 2 ? { ...f, locked: 'other' } : f)) });
    const b = buildWorld({ flags: E2, dmirrors: [DM], kernel: lock, cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_EXCLUSIVE', '0')] }] });
    const { world } = runFirst(b);
    expect(actor(world, DM).value).toEqual({ dmirrorExclusive: { makeDeviceExclusive: 'folioLockKillable' } });
    expect(enabledIds(b, world)).toEqual([]);
  });
});

describe('dmirror: the interval callback', () => {
  it('erases the range after mmu_interval_set_seq and answers the invalidating task', () => {
    const b = buildWorld({
      flags: E2,
      dmirrors: [DM],
      cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_READ', '0'), { op: 'madviseDontneed', start: V0, end: V0 + 1 }] }],
    });
    const { world } = runFirst(b);
    expect(Object.keys(ptOf(world))).toEqual([String(V0 + 1)]);
    const sub = actor(world, DM).context['sub'] as number;
    const n = (actor(world, 'mmu').context['n'] as { mms: { interval: { id: number; seq: number }[]; invalidateSeq: number }[] }).mms[0];
    // set_seq stored the odd cur_seq of the last invalidation; the mm's seq has moved on to even
    const seq = n?.interval.find((s) => s.id === sub)?.seq;
    expect(seq).toBe((n?.invalidateSeq ?? 0) - 1);
    expect((seq ?? 0) % 2).toBe(1);
  });

  it('driver-ignores-invalidate keeps stale entries', () => {
    const b = buildWorld({
      flags: flagsFor('linux-6.15', ['driver-ignores-invalidate']),
      dmirrors: [DM],
      cpu: [{ id: 'cpu0', program: [ioctl('HMM_DMIRROR_EXCLUSIVE', '0'), { op: 'store', vpn: V0, word: 0, value: 3 }, ioctl('HMM_DMIRROR_CHECK_EXCLUSIVE', '0')] }],
    });
    const { world } = runFirst(b);
    expect(failures(world, 'cpu0')).toEqual([{ pc: 2, op: 'dmirror HMM_DMIRROR_CHECK_EXCLUSIVE', expected: '0', got: '-EPERM' }]);
  });
});

describe('src/drivers/dmirror pure logic', () => {
  const pt: DmirrorPt = { '16': { pfn: 1, tag: 'ATOMIC' }, '17': { pfn: 2, tag: 'READ' }, '18': { pfn: 3, tag: 'WRITE' } };
  it('dmirror_do_update erases [start, end)', () => {
    expect(Object.keys(dmirrorDoUpdate(pt, 17, 18))).toEqual(['16', '18']);
  });
  it('check_atomic, permissions and do_fault tags', () => {
    expect(dmirrorCheckAtomic(pt, 16, 1)).toBe('-EPERM');
    expect(dmirrorCheckAtomic(pt, 17, 2)).toBe('0');
    expect(dmirrorPermits(pt, 16, false)).toEqual({ pfn: 1, tag: 'ATOMIC' });
    expect(dmirrorPermits(pt, 16, true)).toBeNull();
    expect(dmirrorPermits(pt, 18, true)).toEqual({ pfn: 3, tag: 'WRITE' });
    expect(dmirrorDoFault(pt, 20, { pfn: 9, write: false }, false).pt['20']).toEqual({ pfn: 9, tag: 'READ' });
    expect(dmirrorDoFault(pt, 20, { pfn: 9, write: false }, true).ret).toBe('-EFAULT');
  });
});
