import { S6 } from '../../src/invariants/index.js';
import { V, ctxFor, devExcl, dmirrorActor, folio, gpuMmuActor, gpuPte, kernelActor, mm, mmuActor, present, world, zeroPage } from './fixtures.js';
import type { ActorSnap, Folio, Pte } from '../../src/domain/index.js';

const ctx = ctxFor('linux-5.14');
function w(f: Folio, ptes: Readonly<Record<number, Pte>> = {}, ...extra: ActorSnap[]) {
  return world(kernelActor([mm(0, ptes)], [zeroPage, f]), mmuActor(), gpuMmuActor('gpu0', {}), dmirrorActor('dmirror0', {}), ...extra);
}
const freed = folio(1, { refcount: 0, mapcount: 0 });
const check = (x: ReturnType<typeof w>): string | null => S6.state?.(ctx, x) ?? null;

describe('S6 no use-after-free', () => {
  it('passes: a freed folio nobody references; a live folio locked with waiters', () => {
    expect(check(w(freed))).toBeNull();
    expect(check(w(folio(1, { locked: 'cpu0', waiters: ['cpu1'] }), { [V]: present(1) }))).toBeNull();
  });

  it('fails: a thread sleeps on the lock of a freed folio (5.14 restore without a reference, §5 #3)', () => {
    expect(check(w({ ...freed, waiters: ['cpu1'] }))).toBe('pfn 1 (refcount 0) is freed but cpu1 sleep(s) on its lock');
    expect(check(w({ ...freed, locked: 'cpu1' }))).toBe('pfn 1 (refcount 0) is freed but locked by cpu1');
  });

  it('fails: a CPU entry, a GPU PTE or a dmirror entry still maps a freed folio', () => {
    expect(check(w(freed, { [V]: devExcl(1) }))).toContain('mm 0 vpn 16 still maps it: devExcl(pfn=1)');
    expect(check(w(freed, {}, gpuMmuActor('gpu1', { [V]: gpuPte(1, { atomicDisable: true }) })))).toContain('gpu1 GPU PTE vpn 16');
    expect(check(w(freed, {}, dmirrorActor('dmirror1', { [V]: { pfn: 1, tag: 'ATOMIC' } })))).toContain('dmirror1 mirror entry vpn 16 (ATOMIC)');
  });

  it('ignores an invalid GPU PTE that still names the pfn', () => {
    expect(check(w(freed, {}, gpuMmuActor('gpu1', { [V]: gpuPte(1, { valid: false }) })))).toBeNull();
  });
});
