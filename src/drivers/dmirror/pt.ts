import type { ActorId, MmuNotifierRange, Pfn, Vpn } from '../../domain/index.js';

/**
 * lib/test_hmm.c's mirror page table (struct dmirror.pt, an xarray indexed by pfn of the virtual
 * address): a page pointer tagged DPT_XA_TAG_ATOMIC (make_device_exclusive), DPT_XA_TAG_WRITE
 * (hmm_range_fault reported HMM_PFN_WRITE) or untagged (read-only; 'READ' here).
 */
export type DmirrorTag = 'ATOMIC' | 'WRITE' | 'READ';

export interface DmirrorEntry {
  readonly pfn: Pfn;
  readonly tag: DmirrorTag;
}

/** vpn -> entry; absent = no mapping. Keys are decimal vpns. */
export type DmirrorPt = Readonly<Record<string, DmirrorEntry>>;

export function dmirrorEntry(pt: DmirrorPt, vpn: Vpn): DmirrorEntry | null {
  return pt[String(vpn)] ?? null;
}

function store(pt: DmirrorPt, vpn: Vpn, entry: DmirrorEntry): DmirrorPt {
  return { ...pt, [String(vpn)]: entry };
}

/** lib/test_hmm.c dmirror_do_update(): erase every entry in [start, end) (the xarray holds no page references). */
export function dmirrorDoUpdate(pt: DmirrorPt, start: Vpn, end: Vpn): DmirrorPt {
  const out: Record<string, DmirrorEntry> = {};
  for (const [k, e] of Object.entries(pt)) {
    const vpn = Number(k);
    if (vpn < start || vpn >= end) out[k] = e;
  }
  return out;
}

/**
 * lib/test_hmm.c dmirror_interval_invalidate(): device-private migrations by this device are
 * handled by the migration itself. Owner NULL (dmirror's own make_device_exclusive) is not filtered.
 */
export function dmirrorIgnoresInvalidate(range: MmuNotifierRange, self: ActorId): boolean {
  return range.event === 'MMU_NOTIFY_MIGRATE' && range.owner === self;
}

/** lib/test_hmm.c dmirror_atomic_map(): the page under exclusive access, tagged ATOMIC. */
export function dmirrorAtomicMap(pt: DmirrorPt, vpn: Vpn, pfn: Pfn): DmirrorPt {
  return store(pt, vpn, { pfn, tag: 'ATOMIC' });
}

/** lib/test_hmm.c dmirror_check_atomic(): -EPERM while any page of the range is still tagged ATOMIC. */
export function dmirrorCheckAtomic(pt: DmirrorPt, start: Vpn, npages: number): '0' | '-EPERM' {
  for (let vpn = start; vpn < start + npages; vpn++) if (dmirrorEntry(pt, vpn)?.tag === 'ATOMIC') return '-EPERM';
  return '0';
}

/**
 * lib/test_hmm.c dmirror_do_read() / dmirror_do_write(): the entry the device may use for the page,
 * or null (-ENOENT, so the ioctl faults the page in). Reads take any entry; writes need WRITE.
 */
export function dmirrorPermits(pt: DmirrorPt, vpn: Vpn, write: boolean): DmirrorEntry | null {
  const e = dmirrorEntry(pt, vpn);
  if (e === null) return null;
  return !write || e.tag === 'WRITE' ? e : null;
}

/**
 * lib/test_hmm.c dmirror_do_fault(): store what hmm_range_fault returned, WRITE-tagged if it
 * reported HMM_PFN_WRITE; a write fault that came back read-only is -EFAULT.
 */
export function dmirrorDoFault(
  pt: DmirrorPt,
  vpn: Vpn,
  hmm: { readonly pfn: Pfn; readonly write: boolean },
  writeRequested: boolean,
): { readonly pt: DmirrorPt; readonly ret: '0' | '-EFAULT' } {
  if (!hmm.write && writeRequested) return { pt, ret: '-EFAULT' };
  return { pt: store(pt, vpn, { pfn: hmm.pfn, tag: hmm.write ? 'WRITE' : 'READ' }), ret: '0' };
}
