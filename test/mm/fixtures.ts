import { flagsFor, type Flags, type KernelState, type Layout, type Pte, type RegionLayout } from '../../src/domain/index.js';
import { initKernelState } from '../../src/mm/index.js';

export const E2: Flags = flagsFor('linux-6.15', []);
export const E1: Flags = flagsFor('linux-5.14', []);
export const ERAS: ReadonlyArray<readonly [string, Flags]> = [['linux-6.15', E2], ['linux-5.14', E1]];

/** A region at vpn 16 (REGION_BASE_VPN), one word per page unless told otherwise. */
export function region(over: Partial<RegionLayout> = {}): RegionLayout {
  const pages = over.pages ?? 1;
  const wordsPerPage = over.wordsPerPage ?? 2;
  return {
    id: 'buf',
    start: 16,
    pages,
    wordsPerPage,
    write: true,
    shared: false,
    populate: 'write',
    init: new Array<number>(pages * wordsPerPage).fill(0).map((_, i) => (over.populate === 'write' || over.populate === undefined ? i + 1 : 0)),
    thp: false,
    hugetlb: false,
    ...over,
  };
}

export function kernel(...regions: RegionLayout[]): KernelState {
  const layout: Layout = { regions: regions.length > 0 ? regions : [region()] };
  return initKernelState(layout);
}

export function pte(k: KernelState, vpn: number, mm = 0): Pte {
  return k.mms[mm]?.ptes[String(vpn)] ?? { kind: 'none' };
}

export function folio(k: KernelState, pfn: number) {
  const f = k.folios[pfn];
  if (f === undefined) throw new Error(`no folio ${pfn}`);
  return f;
}
