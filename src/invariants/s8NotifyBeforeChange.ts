import { formatPte, type MmId, type Pte } from '../domain/index.js';
import { callsOf } from './deliveries.js';
import { changedVpns, mmById, notifierWindowCovers, pteAt } from './pages.js';
import { identityMemo } from './memo.js';
import type { Invariant } from './types.js';
import { kernelState, notifierState, sameKernel } from './view.js';

/** Per page-table object: page tables are shared by every world with the same mm state. */
const devExclIn = identityMemo((ptes: Readonly<Record<string, Pte>>): boolean => Object.values(ptes).some((p: Pte | undefined) => p?.kind === 'devExcl'));

function hasDevExcl(ptes: Readonly<Record<string, Pte>> | undefined): boolean {
  return ptes !== undefined && devExclIn(ptes);
}

/**
 * S8 notify-before-change (domain.md §3.1): a CPU PTE becomes, or stops being, a device-exclusive
 * entry only inside an invalidate_range_start..end window of its mm covering it, so every secondary
 * MMU has dropped (or been told to retry) its copy before the CPU side changes: restore
 * (remove_device_exclusive_entry), conversion (make_device_exclusive), zap, mprotect, clear_refs,
 * exit. The window is read from `mmu` before the step (it was opened by an earlier step). fork's
 * try_restore_exclusive_pte inside COPY_PAGE_RANGE is exempt for the parent: dup_mmap's
 * MMU_NOTIFY_PROTECTION_PAGE covers it (kernel/fork.c, mm/memory.c copy_page_range); a child mm
 * is never exempt.
 */
export const S8: Invariant = {
  id: 'S8',
  title: 'notify-before-change: device-exclusive entries change only inside a notifier window',
  kernel:
    'mm/memory.c remove_device_exclusive_entry, zap_pte_range, copy_page_range; mm/rmap.c make_device_exclusive; ' +
    'mm/mprotect.c change_pte_range; fs/proc/task_mmu.c clear_refs_write; mm/mmu_notifier.c',
  step: (_ctx, before, deliveries, after) => {
    // The step did not change `mm`'s state: no PTE changed.
    if (sameKernel(before, after)) return null;
    const kb = kernelState(before);
    const ka = kernelState(after);
    // Built on first need: most transitions change no device-exclusive entry at all.
    let forked: Set<MmId> | null = null;
    for (const m of ka.mms) {
      // Only a change to or from a device-exclusive entry matters: an mm with none on either side
      // cannot violate, so skip diffing its page tables (most transitions that touch mm).
      if (!hasDevExcl(m.ptes) && !hasDevExcl(mmById(kb, m.id)?.ptes)) continue;
      for (const vpn of changedVpns(kb, ka, m.id)) {
        const was = pteAt(kb, m.id, vpn);
        const now = pteAt(ka, m.id, vpn);
        if (was.kind !== 'devExcl' && now.kind !== 'devExcl') continue;
        forked ??= new Set<MmId>(callsOf(deliveries, 'COPY_PAGE_RANGE').map((c) => c.event.mm));
        if (forked.has(m.id)) break;
        if (!notifierWindowCovers(notifierState(before), m.id, vpn)) {
          return `mm ${m.id} vpn ${vpn} changed ${formatPte(was)} → ${formatPte(now)} with no invalidate_range_start..end window of mm ${m.id} covering it`;
        }
      }
    }
    return null;
  },
};
