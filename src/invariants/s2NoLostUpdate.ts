import type { CpuOp, GpuOp, KernelState, Vpn, World } from '../domain/index.js';
import { readWord, type WordRead } from './pages.js';
import { identityMemo } from './memo.js';
import type { Invariant, PropertyContext } from './types.js';
import { cpuThreads, gpuChannels, gpuMmus, kernelState, type CpuThreadView, type GpuChannelView } from './view.js';

const key = (vpn: Vpn, word: number): string => `${vpn}:${word}`;

/** Words an op may change other than by an atomic add, and pages whose contents it may replace. */
function disqualifies(op: CpuOp | GpuOp, words: Set<string>, pages: Array<readonly [Vpn, Vpn]>): void {
  switch (op.op) {
    case 'load':
    case 'prefetch':
    case 'atomicAdd':
    case 'fork':
    case 'mprotect':
    case 'clearRefs':
    case 'exit':
      return;
    case 'store':
    case 'add':
    case 'atomicCas':
      words.add(key(op.vpn, op.word));
      return;
    // zap_page_range: the next touch maps a fresh zeroed page.
    case 'munmap':
    case 'madviseDontneed':
      pages.push([op.start, op.end]);
      return;
    case 'dmirror':
      // dmirror_write copies a user buffer into the pages; the other ioctls only read them.
      if (op.cmd === 'HMM_DMIRROR_WRITE') pages.push([op.start, op.start + op.npages]);
      return;
  }
}

/**
 * What S2 checks that depends only on the programs (which never change during a run): which
 * words qualify, in first-add order, and which (actor, op) adds contribute to each. Recomputing it
 * for every checked state was S2's main cost.
 */
interface Plan {
  /** null: some thread forks (see `plan`). */
  readonly words: ReadonlyArray<{
    readonly vpn: Vpn;
    readonly word: number;
    readonly init: number;
    /** Index into the cpus-then-channels actor list, op index, added value. */
    readonly adds: ReadonlyArray<readonly [actor: number, op: number, value: number]>;
  }> | null;
  /** The words as read through mm 0's page table, per kernel state (kernel states are few and shared). */
  readonly reads: (k: KernelState) => readonly WordRead[];
}

function plan(ctx: PropertyContext, all: ReadonlyArray<{ program: readonly (CpuOp | GpuOp)[] }>, forks: boolean): Plan {
  // After fork a word has one value per process and the child's adds go to its own copy.
  if (forks) return { words: null, reads: () => [] };
  const words = new Set<string>();
  const pages: Array<readonly [Vpn, Vpn]> = [];
  for (const a of all) for (const op of a.program) disqualifies(op, words, pages);
  const sums = new Map<string, { vpn: Vpn; word: number; adds: Array<readonly [number, number, number]> }>();
  all.forEach((a, ai) => {
    a.program.forEach((op, i) => {
      if (op.op !== 'atomicAdd') return;
      const k = key(op.vpn, op.word);
      if (words.has(k) || pages.some(([s, e]) => s <= op.vpn && op.vpn < e)) return;
      let t = sums.get(k);
      if (t === undefined) {
        t = { vpn: op.vpn, word: op.word, adds: [] };
        sums.set(k, t);
      }
      t.adds.push([ai, i, op.value]);
    });
  });
  const qualifying = [...sums.entries()].map(([k, t]) => ({ ...t, init: ctx.initWords.get(k) ?? 0 }));
  return { words: qualifying, reads: identityMemo((k: KernelState) => qualifying.map((w) => readWord(k, 0, w.vpn, w.word))) };
}

/**
 * Per context, its last plan and the program arrays it was made from (identity-checked on use).
 * `identityMemo` answers the same context again without a WeakMap lookup, once per checked state.
 */
const lastPlanOf = identityMemo(
  (_ctx: PropertyContext): { entry: { readonly programs: readonly (readonly unknown[])[]; readonly plan: Plan } | null } => ({ entry: null }),
);

/** The plan of the world's programs (cached: programs never change during a run). */
function planOf(ctx: PropertyContext, cpus: readonly CpuThreadView[], chans: readonly GpuChannelView[]): Plan {
  const nc = cpus.length;
  const n = nc + chans.length;
  const last = lastPlanOf(ctx);
  const cached = last.entry;
  let same = cached !== null && cached.programs.length === n;
  for (let i = 0; same && i < n; i++) same = cached?.programs[i] === (i < nc ? cpus[i] : chans[i - nc])?.program;
  if (cached !== null && same) return cached.plan;
  const all: ReadonlyArray<{ program: readonly (CpuOp | GpuOp)[]; pc: number }> = [...cpus, ...chans];
  const forks = cpus.some((t) => t.program.some((o) => o.op === 'fork'));
  const p = plan(ctx, all, forks);
  last.entry = { programs: all.map((a) => a.program), plan: p };
  return p;
}

/** The word has a GPU atomic between its read and its write half (its new value is not stored yet). */
function gpuAtomicInFlight(world: World, vpn: Vpn, word: number): boolean {
  const chans = gpuChannels(world);
  return gpuMmus(world).some((m) =>
    m.g.inflight.some((f) => {
      if (f.vpn !== vpn) return false;
      const ch = chans.find((c) => c.id === f.channel);
      const op = ch?.program[ch.pc];
      // Unknown channel or op: assume it is this word (never report a half-done add as lost).
      return op === undefined || op.word === word;
    }),
  );
}

/**
 * S2 no lost update (domain.md §3.1): on a word that only atomic adds change, whenever no GPU
 * atomic on it is half done, its value through mm 0's page table is init + Σ completed adds.
 * Holds because the GPU's non-atomic read-then-write is only possible under an atomic-enabled GPU
 * PTE, which exists only while the CPU PTE is device-exclusive (S1), and a CPU access to it first
 * revokes the GPU PTE and drains in-flight accesses (nouveau_svmm_invalidate_range_start → PFNCLR,
 * gp100_vmm_pfn_clear's TLB flush). A `none` PTE is skipped (zapped or never touched).
 */
export const S2: Invariant = {
  id: 'S2',
  title: 'no lost update: atomic-only words equal init + completed adds',
  kernel: 'mm/memory.c remove_device_exclusive_entry; nouveau_svm.c nouveau_svmm_invalidate_range_start; nvkm vmmgp100.c gp100_vmm_pfn_clear',
  state: (ctx, world) => {
    const cpus = cpuThreads(world);
    const chans = gpuChannels(world);
    const p = planOf(ctx, cpus, chans);
    const ws = p.words;
    if (ws === null || ws.length === 0) return null;
    const reads = p.reads(kernelState(world));
    const nc = cpus.length;
    for (let t = 0; t < ws.length; t++) {
      const w = ws[t] as (typeof ws)[number];
      const r = reads[t] as WordRead;
      if (r.kind !== 'value' || gpuAtomicInFlight(world, w.vpn, w.word)) continue;
      // Σ values of the adds that completed: ops before each actor's pc.
      let done = 0;
      let adds = 0;
      for (const [ai, i, value] of w.adds) {
        const a = ai < nc ? cpus[ai] : chans[ai - nc];
        if (a !== undefined && i < a.pc) {
          done += value;
          adds += 1;
        }
      }
      const want = w.init + done;
      if (r.value !== want) {
        return `mm 0 vpn ${w.vpn} word ${w.word} = ${r.value}, expected ${want} (init ${w.init} + ${adds} completed atomic adds): an update was lost`;
      }
    }
    return null;
  },
};
