import type { Folio, KernelState, Layout, Mm, Pte, RegionLayout, Vma } from '../domain/index.js';
import { ZERO_PFN } from '../domain/index.js';
import { allocFolio, mkPresent } from './state.js';

/**
 * The kernel state at the start of a run: process mm 0 after its mmap() calls and the
 * scenario's populate touches (a write or read fault on every page, in page order).
 */

/** mmap(): one VMA per region. Private mappings are anonymous; shared ones are shmem (not PageAnon). */
function vmaOf(r: RegionLayout): Vma {
  return {
    region: r.id,
    start: r.start,
    pages: r.pages,
    read: true,
    write: r.write,
    shared: r.shared,
    mayWrite: true,
    anon: !r.shared,
    hugetlb: r.hugetlb,
    // A new VMA has VM_SOFTDIRTY set: nothing is tracked until clear_refs (fs/proc/task_mmu.c).
    softDirtyTracking: false,
    wordsPerPage: r.wordsPerPage,
    thp: r.thp,
  };
}

function zeroPage(words: number): Folio {
  // mm/memory.c my_zero_pfn(): one shared, always-referenced page of zeros, never PageAnon.
  return { pfn: ZERO_PFN, refcount: 1, mapcount: 0, locked: null, waiters: [], dirty: false, anon: false, anonExclusive: false, data: new Array<number>(words).fill(0) };
}

export function initKernelState(layout: Layout): KernelState {
  const maxWords = layout.regions.reduce((m, r) => Math.max(m, r.wordsPerPage), 1);
  let k: KernelState = { mms: [], folios: [zeroPage(maxWords)] };
  const ptes: Record<string, Pte> = {};
  for (const r of layout.regions) {
    for (let p = 0; p < r.pages; p++) {
      const data = r.init.slice(p * r.wordsPerPage, (p + 1) * r.wordsPerPage);
      const vpn = r.start + p;
      if (r.populate === 'none') continue;
      const zeros = data.every((w) => w === 0);
      if (r.populate === 'read' && zeros && !r.shared) {
        // do_anonymous_page, read fault: the zero page, read-only (x86 vm_page_prot carries ACCESSED).
        ptes[String(vpn)] = mkPresent({ pfn: ZERO_PFN, write: false, dirty: false, young: true, softDirty: false, uffdWp: false });
        continue;
      }
      const written = r.populate === 'write';
      // A write fault maps the page writable+dirty (pte_mkdirty also sets soft-dirty); PG_dirty stays clear
      // for an anon folio until the PTE's dirty bit is transferred (unmap, ptep_clear_flush).
      // A read-populated page with data cannot exist in a real process: modelled as written then
      // write-protected. A shmem read fault maps a page cache page, writable if the shared VMA is.
      const a = allocFolio(k, { data, anon: !r.shared, anonExclusive: !r.shared, dirty: false, mapcount: 1 });
      k = a.k;
      const write = r.write && (written || r.shared);
      ptes[String(vpn)] = mkPresent({ pfn: a.pfn, write, dirty: written, young: true, softDirty: written, uffdWp: false });
    }
  }
  const mm0: Mm = { id: 0, live: true, vmas: layout.regions.map(vmaOf), ptes, mmapLock: { readers: [], writer: null } };
  return { mms: [mm0], folios: k.folios };
}
