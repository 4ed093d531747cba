import { builtinScenarios } from '../../src/scenario/index.js';
import { TRACE_FORMAT, TraceError, decodeTrace, encodeTrace, type Trace } from '../../src/trace/format.js';

const scenario = builtinScenarios.get('svm-atomic-basic');
if (scenario === undefined) throw new Error('built-in svm-atomic-basic missing');

const trace: Trace = {
  format: TRACE_FORMAT,
  scenario,
  variant: 'linux-5.14',
  mutations: ['driver-ignores-invalidate'],
  seed: 7,
  choices: ['cpu0', 'ch0', 'gpu0<gpu0.mmu'],
  end: 'violation',
  violation: { invariant: 'S2', message: 'buf:0 = 1 after 2 adds' },
  steps: [
    { id: 'cpu0', log: '[0] cpu0 user store buf:1 := 5' },
    { id: 'ch0', log: '[1] ch0 gpu atomic read buf:0 = 0' },
    { id: 'gpu0<gpu0.mmu', log: '[2] gpu0 ⇐ nouveau_svm_event' },
  ],
};

/** The document as plain JSON, to be broken one field at a time. */
function doc(): Record<string, unknown> {
  return JSON.parse(encodeTrace(trace)) as Record<string, unknown>;
}

function errorOf(text: string): TraceError {
  try {
    decodeTrace(text, 'bad.json');
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error('decodeTrace accepted a bad trace');
}

function errorWith(patch: (d: Record<string, unknown>) => void): TraceError {
  const d = doc();
  patch(d);
  return errorOf(JSON.stringify(d));
}

describe('hmmx-trace/1 encode/decode', () => {
  it('round-trips every field', () => {
    expect(decodeTrace(encodeTrace(trace), 't.json')).toEqual(trace);
  });

  it('round-trips a minimal trace (no seed, end, violation or steps)', () => {
    const minimal: Trace = { format: TRACE_FORMAT, scenario, variant: 'linux-6.15', mutations: [], choices: [] };
    const text = encodeTrace(minimal);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['format', 'scenario', 'variant', 'mutations', 'choices']);
    expect(decodeTrace(text, 't.json')).toEqual(minimal);
  });

  it('encodes deterministically, in the contract order, ending with a newline', () => {
    const text = encodeTrace(trace);
    expect(encodeTrace(decodeTrace(text, 't.json'))).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['format', 'scenario', 'variant', 'mutations', 'seed', 'choices', 'end', 'violation', 'steps']);
  });

  it('accepts a byte-order mark', () => {
    expect(decodeTrace(`\uFEFF${encodeTrace(trace)}`, 't.json').seed).toBe(7);
  });

  it('accepts a quiescent run that violated the expected final memory', () => {
    const d = doc();
    d['end'] = 'quiescent';
    d['violation'] = { invariant: 'expect-final', message: 'buf:0 = 1, expected 2' };
    expect(decodeTrace(JSON.stringify(d), 't.json').violation?.invariant).toBe('expect-final');
  });
});

describe('bad traces: TraceError naming the file and the JSON path', () => {
  const cases: ReadonlyArray<readonly [string, (d: Record<string, unknown>) => void, string, RegExp]> = [
    ['unknown top-level field', (d) => { d['extra'] = 1; }, '$.extra', /unknown field/],
    ['missing choices', (d) => { delete d['choices']; }, '$', /missing required field "choices"/],
    ['missing scenario', (d) => { delete d['scenario']; }, '$', /missing required field "scenario"/],
    ['other format version', (d) => { d['format'] = 'hmmx-trace/2'; }, '$.format', /unsupported trace format "hmmx-trace\/2"/],
    ['not a trace format', (d) => { d['format'] = 42; }, '$.format', /expected "hmmx-trace\/1", got 42/],
    ['invalid embedded scenario', (d) => { (d['scenario'] as { regions: Array<Record<string, unknown>> }).regions[0]!['pages'] = 0; }, '$.scenario.regions[0].pages', /./],
    ['unknown op in the embedded scenario', (d) => {
      (d['scenario'] as { cpu: Array<{ program: Array<Record<string, unknown>> }> }).cpu[0]!.program[0]!['op'] = 'frobnicate';
    }, '$.scenario.cpu[0].program[0].op', /frobnicate/],
    ['unknown variant', (d) => { d['variant'] = 'linux-2.6'; }, '$.variant', /unknown variant "linux-2.6"; known: linux-6.15, linux-5.14/],
    ['mutations not an array', (d) => { d['mutations'] = 'x'; }, '$.mutations', /expected an array/],
    ['unknown mutation', (d) => { d['mutations'] = ['no-such-bug']; }, '$.mutations[0]', /unknown mutation "no-such-bug"/],
    ['duplicate mutation', (d) => { d['mutations'] = ['gpu-clear-no-drain', 'gpu-clear-no-drain']; }, '$.mutations[1]', /duplicate/],
    ['negative seed', (d) => { d['seed'] = -1; }, '$.seed', /integer from 0 to 4294967295, got -1/],
    ['fractional seed', (d) => { d['seed'] = 1.5; }, '$.seed', /got 1.5/],
    ['choices not an array', (d) => { d['choices'] = {}; }, '$.choices', /got an object/],
    ['malformed step id', (d) => { d['choices'] = ['cpu0', 'not a step']; d['steps'] = undefined; }, '$.choices[1]', /step id/],
    ['numeric step id', (d) => { d['choices'] = [3]; delete d['steps']; }, '$.choices[0]', /got 3/],
    ['unknown end', (d) => { d['end'] = 'finished'; }, '$.end', /one of quiescent, deadlock, violation, max-steps/],
    ['violation end without a violation', (d) => { delete d['violation']; }, '$.end', /needs a "violation"/],
    ['step limit with a violation', (d) => { d['end'] = 'max-steps'; }, '$.end', /contradicts/],
    ['violation not an object', (d) => { d['violation'] = 'S2'; }, '$.violation', /expected \{invariant, message\}/],
    ['violation with an empty invariant', (d) => { d['violation'] = { invariant: '', message: 'm' }; }, '$.violation.invariant', /property id/],
    ['violation with a numeric message', (d) => { d['violation'] = { invariant: 'S1', message: 1 }; }, '$.violation.message', /expected a string/],
    ['violation with an extra field', (d) => { d['violation'] = { invariant: 'S1', message: 'm', step: 3 }; }, '$.violation.step', /unknown field/],
    ['steps not an array', (d) => { d['steps'] = 'x'; }, '$.steps', /expected an array/],
    ['steps of another length', (d) => { d['steps'] = []; }, '$.steps', /has 0 entries but there are 3 choices/],
    ['step id not its choice', (d) => { (d['steps'] as Array<Record<string, unknown>>)[1]!['id'] = 'cpu0'; }, '$.steps[1].id', /choices\[1\] is "ch0"/],
    ['step log not a string', (d) => { (d['steps'] as Array<Record<string, unknown>>)[2]!['log'] = null; }, '$.steps[2].log', /expected a string, got null/],
    ['step with an extra field', (d) => { (d['steps'] as Array<Record<string, unknown>>)[0]!['world'] = {}; }, '$.steps[0].world', /unknown field/],
  ];

  it.each(cases)('%s', (_name, patch, path, detail) => {
    const e = errorWith(patch);
    expect(e.file).toBe('bad.json');
    expect(e.path).toBe(path);
    expect(e.detail).toMatch(detail);
    expect(e.message).toBe(`bad.json: ${path}: ${e.detail}`);
  });

  it('invalid JSON names the line and column', () => {
    const e = errorOf('{\n  "format": "hmmx-trace/1",\n  oops\n}');
    expect(e.path).toBe('$');
    expect(e.detail).toMatch(/^invalid JSON at line 3, column \d+/);
  });

  it('an empty file says so', () => {
    expect(errorOf('  \n').detail).toBe('invalid JSON: the file is empty');
  });

  it.each([['an array', '[]'], ['a string', '"x"'], ['null', 'null']])('a document that is %s is rejected at $', (kind, text) => {
    const e = errorOf(text);
    expect(e.path).toBe('$');
    expect(e.detail).toBe(`expected a trace object, got ${kind}`);
  });
});
