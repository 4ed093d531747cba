/** Identifiers. Plain numbers and strings so a world stays plain, hashable data. */

/** An actor instance: `cpu0`, `mm`, `mmu`, `gpu0.svm`, `gpu0.mmu`, `ch0`, `dmirror0`. */
export type ActorId = string;
/** Page frame number; the folio index in `KernelState.folios`. `ZERO_PFN` is the shared zero page. */
export type Pfn = number;
/** Virtual page number inside one mm (regions are laid out page by page from `REGION_BASE_VPN`). */
export type Vpn = number;
/** Index of an mm_struct in `KernelState.mms` (0 = the scenario's process, later ones = fork children). */
export type MmId = number;
/** An mmu_interval_notifier subscription id, unique per world. */
export type SubId = number;

/** The zero page: mapped read-only by a read fault on untouched anonymous memory (mm/memory.c do_anonymous_page). */
export const ZERO_PFN: Pfn = 0;
/** Actor ids of the singleton kernel actors. */
export const MM_ACTOR: ActorId = 'mm';
export const MMU_NOTIFIER_ACTOR: ActorId = 'mmu';
