import type { ActorSnap, Mm } from '../../src/domain/index.js';
import { S5 } from '../../src/invariants/index.js';
import { deadlockOf } from '../../src/runtime/run.js';
import { V, channelActor, cpuActor, ctxFor, devExcl, dmirrorActor, folio, kernelActor, mm, mmuActor, nouveauActor, withActor, world, zeroPage } from './fixtures.js';
import type { Folio, StateValue } from '../../src/domain/index.js';

const ctx = ctxFor('linux-5.14');
function w(f: Folio, opts: { cpu?: StateValue; worker?: StateValue; svmmMutex?: string | null; mmapLock?: Mm['mmapLock']; dmirrorIoctl?: unknown } = {}) {
  return world(
    kernelActor([mm(0, { [V]: devExcl(1) }, opts.mmapLock === undefined ? {} : { mmapLock: opts.mmapLock })], [zeroPage, f]),
    mmuActor(),
    nouveauActor('gpu0', opts.worker ?? 'idle', opts.svmmMutex ?? null),
    dmirrorActor('dmirror0', {}, opts.dmirrorIoctl ?? null),
    channelActor('ch0', 'done', [], 0),
    cpuActor('cpu0', opts.cpu ?? 'cpuAccess', [], 0),
  );
}
const check = (x: ReturnType<typeof w>): string | null => S5.state?.(ctx, x) ?? null;

describe('S5 lock hygiene', () => {
  it('passes while a running worker or thread holds a folio lock', () => {
    expect(check(w(folio(1, { locked: 'gpu0', refcount: 2 }), { worker: { nouveauAtomicRangeFault: 'pfnmap' }, svmmMutex: 'worker' }))).toBeNull();
    expect(check(w(folio(1, { locked: 'cpu0', waiters: ['cpu1'] })))).toBeNull();
  });

  it('fails: the fault worker went idle with the folio still locked (5.14 retry leak, §5 #5)', () => {
    expect(check(w(folio(1, { locked: 'gpu0', refcount: 2 })))).toBe(
      "pfn 1 is locked by gpu0, but gpu0's fault worker (nouveau_svm_fault) is idle: the folio lock leaked",
    );
  });

  it('fails: a finished thread holds a folio lock or the mmap_lock', () => {
    expect(check(w(folio(1, { locked: 'cpu0' }), { cpu: 'done' }))).toContain('thread cpu0 is "done"');
    expect(check(w(folio(1), { cpu: 'sigsegv', mmapLock: { readers: ['cpu0'], writer: null } }))).toContain(
      'mm 0 mmap_lock is held for read by cpu0',
    );
  });

  it('fails: a finished channel holds a lock; a holder that is no thread, channel or driver is not judged', () => {
    expect(check(w(folio(1, { locked: 'ch0' })))).toBe('pfn 1 is locked by ch0, but channel ch0 is "done": the folio lock leaked');
    expect(check(w(folio(1, { locked: 'mm' })))).toBeNull();
    expect(check(w(folio(1, { locked: 'nobody' })))).toBeNull();
  });

  it('fails: an idle dmirror holds a lock; passes while its ioctl runs', () => {
    expect(check(w(folio(1, { locked: 'dmirror0' })))).toContain('dmirror0 has no ioctl in progress');
    expect(check(w(folio(1, { locked: 'dmirror0' }), { dmirrorIoctl: { cmd: 'HMM_DMIRROR_EXCLUSIVE' } }))).toBeNull();
  });

  it("the callbacks region's own idle state does not make a busy worker idle", () => {
    const busy = w(folio(1, { locked: 'gpu0', refcount: 2 }), { worker: { nouveauAtomicRangeFault: 'mmuIntervalReadBegin' } });
    expect(check(busy)).toBeNull();
  });

  it('fails: dmirror->mutex left held after the ioctl returned', () => {
    const leaked = withActor(w(folio(1)), dmirrorActor('dmirror0', {}, null, 'dmirror0'));
    expect(check(leaked)).toBe('dmirror0 dmirror->mutex is held by dmirror0, but dmirror0 has no ioctl in progress: the mutex leaked');
    const running = withActor(w(folio(1)), dmirrorActor('dmirror0', {}, { cmd: 'HMM_DMIRROR_READ' }, 'dmirror0'));
    expect(check(running)).toBeNull();
  });

  it('fails: svmm->mutex held by an idle worker', () => {
    expect(check(w(folio(1), { svmmMutex: 'worker' }))).toContain('gpu0 svmm->mutex is held by worker');
  });

  it('fails: an actor waits on a folio it holds itself', () => {
    expect(check(w(folio(1, { locked: 'cpu0', waiters: ['cpu0'] })))).toBe('cpu0 waits on the lock of pfn 1, which it holds itself');
  });
});

describe('deadlockOf lists the held locks as S5 sees them', () => {
  it('names each folio lock and mmap_lock with its holder, lockdep-style', () => {
    const stuck: ActorSnap = { id: 'cpu0', kind: 'cpuThread', value: 'faulting', context: { self: 'cpu0', out: [] } };
    const k = kernelActor([mm(0, {}, { mmapLock: { readers: ['cpu0'], writer: null } }), mm(1, {}, { mmapLock: { readers: [], writer: 'cpu1' } })], [zeroPage, folio(1, { locked: 'gpu0' })]);
    const dl = deadlockOf(world(k, stuck));
    expect(dl?.message).toBe(
      'no step is enabled but cpu0 ("faulting") cannot finish; held: folio 1 locked by gpu0, mm 0 mmap_lock held for read by cpu0, mm 1 mmap_lock held for write by cpu1',
    );
  });
});
