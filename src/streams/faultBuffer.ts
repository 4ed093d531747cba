import { from, map, mergeMap, scan, toArray, type OperatorFunction } from 'rxjs';
import type { FaultAccess, FaultEntry } from '../domain/index.js';

/**
 * The drain half of nouveau_svm_fault() as an RxJS pipeline over one drained batch: sort the cached
 * faults, then mark the ones that share a page with the fault before them. Pure and synchronous: the
 * batch is data in the driver's context, the pipeline only reorders it (architecture.md "RxJS").
 */

/** A drained fault in handling order; `duplicate` = same instance and page as the fault before it. */
export interface BatchedFault extends FaultEntry {
  readonly duplicate: boolean;
}

// nouveau_svm.c nouveau_svm_fault_priority(): the comparator merged with atomics sorts the weakest access first (H3).
export function nouveauSvmFaultPriority(access: FaultAccess): number {
  switch (access) {
    case 'prefetch':
      return 0;
    case 'read':
      return 1;
    case 'write':
      return 2;
    case 'atomic':
      return 3;
  }
}

// nouveau_svm.c nouveau_svm_fault_cmp(): instance, then address, then access priority.
export function nouveauSvmFaultCmp(a: FaultEntry, b: FaultEntry): number {
  if (a.inst !== b.inst) return a.inst - b.inst;
  if (a.addr !== b.addr) return a.addr - b.addr;
  return nouveauSvmFaultPriority(a.access) - nouveauSvmFaultPriority(b.access);
}

/**
 * sort(buffer->fault, ..., nouveau_svm_fault_cmp). The kernel's heapsort is not stable; the model breaks
 * ties by drain order so that one batch always yields one order.
 */
export function nouveauSvmFaultSort(): OperatorFunction<FaultEntry, readonly FaultEntry[]> {
  return (src) =>
    src.pipe(
      toArray(),
      map((batch) => batch.map((f, i) => ({ f, i })).sort((x, y) => nouveauSvmFaultCmp(x.f, y.f) || x.i - y.i).map((x) => x.f)),
    );
}

/** Marks faults that coalesce with the previous one (same svmm, same page): the skip-ahead candidates. */
export function markDuplicates(): OperatorFunction<FaultEntry, BatchedFault> {
  return (src) =>
    src.pipe(
      scan<FaultEntry, { readonly prev: FaultEntry | null; readonly out: BatchedFault | null }>(
        (acc, f) => ({
          prev: f,
          out: { ...f, duplicate: acc.prev !== null && acc.prev.inst === f.inst && acc.prev.addr === f.addr },
        }),
        { prev: null, out: null },
      ),
      map((acc) => acc.out as BatchedFault),
    );
}

/** The whole drain pipeline: entries in drain order → handling order with duplicates marked. */
export function nouveauSvmFaultPipeline(): OperatorFunction<FaultEntry, readonly BatchedFault[]> {
  return (src) => src.pipe(nouveauSvmFaultSort(), mergeMap((sorted) => from(sorted)), markDuplicates(), toArray());
}

/**
 * Runs the pipeline on one drained batch. `from` over an array emits synchronously inside
 * `subscribe`, so the result is available when `subscribe` returns; nothing stays subscribed.
 */
export function nouveauSvmFaultBatch(entries: readonly FaultEntry[]): readonly BatchedFault[] {
  let result: readonly BatchedFault[] | null = null;
  from(entries)
    .pipe(nouveauSvmFaultPipeline())
    .subscribe((b) => {
      result = b;
    });
  if (result === null) throw new Error('nouveauSvmFaultBatch: the pipeline did not complete synchronously');
  return result;
}
