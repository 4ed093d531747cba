import type { Folio, KernelState, MmId, Pfn, ResultOf, Vpn } from '../domain/index.js';
import { folioOf, mkPresent, mmOf, MmModelBugError, pteAt, updatePte, withFolio, type Done } from './state.js';

/**
 * Memory accesses that bypass the kernel's fault code: the CPU MMU walking the page table, and a
 * device (or driver memcpy) reading a host page by pfn.
 */

export interface CpuAccessArgs {
  readonly mm: MmId;
  readonly vpn: Vpn;
  readonly word: number;
  readonly access: 'load' | 'store' | 'atomicAdd';
  readonly value: number;
}

function wordOf(f: Folio, word: number): number {
  const v = f.data[word];
  if (v === undefined) throw new MmModelBugError(`word ${word} is outside pfn ${f.pfn} (${f.data.length} words)`);
  return v;
}

function withWord(f: Folio, word: number, value: number): Folio {
  wordOf(f, word);
  const data = f.data.slice();
  data[word] = value;
  return { ...f, data };
}

/**
 * The hardware page walk: a present PTE that permits the access is used (the MMU sets the accessed
 * bit, and the dirty bit on a write; PG_dirty is the kernel's business, not the MMU's); anything
 * else raises a page fault (arch/x86/mm/fault.c → handle_mm_fault).
 */
export function cpuAccess(k: KernelState, a: CpuAccessArgs): Done<KernelState, ResultOf<'CPU_ACCESS'>> {
  const write = a.access !== 'load';
  const pte = pteAt(mmOf(k, a.mm), a.vpn);
  if (pte.kind !== 'present' || (write && !pte.write)) return { k, result: { kind: 'fault', write } };
  const f = folioOf(k, pte.pfn);
  const old = wordOf(f, a.word);
  let kk = k;
  switch (a.access) {
    case 'load':
      break;
    case 'store':
      kk = withFolio(kk, withWord(f, a.word, a.value));
      break;
    case 'atomicAdd':
      kk = withFolio(kk, withWord(f, a.word, old + a.value));
      break;
  }
  const next = mkPresent({ ...pte, young: true, dirty: pte.dirty || write });
  kk = updatePte(kk, a.mm, a.vpn, next);
  return { k: kk, result: { kind: 'done', value: a.access === 'store' ? a.value : old } };
}

/** A device DMA read of a host page (after dma_map_page). A freed folio is still read: S6 reports it. */
export function dmaRead(k: KernelState, a: { readonly pfn: Pfn; readonly word: number }): Done<KernelState, ResultOf<'DMA_READ'>> {
  return { k, result: { value: wordOf(folioOf(k, a.pfn), a.word) } };
}

/** A device DMA write: the page is dirtied as set_page_dirty_lock after DMA would (drivers mark it). */
export function dmaWrite(k: KernelState, a: { readonly pfn: Pfn; readonly word: number; readonly value: number }): Done<KernelState, ResultOf<'DMA_WRITE'>> {
  const f = withWord(folioOf(k, a.pfn), a.word, a.value);
  return { k: withFolio(k, { ...f, dirty: true }), result: { ok: true } };
}
