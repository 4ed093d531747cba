import { formatGpuPte, formatPte, type KernelState, type Pfn, type World } from '../domain/index.js';
import { livePtes, type PteAt } from './pages.js';
import { identityMemo } from './memo.js';
import type { Invariant } from './types.js';
import { dmirrors, gpuMmus, kernelState, type DmirrorView, type GpuMmuView } from './view.js';

/** Who holds atomic permission on a pfn right now, as a human-readable description. */
interface DeviceAtomic {
  readonly pfn: Pfn;
  /** Formatted only when reported (performance: formatting every entry of every state was a hot spot). */
  readonly who: () => string;
}

/**
 * Per view object: views are cached per actor snapshot (view.ts), and snapshots are shared by
 * every world where the actor is unchanged, so each GPU page table or mirror is scanned once.
 */
const gpuAtomics = identityMemo((m: GpuMmuView): readonly DeviceAtomic[] => {
  const out: DeviceAtomic[] = [];
  for (const [vpn, p] of Object.entries(m.g.ptes)) {
    // gp100_vmm_pgt_pfn: a host PTE without RO and without ATOMIC_DISABLE lets the GPU do atomics.
    if (p.valid && !p.ro && !p.atomicDisable && p.aperture === 'host') {
      out.push({ pfn: p.pfn, who: () => `${m.device} GPU PTE vpn ${vpn} = ${formatGpuPte(p)}` });
    }
  }
  for (const a of m.g.inflight) {
    out.push({ pfn: a.pfn, who: () => `${m.device} in-flight atomic of ${a.channel} on vpn ${a.vpn} (pfn ${a.pfn})` });
  }
  return out;
});

const mirrorAtomics = identityMemo((d: DmirrorView): readonly DeviceAtomic[] => {
  const out: DeviceAtomic[] = [];
  for (const [vpn, e] of Object.entries(d.pt)) {
    if (e.tag === 'ATOMIC') out.push({ pfn: e.pfn, who: () => `${d.id} mirror entry vpn ${vpn} = ATOMIC pfn ${e.pfn}` });
  }
  return out;
});

/** The first present PTE (in `livePtes` order) of each pfn, per kernel state (no scan per checked world). */
const presentByPfn = identityMemo((k: KernelState): ReadonlyMap<Pfn, PteAt> => {
  const out = new Map<Pfn, PteAt>();
  for (const p of livePtes(k)) if (p.pte.kind === 'present' && !out.has(p.pte.pfn)) out.set(p.pte.pfn, p);
  return out;
});

type Collision = { readonly a: DeviceAtomic; readonly c: PteAt } | null;

function firstPresent(atomics: readonly DeviceAtomic[], k: KernelState): Collision {
  if (atomics.length === 0) return null;
  const present = presentByPfn(k);
  for (const a of atomics) {
    const c = present.get(a.pfn);
    if (c !== undefined) return { a, c };
  }
  return null;
}

/** The first device atomic (GPU page tables first, then mirrors) on a pfn the CPU has present. */
function collision(k: KernelState, world: World): Collision {
  for (const m of gpuMmus(world)) {
    const hit = firstPresent(gpuAtomics(m), k);
    if (hit !== null) return hit;
  }
  for (const d of dmirrors(world)) {
    const hit = firstPresent(mirrorAtomics(d), k);
    if (hit !== null) return hit;
  }
  return null;
}

/**
 * S1 atomic exclusion (domain.md §3.1): no pfn is both mapped for device atomics (a GPU PTE with
 * atomics enabled, a GPU atomic between its read and write halves, a dmirror ATOMIC entry) and
 * present in some live CPU page table. The kernel guarantees it by ordering: make_device_exclusive
 * clears and flushes the CPU PTE before the driver programs the device (mm/rmap.c), and
 * remove_device_exclusive_entry runs the notifiers (→ nouveau PFNCLR, which drains in-flight
 * accesses) before restore_exclusive_pte makes the PTE present again (mm/memory.c).
 */
export const S1: Invariant = {
  id: 'S1',
  title: 'atomic exclusion: no device atomic mapping of a page the CPU has present',
  kernel:
    'mm/rmap.c make_device_exclusive (clear+flush before device map); mm/memory.c remove_device_exclusive_entry ' +
    '(mmu_notifier_invalidate_range_start before restore_exclusive_pte); nouveau_svm.c nouveau_svmm_invalidate_range_start (PFNCLR)',
  state: (_ctx, world) => {
    const hit = collision(kernelState(world), world);
    if (hit === null) return null;
    const { a, c } = hit;
    return `${a.who()} while mm ${c.mm} vpn ${c.vpn} is ${formatPte(c.pte)}: CPU and device can both access pfn ${a.pfn}`;
  },
};
