import {
  PTE_NONE,
  formatGpuPte,
  formatPte,
  ptePfn,
  pteSame,
  type ActorId,
  type ActorSnap,
  type Folio,
  type GpuMmuState,
  type KernelState,
  type NotifierState,
  type Vma,
  type World,
} from '../domain/index.js';
import type { AddrFmt } from './addr.js';
import { postText } from './calls.js';
import { gpuMmuOf, kernelOf, notifierOf, progressOf, snakeCase, statePaths } from './worldView.js';

/**
 * What a step changed, found by comparing the worlds before and after it, so the log shows every
 * effect whether or not a call's result mentions it: CPU PTEs, VMAs, folios (lock, references,
 * mapcount, data), notifier sequence numbers, GPU PTEs and faults, program progress, state
 * changes and posted messages.
 */
export function worldEffects(f: AddrFmt, actor: ActorId, before: World, after: World, consumedPosts: number): readonly string[] {
  const out: string[] = [];
  const kb = kernelOf(before);
  const ka = kernelOf(after);
  if (kb !== null && ka !== null && kb !== ka) out.push(...kernelEffects(f, kb, ka));
  const nb = notifierOf(before);
  const na = notifierOf(after);
  if (nb !== null && na !== null && nb !== na) out.push(...notifierEffects(f, nb, na));
  after.actors.forEach((a, i) => {
    const b = before.actors[i];
    if (b === undefined || b === a) return;
    const gb = gpuMmuOf(b);
    const ga = gpuMmuOf(a);
    if (gb !== null && ga !== null) out.push(...gpuMmuEffects(f, a.id, gb, ga));
    out.push(...actorEffects(f, actor, b, a));
  });
  for (const m of after.net.slice(before.net.length - consumedPosts)) out.push(`post ${postText(m.event, f)} → ${m.to}`);
  return out;
}

function kernelEffects(f: AddrFmt, b: KernelState, a: KernelState): readonly string[] {
  const out: string[] = [];
  const many = a.mms.length > 1;
  a.mms.forEach((mm, i) => {
    const old = b.mms[i];
    const tag = many ? `mm${i} ` : '';
    if (old === undefined) {
      out.push(`mm${i} created`);
      return;
    }
    if (old === mm) return;
    if (old.live && !mm.live) out.push(`mm${i} gone`);
    for (const vpn of unionKeys(old.ptes, mm.ptes)) {
      const p0 = old.ptes[vpn] ?? PTE_NONE;
      const p1 = mm.ptes[vpn] ?? PTE_NONE;
      if (!pteSame(p0, p1)) out.push(`pte ${tag}${f.page(Number(vpn))}: ${formatPte(p0)} → ${formatPte(p1)}`);
    }
    out.push(...vmaEffects(tag, old.vmas, mm.vmas));
  });
  a.folios.forEach((folio, pfn) => {
    const old = b.folios[pfn];
    if (old === folio) return;
    out.push(...folioEffects(f, a, pfn, old, folio));
  });
  return out;
}

function vmaEffects(tag: string, b: readonly Vma[], a: readonly Vma[]): readonly string[] {
  const out: string[] = [];
  for (const v of b) {
    const now = a.find((x) => x.region === v.region && x.start === v.start);
    if (now === undefined) {
      out.push(`vma ${tag}${v.region} unmapped`);
      continue;
    }
    if (now.write !== v.write) out.push(`vma ${tag}${v.region} ${v.write ? 'rw' : 'r'} → ${now.write ? 'rw' : 'r'}`);
    if (now.softDirtyTracking !== v.softDirtyTracking) {
      out.push(`vma ${tag}${v.region} soft-dirty tracking ${now.softDirtyTracking ? 'on' : 'off'}`);
    }
  }
  for (const v of a) {
    if (!b.some((x) => x.region === v.region && x.start === v.start)) out.push(`vma ${tag}${v.region} mapped`);
  }
  return out;
}

function folioEffects(f: AddrFmt, k: KernelState, pfn: number, b: Folio | undefined, a: Folio): readonly string[] {
  const parts: string[] = [];
  if (b === undefined) {
    parts.push(`allocated ref ${a.refcount} mapcount ${a.mapcount}`);
  } else {
    if (b.locked !== a.locked) parts.push(a.locked === null ? 'unlocked' : `locked by ${a.locked}`);
    if (b.refcount !== a.refcount) parts.push(a.refcount === 0 ? `ref ${b.refcount}→0 freed` : `ref ${b.refcount}→${a.refcount}`);
    if (b.mapcount !== a.mapcount) parts.push(`mapcount ${b.mapcount}→${a.mapcount}`);
    if (b.waiters.join() !== a.waiters.join()) parts.push(`waiters [${a.waiters.join(' ')}]`);
    if (b.dirty !== a.dirty) parts.push(a.dirty ? 'dirty' : 'clean');
    if (b.anonExclusive !== a.anonExclusive) parts.push(a.anonExclusive ? 'PageAnonExclusive' : '!PageAnonExclusive');
  }
  const out = parts.length === 0 ? [] : [`folio ${pfn}: ${parts.join(' ')}`];
  a.data.forEach((v, w) => {
    const old = b?.data[w] ?? 0;
    if (old !== v) out.push(`${wordOfPfn(f, k, pfn, w)} ${old}→${v}`);
  });
  return out;
}

/** A word of a page by the address that maps it (any PFN entry of a live mm), else by pfn. */
function wordOfPfn(f: AddrFmt, k: KernelState, pfn: number, word: number): string {
  for (const mm of k.mms) {
    if (!mm.live) continue;
    for (const [vpn, pte] of Object.entries(mm.ptes)) {
      if (ptePfn(pte) === pfn) return `${k.mms.length > 1 ? `mm${mm.id} ` : ''}${f.word(Number(vpn), word)}`;
    }
  }
  return `pfn=${pfn}[${word}]`;
}

function notifierEffects(f: AddrFmt, b: NotifierState, a: NotifierState): readonly string[] {
  const out: string[] = [];
  a.mms.forEach((m, i) => {
    const old = b.mms[i];
    if (old === undefined || old === m) return;
    const tag = a.mms.length > 1 ? ` mm${m.mm}` : '';
    if (old.invalidateSeq !== m.invalidateSeq) out.push(`invalidate_seq${tag} ${old.invalidateSeq}→${m.invalidateSeq}`);
    for (const s of m.interval) {
      const o = old.interval.find((x) => x.id === s.id);
      if (o === undefined) out.push(`sub ${s.id} (${s.driver}) ${f.range(s.start, s.end)} inserted seq ${s.seq}`);
      else if (o.seq !== s.seq) out.push(`sub ${s.id} seq ${o.seq}→${s.seq}`);
    }
    for (const o of old.interval) {
      if (!m.interval.some((x) => x.id === o.id)) out.push(`sub ${o.id} (${o.driver}) removed`);
    }
  });
  return out;
}

function gpuMmuEffects(f: AddrFmt, id: ActorId, b: GpuMmuState, a: GpuMmuState): readonly string[] {
  const out: string[] = [];
  for (const vpn of unionKeys(b.ptes, a.ptes)) {
    const p0 = formatGpuPte(b.ptes[vpn]);
    const p1 = formatGpuPte(a.ptes[vpn]);
    if (p0 !== p1) out.push(`${a.device} pte ${f.page(Number(vpn))}: ${p0} → ${p1}`);
  }
  // The ring only grows at PUT between drains (src/hw/faultBuffer.ts), so new entries are the tail.
  if (a.faultBuffer.length > b.faultBuffer.length) {
    for (const e of a.faultBuffer.slice(b.faultBuffer.length)) out.push(`${id} fault ${f.page(e.addr)} ${e.access} (${e.channel})`);
  } else if (a.faultBuffer.length < b.faultBuffer.length) {
    out.push(`${id} fault buffer drained`);
  }
  for (const c of a.stalled) if (!b.stalled.includes(c)) out.push(`${c} stalled`);
  for (const c of b.stalled) if (!a.stalled.includes(c)) out.push(`${c} released`);
  return out;
}

/** Program progress and state changes of threads, channels and drivers (server actors only change data). */
function actorEffects(f: AddrFmt, acting: ActorId, b: ActorSnap, a: ActorSnap): readonly string[] {
  const out: string[] = [];
  const pb = progressOf(b);
  const pa = progressOf(a);
  if (pb !== null && pa !== null) {
    if (pb.pc !== pa.pc) out.push(`${a.id} op ${pa.pc}/${pa.ops} done`);
    for (const e of pa.expectFailures.slice(pb.expectFailures.length)) {
      out.push(`${a.id} EXPECT FAILED op ${e.pc} ${e.op}: expected ${e.expected}, got ${e.got}`);
    }
  }
  if (a.kind === 'kernelMm' || a.kind === 'mmuNotifier' || a.kind === 'gpuMmu') return out;
  const lock = driverMutexEffect(b, a);
  if (lock !== null) out.push(lock);
  if (a.kind === 'dmirror') out.push(...mirrorEffects(f, a.id, b.context['pt'], a.context['pt']));
  // The acting actor's next function shows on its next line; say only where it comes to rest.
  const before = new Set(statePaths(b.value).map((p) => p.join('/')));
  for (const p of statePaths(a.value)) {
    if (before.has(p.join('/'))) continue;
    if (a.id === acting) {
      if (p.length === 1) out.push(`⇒ ${snakeCase(p[0] as string)}`);
    } else {
      out.push(`${a.id} ⇒ ${p.slice(-2).map(snakeCase).join('/')}`);
    }
  }
  return out;
}

/** The driver's own lock: nouveau's svmm->mutex (nouveau_svm.c), dmirror's mutex (lib/test_hmm.c). */
function driverMutexEffect(b: ActorSnap, a: ActorSnap): string | null {
  const field = a.kind === 'nouveauSvm' ? 'svmmMutex' : a.kind === 'dmirror' ? 'mutex' : null;
  if (field === null) return null;
  const name = a.kind === 'nouveauSvm' ? 'svmm->mutex' : 'dmirror->mutex';
  const before = b.context[field];
  const after = a.context[field];
  if (before === after) return null;
  return after === null || after === undefined ? `${a.id} ${name} unlocked` : `${a.id} ${name} locked (${String(after)})`;
}

type MirrorPt = Readonly<Record<string, { readonly pfn: number; readonly tag: string }>>;

/** lib/test_hmm.c dmirror->pt: the mirror's page table (xa_store / xa_erase of tagged entries). */
function mirrorEffects(f: AddrFmt, id: ActorId, before: unknown, after: unknown): readonly string[] {
  const b = (before ?? {}) as MirrorPt;
  const a = (after ?? {}) as MirrorPt;
  if (b === a) return [];
  const text = (e: MirrorPt[string] | undefined): string => (e === undefined ? 'none' : `${e.tag} pfn=${e.pfn}`);
  return unionKeys(b, a)
    .filter((vpn) => text(b[vpn]) !== text(a[vpn]))
    .map((vpn) => `${id} pt ${f.page(Number(vpn))}: ${text(b[vpn])} → ${text(a[vpn])}`);
}

function unionKeys(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): readonly string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => Number(x) - Number(y));
}
