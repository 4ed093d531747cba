import {
  faultAccessOf,
  faultClientOf,
  gp100VmmPgtPfn,
  gpuAccessPermitted,
  gpuPfnClear,
  gpuPfnMap,
  inflightIn,
  initialGpuMmuState,
  pfnmapPhys,
  NVIF_VMM_PFNMAP_V0_A,
  NVIF_VMM_PFNMAP_V0_V,
  NVIF_VMM_PFNMAP_V0_W,
} from '../../src/hw/gpuMmu.js';
import { formatGpuPte } from '../../src/domain/index.js';

describe('gp100 PFN PTE bits', () => {
  it('maps V|W|A|HOST as a writable, atomic-enabled volatile host PTE', () => {
    const p = gp100VmmPgtPfn({ pfn: 7, w: true, a: true, aperture: 'host' });
    expect(p).toEqual({ valid: true, ro: false, atomicDisable: false, aperture: 'host', vol: true, pfn: 7 });
    expect(formatGpuPte(p)).toBe('V A HOST pfn=7');
  });

  it('sets RO without W and ATOMIC_DISABLE without A', () => {
    expect(gp100VmmPgtPfn({ pfn: 3, w: false, a: false, aperture: 'host' })).toMatchObject({ ro: true, atomicDisable: true });
    expect(gp100VmmPgtPfn({ pfn: 3, w: true, a: false, aperture: 'vram' })).toMatchObject({ ro: false, atomicDisable: true, vol: false });
  });

  it('encodes the request word like NVIF_VMM_PFNMAP_V0_*', () => {
    expect(pfnmapPhys({ pfn: 1, w: true, a: true, aperture: 'host' })).toBe(NVIF_VMM_PFNMAP_V0_V | NVIF_VMM_PFNMAP_V0_W | NVIF_VMM_PFNMAP_V0_A);
    expect(pfnmapPhys({ pfn: 1, w: false, a: false, aperture: 'vram' })).toBe(0x11);
  });
});

describe('GPU access check', () => {
  const rw = gp100VmmPgtPfn({ pfn: 1, w: true, a: false, aperture: 'host' });
  const ro = gp100VmmPgtPfn({ pfn: 1, w: false, a: false, aperture: 'host' });
  const rwa = gp100VmmPgtPfn({ pfn: 1, w: true, a: true, aperture: 'host' });

  it('faults every access on a missing or invalid PTE', () => {
    for (const a of ['load', 'store', 'atomicRead', 'prefetch'] as const) {
      expect(gpuAccessPermitted(undefined, a)).toBe(false);
      expect(gpuAccessPermitted({ ...rwa, valid: false }, a)).toBe(false);
    }
  });

  it('needs ¬RO for stores and ¬RO ∧ ¬ATOMIC_DISABLE for atomics; prefetch never faults on a valid PTE', () => {
    expect(gpuAccessPermitted(ro, 'load')).toBe(true);
    expect(gpuAccessPermitted(ro, 'prefetch')).toBe(true);
    expect(gpuAccessPermitted(ro, 'store')).toBe(false);
    expect(gpuAccessPermitted(rw, 'store')).toBe(true);
    expect(gpuAccessPermitted(rw, 'atomicRead')).toBe(false);
    expect(gpuAccessPermitted(rwa, 'atomicRead')).toBe(true);
  });

  it('reports the fault access type nouveau reads from info[19:16]', () => {
    expect(faultAccessOf('load')).toBe('read');
    expect(faultAccessOf('store')).toBe('write');
    expect(faultAccessOf('atomicRead')).toBe('atomic');
    expect(faultAccessOf('prefetch')).toBe('prefetch');
    expect(faultClientOf('ch12')).toBe(12);
    expect(faultClientOf('warp')).toBe(0);
  });
});

describe('PFNMAP / PFNCLR on the page table', () => {
  it('clears only [start, end)', () => {
    let g = initialGpuMmuState('gpu0');
    for (const v of [16, 17, 18]) g = gpuPfnMap(g, v, { pfn: v, w: true, a: true, aperture: 'host' });
    g = gpuPfnClear(g, 17, 18);
    expect(Object.keys(g.ptes).sort()).toEqual(['16', '18']);
  });

  it('finds in-flight atomics inside a range', () => {
    const inflight = [{ channel: 'ch0', vpn: 17, pfn: 2 }];
    expect(inflightIn(inflight, 16, 17)).toEqual([]);
    expect(inflightIn(inflight, 17, 18)).toEqual(inflight);
  });
});
