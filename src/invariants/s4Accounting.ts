import { ZERO_PFN, type KernelState, type Pfn } from '../domain/index.js';
import { livePtes } from './pages.js';
import { identityMemo } from './memo.js';
import type { Invariant, PropertyContext } from './types.js';
import { kernelState } from './view.js';

/**
 * S4 reads only the kernel state (and the era flags): its verdict is cached per kernel state
 * object, which every world with the same `mm` snapshot shares, per context (performance).
 */
const verdictOf = identityMemo((ctx: PropertyContext) => identityMemo((k: KernelState) => accounting(ctx, k)));

/**
 * S4 reference/mapcount accounting (domain.md §3.1, §1.3.3): for every allocated folio but the
 * zero page, mapcount counts the present PTEs mapping it plus — 6.15 only — its device-exclusive
 * entries (5.14 drops the rmap at conversion in page_make_device_exclusive_one and re-adds it in
 * restore_exclusive_pte; 6.15 keeps it, and zap_nonpresent_ptes removes it). Every PTE or entry
 * mapping the folio holds a reference, so refcount is at least their number.
 */
export const S4: Invariant = {
  id: 'S4',
  title: 'reference/mapcount accounting',
  kernel: 'mm/rmap.c page_make_device_exclusive_one (5.14) / make_device_exclusive (6.15); mm/memory.c restore_exclusive_pte, zap_nonpresent_ptes',
  state: (ctx, world) => verdictOf(ctx)(kernelState(world)),
};

function accounting(ctx: PropertyContext, k: KernelState): string | null {
  const present = new Map<Pfn, number>();
  const devExcl = new Map<Pfn, number>();
  for (const { pte } of livePtes(k)) {
    if (pte.kind === 'present') present.set(pte.pfn, (present.get(pte.pfn) ?? 0) + 1);
    else if (pte.kind === 'devExcl') devExcl.set(pte.pfn, (devExcl.get(pte.pfn) ?? 0) + 1);
  }
  for (const f of k.folios) {
    if (f.pfn === ZERO_PFN || f.refcount <= 0) continue;
    const p = present.get(f.pfn) ?? 0;
    const d = devExcl.get(f.pfn) ?? 0;
    const want = ctx.flags.mapcountKept ? p + d : p;
    if (f.mapcount !== want) {
      const rule = ctx.flags.mapcountKept ? '6.15: present + device-exclusive' : '5.14: present only';
      return `pfn ${f.pfn}: mapcount ${f.mapcount}, but ${p} present PTE(s) and ${d} device-exclusive entr${d === 1 ? 'y' : 'ies'} map it (${rule} = ${want})`;
    }
    if (f.refcount < p + d) return `pfn ${f.pfn}: refcount ${f.refcount} < ${p + d} PTE(s)/entries mapping it`;
  }
  return null;
}
