import type { FaultAccess, FaultEntry } from '../../../src/domain/index.js';
import {
  BATCH_START_MODE,
  nouveauAtomicPfnmap,
  nouveauHmmConvertPfn,
  nouveauSvmFaultMode,
  nouveauSvmFaultNext,
  nouveauSvmFaultSkips,
  physOf,
} from '../../../src/drivers/nouveau/fault.js';

const f = (addr: number, access: FaultAccess, channel = 'ch0'): FaultEntry => ({ inst: 0, addr, access, gpc: 0, client: 0, channel });

describe('nouveau_svm_fault per-fault mode', () => {
  it('maps READ/WRITE/PREFETCH to HMM flags and never resets `atomic` within a batch (H2)', () => {
    const r = nouveauSvmFaultMode('read', BATCH_START_MODE);
    expect(r).toEqual({ atomic: false, hmmFlags: { fault: true, write: false } });
    const a = nouveauSvmFaultMode('atomic', r);
    expect(a.atomic).toBe(true);
    expect(nouveauSvmFaultMode('read', a)).toEqual({ atomic: true, hmmFlags: { fault: true, write: false } });
    expect(nouveauSvmFaultMode('write', a)).toEqual({ atomic: true, hmmFlags: { fault: true, write: true } });
    expect(nouveauSvmFaultMode('prefetch', BATCH_START_MODE)).toEqual({ atomic: false, hmmFlags: { fault: false, write: false } });
  });
});

describe('PFNMAP arguments', () => {
  it('the atomic path asks V|W|A|HOST; the hmm path never A, W only if HMM said writable', () => {
    expect(nouveauAtomicPfnmap(5)).toEqual({ pfn: 5, w: true, a: true, aperture: 'host' });
    expect(nouveauHmmConvertPfn({ valid: true, pfn: 5, write: false })).toEqual({ pfn: 5, w: false, a: false, aperture: 'host' });
    expect(nouveauHmmConvertPfn({ valid: true, pfn: 5, write: true })).toMatchObject({ w: true, a: false });
    expect(nouveauHmmConvertPfn({ valid: false })).toBeNull();
    expect(physOf(null)).toBe(0);
  });
});

describe('skip-ahead', () => {
  const vwa = physOf(nouveauAtomicPfnmap(1));
  const v = physOf({ pfn: 1, w: false, a: false, aperture: 'host' });
  const vw = physOf({ pfn: 1, w: true, a: false, aperture: 'host' });

  it("tests the handled fault's permission, so a READ skips a later WRITE on its page (H3)", () => {
    expect(nouveauSvmFaultSkips(f(16, 'read'), v, 17, f(16, 'write', 'ch1'))).toBe(true);
    expect(nouveauSvmFaultSkips(f(16, 'read'), 0, 17, f(16, 'write', 'ch1'))).toBe(false);
  });

  it('needs W for WRITE and W+A for ATOMIC; PREFETCH skips even when nothing was mapped', () => {
    expect(nouveauSvmFaultSkips(f(16, 'write'), v, 17, f(16, 'atomic'))).toBe(false);
    expect(nouveauSvmFaultSkips(f(16, 'write'), vw, 17, f(16, 'atomic'))).toBe(true);
    expect(nouveauSvmFaultSkips(f(16, 'atomic'), vw, 17, f(16, 'atomic'))).toBe(false);
    expect(nouveauSvmFaultSkips(f(16, 'atomic'), vwa, 17, f(16, 'atomic'))).toBe(true);
    expect(nouveauSvmFaultSkips(f(16, 'prefetch'), 0, 17, f(16, 'read'))).toBe(true);
  });

  it('stops at the window limit and at another instance', () => {
    expect(nouveauSvmFaultSkips(f(16, 'atomic'), vwa, 17, f(17, 'read'))).toBe(false);
    expect(nouveauSvmFaultSkips(f(16, 'atomic'), vwa, 17, { ...f(16, 'read'), inst: 1 })).toBe(false);
  });

  it('returns the index of the next fault to handle', () => {
    const batch = [f(16, 'read', 'a'), f(16, 'write', 'b'), f(16, 'atomic', 'c'), f(17, 'read', 'd')];
    expect(nouveauSvmFaultNext(batch, 0, v, 17)).toBe(3);
    expect(nouveauSvmFaultNext(batch, 0, 0, 17)).toBe(1);
    expect(nouveauSvmFaultNext(batch, 3, v, 18)).toBe(4);
  });
});
