import type { ActorId, MmId, Pfn, Vpn } from './ids.js';
import type { Pte } from './pte.js';

/**
 * A folio (include/linux/mm_types.h). The model uses order-0 folios: one page each.
 * `locked`/`waiters` model PG_locked and its wait queue; `data` is the page's contents.
 */
export interface Folio {
  readonly pfn: Pfn;
  /** folio_ref_count(); 0 = freed. */
  readonly refcount: number;
  /** folio_mapcount(): page-table mappings counted by rmap. */
  readonly mapcount: number;
  /** PG_locked owner, or null. */
  readonly locked: ActorId | null;
  /** Tasks sleeping in folio_wait_bit / __folio_lock (order of arrival). */
  readonly waiters: readonly ActorId[];
  readonly dirty: boolean;
  readonly anon: boolean;
  /** PG_anon_exclusive: mapped by exactly one process, may be mapped writable. */
  readonly anonExclusive: boolean;
  readonly data: readonly number[];
}

/** A VMA (include/linux/mm_types.h vm_area_struct), in pages. */
export interface Vma {
  /** The scenario region this VMA maps. */
  readonly region: string;
  readonly start: Vpn;
  readonly pages: number;
  /** VM_READ / VM_WRITE / VM_SHARED / VM_MAYWRITE. */
  readonly read: boolean;
  readonly write: boolean;
  readonly shared: boolean;
  readonly mayWrite: boolean;
  readonly anon: boolean;
  readonly hugetlb: boolean;
  /** VM_SOFTDIRTY cleared by clear_refs: write faults are tracked (vma_soft_dirty_enabled). */
  readonly softDirtyTracking: boolean;
  /** Words per page of the region, so a page the kernel allocates here (fault, COW copy) has the region's size. */
  readonly wordsPerPage?: number;
  /** The region is backed by a PMD-mapped THP (domain.md §6 T11); the model still maps order-0 folios. */
  readonly thp?: boolean;
}

/** mmap_lock: an rw-semaphore; readers by owner so lock hygiene can be checked. */
export interface MmapLock {
  readonly readers: readonly ActorId[];
  readonly writer: ActorId | null;
}

/** An mm_struct: its VMAs and page table (only entries that are not pte_none are stored). */
export interface Mm {
  readonly id: MmId;
  /** false after exit_mmap / mmput of the last user. */
  readonly live: boolean;
  readonly vmas: readonly Vma[];
  /** vpn -> PTE; absent = none. Keys are decimal vpns (plain JSON object). */
  readonly ptes: Readonly<Record<string, Pte>>;
  readonly mmapLock: MmapLock;
}

/** The kernel mm actor's whole state: every mm and every folio (physical memory). */
export interface KernelState {
  readonly mms: readonly Mm[];
  /** pfn -> folio. pfn 0 is the zero page. Freed folios stay with refcount 0. */
  readonly folios: readonly Folio[];
}
