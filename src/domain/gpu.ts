import type { ActorId, Pfn, Vpn } from './ids.js';

/**
 * A GPU PTE in the gp100 PFN format (nvkm/subdev/mmu/vmmgp100.c gp100_vmm_pgt_pfn):
 * VALID, aperture, VOL, RO (no W requested), ATOMIC_DISABLE (no A requested).
 */
export interface GpuPte {
  readonly valid: boolean;
  readonly ro: boolean;
  readonly atomicDisable: boolean;
  readonly aperture: 'host' | 'vram';
  readonly vol: boolean;
  readonly pfn: Pfn;
}

/** Replayable fault access types (nouveau_svm.c FAULT_ACCESS_*). */
export type FaultAccess = 'read' | 'write' | 'atomic' | 'prefetch';

/** One replayable fault buffer entry, as nouveau_svm_fault_cache reads it. */
export interface FaultEntry {
  /** Instance pointer of the faulting channel's context; the model uses the channel's address space (svmm). */
  readonly inst: number;
  readonly addr: Vpn;
  readonly access: FaultAccess;
  readonly gpc: number;
  readonly client: number;
  /** Which channel stalled on it (the hardware knows via gpc/client; the model names it). */
  readonly channel: ActorId;
}

/** GPU access kinds a channel issues. A GPU atomic on host memory is a read step and a write step. */
export type GpuAccess = 'load' | 'store' | 'atomicRead' | 'atomicWrite' | 'prefetch';

/** An atomic whose read half is done and write half pending: PFNCLR must drain it (the TLB invalidate waits). */
export interface InflightAtomic {
  readonly channel: ActorId;
  readonly vpn: Vpn;
  readonly pfn: Pfn;
}

/** The GPU MMU actor's state: its page table (per svmm; one address space per device here) and fault buffer. */
export interface GpuMmuState {
  readonly device: ActorId;
  /** vpn -> GPU PTE for the SVM address space of process mm 0. */
  readonly ptes: Readonly<Record<string, GpuPte>>;
  /** Fault buffer ring: entries between GET and PUT. */
  readonly faultBuffer: readonly FaultEntry[];
  readonly get: number;
  readonly put: number;
  /** The fault interrupt has been posted to the driver and not yet drained. */
  readonly notifyPending: boolean;
  /** Channels stalled on a fault, waiting for replay or cancel. */
  readonly stalled: readonly ActorId[];
  readonly inflight: readonly InflightAtomic[];
}

export function formatGpuPte(p: GpuPte | undefined): string {
  if (p === undefined || !p.valid) return 'invalid';
  return `V${p.ro ? ' RO' : ''}${p.atomicDisable ? ' AD' : ' A'} ${p.aperture.toUpperCase()} pfn=${p.pfn}`;
}
