import { formatPte, pteSame } from '../domain/index.js';
import { callsOf } from './deliveries.js';
import { pteAt } from './pages.js';
import type { Invariant } from './types.js';
import { kernelState } from './view.js';

/**
 * S7 guarded restore (domain.md §3.1): remove_device_exclusive_entry writes the PTE only if, under
 * the PTL, it is still pte_same() as the orig_pte read at fault entry; otherwise someone else
 * already restored, zapped or replaced it and the fault just returns (mm/memory.c).
 */
export const S7: Invariant = {
  id: 'S7',
  title: 'guarded restore: a restore only changes a PTE that is still pte_same(orig)',
  kernel: 'mm/memory.c remove_device_exclusive_entry (pte_offset_map_lock + pte_same before restore_exclusive_pte)',
  step: (_ctx, before, deliveries, after) => {
    const calls = callsOf(deliveries, 'RESTORE_EXCLUSIVE_PTE');
    if (calls.length === 0) return null;
    const kb = kernelState(before);
    const ka = kernelState(after);
    for (const c of calls) {
      const { mm, vpn, orig } = c.event;
      const was = pteAt(kb, mm, vpn);
      const now = pteAt(ka, mm, vpn);
      if (!pteSame(was, now) && !pteSame(was, orig)) {
        return `${c.event.from} restored mm ${mm} vpn ${vpn} from orig ${formatPte(orig)}, but the PTE was ${formatPte(was)} (not pte_same) and became ${formatPte(now)}`;
      }
    }
    return null;
  },
};
