import { formatPte, type Flags, type Folio, type Pte, type Vma } from '../domain/index.js';
import { callOfRet, retsOf, type RetDelivery } from './deliveries.js';
import { folioAt, mmById, pteAt, vmaAt } from './pages.js';
import type { Invariant } from './types.js';
import { kernelState } from './view.js';

type DevExcl = Extract<Pte, { kind: 'devExcl' }>;
type Present = Extract<Pte, { kind: 'present' }>;

/** What restore_exclusive_pte must have written for `orig`, as (write, dirty) — the bits that vary by era. */
export function expectedRestoreBits(
  flags: Flags,
  orig: DevExcl,
  vma: Vma | undefined,
  folio: Folio | undefined,
): { readonly write: boolean; readonly dirty: boolean } {
  const vmaWrite = vma?.write ?? false;
  switch (flags.restoreWritability) {
    // 5.14 mm/memory.c restore_exclusive_pte: uffd-wp wins; else a WRITE entry → maybe_mkwrite(pte_mkdirty()).
    case 'entry': {
      const fromWriteEntry = !orig.uffdWp && orig.writable;
      return { write: fromWriteEntry && vmaWrite, dirty: fromWriteEntry };
    }
    // 6.15 mm/memory.c restore_exclusive_pte: VM_WRITE && can_change_pte_writable() (mm/mprotect.c):
    // no pending soft-dirty write fault, no uffd-wp, and a private anon page that is PageAnonExclusive.
    case 'can_change_pte_writable': {
      const softDirtyWp = (vma?.softDirtyTracking ?? false) && !orig.softDirty;
      const canChange =
        vma !== undefined && !vma.shared && !softDirtyWp && !orig.uffdWp && folio !== undefined && folio.anon && folio.anonExclusive;
      const write = vmaWrite && canChange;
      return { write, dirty: write && (folio?.dirty ?? false) };
    }
  }
}

function mismatches(flags: Flags, orig: DevExcl, now: Present, vma: Vma | undefined, folio: Folio | undefined): readonly string[] {
  const bad: string[] = [];
  if (now.pfn !== orig.pfn) bad.push(`pfn ${now.pfn} != entry pfn ${orig.pfn}`);
  if (now.young) bad.push('young set (pte_mkold expected)');
  if (now.softDirty !== orig.softDirty) bad.push(`softDirty ${now.softDirty} != entry ${orig.softDirty}`);
  if (now.uffdWp !== orig.uffdWp) bad.push(`uffdWp ${now.uffdWp} != entry ${orig.uffdWp}`);
  if (now.uffdWp && now.write) bad.push('writable although uffd-wp');
  if (now.write && !(vma?.write ?? false)) bad.push('writable in a VMA without VM_WRITE');
  const want = expectedRestoreBits(flags, orig, vma, folio);
  if (now.write !== want.write) bad.push(`write ${now.write}, ${flags.variant} rule says ${want.write}`);
  if (now.dirty !== want.dirty) bad.push(`dirty ${now.dirty}, ${flags.variant} rule says ${want.dirty}`);
  return bad;
}

const restored = (r: RetDelivery<'RESTORE_EXCLUSIVE_PTE'>): boolean => r.event.result.restored;

/**
 * S3 restore fidelity (domain.md §3.1): a successful RESTORE_EXCLUSIVE_PTE leaves the PTE that
 * restore_exclusive_pte (mm/memory.c) computes for the era: same pfn, old, soft-dirty and uffd-wp
 * copied from the entry; 5.14 takes writability from the entry type (write ⇔ WRITE entry ∧ VM_WRITE
 * ∧ ¬uffd-wp, dirty with it), 6.15 recomputes it (write ⇔ VM_WRITE ∧ can_change_pte_writable, dirty
 * ⇔ write ∧ folio dirty). The VMA and folio are read as they were when the call ran (world before).
 */
export const S3: Invariant = {
  id: 'S3',
  title: 'restore fidelity: the restored PTE follows restore_exclusive_pte for the era',
  kernel: 'mm/memory.c restore_exclusive_pte; mm/mprotect.c can_change_pte_writable (6.15)',
  step: (ctx, before, deliveries, after) => {
    const rets = retsOf(deliveries, 'RESTORE_EXCLUSIVE_PTE', restored);
    if (rets.length === 0) return null;
    const kb = kernelState(before);
    const ka = kernelState(after);
    for (const r of rets) {
      const call = callOfRet(deliveries, r);
      if (call === undefined) return `${r.to} got a RESTORE_EXCLUSIVE_PTE RET without a matching CALL in the step`;
      const { mm, vpn, orig } = call.event;
      const where = `mm ${mm} vpn ${vpn}`;
      if (orig.kind !== 'devExcl') return `${call.event.from} restored ${where} from orig ${formatPte(orig)}, not a device-exclusive entry`;
      const now = pteAt(ka, mm, vpn);
      if (now.kind !== 'present') return `${where} is ${formatPte(now)} after a successful restore of ${formatPte(orig)}`;
      const m = mmById(kb, mm);
      const bad = mismatches(ctx.flags, orig, now, m === undefined ? undefined : vmaAt(m, vpn), folioAt(kb, orig.pfn));
      if (bad.length > 0) return `${where} restored from ${formatPte(orig)} to ${formatPte(now)}: ${bad.join('; ')}`;
    }
    return null;
  },
};
