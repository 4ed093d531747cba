/**
 * Variants (eras of domain.md §0.1) and mutations (injected bugs), as named switches on one model.
 * `flagsFor` is the only place that turns names into behaviour.
 */

export type VariantId = 'linux-6.15' | 'linux-5.14';
export type MutationId =
  | 'restore-before-invalidate'
  | 'driver-ignores-invalidate'
  | 'driver-skips-seq-retry'
  | 'driver-no-owner-filter'
  | 'fault-skips-pte-same'
  | 'gpu-clear-no-drain';

export interface VariantInfo {
  readonly id: VariantId;
  readonly era: string;
  readonly summary: string;
  readonly commit: string;
}

export const VARIANTS: readonly VariantInfo[] = [
  {
    id: 'linux-6.15',
    era: 'E2',
    summary:
      'single-page make_device_exclusive() (GUP, folio_lock, folio walk, retry); one SWP_DEVICE_EXCLUSIVE type; ' +
      'mapcount kept; writability recomputed on restore (can_change_pte_writable); restore notifies MMU_NOTIFY_CLEAR; ' +
      'restore takes a folio reference; Nouveau retry unlocks and puts the folio',
    commit: "David Hildenbrand's fixes + cleanups series for device-exclusive entries (v6.15-rc1)",
  },
  {
    id: 'linux-5.14',
    era: 'E1a',
    summary:
      'make_device_exclusive_range(): GUP + rmap walk, trylock, mapcount dropped; READ/WRITE entry types; mprotect ' +
      'downgrades writable entries; restore notifies MMU_NOTIFY_EXCLUSIVE with owner NULL and locks the page without ' +
      'a reference; Nouveau retry leaks the folio lock and reference',
    commit: 'b756a3b5e7ea "mm: device exclusive memory access", 8f187163eb89 "nouveau/svm: implement atomic SVM access"',
  },
];

export interface MutationInfo {
  readonly id: MutationId;
  readonly breaks: string;
  readonly kernelPath: string;
}

export const MUTATIONS: readonly MutationInfo[] = [
  {
    id: 'restore-before-invalidate',
    breaks: 'the CPU fault path writes the restored PTE before mmu_notifier_invalidate_range_start()',
    kernelPath: 'mm/memory.c remove_device_exclusive_entry',
  },
  {
    id: 'driver-ignores-invalidate',
    breaks: "the driver's notifier callbacks ignore every invalidation (no set_seq, no PFNCLR)",
    kernelPath: 'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svmm_invalidate_range_start, nouveau_svm_range_invalidate',
  },
  {
    id: 'driver-skips-seq-retry',
    breaks: 'the driver maps the GPU PTE without checking mmu_interval_read_retry()',
    kernelPath: 'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_atomic_range_fault, nouveau_range_fault',
  },
  {
    id: 'driver-no-owner-filter',
    breaks: 'the interval callback does not ignore its own MMU_NOTIFY_EXCLUSIVE (owner == drm->dev): livelock',
    kernelPath: 'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svm_range_invalidate',
  },
  {
    id: 'fault-skips-pte-same',
    breaks: 'the CPU fault path restores the entry without re-checking pte_same() under the PTL',
    kernelPath: 'mm/memory.c remove_device_exclusive_entry',
  },
  {
    id: 'gpu-clear-no-drain',
    breaks: 'PFNCLR returns before in-flight GPU accesses to the page drain',
    kernelPath: 'drivers/gpu/drm/nouveau/nvkm/subdev/mmu/vmmgp100.c gp100_vmm_pfn_clear (TLB flush)',
  },
];

/** Behaviour switches. Machines are built for one Flags value (closed over), so contexts stay small. */
export interface Flags {
  readonly variant: VariantId;
  readonly mutations: readonly MutationId[];
  /** E2: one SWP_DEVICE_EXCLUSIVE type; E1: READ/WRITE types. */
  readonly singleEntryType: boolean;
  /** E2: a devExcl entry stays counted in mapcount; E1: conversion drops it, restore re-adds it. */
  readonly mapcountKept: boolean;
  /** E1b+: remove_device_exclusive_entry does folio_try_get() before locking (7c7b962938dd). */
  readonly restoreTakesRef: boolean;
  /** The notifier event of the CPU restore path: E1 EXCLUSIVE (owner NULL), E2 CLEAR. */
  readonly restoreEvent: 'MMU_NOTIFY_EXCLUSIVE' | 'MMU_NOTIFY_CLEAR';
  /** E2 make_device_exclusive (folio_lock, retry) vs E1 make_device_exclusive_range (trylock, rmap walk). */
  readonly makeExclusive: 'single' | 'range';
  /** E1c+: nouveau_atomic_range_fault unlocks + puts the folio before retrying. */
  readonly nouveauRetryUnlock: boolean;
  /** E2: writability on restore from can_change_pte_writable(); E1: from the entry type. */
  readonly restoreWritability: 'entry' | 'can_change_pte_writable';
  /** E1: mprotect turns writable devExcl entries into readable ones. */
  readonly mprotectDowngradesEntry: boolean;
  /** Bound of the drivers' HMM_RANGE_DEFAULT_TIMEOUT retry loops (nouveau, dmirror), in iterations (the 1 s timeout as a count). */
  readonly retryBound: number;
  readonly restoreBeforeInvalidate: boolean;
  readonly driverIgnoresInvalidate: boolean;
  readonly driverSkipsSeqRetry: boolean;
  readonly driverNoOwnerFilter: boolean;
  readonly faultSkipsPteSame: boolean;
  readonly gpuClearNoDrain: boolean;
}

export function isVariantId(s: string): s is VariantId {
  return VARIANTS.some((v) => v.id === s);
}

export function isMutationId(s: string): s is MutationId {
  return MUTATIONS.some((m) => m.id === s);
}

export function flagsFor(variant: VariantId, mutations: readonly MutationId[], retryBound = 3): Flags {
  const e2 = variant === 'linux-6.15';
  const has = (m: MutationId): boolean => mutations.includes(m);
  return {
    variant,
    mutations: [...mutations].sort(),
    singleEntryType: e2,
    mapcountKept: e2,
    restoreTakesRef: e2,
    restoreEvent: e2 ? 'MMU_NOTIFY_CLEAR' : 'MMU_NOTIFY_EXCLUSIVE',
    makeExclusive: e2 ? 'single' : 'range',
    nouveauRetryUnlock: e2,
    restoreWritability: e2 ? 'can_change_pte_writable' : 'entry',
    mprotectDowngradesEntry: !e2,
    retryBound,
    restoreBeforeInvalidate: has('restore-before-invalidate'),
    driverIgnoresInvalidate: has('driver-ignores-invalidate'),
    driverSkipsSeqRetry: has('driver-skips-seq-retry'),
    driverNoOwnerFilter: has('driver-no-owner-filter'),
    faultSkipsPteSame: has('fault-skips-pte-same'),
    gpuClearNoDrain: has('gpu-clear-no-drain'),
  };
}
