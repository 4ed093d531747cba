import type { ActorId, MmId, SubId, Vpn } from './ids.js';
import type { DmirrorCmd } from './messages.js';

/** Where the scenario's regions live: page-granular, from REGION_BASE_VPN, one guard page between regions. */
export const REGION_BASE_VPN: Vpn = 16;

export interface RegionLayout {
  readonly id: string;
  readonly start: Vpn;
  readonly pages: number;
  readonly wordsPerPage: number;
  readonly write: boolean;
  readonly shared: boolean;
  readonly populate: 'write' | 'read' | 'none';
  /** Initial words, page-major. */
  readonly init: readonly number[];
  readonly thp: boolean;
  readonly hugetlb: boolean;
}

export interface Layout {
  readonly regions: readonly RegionLayout[];
}

/** A word address after layout: the page and the word inside it. */
export interface WordAddr {
  readonly vpn: Vpn;
  readonly word: number;
}

/** An expected syscall/ioctl return ("0", "-EPERM", ...) or loaded value; a mismatch is `op-expectation`. */
export interface OpExpect {
  readonly value?: number;
  readonly ret?: string;
}

/** CPU program ops, resolved against the layout. `add` is a plain load then a store: two steps. */
export type CpuOp =
  | ({ readonly op: 'load' } & WordAddr & { readonly expect?: OpExpect })
  | ({ readonly op: 'store' | 'add' | 'atomicAdd'; readonly value: number } & WordAddr & { readonly expect?: OpExpect })
  | { readonly op: 'fork'; readonly expect?: OpExpect }
  | { readonly op: 'mprotect'; readonly start: Vpn; readonly end: Vpn; readonly write: boolean; readonly expect?: OpExpect }
  | { readonly op: 'munmap' | 'madviseDontneed'; readonly start: Vpn; readonly end: Vpn; readonly expect?: OpExpect }
  | { readonly op: 'clearRefs' | 'exit'; readonly expect?: OpExpect }
  | {
      readonly op: 'dmirror';
      readonly cmd: DmirrorCmd;
      readonly device: ActorId;
      readonly start: Vpn;
      readonly npages: number;
      readonly expect?: OpExpect;
    };

/** GPU channel program ops, resolved. A GPU atomic on host memory is a read step and a write step. */
export type GpuOp =
  | ({ readonly op: 'load' | 'prefetch' } & WordAddr & { readonly expect?: OpExpect })
  | ({ readonly op: 'store' | 'atomicAdd'; readonly value: number } & WordAddr & { readonly expect?: OpExpect })
  | ({ readonly op: 'atomicCas'; readonly expectOld: number; readonly value: number } & WordAddr & { readonly expect?: OpExpect });

/** A failed op expectation, kept in the actor's context for the `op-expectation` property. */
export interface ExpectFailure {
  readonly pc: number;
  readonly op: string;
  readonly expected: string;
  readonly got: string;
}

/** Inputs of the machines (the World is built from these). */
export interface CpuThreadInput {
  readonly self: ActorId;
  readonly mm: MmId;
  readonly program: readonly CpuOp[];
  /** The pre-allocated actor that becomes the child after fork (null if the program has no fork). */
  readonly child: ActorId | null;
  /** false for a fork child: it waits for FORK_CHILD_START. */
  readonly started: boolean;
}
export interface GpuChannelInput {
  readonly self: ActorId;
  readonly mmu: ActorId;
  readonly program: readonly GpuOp[];
}
export interface NouveauSvmInput {
  readonly self: ActorId;
  readonly gpuMmu: ActorId;
  readonly mm: MmId;
}
export interface GpuMmuInput {
  readonly self: ActorId;
  /** The driver actor the fault interrupt goes to. */
  readonly driver: ActorId;
}
export interface DmirrorInput {
  readonly self: ActorId;
  readonly mm: MmId;
  /** dmirror_fops_open's mmu_interval_notifier over the whole address space, inserted at world construction. */
  readonly sub: SubId;
}
