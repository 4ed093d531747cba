import type { FaultEntry, GpuMmuState } from '../domain/index.js';

/**
 * The replayable fault buffer ring (nvkm/subdev/fault, read by nouveau_svm_fault): the hardware
 * writes entries at PUT, the driver consumes from GET and writes GET back.
 *
 * Modelling choice: the slots between GET and PUT are kept in order in `faultBuffer`, and an empty
 * ring is rebased to slot 0. Slot numbers are invisible to every actor (nouveau only compares GET
 * with PUT), so worlds that differ only by the ring's rotation are one state for the checker.
 */

/** Ring capacity. Each stalled channel owns at most one entry, so scenarios never fill it. */
export const FAULT_BUFFER_ENTRIES = 64;

export function emptyFaultBuffer(): Pick<GpuMmuState, 'faultBuffer' | 'get' | 'put'> {
  return { faultBuffer: [], get: 0, put: 0 };
}

/** PUT + 1 == GET: the hardware has no slot for another fault and the access keeps waiting. */
export function faultBufferFull(g: GpuMmuState): boolean {
  return g.faultBuffer.length >= FAULT_BUFFER_ENTRIES - 1;
}

// The fault unit writes the entry at PUT and advances PUT.
export function faultBufferPut(g: GpuMmuState, e: FaultEntry): GpuMmuState {
  return { ...g, faultBuffer: [...g.faultBuffer, e], put: (g.put + 1) % FAULT_BUFFER_ENTRIES };
}

/**
 * nouveau_svm_fault(): nouveau_svm_fault_cache() for every slot GET..PUT, then GET = PUT written back
 * (nvif_wr32 getaddr), which also acks the interrupt so the next fault notifies again.
 */
export function faultBufferDrain(g: GpuMmuState): { readonly entries: readonly FaultEntry[]; readonly g: GpuMmuState } {
  return { entries: g.faultBuffer, g: { ...g, ...emptyFaultBuffer(), notifyPending: false } };
}
