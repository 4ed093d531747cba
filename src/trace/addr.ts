import type { Layout, RegionLayout, Vpn } from '../domain/index.js';

/**
 * Addresses as a scenario author wrote them: a word is `region:word` (word index within the
 * region, as in `at`), a page is `region+page`; anything outside the layout prints as a hex vpn.
 */
export interface AddrFmt {
  page(vpn: Vpn): string;
  word(vpn: Vpn, word: number): string;
  /** A page range [start, end). */
  range(start: Vpn, end: Vpn): string;
}

export function addrFmt(layout: Layout): AddrFmt {
  const regionOf = (vpn: Vpn): RegionLayout | undefined => layout.regions.find((r) => vpn >= r.start && vpn < r.start + r.pages);
  const hex = (vpn: Vpn): string => `0x${vpn.toString(16)}`;
  const page = (vpn: Vpn): string => {
    const r = regionOf(vpn);
    return r === undefined ? hex(vpn) : `${r.id}+${vpn - r.start}`;
  };
  return {
    page,
    word: (vpn, word) => {
      const r = regionOf(vpn);
      return r === undefined ? `${hex(vpn)}:${word}` : `${r.id}:${(vpn - r.start) * r.wordsPerPage + word}`;
    },
    range: (start, end) => {
      if (end - start === 1) return page(start);
      const r = regionOf(start);
      if (r !== undefined && end > start && end <= r.start + r.pages) return `${r.id}+${start - r.start}..+${end - 1 - r.start}`;
      return `[${hex(start)},${hex(end)})`;
    },
  };
}
