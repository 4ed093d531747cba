import type { KernelState, MmId, ResultOf, Vpn } from '../domain/index.js';
import { mmOf, pteAt, vmaLookup, type Done } from './state.js';

/**
 * mm/hmm.c hmm_range_fault's walk for one page (hmm_vma_walk_hole / hmm_vma_handle_pte).
 * `fault` = HMM_PFN_REQ_FAULT, `write` = HMM_PFN_REQ_WRITE. A `fault` result is hmm_vma_fault:
 * the caller runs handle_mm_fault(FAULT_FLAG_REMOTE [|WRITE]) and hmm_range_fault returns -EBUSY.
 */

export interface HmmWalkArgs {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly fault: boolean;
  readonly write: boolean;
}

type Result = ResultOf<'HMM_VMA_WALK'>;

export function hmmVmaWalk(k: KernelState, a: HmmWalkArgs): Done<KernelState, Result> {
  const done = (result: Result): Done<KernelState, Result> => ({ k, result });
  const mm = mmOf(k, a.mm);
  const vma = vmaLookup(mm, a.vpn);
  // hmm_vma_walk_hole without a VMA, and hmm_vma_walk_test for a VMA without VM_READ:
  // -EFAULT if a fault is required, else the pfn is reported unusable.
  if (vma === undefined || !vma.read) return done(a.fault ? { kind: 'error', errno: '-EFAULT' } : { kind: 'invalid' });
  const pte = pteAt(mm, a.vpn);
  // hmm_pte_need_fault: fault if asked to and the CPU entry lacks VALID, or lacks WRITE for a write request.
  const cpuValid = pte.kind === 'present';
  const cpuWrite = pte.kind === 'present' && pte.write;
  const needFault = a.fault && (!cpuValid || (a.write && !cpuWrite));
  const needWrite = needFault && a.write;
  if (needFault) {
    // hmm_vma_fault: a write fault on a VMA without VM_WRITE is -EPERM.
    if (needWrite && !vma.write) return done({ kind: 'error', errno: '-EPERM' });
    // devExcl, real swap and none all fault; a migration entry waits then returns -EBUSY (same retry).
    return done({ kind: 'fault', write: needWrite });
  }
  if (pte.kind !== 'present') return done({ kind: 'invalid' });
  // The zero page has a struct page, so it is reported like a normal page (read-only).
  return done({ kind: 'valid', pfn: pte.pfn, write: pte.write });
}
