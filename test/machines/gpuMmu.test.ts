import { flagsFor, type GpuMmuState } from '../../src/domain/index.js';
import { createGpuMmuMachine } from '../../machines/gpuMmu.machine.js';
import { createGpuChannelMachine } from '../../machines/gpuChannel.machine.js';
import { harness, hostMemory, scriptedDriver, type ScriptedCall } from './gpuHarness.js';


const mmu = (flags = flagsFor('linux-6.15', [])) => createGpuMmuMachine(flags);
const ch = createGpuChannelMachine(flagsFor('linux-6.15', []));

function setupWorld(script: readonly ScriptedCall[], program: readonly unknown[], mutations: Parameters<typeof flagsFor>[1] = []) {
  return harness([
    { id: 'mm', kind: 'kernelMm', machine: hostMemory, input: { self: 'mm', mem: { '3:0': 41 } } },
    { id: 'gpu0', kind: 'nouveauSvm', machine: scriptedDriver, input: { self: 'gpu0', script } },
    { id: 'gpu0.mmu', kind: 'gpuMmu', machine: mmu(flagsFor('linux-6.15', mutations)), input: { self: 'gpu0.mmu', driver: 'gpu0' } },
    { id: 'ch0', kind: 'gpuChannel', machine: ch, input: { self: 'ch0', mmu: 'gpu0.mmu', program } },
  ]);
}

const MAP_ATOMIC: ScriptedCall = { to: 'gpu0.mmu', call: 'PFNMAP', args: { vpn: 16, pfn: 3, w: true, a: true, aperture: 'host' } };
const g = (h: ReturnType<typeof setupWorld>) => h.ctx<{ g: GpuMmuState }>('gpu0.mmu').g;

describe('gpuMmu', () => {
  it('faults an unmapped access into the fault buffer, stalls the channel and notifies the driver once', () => {
    const h = setupWorld([], [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }]);
    h.run('ch0');
    expect(h.actor('ch0').value).toBe('stalled');
    expect(g(h).faultBuffer).toEqual([{ inst: 0, addr: 16, access: 'atomic', gpc: 0, client: 0, channel: 'ch0' }]);
    expect(g(h).stalled).toEqual(['ch0']);
    expect(g(h).notifyPending).toBe(true);
    expect(h.world.net).toEqual([{ to: 'gpu0', event: { type: 'NOUVEAU_SVM_EVENT', from: 'gpu0.mmu' } }]);
  });

  it('PFNMAP writes V|W|A; a read-only mapping makes a store fault with access write', () => {
    const h = setupWorld([{ to: 'gpu0.mmu', call: 'PFNMAP', args: { vpn: 16, pfn: 3, w: false, a: false, aperture: 'host' } }], [
      { op: 'load', vpn: 16, word: 0, expect: { value: 41 } },
      { op: 'store', vpn: 16, word: 0, value: 1 },
    ]);
    h.run('gpu0');
    expect(g(h).ptes['16']).toEqual({ valid: true, ro: true, atomicDisable: true, aperture: 'host', vol: true, pfn: 3 });
    h.run('ch0');
    expect(h.ctx<{ pc: number; expectFailures: unknown[] }>('ch0')).toMatchObject({ pc: 1, expectFailures: [] });
    h.run('ch0');
    expect(h.actor('ch0').value).toBe('stalled');
    expect(g(h).faultBuffer[0]?.access).toBe('write');
  });

  it('PFNCLR waits for an in-flight atomic to drain, then clears VALID', () => {
    const h = setupWorld([MAP_ATOMIC, { to: 'gpu0.mmu', call: 'PFNCLR', args: { start: 16, end: 17 } }], [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }]);
    h.run('gpu0');
    h.run('ch0'); // atomicRead: 41, translation now in flight
    expect(g(h).inflight).toEqual([{ channel: 'ch0', vpn: 16, pfn: 3 }]);
    expect(h.enabled('gpu0')).toBe(false);
    h.run('ch0'); // atomicWrite 42
    expect(g(h).inflight).toEqual([]);
    expect(h.ctx<{ mem: Record<string, number> }>('mm').mem['3:0']).toBe(42);
    h.run('gpu0');
    expect(g(h).ptes['16']).toBeUndefined();
    expect(h.actor('ch0').value).toBe('done');
  });

  it('gpu-clear-no-drain: PFNCLR returns while the atomic is in flight; the write half still lands', () => {
    const h = setupWorld([MAP_ATOMIC, { to: 'gpu0.mmu', call: 'PFNCLR', args: { start: 16, end: 17 } }], [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }], ['gpu-clear-no-drain']);
    h.run('gpu0');
    h.run('ch0');
    expect(h.enabled('gpu0')).toBe(true);
    h.run('gpu0');
    expect(g(h).ptes['16']).toBeUndefined();
    h.run('ch0');
    expect(h.ctx<{ mem: Record<string, number> }>('mm').mem['3:0']).toBe(42);
  });

  it('FAULT_BUFFER_DRAIN hands GET..PUT to the driver and re-arms the interrupt', () => {
    const h = setupWorld([{ to: 'gpu0.mmu', call: 'FAULT_BUFFER_DRAIN', args: {} }], [{ op: 'load', vpn: 16, word: 0 }]);
    h.run('ch0');
    h.run('gpu0');
    expect(h.ctx<{ rets: unknown[] }>('gpu0').rets).toEqual([{ entries: [{ inst: 0, addr: 16, access: 'read', gpc: 0, client: 0, channel: 'ch0' }] }]);
    expect(g(h)).toMatchObject({ faultBuffer: [], notifyPending: false, stalled: ['ch0'] });
    expect(g(h).get).toBe(g(h).put);
  });
});
