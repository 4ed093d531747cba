import type { Pte, World } from '../../src/domain/index.js';
import { S7, S8, S9, S13 } from '../../src/invariants/index.js';
import type { Delivery } from '../../src/runtime/stepTypes.js';
import { V, ctxFor, devExcl, folio, gpuMmuActor, kernelActor, mm, mmuActor, nouveauActor, present, range, world, zeroPage } from './fixtures.js';
import type { MmuNotifierRange } from '../../src/domain/index.js';

const ctx = ctxFor();
interface Opts {
  readonly ranges?: readonly MmuNotifierRange[];
  readonly svmmMutex?: string | null;
  readonly child?: Pte;
  /** The fault's read_begin seq and its interval sub's current seq. */
  readonly seqs?: { readonly read: number; readonly now: number };
}
function kw(pte: Pte | null, opts: Opts = {}): World {
  const mms = [mm(0, pte === null ? {} : { [V]: pte }), ...(opts.child === undefined ? [] : [mm(1, { [V]: opts.child })])];
  const sub = { id: 7, mm: 0, driver: 'gpu0', start: V, end: V + 1, seq: opts.seqs?.now ?? 1 };
  return world(
    kernelActor(mms, [zeroPage, folio(1, { refcount: 2 })]),
    mmuActor(opts.ranges ?? [], [sub]),
    nouveauActor('gpu0', { nouveauAtomicRangeFault: 'pfnmap' }, opts.svmmMutex === undefined ? 'worker' : opts.svmmMutex, { sub: 7, seq: opts.seqs?.read ?? 1 }),
    gpuMmuActor('gpu0', {}),
  );
}
const call = (to: string, event: Delivery['event']): Delivery => ({ to, mode: 'call', event });
const restore = (orig: Pte): readonly Delivery[] => [
  { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
  call('mm', { type: 'RESTORE_EXCLUSIVE_PTE', from: 'cpu0', mm: 0, vpn: V, orig, pfn: 1 }),
];
const restored = present(1, { young: false });

describe('S7 guarded restore', () => {
  it('passes: the PTE was pte_same(orig) and got restored; or it differed and was left alone', () => {
    expect(S7.step?.(ctx, kw(devExcl(1)), restore(devExcl(1)), kw(restored))).toBeNull();
    expect(S7.step?.(ctx, kw(present(1)), restore(devExcl(1)), kw(present(1)))).toBeNull();
  });

  it('fails: the restore overwrote a PTE that was no longer pte_same (fault-skips-pte-same)', () => {
    expect(S7.step?.(ctx, kw(null), restore(devExcl(1)), kw(restored))).toContain('but the PTE was none (not pte_same)');
    // A field differs (the 5.14 mprotect downgrade of a WRITE entry): still not pte_same.
    expect(S7.step?.(ctx, kw(devExcl(1)), restore(devExcl(1, { writable: true })), kw(restored))).toContain('not pte_same');
  });
});

describe('S8 notify-before-change', () => {
  const win = [range(V, V + 1)];
  it('passes: devExcl → present inside a window covering the page', () => {
    expect(S8.step?.(ctx, kw(devExcl(1), { ranges: win }), restore(devExcl(1)), kw(restored, { ranges: win }))).toBeNull();
  });

  it('passes: changes that do not involve a devExcl entry need no window', () => {
    expect(S8.step?.(ctx, kw(null), [], kw(present(1)))).toBeNull();
  });

  it('fails: restore before invalidate_range_start (restore-before-invalidate)', () => {
    expect(S8.step?.(ctx, kw(devExcl(1)), restore(devExcl(1)), kw(restored))).toBe(
      'mm 0 vpn 16 changed devExcl(pfn=1) → present(pfn=1 W D) with no invalidate_range_start..end window of mm 0 covering it',
    );
  });

  it('fails: a window of another page or another mm does not count; conversion needs one too', () => {
    expect(S8.step?.(ctx, kw(devExcl(1), { ranges: [range(V + 1, V + 2)] }), [], kw(restored))).not.toBeNull();
    expect(S8.step?.(ctx, kw(devExcl(1), { ranges: [range(V, V + 1, { mm: 1 })] }), [], kw(restored))).not.toBeNull();
    expect(S8.step?.(ctx, kw(present(1)), [], kw(devExcl(1)))).toContain('present(pfn=1 W D Y) → devExcl(pfn=1)');
  });

  it("exempts fork's try_restore_exclusive_pte in the parent, but not a devExcl entry in the child", () => {
    const fork: readonly Delivery[] = [call('mm', { type: 'COPY_PAGE_RANGE', from: 'cpu0', mm: 0 })];
    expect(S8.step?.(ctx, kw(devExcl(1)), fork, kw(present(1, { write: false })))).toBeNull();
    expect(S8.step?.(ctx, kw(devExcl(1)), fork, kw(present(1, { write: false }), { child: devExcl(1) }))).toContain('mm 1 vpn 16');
  });
});

const pfnmap = (a: boolean): readonly Delivery[] => [
  { to: 'gpu0', mode: 'step', event: { type: 'STEP', from: 'gpu0' } },
  call('gpu0.mmu', { type: 'PFNMAP', from: 'gpu0', vpn: V, pfn: 1, w: true, a, aperture: 'host' }),
];

describe('S9 collision-retry discipline', () => {
  it('passes: PFNMAP while the fault worker holds svmm->mutex', () => {
    expect(S9.step?.(ctx, kw(devExcl(1)), pfnmap(true), kw(devExcl(1)))).toBeNull();
  });

  it('fails: PFNMAP with svmm->mutex free or held by someone else', () => {
    expect(S9.step?.(ctx, kw(devExcl(1), { svmmMutex: null }), pfnmap(true), kw(devExcl(1)))).toContain('while svmm->mutex is free');
    expect(S9.step?.(ctx, kw(present(1), { svmmMutex: 'cpu0' }), pfnmap(false), kw(present(1)))).toContain('held by cpu0');
  });

  it('fails: PFNMAP although an invalidation changed the seq since read_begin (driver-skips-seq-retry)', () => {
    expect(S9.step?.(ctx, kw(devExcl(1), { seqs: { read: 1, now: 3 } }), pfnmap(true), kw(devExcl(1)))).toBe(
      "gpu0 issued PFNMAP vpn 16 → pfn 1 to gpu0.mmu although mmu_interval_read_retry(seq 1) is true: an invalidation set interval sub 7's seq to 3",
    );
    expect(S9.step?.(ctx, kw(devExcl(1), { seqs: { read: 3, now: 3 } }), pfnmap(true), kw(devExcl(1)))).toBeNull();
  });
});

describe('S13 GPU atomics only on device-exclusive pages', () => {
  it('passes: V|W|A on a devExcl page of the same pfn; a non-atomic map of a present page', () => {
    expect(S13.step?.(ctx, kw(devExcl(1)), pfnmap(true), kw(devExcl(1)))).toBeNull();
    expect(S13.step?.(ctx, kw(present(1)), pfnmap(false), kw(present(1)))).toBeNull();
  });

  it('fails: V|W|A while the CPU PTE is present again (driver-skips-seq-retry) or names another pfn', () => {
    expect(S13.step?.(ctx, kw(present(1)), pfnmap(true), kw(present(1)))).toBe(
      'gpu0 mapped vpn 16 → pfn 1 with atomics (V W A) on gpu0.mmu, but mm 0 vpn 16 is present(pfn=1 W D Y), not devExcl(pfn=1)',
    );
    expect(S13.step?.(ctx, kw(devExcl(2)), pfnmap(true), kw(devExcl(2)))).toContain('devExcl(pfn=2)');
  });
});
