import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_KNOWN_MUTATIONS,
  loadScenarioFile,
  parseAt,
  parseScenarioText,
  ScenarioError,
  tryParseAt,
  validateScenario,
  type Scenario,
} from '../../src/scenario/index.js';

/** A fresh, minimal, valid scenario document each time, so a test can break one thing in it. */
function doc(): Record<string, unknown> {
  return {
    name: 't',
    description: 'a test scenario',
    devices: [{ id: 'gpu0' }],
    regions: [{ id: 'buf', pages: 2, wordsPerPage: 2 }],
    cpu: [{ id: 'cpu0', program: [{ op: 'load', at: 'buf:0' }] }],
    gpu: [{ id: 'ch0', device: 'gpu0', program: [{ op: 'atomicAdd', at: 'buf:3', value: 1 }] }],
  };
}

/**
 * `doc()` with the values at the given JSON paths replaced (`undefined` deletes), the way a user's
 * file would differ; setting index `n` of an `n`-long array appends.
 */
function patched(changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const d = doc();
  for (const [path, value] of Object.entries(changes)) {
    const keys = [...path.matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\["([^"]*)"\]/g)]
      .map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? '')));
    const last = keys.pop();
    if (last === undefined) throw new Error(`bad path ${path}`);
    let node: unknown = d;
    for (const k of keys) node = (node as Record<string | number, unknown>)[k];
    const parent = node as Record<string | number, unknown>;
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return d;
}

function errorOf(run: () => unknown): ScenarioError {
  try {
    run();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw new Error(`expected a ScenarioError, got ${String(e)}`);
  }
  throw new Error('expected a ScenarioError, but nothing was thrown');
}

function rejects(raw: unknown, path: string, detail: RegExp): ScenarioError {
  const e = errorOf(() => validateScenario(raw, 'bad.json'));
  expect(e).toBeInstanceOf(ScenarioError);
  expect(e).toBeInstanceOf(Error);
  expect(e.file).toBe('bad.json');
  expect(e.path).toBe(path);
  expect(e.detail).toMatch(detail);
  expect(e.message).toBe(`bad.json: ${path}: ${e.detail}`);
  return e;
}

describe('validateScenario accepts and fills defaults', () => {
  it('fills every default the contract names', () => {
    const s = validateScenario(doc(), 'ok.json');
    expect(s.variant).toBe('linux-6.15');
    expect(s.mutations).toEqual([]);
    expect(s.kernel).toEqual([]);
    expect(s.check).toEqual({ invariants: 'all', liveness: false });
    expect(s.devices).toEqual([{ id: 'gpu0', driver: 'nouveau' }]);
    expect(s.regions[0]).toEqual({
      id: 'buf', pages: 2, wordsPerPage: 2, mapping: 'private-anon', prot: 'rw', populate: 'write', init: [0, 0, 0, 0],
    });
    expect(s.expect).toBeUndefined();
    expect('expect' in s).toBe(false);
  });

  it('defaults wordsPerPage to 1 and fills a partial check', () => {
    const s = validateScenario(patched({
      '$.regions[0]': { id: 'buf', pages: 3 },
      '$.gpu': [],
      '$.check': { liveness: true },
    }), 'ok.json');
    expect(s.regions[0]?.wordsPerPage).toBe(1);
    expect(s.regions[0]?.init).toEqual([0, 0, 0]);
    expect(s.check).toEqual({ invariants: 'all', liveness: true });
  });

  it('fills a dmirror op\'s device with the first dmirror device', () => {
    const s = validateScenario(patched({
      '$.devices': [{ id: 'gpu0' }, { id: 'm0', driver: 'dmirror' }, { id: 'm1', driver: 'dmirror' }],
      '$.cpu[0].program[0]': { op: 'dmirrorExclusive', region: 'buf', expect: { ret: '0' } },
    }), 'ok.json');
    expect(s.cpu[0]?.program[0]).toEqual({ op: 'dmirrorExclusive', region: 'buf', device: 'm0', expect: { ret: '0' } });
  });

  it('returns a deeply frozen value', () => {
    const s: Scenario = validateScenario(doc(), 'ok.json');
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.regions[0]?.init)).toBe(true);
    expect(Object.isFrozen(s.cpu[0]?.program[0])).toBe(true);
  });

  it('does not modify its input', () => {
    const raw = doc();
    const before = JSON.stringify(raw);
    validateScenario(raw, 'ok.json');
    expect(JSON.stringify(raw)).toBe(before);
    expect(Object.isFrozen(raw)).toBe(false);
  });

  it('accepts variants and mutations from a caller-supplied catalogue', () => {
    const raw = patched({ '$.variant': 'linux-6.3', '$.mutations': ['my-mutation'] });
    const s = validateScenario(raw, 'ok.json', ['linux-6.3'], ['my-mutation']);
    expect(s.variant).toBe('linux-6.3');
    expect(s.mutations).toEqual(['my-mutation']);
  });

  it('accepts every contract mutation by default', () => {
    const s = validateScenario(patched({ '$.mutations': [...DEFAULT_KNOWN_MUTATIONS] }), 'ok.json');
    expect(s.mutations).toHaveLength(6);
  });

  it('accepts an expect block, explicit invariant lists and every op kind', () => {
    const s = validateScenario(patched({
      '$.devices[1]': { id: 'm0', driver: 'dmirror' },
      '$.regions[0].thp': true,
      '$.regions[1]': { id: 'ro', pages: 1, prot: 'r', populate: 'read', mapping: 'shared', hugetlb: false },
      '$.cpu[0].program': [
        { op: 'store', at: 'buf:1', value: -3 }, { op: 'add', at: 'buf:1', value: 1 },
        { op: 'atomicAdd', at: 'buf:1', value: 1 }, { op: 'load', at: 'buf:1', expect: { value: -1 } },
        { op: 'fork', expect: { ret: '-ENOMEM' } }, { op: 'mprotect', region: 'buf', prot: 'rw', expect: { ret: '0' } },
        { op: 'clearRefs' }, { op: 'madviseDontneed', region: 'buf' }, { op: 'munmap', region: 'ro' },
        { op: 'dmirrorExclusive', region: 'buf' }, { op: 'dmirrorCheckExclusive', region: 'buf', device: 'm0' },
        { op: 'dmirrorRead', region: 'buf' }, { op: 'dmirrorWrite', region: 'buf', expect: { ret: '-EPERM' } },
        { op: 'exit' },
      ],
      '$.gpu[0].program': [
        { op: 'load', at: 'ro:0', expect: { value: 0 } }, { op: 'store', at: 'buf:0', value: 1 },
        { op: 'atomicCas', at: 'buf:0', expect: 1, value: 2 }, { op: 'prefetch', at: 'buf:2' },
      ],
      '$.kernel': ['migrate', 'reclaim', 'ksmMerge', 'numaScan', 'mkclean'].map((op) => ({ op, region: 'buf' })),
      '$.check': { invariants: ['S1', 'S12', 'deadlock', 'op-expectation', 'gpu-progress'], liveness: false },
      '$.expect': { verdict: 'violation', invariant: 'S1', final: [{ at: 'buf:3', equals: 1 }] },
    }), 'ok.json');
    expect(s.expect).toEqual({ verdict: 'violation', invariant: 'S1', final: [{ at: 'buf:3', equals: 1 }] });
    expect(s.cpu[0]?.program).toHaveLength(14);
    expect(s.gpu[0]?.program[2]).toEqual({ op: 'atomicCas', at: 'buf:0', expect: 1, value: 2 });
    expect(s.regions[1]).toEqual({
      id: 'ro', pages: 1, wordsPerPage: 1, mapping: 'shared', prot: 'r', populate: 'read', init: [0], hugetlb: false,
    });
  });
});

describe('validateScenario rejects bad input with the JSON path of the problem', () => {
  it('not an object', () => {
    rejects([], '$', /expected a scenario object, got an array/);
    rejects(null, '$', /got null/);
  });

  it('unknown op, listing the known ops', () => {
    const e = rejects(patched({ '$.cpu[0].program[0].op': 'lod' }), '$.cpu[0].program[0].op', /unknown CPU op "lod"/);
    expect(e.detail).toMatch(/did you mean "load"/);
    expect(e.detail).toMatch(/known: load, store, add, atomicAdd, fork, mprotect, munmap, madviseDontneed, clearRefs, exit, dmirrorExclusive/);
    rejects(patched({ '$.gpu[0].program[0].op': 'fork' }), '$.gpu[0].program[0].op', /unknown GPU op "fork".*known: load, store, atomicAdd, atomicCas, prefetch/);
    rejects(patched({ '$.kernel': [{ op: 'swap', region: 'buf' }] }), '$.kernel[0].op', /unknown kernel op "swap".*migrate, reclaim, ksmMerge, numaScan, mkclean/);
  });

  it('missing op', () => {
    rejects(patched({ '$.cpu[0].program[0]': { at: 'buf:0' } }), '$.cpu[0].program[0].op', /missing/);
  });

  it('malformed at', () => {
    rejects(patched({ '$.cpu[0].program[0].at': 'buf' }), '$.cpu[0].program[0].at', /malformed address "buf"/);
    rejects(patched({ '$.cpu[0].program[0].at': 'buf:-1' }), '$.cpu[0].program[0].at', /malformed/);
    rejects(patched({ '$.cpu[0].program[0].at': 'buf:01' }), '$.cpu[0].program[0].at', /malformed/);
    rejects(patched({ '$.cpu[0].program[0].at': 3 }), '$.cpu[0].program[0].at', /expected a string, got the number 3/);
  });

  it('at out of range (word >= pages * wordsPerPage)', () => {
    rejects(patched({ '$.gpu[0].program[0].at': 'buf:4' }), '$.gpu[0].program[0].at', /word 4 is out of range: region "buf" has 4 words/);
    rejects(patched({ '$.expect': { final: [{ at: 'buf:9', equals: 0 }] } }), '$.expect.final[0].at', /out of range/);
  });

  it('unknown region', () => {
    rejects(patched({ '$.cpu[0].program[0].at': 'bug:0' }), '$.cpu[0].program[0].at', /unknown region "bug" \(did you mean "buf"\?\) \(regions: buf\)/);
    rejects(patched({ '$.cpu[0].program[1]': { op: 'mprotect', region: 'heap', prot: 'r' } }), '$.cpu[0].program[1].region', /unknown region "heap"/);
    rejects(patched({ '$.kernel': [{ op: 'migrate', region: 'x' }] }), '$.kernel[0].region', /unknown region "x"/);
  });

  it('missing cpu program', () => {
    rejects(patched({ '$.cpu[0].program': undefined }), '$.cpu[0].program', /missing; a CPU thread requires id, program/);
  });

  it('missing required top-level keys', () => {
    rejects(patched({ '$.regions': undefined }), '$.regions', /missing/);
    rejects(patched({ '$.name': undefined }), '$.name', /missing/);
  });

  it('wrong types', () => {
    rejects(patched({ '$.regions[0].pages': '2' }), '$.regions[0].pages', /expected an integer, got the string "2"/);
    rejects(patched({ '$.regions[0].pages': 1.5 }), '$.regions[0].pages', /expected an integer, got the number 1.5/);
    rejects(patched({ '$.cpu': {} }), '$.cpu', /expected an array, got an object/);
    rejects(patched({ '$.check': { liveness: 'yes' } }), '$.check.liveness', /expected true or false/);
    rejects(patched({ '$.gpu[0].program[0].value': null }), '$.gpu[0].program[0].value', /expected an integer, got null/);
    rejects(patched({ '$.name': '' }), '$.name', /must not be empty/);
  });

  it('unknown keys, reported before the missing key a typo causes', () => {
    rejects(patched({ '$.regoins': doc().regions, '$.regions': undefined }), '$.regoins', /unknown key "regoins" \(did you mean "regions"\?\)/);
    rejects(patched({ '$.cpu[0].program[0].value': 1 }), '$.cpu[0].program[0].value', /unknown key "value" in op load \(allowed: op, at, expect\)/);
    rejects(patched({ '$.regions[0]["words per page"]': 1 }), '$.regions[0]["words per page"]', /unknown key/);
  });

  it('unknown variant, listing the known ones', () => {
    rejects(patched({ '$.variant': 'linux-6.16' }), '$.variant', /unknown variant "linux-6.16" \(did you mean "linux-6.15"\?\) \(known: linux-6.15, linux-5.14\)/);
    const e = errorOf(() => validateScenario(patched({ '$.variant': 'linux-5.14' }), 'x.json', ['linux-6.15']));
    expect(e.path).toBe('$.variant');
  });

  it('unknown or duplicate mutation', () => {
    rejects(patched({ '$.mutations': ['gpu-clear-no-drain', 'no-such-bug'] }), '$.mutations[1]', /unknown mutation "no-such-bug".*restore-before-invalidate/);
    rejects(patched({ '$.mutations': ['gpu-clear-no-drain', 'gpu-clear-no-drain'] }), '$.mutations[1]', /duplicate mutation/);
  });

  it('init length mismatch', () => {
    rejects(patched({ '$.regions[0].init': [0, 0, 0] }), '$.regions[0].init', /has 3 values but the region has 4 words/);
  });

  it('init values that an unwritten page cannot hold', () => {
    rejects(patched({ '$.regions[0].populate': 'read', '$.regions[0].init': [0, 0, 7, 0] }), '$.regions[0].init[2]', /must be 0/);
  });

  it('duplicate ids, across kinds', () => {
    rejects(patched({ '$.cpu[1]': { id: 'cpu0', program: [] } }), '$.cpu[1].id', /duplicate id "cpu0" \(already used at \$\.cpu\[0\]\.id\)/);
    rejects(patched({ '$.gpu[0].id': 'buf' }), '$.gpu[0].id', /duplicate id "buf"/);
  });

  it('ids that cannot be part of an address or a step id', () => {
    rejects(patched({ '$.regions[0].id': 'my:buf' }), '$.regions[0].id', /not a valid id/);
  });

  it('GPU channel on an unknown or non-nouveau device', () => {
    rejects(patched({ '$.gpu[0].device': 'gpu1' }), '$.gpu[0].device', /unknown device "gpu1" \(did you mean "gpu0"\?\)/);
    rejects(patched({ '$.devices[0].driver': 'dmirror' }), '$.gpu[0].device', /dmirror test device/);
  });

  it('dmirror op without a dmirror device', () => {
    rejects(patched({ '$.cpu[0].program[0]': { op: 'dmirrorExclusive', region: 'buf' } }), '$.cpu[0].program[0].op', /no device has driver "dmirror"/);
  });

  it('dmirror op naming a nouveau device', () => {
    rejects(patched({
      '$.devices[1]': { id: 'm0', driver: 'dmirror' },
      '$.cpu[0].program[0]': { op: 'dmirrorWrite', region: 'buf', device: 'gpu0' },
    }), '$.cpu[0].program[0].device', /nouveau device; dmirrorWrite needs a dmirror device \(m0\)/);
  });

  it('bad invariant ids', () => {
    rejects(patched({ '$.check': { invariants: ['S1', 'L1'] } }), '$.check.invariants[1]', /unknown invariant "L1"/);
    rejects(patched({ '$.check': { invariants: 'some' } }), '$.check.invariants', /expected "all" or a list/);
    rejects(patched({ '$.expect': { invariant: 's1' } }), '$.expect.invariant', /unknown invariant/);
  });

  it('contradictory expectations', () => {
    rejects(patched({ '$.expect': { verdict: 'pass', invariant: 'S1' } }), '$.expect.invariant', /expected verdict is "pass"/);
  });

  it('op expectations that cannot apply', () => {
    rejects(patched({ '$.cpu[0].program[0]': { op: 'store', at: 'buf:0', value: 1, expect: { value: 1 } } }), '$.cpu[0].program[0].expect.value', /store reads no value/);
    rejects(patched({ '$.cpu[0].program[0].expect': { ret: '0' } }), '$.cpu[0].program[0].expect.ret', /not a syscall/);
    rejects(patched({ '$.cpu[0].program[0]': { op: 'fork', expect: { ret: 'ENOMEM' } } }), '$.cpu[0].program[0].expect.ret', /negative errno/);
    rejects(patched({ '$.cpu[0].program[0]': { op: 'fork', expect: {} } }), '$.cpu[0].program[0].expect', /expects nothing/);
    rejects(patched({ '$.gpu[0].program[0]': { op: 'atomicCas', at: 'buf:0', expect: { value: 0 }, value: 1 } }), '$.gpu[0].program[0].expect', /compare operand/);
    rejects(patched({ '$.gpu[0].program[0].expect': { value: 0 } }), '$.gpu[0].program[0].expect', /unknown key "expect" in GPU op atomicAdd/);
  });

  it('exploration limits, saying which limit', () => {
    rejects(patched({ '$.regions[0].pages': 9 }), '$.regions[0].pages', /more than 8 pages per region/);
    rejects(patched({ '$.regions[0].wordsPerPage': 17 }), '$.regions[0].wordsPerPage', /more than 16 words per page/);
    rejects(patched({ '$.regions[0].pages': 0 }), '$.regions[0].pages', /at least 1/);
    rejects(patched({ '$.devices': ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })) }), '$.devices', /has 5 devices; at most 4/);
    rejects(patched({ '$.cpu[0].program': new Array(65).fill({ op: 'load', at: 'buf:0' }) }), '$.cpu[0].program', /has 65 ops per program; at most 64/);
    rejects(patched({ '$.cpu[0].program': new Array(4).fill({ op: 'fork' }) }), '$.cpu[0].program', /4 forks; at most 3/);
  });

  it('ops after exit', () => {
    rejects(patched({ '$.cpu[0].program': [{ op: 'exit' }, { op: 'load', at: 'buf:0' }] }), '$.cpu[0].program[1]', /unreachable/);
  });

  it('a region both THP- and hugetlb-backed', () => {
    rejects(patched({ '$.regions[0].thp': true, '$.regions[0].hugetlb': true }), '$.regions[0].hugetlb', /not both/);
  });

  it('reports the first problem in document order', () => {
    rejects(patched({ '$.variant': 'nope', '$.regions[0].pages': 100 }), '$.variant', /unknown variant/);
  });
});
describe('parseAt', () => {
  it('parses region:word', () => {
    expect(parseAt('buf:12')).toEqual({ region: 'buf', word: 12 });
    expect(tryParseAt('buf:x')).toBeUndefined();
    expect(() => parseAt('buf')).toThrow(TypeError);
  });
});

const readUtf8 = (p: string): string => readFileSync(p, 'utf8');

describe('loadScenarioFile', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hmmx-scenario-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads and validates a file', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(doc(), null, 2));
    expect(loadScenarioFile(file, readUtf8).name).toBe('t');
  });

  it('missing file', () => {
    const file = join(dir, 'missing.json');
    const e = errorOf(() => loadScenarioFile(file, readUtf8));
    expect(e.file).toBe(file);
    expect(e.path).toBe('$');
    expect(e.detail).toBe('no such file');
    expect(e.message).toBe(`${file}: $: no such file`);
  });

  it('a directory', () => {
    expect(errorOf(() => loadScenarioFile(dir, readUtf8)).detail).toMatch(/directory/);
  });

  it('invalid JSON names the line and column', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "name": "t",\n  "description": "d",\n}\n');
    const e = errorOf(() => loadScenarioFile(file, readUtf8));
    expect(e.path).toBe('$');
    expect(e.detail).toMatch(/^invalid JSON at line 4, column 1/);
  });

  it('a validation error names the file', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(patched({ '$.cpu[0].program[0].op': 'nope' })));
    const e = errorOf(() => loadScenarioFile(file, readUtf8));
    expect(e.file).toBe(file);
    expect(e.path).toBe('$.cpu[0].program[0].op');
  });

  it('reads through an injected reader', () => {
    const s = loadScenarioFile('virtual.json', () => `\uFEFF${JSON.stringify(doc())}`);
    expect(s.name).toBe('t');
  });
});

describe('parseScenarioText', () => {
  it('empty text', () => {
    expect(errorOf(() => parseScenarioText('  \n', 'e.json')).detail).toMatch(/empty/);
  });

  it('truncated text', () => {
    const e = errorOf(() => parseScenarioText('{\n  "name": ', 't.json'));
    expect(e.detail).toMatch(/^invalid JSON at line 2, column 11/);
  });

  it('passes a catalogue through', () => {
    const text = JSON.stringify(patched({ '$.variant': 'series-v2' }));
    expect(parseScenarioText(text, 'x.json', { knownVariants: ['series-v2'] }).variant).toBe('series-v2');
    expect(errorOf(() => parseScenarioText(text, 'x.json')).path).toBe('$.variant');
  });
});

describe('check.retryBound', () => {
  const base = (check: unknown): unknown => ({
    name: 'rb', description: 'd', devices: [], regions: [{ id: 'buf', pages: 1 }], cpu: [], gpu: [], check,
  });
  it('is optional and kept when given', () => {
    expect(validateScenario(base({ liveness: true }), 'f.json').check.retryBound).toBeUndefined();
    expect(validateScenario(base({ retryBound: 2 }), 'f.json').check.retryBound).toBe(2);
  });
  it('must be a positive integer within the limit', () => {
    expect(() => validateScenario(base({ retryBound: 0 }), 'f.json')).toThrow(/f\.json: \$\.check\.retryBound: must be at least 1/);
    expect(() => validateScenario(base({ retryBound: 1000 }), 'f.json')).toThrow(/\$\.check\.retryBound: 1000 is more than 64/);
  });
});
