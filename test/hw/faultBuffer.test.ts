import { FAULT_BUFFER_ENTRIES, faultBufferDrain, faultBufferFull, faultBufferPut } from '../../src/hw/faultBuffer.js';
import { initialGpuMmuState } from '../../src/hw/gpuMmu.js';
import type { FaultEntry } from '../../src/domain/index.js';

const entry = (addr: number, channel = 'ch0'): FaultEntry => ({ inst: 0, addr, access: 'read', gpc: 0, client: 0, channel });

describe('replayable fault buffer ring', () => {
  it('appends at PUT and drains GET..PUT in order, leaving GET = PUT', () => {
    let g = initialGpuMmuState('gpu0');
    g = faultBufferPut(g, entry(16));
    g = faultBufferPut(g, entry(17, 'ch1'));
    expect(g.put).toBe(2);
    expect(g.get).toBe(0);
    const d = faultBufferDrain({ ...g, notifyPending: true });
    expect(d.entries.map((e) => e.addr)).toEqual([16, 17]);
    expect(d.g.faultBuffer).toEqual([]);
    expect(d.g.get).toBe(d.g.put);
    expect(d.g.notifyPending).toBe(false);
  });

  it('is full one slot before wrapping onto GET', () => {
    let g = initialGpuMmuState('gpu0');
    for (let i = 0; i < FAULT_BUFFER_ENTRIES - 2; i++) g = faultBufferPut(g, entry(i));
    expect(faultBufferFull(g)).toBe(false);
    g = faultBufferPut(g, entry(99));
    expect(faultBufferFull(g)).toBe(true);
  });
});
