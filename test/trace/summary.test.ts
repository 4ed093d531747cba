import type { ActorSnap, World } from '../../src/domain/index.js';
import { actorOutcome, renderExpect, renderMemory, renderSummary, verdictLine } from '../../src/trace/summary.js';
import { devExcl, folio, kernel, layout, present, world } from './fixtures.js';

function snap(kind: ActorSnap['kind'], value: ActorSnap['value'], pc: number, ops: number, extra: Record<string, unknown> = {}): ActorSnap {
  return { id: 'x', kind, value, context: { out: [], pc, program: new Array<unknown>(ops).fill({}), expectFailures: [], ...extra } };
}

describe('verdict line', () => {
  it('says pass, the violated property with its message, or why the run is incomplete', () => {
    expect(verdictLine({ kind: 'pass' })).toBe('verdict: pass');
    expect(verdictLine({ kind: 'violation', invariant: 'S2', message: 'buf:0 = 1 after 2 adds' })).toBe('verdict: violation S2 — buf:0 = 1 after 2 adds');
    expect(verdictLine({ kind: 'incomplete', reason: 'stopped after 10 steps' })).toBe('verdict: incomplete — stopped after 10 steps');
  });
});

describe('actor outcomes, said plainly', () => {
  it.each<readonly [string, ActorSnap, string | null]>([
    ['a finished thread', snap('cpuThread', 'done', 2, 2), 'done (2 of 2 ops)'],
    ['a thread killed by SIGSEGV', snap('cpuThread', 'sigsegv', 1, 3), 'killed by SIGSEGV after 1 of 3 ops'],
    ['a fork child that never ran', snap('cpuThread', 'forkChildWait', 0, 2), 'never started (no fork returned in this child)'],
    ['a finished channel', snap('gpuChannel', 'done', 2, 2), 'done (2 of 2 ops)'],
    ['a channel whose fault was cancelled', snap('gpuChannel', 'killed', 1, 2), 'killed: its fault was cancelled (GPU SIGSEGV) after 1 of 2 ops'],
    ['a thread stopped mid-fault', snap('cpuThread', { access: { handleMmFault: 'folioLock' } }, 0, 1), 'did not finish: stopped in access/handle_mm_fault/folio_lock after 0 of 1 ops'],
    ['a thread with a failed expectation', snap('cpuThread', 'done', 2, 2, { expectFailures: [{ pc: 1, op: 'load', expected: '5', got: '0' }] }), 'done (2 of 2 ops); op 1 load expected 5, got 0'],
    ['a server actor', { id: 'mm', kind: 'kernelMm', value: 'serving', context: { out: [] } }, null],
  ])('%s', (_name, a, text) => {
    expect(actorOutcome(a)).toBe(text);
  });
});

describe('final memory', () => {
  it('reads every word through the page table, naming entries that are not plain present PTEs', () => {
    expect(renderMemory(layout, world({ k: kernel(present, folio({ data: [2, 5] })) }))).toEqual(['final memory:', '  buf:0 = 2', '  buf:1 = 5']);
    expect(renderMemory(layout, world({ k: kernel(devExcl, folio({ data: [2, 5] })) }))).toEqual([
      'final memory:', '  buf:0 = 2 (devExcl entry)', '  buf:1 = 5 (devExcl entry)',
    ]);
    expect(renderMemory(layout, world({ k: kernel(null) }))).toEqual(['final memory:', '  buf:0 = 0 (no page)', '  buf:1 = 0 (no page)']);
  });

  it('lists each live mm of a fork separately', () => {
    const k = kernel(present, folio({ data: [1, 1] }));
    const child = { ...k.mms[0]!, id: 1 };
    const w: World = world({ k: { ...k, mms: [k.mms[0]!, child] } });
    expect(renderMemory(layout, w)).toEqual([
      'final memory (mm0):', '  buf:0 = 1', '  buf:1 = 1',
      'final memory (mm1, fork child):', '  buf:0 = 1', '  buf:1 = 1',
    ]);
  });

  it('says when a region was unmapped', () => {
    const k = kernel(null);
    const w = world({ k: { ...k, mms: [{ ...k.mms[0]!, vmas: [] }] } });
    expect(renderMemory(layout, w)).toEqual(['final memory:', '  buf:0 = unmapped', '  buf:1 = unmapped']);
  });
});

describe('expectations', () => {
  const w = world({ k: kernel(present, folio({ data: [1, 5] })) });

  it('compares the expected final words and verdict with what happened', () => {
    expect(renderExpect(layout, w, { verdict: 'pass', final: [{ at: 'buf:0', equals: 2 }, { at: 'buf:1', equals: 5 }] }, { kind: 'pass' })).toEqual([
      'expect:',
      '  buf:0 == 2  FAILED (got 1)',
      '  buf:1 == 5  ok (got 5)',
      '  verdict pass  ok',
    ]);
  });

  it('does not judge final memory of a run that stopped at a violation', () => {
    expect(renderExpect(layout, w, { final: [{ at: 'buf:0', equals: 2 }] }, { kind: 'violation', invariant: 'S8', message: 'm' })[1]).toBe(
      '  buf:0 == 2  not checked (got 1)',
    );
  });

  it('does not hold a single execution to an expected violation', () => {
    expect(renderExpect(layout, w, { verdict: 'violation', invariant: 'S2', final: [{ at: 'buf:0', equals: 2 }] }, { kind: 'pass' })).toEqual([
      'expect:',
      '  buf:0 == 2  not checked (got 1)',
      '  verdict violation S2  not seen in this execution (hmmx check explores every interleaving) (got pass)',
    ]);
    expect(renderExpect(layout, w, { verdict: 'pass' }, { kind: 'violation', invariant: 'S1', message: 'm' })).toEqual([
      'expect:',
      '  verdict pass  FAILED (got violation S1)',
    ]);
  });

  it('prints nothing for a scenario without expectations', () => {
    expect(renderExpect(layout, w, undefined, { kind: 'pass' })).toEqual([]);
  });
});

describe('the whole summary', () => {
  it('ends with the step count, how the run ended and the verdict line', () => {
    const lines = renderSummary({ layout, final: world(), end: 'violation', steps: 7, expect: undefined, verdict: { kind: 'violation', invariant: 'S1', message: 'both map pfn 1' } });
    expect(lines.slice(-2)).toEqual(['7 steps, ended at a violation', 'verdict: violation S1 — both map pfn 1']);
    expect(lines).toContain('  ch0   did not finish: stopped in issuing after 0 of 2 ops');
  });
});
