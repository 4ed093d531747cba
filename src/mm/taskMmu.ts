import type { KernelState, Mm, MmId, Pte, ResultOf } from '../domain/index.js';
import { mkDevExcl, mkPresent, mmOf, pteAt, withMm, withPte, type Done } from './state.js';

/**
 * fs/proc/task_mmu.c clear_refs_write(CLEAR_REFS_SOFT_DIRTY): VM_SOFTDIRTY is cleared on every VMA
 * (writes are tracked from now on) and clear_soft_dirty write-protects present PTEs and clears the
 * soft-dirty bit of present PTEs and swap-type entries (device-exclusive entries included).
 */
function clearSoftDirtyPte(pte: Pte): Pte {
  switch (pte.kind) {
    case 'present':
      return mkPresent({ ...pte, write: false, softDirty: false });
    case 'devExcl':
      return mkDevExcl({ ...pte, softDirty: false });
    case 'migration':
    case 'swap':
      return { ...pte, softDirty: false };
    case 'none':
      return pte;
  }
}

export function clearSoftDirty(k: KernelState, a: { readonly mm: MmId }): Done<KernelState, ResultOf<'CLEAR_SOFT_DIRTY'>> {
  let mm: Mm = mmOf(k, a.mm);
  for (const vpn of Object.keys(mm.ptes).map(Number)) mm = withPte(mm, vpn, clearSoftDirtyPte(pteAt(mm, vpn)));
  mm = { ...mm, vmas: mm.vmas.map((v) => ({ ...v, softDirtyTracking: true })) };
  return { k: withMm(k, mm), result: { ok: true } };
}
