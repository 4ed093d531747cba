import { S1 } from '../../src/invariants/index.js';
import { V, ctxFor, devExcl, dmirrorActor, folio, gpuMmuActor, gpuPte, kernelActor, mm, mmuActor, present, world, zeroPage } from './fixtures.js';

const ctx = ctxFor();
const check = (w: ReturnType<typeof world>): string | null => S1.state?.(ctx, w) ?? null;

describe('S1 atomic exclusion', () => {
  it('passes while the CPU PTE is device-exclusive and the GPU maps the page with atomics', () => {
    const w = world(kernelActor([mm(0, { [V]: devExcl(1) })], [zeroPage, folio(1)]), mmuActor(), gpuMmuActor('gpu0', { [V]: gpuPte(1) }));
    expect(check(w)).toBeNull();
  });

  it('passes when the GPU PTE for a present page has atomics disabled or is read-only', () => {
    const w = world(
      kernelActor([mm(0, { [V]: present(1) })], [zeroPage, folio(1)]),
      mmuActor(),
      gpuMmuActor('gpu0', { [V]: gpuPte(1, { atomicDisable: true }), [V + 1]: gpuPte(1, { ro: true }) }),
    );
    expect(check(w)).toBeNull();
  });

  it('fails when an atomic GPU PTE maps a page the CPU has present, naming both sides', () => {
    const w = world(kernelActor([mm(0, { [V]: present(1) })], [zeroPage, folio(1)]), mmuActor(), gpuMmuActor('gpu0', { [V]: gpuPte(1) }));
    const msg = check(w);
    expect(msg).toContain('gpu0 GPU PTE vpn 16');
    expect(msg).toContain('mm 0 vpn 16');
    expect(msg).toContain('pfn 1');
  });

  it('fails on an in-flight GPU atomic even after its PTE was cleared (PFNCLR without drain)', () => {
    const w = world(
      kernelActor([mm(0, { [V]: present(1) })], [zeroPage, folio(1)]),
      mmuActor(),
      gpuMmuActor('gpu0', { [V]: gpuPte(1, { valid: false }) }, [{ channel: 'ch0', vpn: V, pfn: 1 }]),
    );
    expect(check(w)).toMatch(/in-flight atomic of ch0 on vpn 16.*mm 0 vpn 16/);
  });

  it('fails on a dmirror ATOMIC entry for a page present in a fork child', () => {
    const w = world(
      kernelActor([mm(0, {}), mm(1, { [V]: present(1, { write: false }) })], [zeroPage, folio(1)]),
      mmuActor(),
      dmirrorActor('dmirror0', { [V]: { pfn: 1, tag: 'ATOMIC' } }),
    );
    expect(check(w)).toMatch(/dmirror0 mirror entry vpn 16 = ATOMIC.*mm 1 vpn 16/);
  });

  it('ignores dead mms', () => {
    const w = world(
      kernelActor([mm(0, { [V]: present(1) }, { live: false })], [zeroPage, folio(1)]),
      mmuActor(),
      gpuMmuActor('gpu0', { [V]: gpuPte(1) }),
    );
    expect(check(w)).toBeNull();
  });
});
