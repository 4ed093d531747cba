import { PTE_NONE, pteSame, type Folio, type KernelState, type Mm, type MmId, type NotifierState, type Pfn, type Pte, type Vma, type Vpn } from '../domain/index.js';
import { identityMemo } from './memo.js';

/** Page-table reading helpers shared by the properties (pure, over a KernelState). */

export interface PteAt {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly pte: Pte;
}

export function mmById(k: KernelState, mm: MmId): Mm | undefined {
  return k.mms.find((m) => m.id === mm);
}

/** The PTE of (mm, vpn); `none` when the mm or the entry does not exist. */
export function pteAt(k: KernelState, mm: MmId, vpn: Vpn): Pte {
  return mmById(k, mm)?.ptes[String(vpn)] ?? PTE_NONE;
}

/** pfn_folio(): `folios` is indexed by pfn; the pfn field is checked so a renumbering cannot go unnoticed. */
export function folioAt(k: KernelState, pfn: Pfn): Folio | undefined {
  const f = k.folios[pfn];
  return f !== undefined && f.pfn === pfn ? f : k.folios.find((x) => x.pfn === pfn);
}

/** find_vma() for one page. */
export function vmaAt(m: Mm, vpn: Vpn): Vma | undefined {
  return m.vmas.find((v) => v.start <= vpn && vpn < v.start + v.pages);
}

/** Every stored (non-none) PTE of every live mm, per kernel state (shared by every world with the same `mm` snapshot). */
export const livePtes = identityMemo((k: KernelState): readonly PteAt[] => {
  const out: PteAt[] = [];
  for (const m of k.mms) {
    if (!m.live) continue;
    for (const [key, pte] of Object.entries(m.ptes)) out.push({ mm: m.id, vpn: Number(key), pte });
  }
  return out;
});

const NO_VPNS: readonly Vpn[] = [];
const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** The vpns of `mm` whose entry differs between two kernel states (either side may lack the mm). */
export function changedVpns(before: KernelState, after: KernelState, mm: MmId): readonly Vpn[] {
  // Same kernel state or same page table: nothing changed (the common case for a step that did
  // not touch this mm); skips building key sets per transition.
  if (before === after) return NO_VPNS;
  const b = mmById(before, mm)?.ptes ?? {};
  const a = mmById(after, mm)?.ptes ?? {};
  if (b === a) return NO_VPNS;
  // Same order as the union of b's keys then a's new keys.
  const out: Vpn[] = [];
  for (const key of Object.keys(b)) if (!pteSame(b[key] ?? PTE_NONE, a[key] ?? PTE_NONE)) out.push(Number(key));
  for (const key of Object.keys(a)) if (!hasOwn(b, key) && !pteSame(PTE_NONE, a[key] ?? PTE_NONE)) out.push(Number(key));
  return out;
}

/** An invalidate_range_start..end window of `mm` covering `vpn` is open (mm/mmu_notifier.c). */
export function notifierWindowCovers(n: NotifierState, mm: MmId, vpn: Vpn): boolean {
  const s = n.mms.find((x) => x.mm === mm);
  return s !== undefined && s.activeRanges.some((r) => r.mm === mm && r.start <= vpn && vpn < r.end);
}

export type WordRead =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly why: string };

/**
 * The word as the process would see it through mm's page table: present, device-exclusive and
 * migration entries all name the folio that holds the data; `none` has no page behind it.
 */
export function readWord(k: KernelState, mm: MmId, vpn: Vpn, word: number): WordRead {
  const pte = pteAt(k, mm, vpn);
  switch (pte.kind) {
    case 'none':
      return { kind: 'none' };
    case 'swap':
      return { kind: 'unreadable', why: `swapped out (slot ${pte.slot})` };
    case 'present':
    case 'devExcl':
    case 'migration': {
      const v = folioAt(k, pte.pfn)?.data[word];
      return v === undefined ? { kind: 'unreadable', why: `pfn ${pte.pfn} has no word ${word}` } : { kind: 'value', value: v };
    }
  }
}
