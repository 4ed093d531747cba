import { flagsFor, type Pte } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { Driver, hostMachine, type HostPath } from './pathsHarness.js';

const E2 = flagsFor('linux-6.15', []);
const E1 = flagsFor('linux-5.14', []);
const devExcl: Pte = { kind: 'devExcl', pfn: 7, writable: false, softDirty: false, uffdWp: false };
const interval = { kind: 'interval', sub: 1, driver: 'dmirror0' } as const;
const hlist = { kind: 'hlist', driver: 'gpu0' } as const;

function host(flags: typeof E2, path: HostPath): Driver {
  return new Driver(new MachineStepper('cpuThread', hostMachine(flags, path)), 'cpu0');
}

describe('handleMmFault: remove_device_exclusive_entry', () => {
  it('E2: takes a ref, locks, notifies CLEAR to each target (one step each), restores, unlocks+puts, ends', () => {
    const d = host(E2, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_TRY_GET', { ok: true });
    d.call('mm', 'FOLIO_LOCK_OR_RETRY', { result: 'locked' });
    const start = d.step('mmu', 'INVALIDATE_RANGE_START');
    expect(start).toMatchObject({ range: { mm: 0, start: 16, end: 17, event: 'MMU_NOTIFY_CLEAR', owner: null, blockable: true } });
    d.ret('mmu', 'INVALIDATE_RANGE_START', { targets: [interval, hlist], curSeq: 5 });
    expect(d.value).toEqual({ path: { removeDeviceExclusiveEntry: { mmuNotifierInvalidateRangeStart: 'mnItreeInvalidate' } } });
    expect(d.step('dmirror0', 'MMU_NOTIFIER_INVALIDATE')).toMatchObject({ target: interval, curSeq: 5 });
    d.ret('dmirror0', 'MMU_NOTIFIER_INVALIDATE', { ok: true });
    expect(d.value).toEqual({ path: { removeDeviceExclusiveEntry: { mmuNotifierInvalidateRangeStart: 'mnHlistInvalidateRangeStart' } } });
    expect(d.step('gpu0', 'MMU_NOTIFIER_INVALIDATE')).toMatchObject({ target: hlist });
    d.ret('gpu0', 'MMU_NOTIFIER_INVALIDATE', { ok: true });
    expect(d.step('mm', 'RESTORE_EXCLUSIVE_PTE')).toMatchObject({ mm: 0, vpn: 16, orig: devExcl, pfn: 7 });
    d.ret('mm', 'RESTORE_EXCLUSIVE_PTE', { restored: true });
    d.call('mm', 'FOLIO_UNLOCK_PUT', { freed: false });
    expect(d.ctx['inv']).toMatchObject({ next: 2, curSeq: 5 });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.value).toBe('finished');
    expect(d.ctx['result']).toBe('done');
    expect(d.ctx['inv']).toBeNull();
    expect(d.ctx['fault']).toBeNull();
  });

  it('E1 (5.14): no reference, MMU_NOTIFY_EXCLUSIVE with owner NULL, plain unlock', () => {
    const d = host(E1, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_LOCK_OR_RETRY', { result: 'locked' });
    expect(d.step('mmu', 'INVALIDATE_RANGE_START')).toMatchObject({ range: { event: 'MMU_NOTIFY_EXCLUSIVE', owner: null } });
    d.ret('mmu', 'INVALIDATE_RANGE_START', { targets: [], curSeq: 4 });
    d.call('mm', 'RESTORE_EXCLUSIVE_PTE', { restored: true });
    d.call('mm', 'FOLIO_UNLOCK', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.calls).toEqual(['HANDLE_MM_FAULT', 'FOLIO_LOCK_OR_RETRY', 'INVALIDATE_RANGE_START', 'RESTORE_EXCLUSIVE_PTE', 'FOLIO_UNLOCK', 'INVALIDATE_RANGE_END']);
    expect(d.ctx['result']).toBe('done');
  });

  it('locked folio with retry allowed: drops the mmap lock, waits, puts the ref, VM_FAULT_RETRY', () => {
    const d = host(E2, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_TRY_GET', { ok: true });
    d.call('mm', 'FOLIO_LOCK_OR_RETRY', { result: 'wait' });
    d.call('mm', 'MMAP_READ_UNLOCK', { ok: true });
    d.call('mm', 'FOLIO_WAIT_UNLOCKED', { ok: true });
    d.call('mm', 'FOLIO_PUT', { freed: false });
    expect(d.ctx['result']).toBe('retry');
  });

  it('E1 retry has no reference to put', () => {
    const d = host(E1, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_LOCK_OR_RETRY', { result: 'wait' });
    d.call('mm', 'MMAP_READ_UNLOCK', { ok: true });
    d.call('mm', 'FOLIO_WAIT_UNLOCKED', { ok: true });
    expect(d.value).toBe('finished');
    expect(d.ctx['result']).toBe('retry');
  });

  it('folio_try_get failing: the entry is gone, return 0', () => {
    const d = host(E2, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_TRY_GET', { ok: false });
    expect(d.ctx['result']).toBe('done');
  });

  it('without retry (GUP, hmm) it sleeps in folio_lock', () => {
    const d = host(E2, 'faultNoRetry');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_TRY_GET', { ok: true });
    d.call('mm', 'FOLIO_LOCK', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_START', { targets: [], curSeq: 2 });
    d.call('mm', 'RESTORE_EXCLUSIVE_PTE', { restored: false });
    d.call('mm', 'FOLIO_UNLOCK_PUT', { freed: false });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.ctx['result']).toBe('done');
  });

  it('mutation restore-before-invalidate writes the PTE before invalidate_range_start', () => {
    const d = host(flagsFor('linux-6.15', ['restore-before-invalidate']), 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_TRY_GET', { ok: true });
    d.call('mm', 'FOLIO_LOCK_OR_RETRY', { result: 'locked' });
    d.call('mm', 'RESTORE_EXCLUSIVE_PTE', { restored: true });
    d.call('mmu', 'INVALIDATE_RANGE_START', { targets: [hlist], curSeq: 2 });
    d.call('gpu0', 'MMU_NOTIFIER_INVALIDATE', { ok: true });
    d.call('mm', 'FOLIO_UNLOCK_PUT', { freed: false });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.ctx['result']).toBe('done');
  });

  it('other dispatches: sigsegv, anonymous page, spurious, wp copy under MMU_NOTIFY_CLEAR', () => {
    let d = host(E2, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'sigsegv', orig: { kind: 'none' } });
    expect(d.ctx['result']).toBe('sigsegv');
    d = host(E2, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_anonymous_page', orig: { kind: 'none' } });
    d.call('mm', 'DO_ANONYMOUS_PAGE', { mapped: true });
    expect(d.ctx['result']).toBe('done');
    d = host(E2, 'fault');
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'spurious', orig: { kind: 'none' } });
    expect(d.ctx['result']).toBe('done');
    d = host(E2, 'fault');
    const ro: Pte = { kind: 'present', pfn: 3, write: false, dirty: true, young: true, softDirty: false, uffdWp: false };
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'do_wp_page', orig: ro });
    expect(d.step('mm', 'DO_WP_PAGE')).toMatchObject({ orig: ro });
    d.ret('mm', 'DO_WP_PAGE', { result: 'copy' });
    expect(d.step('mmu', 'INVALIDATE_RANGE_START')).toMatchObject({ range: { event: 'MMU_NOTIFY_CLEAR', start: 16, end: 17 } });
    d.ret('mmu', 'INVALIDATE_RANGE_START', { targets: [], curSeq: 0 });
    d.call('mm', 'WP_PAGE_COPY', { copied: true });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.ctx['result']).toBe('done');
  });

  it('do_swap_page on a migration entry is not modelled yet', () => {
    const d = host(E2, 'fault');
    d.step('mm', 'HANDLE_MM_FAULT');
    expect(() => d.ret('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: { kind: 'migration', pfn: 3, writable: true, softDirty: false, uffdWp: false } }))
      .toThrow(/migration/);
  });
});

describe('gup', () => {
  it('faults the page in (no retry) and follows again', () => {
    const d = host(E2, 'gup');
    expect(d.step('mm', 'GUP_FOLLOW_PAGE')).toMatchObject({ mm: 0, vpn: 16, write: true });
    d.ret('mm', 'GUP_FOLLOW_PAGE', { kind: 'fault' });
    expect(d.step('mm', 'HANDLE_MM_FAULT')).toMatchObject({ write: true });
    d.ret('mm', 'HANDLE_MM_FAULT', { action: 'do_anonymous_page', orig: { kind: 'none' } });
    d.call('mm', 'DO_ANONYMOUS_PAGE', { mapped: true });
    expect(d.ctx['fault']).toBeNull();
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 9 });
    expect(d.ctx['result']).toEqual({ kind: 'page', pfn: 9 });
  });

  it('SIGSEGV from the fault is -EFAULT; follow errors pass through', () => {
    let d = host(E2, 'gup');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'fault' });
    d.call('mm', 'HANDLE_MM_FAULT', { action: 'sigsegv', orig: { kind: 'none' } });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EFAULT' });
    d = host(E2, 'gup');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'error', errno: '-EOPNOTSUPP' });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EOPNOTSUPP' });
  });
});

describe('makeDeviceExclusive', () => {
  it('E2: GUP, folio_lock, EXCLUSIVE with the owner, convert, end: ok with folio locked', () => {
    const d = host(E2, 'mde');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 7 });
    expect(d.step('mm', 'FOLIO_LOCK')).toMatchObject({ pfn: 7 });
    d.ret('mm', 'FOLIO_LOCK', { ok: true });
    expect(d.step('mmu', 'INVALIDATE_RANGE_START')).toMatchObject({ range: { event: 'MMU_NOTIFY_EXCLUSIVE', owner: 'gpu0', start: 16, end: 17 } });
    d.ret('mmu', 'INVALIDATE_RANGE_START', { targets: [hlist], curSeq: 1 });
    d.call('gpu0', 'MMU_NOTIFIER_INVALIDATE', { ok: true });
    d.call('mm', 'MAKE_DEVICE_EXCLUSIVE_CONVERT', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.value).toBe('finished');
    expect(d.ctx['result']).toEqual({ kind: 'ok', pfn: 7 });
  });

  it('E2: a failed folio walk ends the range, unlocks + puts and goes back to GUP', () => {
    const d = host(E2, 'mde');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 7 });
    d.call('mm', 'FOLIO_LOCK', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_START', { targets: [], curSeq: 1 });
    d.call('mm', 'MAKE_DEVICE_EXCLUSIVE_CONVERT', { ok: false });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    d.call('mm', 'FOLIO_UNLOCK_PUT', { freed: false });
    expect(d.value).toEqual({ path: { getUserPageVmaRemote: 'followPageMask' } });
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'error', errno: '-EFAULT' });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EFAULT' });
  });

  it('E1: trylock failure puts the page and reports -EBUSY', () => {
    const d = host(E1, 'mde');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 7 });
    d.call('mm', 'FOLIO_TRYLOCK', { ok: false });
    d.call('mm', 'FOLIO_PUT', { freed: false });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EBUSY' });
  });

  it('E1: page_make_device_exclusive_one inside the EXCLUSIVE range; failure unlocks + puts, -EBUSY', () => {
    let d = host(E1, 'mde');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 7 });
    d.call('mm', 'FOLIO_TRYLOCK', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_START', { targets: [], curSeq: 1 });
    d.call('mm', 'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    expect(d.ctx['result']).toEqual({ kind: 'ok', pfn: 7 });
    d = host(E1, 'mde');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 7 });
    d.call('mm', 'FOLIO_TRYLOCK', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_START', { targets: [], curSeq: 1 });
    d.call('mm', 'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE', { ok: false });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    d.call('mm', 'FOLIO_UNLOCK_PUT', { freed: false });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EBUSY' });
  });
});

describe('hmmRangeFault', () => {
  it('checks the seq, walks, faults a devExcl page (restore), re-checks and returns the pfn', () => {
    const d = host(E2, 'hrf');
    expect(d.step('mmu', 'MMU_INTERVAL_READ_RETRY')).toMatchObject({ sub: 1, seq: 3 });
    d.ret('mmu', 'MMU_INTERVAL_READ_RETRY', { retry: false });
    expect(d.step('mm', 'HMM_VMA_WALK')).toMatchObject({ fault: true, write: false });
    d.ret('mm', 'HMM_VMA_WALK', { kind: 'fault', write: false });
    expect(d.step('mm', 'HANDLE_MM_FAULT')).toMatchObject({ write: false });
    d.ret('mm', 'HANDLE_MM_FAULT', { action: 'do_swap_page', orig: devExcl });
    d.call('mm', 'FOLIO_TRY_GET', { ok: true });
    d.call('mm', 'FOLIO_LOCK', { ok: true });
    d.call('mmu', 'INVALIDATE_RANGE_START', { targets: [interval], curSeq: 5 });
    d.call('dmirror0', 'MMU_NOTIFIER_INVALIDATE', { ok: true });
    d.call('mm', 'RESTORE_EXCLUSIVE_PTE', { restored: true });
    d.call('mm', 'FOLIO_UNLOCK_PUT', { freed: false });
    d.call('mmu', 'INVALIDATE_RANGE_END', { ok: true });
    d.call('mmu', 'MMU_INTERVAL_READ_RETRY', { retry: true });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EBUSY' });
  });

  it('valid, invalid and -EPERM walks end the path', () => {
    let d = host(E2, 'hrf');
    d.call('mmu', 'MMU_INTERVAL_READ_RETRY', { retry: false });
    d.call('mm', 'HMM_VMA_WALK', { kind: 'valid', pfn: 4, write: true });
    expect(d.ctx['result']).toEqual({ kind: 'ok', pfn: 4, write: true });
    d = host(E2, 'hrf');
    d.call('mmu', 'MMU_INTERVAL_READ_RETRY', { retry: false });
    d.call('mm', 'HMM_VMA_WALK', { kind: 'invalid' });
    expect(d.ctx['result']).toEqual({ kind: 'invalid' });
    d = host(E2, 'hrf');
    d.call('mmu', 'MMU_INTERVAL_READ_RETRY', { retry: false });
    d.call('mm', 'HMM_VMA_WALK', { kind: 'error', errno: '-EPERM' });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EPERM' });
  });
});

describe('makeDeviceExclusive: not anonymous', () => {
  it('E2: a non-anon folio is put back and the result is -EOPNOTSUPP', () => {
    const d = host(E2, 'mde');
    d.call('mm', 'GUP_FOLLOW_PAGE', { kind: 'page', pfn: 7, anon: false });
    expect(d.step('mm', 'FOLIO_PUT')).toMatchObject({ pfn: 7 });
    d.ret('mm', 'FOLIO_PUT', { freed: false });
    expect(d.ctx['result']).toEqual({ kind: 'error', errno: '-EOPNOTSUPP' });
  });
});
