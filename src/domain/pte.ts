import type { Pfn } from './ids.js';

/**
 * A CPU page-table entry (include/linux/pgtable.h, include/linux/swapops.h).
 * `devExcl` is the device-exclusive swap entry: one type in 6.15 (SWP_DEVICE_EXCLUSIVE),
 * readable/writable in 5.14 (SWP_DEVICE_EXCLUSIVE_READ/_WRITE, carried by `writable`).
 */
export type Pte =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'present';
      readonly pfn: Pfn;
      readonly write: boolean;
      readonly dirty: boolean;
      readonly young: boolean;
      readonly softDirty: boolean;
      readonly uffdWp: boolean;
    }
  | {
      readonly kind: 'devExcl';
      readonly pfn: Pfn;
      /** 5.14 only: SWP_DEVICE_EXCLUSIVE_WRITE; always false in 6.15 (single entry type). */
      readonly writable: boolean;
      readonly softDirty: boolean;
      readonly uffdWp: boolean;
    }
  | {
      readonly kind: 'migration';
      readonly pfn: Pfn;
      readonly writable: boolean;
      readonly softDirty: boolean;
      readonly uffdWp: boolean;
    }
  | {
      readonly kind: 'swap';
      readonly slot: number;
      readonly exclusive: boolean;
      readonly softDirty: boolean;
      readonly uffdWp: boolean;
    };

export type PteKind = Pte['kind'];
export const PTE_NONE: Pte = { kind: 'none' };

/** pte_same(): bit-for-bit equality, as the kernel compares raw PTE values under the PTL. */
export function pteSame(a: Pte, b: Pte): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'none':
      return true;
    case 'present': {
      const o = b as typeof a;
      return a.pfn === o.pfn && a.write === o.write && a.dirty === o.dirty && a.young === o.young &&
        a.softDirty === o.softDirty && a.uffdWp === o.uffdWp;
    }
    case 'devExcl':
    case 'migration': {
      const o = b as typeof a;
      return a.pfn === o.pfn && a.writable === o.writable && a.softDirty === o.softDirty && a.uffdWp === o.uffdWp;
    }
    case 'swap': {
      const o = b as typeof a;
      return a.slot === o.slot && a.exclusive === o.exclusive && a.softDirty === o.softDirty && a.uffdWp === o.uffdWp;
    }
  }
}

/** The pfn a PTE refers to: present PTEs and PFN swap entries (is_pfn_swap_entry). */
export function ptePfn(pte: Pte): Pfn | null {
  switch (pte.kind) {
    case 'present':
    case 'devExcl':
    case 'migration':
      return pte.pfn;
    case 'none':
    case 'swap':
      return null;
  }
}

/** Short kernel-log rendering, e.g. `present(pfn=3 W D Y)` or `devExcl(pfn=3)`. */
export function formatPte(pte: Pte): string {
  switch (pte.kind) {
    case 'none':
      return 'none';
    case 'present': {
      const f = [pte.write ? 'W' : 'RO', pte.dirty ? 'D' : '', pte.young ? 'Y' : '', pte.softDirty ? 'SD' : '', pte.uffdWp ? 'UWP' : '']
        .filter((x) => x !== '').join(' ');
      return `present(pfn=${pte.pfn} ${f})`;
    }
    case 'devExcl':
      return `devExcl(pfn=${pte.pfn}${pte.writable ? ' W' : ''}${pte.softDirty ? ' SD' : ''}${pte.uffdWp ? ' UWP' : ''})`;
    case 'migration':
      return `migration(pfn=${pte.pfn}${pte.writable ? ' W' : ''})`;
    case 'swap':
      return `swap(slot=${pte.slot})`;
  }
}
