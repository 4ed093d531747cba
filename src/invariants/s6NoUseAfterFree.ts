import { formatGpuPte, formatPte } from '../domain/index.js';
import { livePtes } from './pages.js';
import type { Invariant } from './types.js';
import { dmirrors, gpuMmus, kernelState } from './view.js';

/**
 * S6 no use-after-free (domain.md §3.1): a folio whose refcount dropped to 0 is free, so nobody may
 * still hold its lock, sleep on it, or map it — no CPU PTE or device-exclusive entry of a live mm,
 * no valid GPU PTE, no dmirror mirror entry. The known violation is 5.14's
 * remove_device_exclusive_entry, which sleeps on the folio lock without a reference (fixed by
 * 7c7b962938dd "mm: take a page reference when removing device exclusive entries", §5 #3);
 * dmirror_exclusive racing MADV_DONTNEED (§3.3 H4) leaves a mirror entry to a freed page.
 */
export const S6: Invariant = {
  id: 'S6',
  title: 'no use-after-free: a freed folio is unlocked, unwaited and unmapped',
  kernel: 'mm/memory.c remove_device_exclusive_entry (folio_try_get since 7c7b962938dd); mm/swap.c folio_put',
  state: (_ctx, world) => {
    const k = kernelState(world);
    const freed = k.folios.filter((f) => f.refcount <= 0);
    if (freed.length === 0) return null;
    const cpu = livePtes(k);
    const gpus = gpuMmus(world);
    const mirrors = dmirrors(world);
    for (const f of freed) {
      const dead = `pfn ${f.pfn} (refcount ${f.refcount})`;
      if (f.locked !== null) return `${dead} is freed but locked by ${f.locked}`;
      if (f.waiters.length > 0) return `${dead} is freed but ${f.waiters.join(', ')} sleep(s) on its lock`;
      const c = cpu.find((p) => (p.pte.kind === 'present' || p.pte.kind === 'devExcl' || p.pte.kind === 'migration') && p.pte.pfn === f.pfn);
      if (c !== undefined) return `${dead} is freed but mm ${c.mm} vpn ${c.vpn} still maps it: ${formatPte(c.pte)}`;
      for (const m of gpus) {
        const g = Object.entries(m.g.ptes).find(([, p]) => p.valid && p.pfn === f.pfn);
        if (g !== undefined) return `${dead} is freed but ${m.device} GPU PTE vpn ${g[0]} still maps it: ${formatGpuPte(g[1])}`;
      }
      for (const d of mirrors) {
        const e = Object.entries(d.pt).find(([, x]) => x.pfn === f.pfn);
        if (e !== undefined) return `${dead} is freed but ${d.id} mirror entry vpn ${e[0]} (${e[1].tag}) still points to it`;
      }
    }
    return null;
  },
};
