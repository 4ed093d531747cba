import { flagsFor, type GpuMmuState } from '../../src/domain/index.js';
import { createGpuMmuMachine } from '../../machines/gpuMmu.machine.js';
import { createGpuChannelMachine } from '../../machines/gpuChannel.machine.js';
import { harness, hostMemory, scriptedDriver, type ScriptedCall } from './gpuHarness.js';

const flags = flagsFor('linux-6.15', []);

function setupWorld(script: readonly ScriptedCall[], program: readonly unknown[], mem: Record<string, number> = { '3:0': 41 }) {
  return harness([
    { id: 'mm', kind: 'kernelMm', machine: hostMemory, input: { self: 'mm', mem } },
    { id: 'gpu0', kind: 'nouveauSvm', machine: scriptedDriver, input: { self: 'gpu0', script } },
    { id: 'gpu0.mmu', kind: 'gpuMmu', machine: createGpuMmuMachine(flags), input: { self: 'gpu0.mmu', driver: 'gpu0' } },
    { id: 'ch0', kind: 'gpuChannel', machine: createGpuChannelMachine(flags), input: { self: 'ch0', mmu: 'gpu0.mmu', program } },
  ]);
}
const MAP_ATOMIC: ScriptedCall = { to: 'gpu0.mmu', call: 'PFNMAP', args: { vpn: 16, pfn: 3, w: true, a: true, aperture: 'host' } };
const mem = (h: ReturnType<typeof setupWorld>) => h.ctx<{ mem: Record<string, number> }>('mm').mem;

describe('gpuChannel', () => {
  it('stalls on a fault, is replayed, and completes its atomicAdd as a read step then a write step', () => {
    const h = setupWorld(
      [{ to: 'gpu0.mmu', call: 'FAULT_BUFFER_DRAIN', args: {} }, MAP_ATOMIC, { to: 'gpu0.mmu', call: 'FAULT_REPLAY', args: {} }],
      [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }],
    );
    h.run('ch0');
    expect(h.actor('ch0').value).toBe('stalled');
    expect(h.enabled('ch0')).toBe(false);
    h.run('gpu0');
    h.run('gpu0');
    h.run('gpu0');
    expect(h.ctx<{ g: GpuMmuState }>('gpu0.mmu').g.stalled).toEqual([]);
    expect(h.world.net.filter((m) => m.to === 'ch0')).toEqual([{ to: 'ch0', event: { type: 'GPU_REPLAY', from: 'gpu0.mmu' } }]);
    h.run('ch0<gpu0.mmu'); // the replayed access is the read half
    expect(h.ctx<{ pending: unknown; pc: number }>('ch0')).toMatchObject({ pending: { old: 41 }, pc: 0 });
    expect(mem(h)['3:0']).toBe(41);
    h.run('ch0');
    expect(mem(h)['3:0']).toBe(42);
    expect(h.actor('ch0').value).toBe('done');
    expect(h.enabled('ch0')).toBe(false);
  });

  it('is killed by a fault cancel', () => {
    const h = setupWorld([{ to: 'gpu0.mmu', call: 'FAULT_CANCEL', args: { channel: 'ch0' } }], [{ op: 'store', vpn: 16, word: 0, value: 9 }]);
    h.run('ch0');
    h.run('gpu0');
    h.run('ch0<gpu0.mmu');
    expect(h.actor('ch0').value).toBe('killed');
    expect(mem(h)['3:0']).toBe(41);
  });

  it('computes the CAS result from the value read; a failed compare writes the old value back', () => {
    const h = setupWorld([MAP_ATOMIC], [
      { op: 'atomicCas', vpn: 16, word: 0, expectOld: 41, value: 7 },
      { op: 'atomicCas', vpn: 16, word: 0, expectOld: 41, value: 8 },
      { op: 'load', vpn: 16, word: 0, expect: { value: 9 } },
    ]);
    h.run('gpu0');
    h.run('ch0');
    h.run('ch0');
    expect(mem(h)['3:0']).toBe(7);
    h.run('ch0');
    h.run('ch0');
    expect(mem(h)['3:0']).toBe(7);
    h.run('ch0');
    expect(h.ctx<{ expectFailures: unknown[] }>('ch0').expectFailures).toEqual([{ pc: 2, op: 'load', expected: '9', got: '7' }]);
    expect(h.actor('ch0').value).toBe('done');
  });

  it('starts done with an empty program and ignores a replay when not stalled', () => {
    const h = setupWorld([], []);
    expect(h.actor('ch0').value).toBe('done');
    const h2 = setupWorld([MAP_ATOMIC], [{ op: 'prefetch', vpn: 16, word: 0 }, { op: 'load', vpn: 16, word: 0 }]);
    h2.run('gpu0');
    h2.world = { ...h2.world, net: [{ to: 'ch0', event: { type: 'GPU_REPLAY', from: 'gpu0.mmu' } }] };
    h2.run('ch0<gpu0.mmu');
    expect(h2.actor('ch0').value).toBe('issuing');
    expect(h2.ctx<{ pc: number }>('ch0').pc).toBe(0);
    h2.run('ch0');
    h2.run('ch0');
    expect(h2.actor('ch0').value).toBe('done');
  });
});
