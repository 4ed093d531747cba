import { flagsFor, type MmuNotifierRange } from '../../../src/domain/index.js';
import { nouveauNotifierCallback, nouveauSvmmInvalidateRangeStart, nouveauSvmRangeInvalidate } from '../../../src/drivers/nouveau/callbacks.js';

const range = (event: MmuNotifierRange['event'], owner: string | null, blockable = true): MmuNotifierRange => ({
  mm: 0, start: 16, end: 17, event, owner, blockable,
});
const f615 = flagsFor('linux-6.15', []);

describe('nouveau_svmm_invalidate_range_start (hlist)', () => {
  it('PFNCLRs the range, including its own EXCLUSIVE conversion (no EXCLUSIVE filter)', () => {
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_EXCLUSIVE', 'gpu0'), 'gpu0', f615, true)).toEqual({ kind: 'pfnclr', start: 16, end: 17 });
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_CLEAR', null), 'gpu0', f615, true)).toEqual({ kind: 'pfnclr', start: 16, end: 17 });
  });

  it('ignores only its own MIGRATE, and only under the mutex', () => {
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_MIGRATE', 'gpu0'), 'gpu0', f615, true)).toEqual({ kind: 'return', ok: true });
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_MIGRATE', 'gpu0'), 'gpu0', f615, false)).toEqual({ kind: 'block' });
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_MIGRATE', 'gpu1'), 'gpu0', f615, true).kind).toBe('pfnclr');
  });

  it('blocks on a held mutex and returns -EAGAIN for a non-blockable range', () => {
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_CLEAR', null), 'gpu0', f615, false)).toEqual({ kind: 'block' });
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_CLEAR', null, false), 'gpu0', f615, true)).toEqual({ kind: 'return', ok: false });
  });

  it('does nothing under driver-ignores-invalidate', () => {
    const m = flagsFor('linux-6.15', ['driver-ignores-invalidate']);
    expect(nouveauSvmmInvalidateRangeStart(range('MMU_NOTIFY_CLEAR', null), 'gpu0', m, false)).toEqual({ kind: 'return', ok: true });
  });
});

describe('nouveau_svm_range_invalidate (interval)', () => {
  it('filters its own EXCLUSIVE event before taking the mutex', () => {
    expect(nouveauSvmRangeInvalidate(4, range('MMU_NOTIFY_EXCLUSIVE', 'gpu0'), 7, 'gpu0', f615, false)).toEqual({ kind: 'return', ok: true });
  });

  it('sets the seq for every other event: CLEAR, EXCLUSIVE/NULL (5.14 restore), another device', () => {
    for (const r of [range('MMU_NOTIFY_CLEAR', null), range('MMU_NOTIFY_EXCLUSIVE', null), range('MMU_NOTIFY_EXCLUSIVE', 'gpu1')]) {
      expect(nouveauSvmRangeInvalidate(4, r, 7, 'gpu0', f615, true)).toEqual({ kind: 'setSeq', sub: 4, seq: 7 });
    }
  });

  it('sets the seq on its own EXCLUSIVE under driver-no-owner-filter (the L3 livelock)', () => {
    const m = flagsFor('linux-6.15', ['driver-no-owner-filter']);
    expect(nouveauSvmRangeInvalidate(4, range('MMU_NOTIFY_EXCLUSIVE', 'gpu0'), 7, 'gpu0', m, true)).toEqual({ kind: 'setSeq', sub: 4, seq: 7 });
  });

  it('blocks when blockable, fails the trylock otherwise; ignores everything under driver-ignores-invalidate', () => {
    expect(nouveauSvmRangeInvalidate(4, range('MMU_NOTIFY_CLEAR', null), 7, 'gpu0', f615, false)).toEqual({ kind: 'block' });
    expect(nouveauSvmRangeInvalidate(4, range('MMU_NOTIFY_CLEAR', null, false), 7, 'gpu0', f615, false)).toEqual({ kind: 'return', ok: false });
    const m = flagsFor('linux-5.14', ['driver-ignores-invalidate']);
    expect(nouveauSvmRangeInvalidate(4, range('MMU_NOTIFY_CLEAR', null), 7, 'gpu0', m, true)).toEqual({ kind: 'return', ok: true });
  });

  it('dispatches on the subscription kind', () => {
    expect(nouveauNotifierCallback({ kind: 'interval', sub: 2, driver: 'gpu0' }, range('MMU_NOTIFY_CLEAR', null), 9, 'gpu0', f615, true))
      .toEqual({ kind: 'setSeq', sub: 2, seq: 9 });
    expect(nouveauNotifierCallback({ kind: 'hlist', driver: 'gpu0' }, range('MMU_NOTIFY_CLEAR', null), 9, 'gpu0', f615, true).kind).toBe('pfnclr');
  });
});
