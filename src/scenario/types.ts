/**
 * The validated scenario: the input of every run, exploration and trace (contract.md, "Scenario
 * file (JSON)"). Every default is filled in by `validateScenario`, so consumers never guess, and a
 * trace that embeds the scenario replays the same way whatever defaults later versions choose.
 */

export type Driver = 'nouveau' | 'dmirror';
export type Mapping = 'private-anon' | 'shared';
export type Prot = 'rw' | 'r';
/** `write`: present, writable, dirty; `read`: the shared zero page mapped; `none`: no PTE. */
export type Populate = 'write' | 'read' | 'none';

export interface Device {
  readonly id: string;
  readonly driver: Driver;
}

export interface Region {
  readonly id: string;
  readonly pages: number;
  readonly wordsPerPage: number;
  readonly mapping: Mapping;
  readonly prot: Prot;
  readonly populate: Populate;
  /** One value per word, `pages * wordsPerPage` long, page-major. */
  readonly init: readonly number[];
  /** Backed by a PMD-mapped THP (domain.md §6 T11). */
  readonly thp?: boolean;
  /** MAP_HUGETLB (domain.md §6 T12). */
  readonly hugetlb?: boolean;
}

/**
 * What an op must observe; a mismatch is the `op-expectation` violation. `value` is what a load
 * reads; `ret` is a syscall's or ioctl's result as the selftests print it: "0", "-EPERM", ...
 */
export interface OpExpect {
  readonly value?: number;
  readonly ret?: string;
}

/** `at` is `region:word`; see `parseAt`. */
export type CpuOp =
  | { readonly op: 'load'; readonly at: string; readonly expect?: OpExpect }
  | { readonly op: 'store'; readonly at: string; readonly value: number; readonly expect?: OpExpect }
  /** A plain `ptr[i] += v`: a load and a store, two steps another actor can come between. */
  | { readonly op: 'add'; readonly at: string; readonly value: number; readonly expect?: OpExpect }
  | { readonly op: 'atomicAdd'; readonly at: string; readonly value: number; readonly expect?: OpExpect }
  /** The child runs the rest of the same program, as both processes do after fork(2) in hmm-tests.c. */
  | { readonly op: 'fork'; readonly expect?: OpExpect }
  | { readonly op: 'mprotect'; readonly region: string; readonly prot: Prot; readonly expect?: OpExpect }
  | { readonly op: 'munmap'; readonly region: string; readonly expect?: OpExpect }
  | { readonly op: 'madviseDontneed'; readonly region: string; readonly expect?: OpExpect }
  /** `echo 4 > /proc/pid/clear_refs`: soft-dirty clear, an invalidation that needs no folio lock. */
  | { readonly op: 'clearRefs'; readonly expect?: OpExpect }
  | { readonly op: 'exit'; readonly expect?: OpExpect }
  | DmirrorOp;

/** lib/test_hmm.c ioctls; `device` is filled with the first dmirror device when the file omits it. */
export type DmirrorOp = {
  readonly op: 'dmirrorExclusive' | 'dmirrorCheckExclusive' | 'dmirrorRead' | 'dmirrorWrite';
  readonly region: string;
  readonly device: string;
  readonly expect?: OpExpect;
};

/** What a GPU load must read. */
export interface GpuExpect {
  readonly value: number;
}

export type GpuOp =
  | { readonly op: 'load'; readonly at: string; readonly expect?: GpuExpect }
  | { readonly op: 'store'; readonly at: string; readonly value: number }
  | { readonly op: 'atomicAdd'; readonly at: string; readonly value: number }
  /** `expect` here is the compare operand of the CAS, not an observation. */
  | { readonly op: 'atomicCas'; readonly at: string; readonly expect: number; readonly value: number }
  | { readonly op: 'prefetch'; readonly at: string };

/** Background kernel activity that runs concurrently with the programs. */
export interface KernelOp {
  readonly op: 'migrate' | 'reclaim' | 'ksmMerge' | 'numaScan' | 'mkclean';
  readonly region: string;
}

export interface CpuThread {
  readonly id: string;
  readonly program: readonly CpuOp[];
}

export interface GpuChannel {
  readonly id: string;
  /** Id of a `nouveau` device. */
  readonly device: string;
  readonly program: readonly GpuOp[];
}

export interface Check {
  /** `all`, or ids such as `S1`, `deadlock`, `op-expectation`, `gpu-progress`. */
  readonly invariants: 'all' | readonly string[];
  readonly liveness: boolean;
  /**
   * Iterations of the drivers' retry loops before HMM_RANGE_DEFAULT_TIMEOUT fires. Default: above
   * what the other actors can cause (`defaultRetryBound` in src/runtime/build.ts); a smaller bound
   * explores faster but may report a timeout the kernel's 1 s would have waited out.
   */
  readonly retryBound?: number;
}

export interface FinalWord {
  readonly at: string;
  readonly equals: number;
}

export interface Expect {
  readonly verdict?: 'pass' | 'violation';
  readonly invariant?: string;
  readonly final?: readonly FinalWord[];
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly variant: string;
  readonly mutations: readonly string[];
  readonly devices: readonly Device[];
  readonly regions: readonly Region[];
  readonly cpu: readonly CpuThread[];
  readonly gpu: readonly GpuChannel[];
  readonly kernel: readonly KernelOp[];
  readonly check: Check;
  readonly expect?: Expect;
}

/**
 * The op names per actor kind. Keyed by the union's discriminant so that adding an op to a union
 * without listing it here (and so without validating it) fails to compile.
 */
const cpuOpSet: { readonly [K in CpuOp['op']]: true } = {
  load: true, store: true, add: true, atomicAdd: true, fork: true, mprotect: true, munmap: true,
  madviseDontneed: true, clearRefs: true, exit: true, dmirrorExclusive: true,
  dmirrorCheckExclusive: true, dmirrorRead: true, dmirrorWrite: true,
};
const gpuOpSet: { readonly [K in GpuOp['op']]: true } = {
  load: true, store: true, atomicAdd: true, atomicCas: true, prefetch: true,
};
const kernelOpSet: { readonly [K in KernelOp['op']]: true } = {
  migrate: true, reclaim: true, ksmMerge: true, numaScan: true, mkclean: true,
};

export const CPU_OPS = Object.freeze(Object.keys(cpuOpSet)) as readonly CpuOp['op'][];
export const GPU_OPS = Object.freeze(Object.keys(gpuOpSet)) as readonly GpuOp['op'][];
export const KERNEL_OPS = Object.freeze(Object.keys(kernelOpSet)) as readonly KernelOp['op'][];

export const DEFAULT_VARIANT = 'linux-6.15';

/** A parsed `at`: a word index within a region (not a byte or page offset). */
export interface WordRef {
  readonly region: string;
  readonly word: number;
}

/** Ids double as actor ids in step ids and `at` prefixes, so they exclude `:` and spaces. */
export const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const AT_PATTERN = /^([A-Za-z][A-Za-z0-9_-]{0,31}):(0|[1-9][0-9]{0,8})$/;

/** `undefined` when `at` is not `region:word`; ranges are checked against a scenario elsewhere. */
export function tryParseAt(at: string): WordRef | undefined {
  const m = AT_PATTERN.exec(at);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  return { region: m[1], word: Number(m[2]) };
}

/**
 * For `at` strings of a validated scenario, where a malformed one is a programming error rather
 * than bad user input (which `validateScenario` reports as a `ScenarioError`).
 */
export function parseAt(at: string): WordRef {
  const ref = tryParseAt(at);
  if (ref === undefined) throw new TypeError(`malformed word address ${JSON.stringify(at)}: expected "region:word"`);
  return ref;
}

export function formatAt(ref: WordRef): string {
  return `${ref.region}:${ref.word}`;
}

/** The page of a region that holds `word` (page-major layout, as `init`). */
export function pageOfWord(word: number, wordsPerPage: number): number {
  return Math.floor(word / wordsPerPage);
}
