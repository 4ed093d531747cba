import type { Flags, KernelState, Mm, MmId, ResultOf, Vma, Vpn } from '../domain/index.js';
import { mkDevExcl, mkPresent, mmOf, pteAt, withMm, withPte, type Done } from './state.js';

/** mm/mprotect.c mprotect_fixup + change_protection → change_pte_range, one PTL section. */

export interface ChangeProtectionArgs {
  readonly mm: MmId;
  readonly start: Vpn;
  readonly end: Vpn;
  readonly write: boolean;
}

/** mprotect_fixup: the part of each VMA inside [start, end) gets the new VM_WRITE (split as needed). */
function vmasWithWrite(vmas: readonly Vma[], start: Vpn, end: Vpn, write: boolean): readonly Vma[] {
  const out: Vma[] = [];
  for (const v of vmas) {
    const vEnd = v.start + v.pages;
    if (vEnd <= start || v.start >= end || v.write === write) {
      out.push(v);
      continue;
    }
    const s = Math.max(v.start, start);
    const e = Math.min(vEnd, end);
    if (v.start < s) out.push({ ...v, pages: s - v.start });
    out.push({ ...v, start: s, pages: e - s, write });
    if (e < vEnd) out.push({ ...v, start: e, pages: vEnd - e });
  }
  return out;
}

/**
 * change_pte_range: removing write permission write-protects present PTEs. Granting it leaves
 * them read-only: a later write fault reuses the page (6.0+ MM_CP_TRY_CHANGE_WRITABLE would make
 * anon-exclusive PTEs writable right away; the model keeps the write fault). Device-exclusive
 * entries: 5.14 turns writable ones into readable ones whatever the new protection (the swap-entry
 * branch); 6.15 leaves them alone, restore recomputes writability.
 */
export function changeProtection(k: KernelState, a: ChangeProtectionArgs, flags: Flags): Done<KernelState, ResultOf<'CHANGE_PROTECTION'>> {
  let mm: Mm = mmOf(k, a.mm);
  for (const vpn of Object.keys(mm.ptes).map(Number)) {
    if (vpn < a.start || vpn >= a.end) continue;
    const pte = pteAt(mm, vpn);
    if (pte.kind === 'present' && pte.write && !a.write) {
      mm = withPte(mm, vpn, mkPresent({ ...pte, write: false }));
    } else if (pte.kind === 'devExcl' && pte.writable && flags.mprotectDowngradesEntry) {
      mm = withPte(mm, vpn, mkDevExcl({ ...pte, writable: false }));
    }
  }
  mm = { ...mm, vmas: vmasWithWrite(mm.vmas, a.start, a.end, a.write) };
  return { k: withMm(k, mm), result: { ok: true } };
}
