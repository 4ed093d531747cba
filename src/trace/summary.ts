import { ptePfn, type ActorSnap, type KernelState, type Layout, type Mm, type Vpn, type World } from '../domain/index.js';
import type { RunEnd } from '../runtime/run.js';
import { tryParseAt, type Expect } from '../scenario/index.js';
import { addrFmt } from './addr.js';
import { kernelOf, progressOf, snakeCase, statePath } from './worldView.js';

/**
 * The end of a log: memory as the process sees it, what became of every thread and channel, the
 * scenario's expectations, and the verdict line.
 */

export type Verdict =
  | { readonly kind: 'pass' }
  | { readonly kind: 'violation'; readonly invariant: string; readonly message: string }
  | { readonly kind: 'incomplete'; readonly reason: string };

export function verdictLine(v: Verdict): string {
  switch (v.kind) {
    case 'pass':
      return 'verdict: pass';
    case 'violation':
      return `verdict: violation ${v.invariant} — ${v.message}`;
    case 'incomplete':
      return `verdict: incomplete — ${v.reason}`;
  }
}

/** A word read through one mm's page table, as the process would load it. */
export type WordValue =
  | { readonly kind: 'value'; readonly value: number; readonly via: 'present' | 'devExcl' | 'migration' }
  /** No PTE: anonymous memory not populated (or zapped) reads as zero on the next touch. */
  | { readonly kind: 'zero' }
  | { readonly kind: 'unmapped' }
  | { readonly kind: 'unreadable'; readonly why: string };

export function readWordOf(k: KernelState, mm: Mm, vpn: Vpn, word: number): WordValue {
  if (!mm.vmas.some((v) => v.start <= vpn && vpn < v.start + v.pages)) return { kind: 'unmapped' };
  const pte = mm.ptes[String(vpn)];
  if (pte === undefined || pte.kind === 'none') return { kind: 'zero' };
  if (pte.kind === 'swap') return { kind: 'unreadable', why: `swapped out, slot ${pte.slot}` };
  const pfn = ptePfn(pte) as number;
  const folio = k.folios[pfn];
  const v = folio?.data[word];
  return v === undefined ? { kind: 'unreadable', why: `pfn ${pfn} has no word ${word}` } : { kind: 'value', value: v, via: pte.kind };
}

function wordText(w: WordValue): string {
  switch (w.kind) {
    case 'value':
      return w.via === 'present' ? String(w.value) : `${w.value} (${w.via} entry)`;
    case 'zero':
      return '0 (no page)';
    case 'unmapped':
      return 'unmapped';
    case 'unreadable':
      return `? (${w.why})`;
  }
}

/** Every word of every region through each live mm (`buf:0 = 2`). */
export function renderMemory(layout: Layout, world: World): readonly string[] {
  const k = kernelOf(world);
  if (k === null) return ['final memory: (no kernel mm actor)'];
  const f = addrFmt(layout);
  const live = k.mms.filter((m) => m.live);
  const out: string[] = [];
  for (const mm of live) {
    out.push(live.length === 1 && mm.id === 0 ? 'final memory:' : `final memory (mm${mm.id}${mm.id === 0 ? '' : ', fork child'}):`);
    for (const r of layout.regions) {
      for (let w = 0; w < r.pages * r.wordsPerPage; w++) {
        const vpn = r.start + Math.floor(w / r.wordsPerPage);
        out.push(`  ${f.word(vpn, w % r.wordsPerPage)} = ${wordText(readWordOf(k, mm, vpn, w % r.wordsPerPage))}`);
      }
    }
  }
  if (live.length === 0) out.push('final memory: every mm has exited');
  return out;
}

/** Plainly what became of each thread and channel. */
export function actorOutcome(a: ActorSnap): string | null {
  const p = progressOf(a);
  if (p === null) return null;
  const ops = `${p.pc} of ${p.ops} ops`;
  const state = statePath(a.value).map(snakeCase).join('/');
  let text: string;
  if (a.kind === 'gpuChannel') {
    switch (state) {
      case 'done': text = `done (${ops})`; break;
      case 'killed': text = `killed: its fault was cancelled (GPU SIGSEGV) after ${ops}`; break;
      default: text = `did not finish: stopped in ${state} after ${ops}`;
    }
  } else {
    switch (state) {
      case 'done': text = `done (${ops})`; break;
      case 'sigsegv': text = `killed by SIGSEGV after ${ops}`; break;
      case 'fork_child_wait': text = 'never started (no fork returned in this child)'; break;
      default: text = `did not finish: stopped in ${state} after ${ops}`;
    }
  }
  const failures = p.expectFailures.map((e) => `; op ${e.pc} ${e.op} expected ${e.expected}, got ${e.got}`).join('');
  return `${text}${failures}`;
}

export function renderActors(world: World): readonly string[] {
  const rows = world.actors.flatMap((a) => {
    const o = actorOutcome(a);
    return o === null ? [] : [[a.id, o] as const];
  });
  if (rows.length === 0) return [];
  const w = Math.max(...rows.map(([id]) => id.length));
  return ['actors:', ...rows.map(([id, o]) => `  ${id.padEnd(w)}  ${o}`)];
}

/** Whether `verdict` is the one the scenario's `expect.verdict` (and `expect.invariant`) names. */
export function expectMet(expect: Expect, verdict: Verdict): boolean {
  return verdict.kind === expect.verdict && (expect.invariant === undefined || verdict.kind !== 'violation' || verdict.invariant === expect.invariant);
}

/** The scenario's `expect`: final words read through mm 0, the verdict and the property. */
export function renderExpect(layout: Layout, world: World, expect: Expect | undefined, verdict: Verdict): readonly string[] {
  if (expect === undefined) return [];
  const out: string[] = ['expect:'];
  const k = kernelOf(world);
  const mm0 = k?.mms.find((m) => m.id === 0);
  // Final memory means something only when the run got to the end: not at a violation or a limit.
  const checkWords = expect.verdict !== 'violation' && verdict.kind === 'pass';
  for (const fw of expect.final ?? []) {
    const ref = tryParseAt(fw.at);
    const r = layout.regions.find((x) => x.id === ref?.region);
    if (ref === undefined || r === undefined || k === null || mm0 === undefined) {
      out.push(`  ${fw.at} == ${fw.equals}  cannot be read`);
      continue;
    }
    const got = readWordOf(k, mm0, r.start + Math.floor(ref.word / r.wordsPerPage), ref.word % r.wordsPerPage);
    const value = got.kind === 'value' ? got.value : got.kind === 'zero' ? 0 : null;
    const status = !checkWords ? 'not checked' : value === fw.equals ? 'ok' : 'FAILED';
    out.push(`  ${fw.at} == ${fw.equals}  ${status} (got ${wordText(got)})`);
  }
  if (expect.verdict !== undefined) {
    const want = expect.verdict === 'violation' && expect.invariant !== undefined ? `violation ${expect.invariant}` : expect.verdict;
    const got = verdict.kind === 'violation' ? `violation ${verdict.invariant}` : verdict.kind;
    const same = expectMet(expect, verdict);
    let note = 'FAILED';
    if (same) note = 'ok';
    else if (verdict.kind === 'incomplete') note = 'not reached';
    else if (verdict.kind === 'pass') note = 'not seen in this execution (hmmx check explores every interleaving)';
    out.push(`  verdict ${want}  ${note}${same ? '' : ` (got ${got})`}`);
  }
  return out;
}

export interface SummaryInput {
  readonly layout: Layout;
  readonly final: World;
  readonly end: RunEnd;
  readonly steps: number;
  readonly expect: Expect | undefined;
  readonly verdict: Verdict;
}

export function renderSummary(s: SummaryInput): readonly string[] {
  return [
    ...renderMemory(s.layout, s.final),
    ...renderActors(s.final),
    ...renderExpect(s.layout, s.final, s.expect, s.verdict),
    `${s.steps} steps, ended ${endText(s.end)}`,
    verdictLine(s.verdict),
  ];
}

function endText(end: RunEnd): string {
  switch (end) {
    case 'quiescent':
      return 'quiescent (no step enabled, every thread and channel finished)';
    case 'deadlock':
      return 'in a deadlock (no step enabled, some actor cannot finish)';
    case 'violation':
      return 'at a violation';
    case 'max-steps':
      return 'at the step limit';
  }
}
