import { readFileSync } from 'node:fs';
import { builtinScenarios, resolveScenario, ScenarioError, validateScenario } from '../../src/scenario/index.js';

const names = [
  'svm-atomic-basic',
  'cpu-gpu-atomic-thrash',
  'two-gpus',
  'hmm-exclusive',
  'hmm-exclusive-mprotect',
  'hmm-exclusive-cow',
  'peer-2cpu-1gpu',
  'peer-3cpu-1gpu',
  'gpu-atomic-munmap',
  'hmm-exclusive-two-faults',
  'h1-mprotect-revoke',
  'h1-zero-page',
  'h1-cow-after-fork',
];

describe('built-in scenarios', () => {
  it('are exactly the ones the design asks for', () => {
    expect([...builtinScenarios.keys()]).toEqual(names);
  });

  it.each(names)('%s validates unchanged, with every default spelt out', (name) => {
    const s = builtinScenarios.get(name);
    expect(s).toBeDefined();
    expect(s?.name).toBe(name);
    expect(validateScenario(s, name)).toEqual(s);
    // A trace embeds the scenario as JSON; the round trip must not lose anything.
    expect(validateScenario(JSON.parse(JSON.stringify(s)), name)).toEqual(s);
  });

  it.each(names)('%s cites its domain section', (name) => {
    expect(builtinScenarios.get(name)?.description).toMatch(/domain\.md §6 T\d+/);
  });

  it('are frozen', () => {
    for (const s of builtinScenarios.values()) {
      expect(Object.isFrozen(s)).toBe(true);
      expect(Object.isFrozen(s.cpu[0]?.program)).toBe(true);
    }
  });

  it('svm-atomic-basic expects the OpenCL test\'s result', () => {
    expect(builtinScenarios.get('svm-atomic-basic')?.expect?.final).toEqual([
      { at: 'buf:0', equals: 2 },
      { at: 'buf:1', equals: 5 },
    ]);
  });

  it('the peer scenarios differ only in CPU threads', () => {
    const two = builtinScenarios.get('peer-2cpu-1gpu');
    const three = builtinScenarios.get('peer-3cpu-1gpu');
    expect(two?.variant).toBe('linux-5.14');
    expect(two?.cpu).toHaveLength(2);
    expect(three?.cpu).toHaveLength(3);
    expect(three?.gpu).toEqual(two?.gpu);
    expect(three?.regions).toEqual(two?.regions);
  });
});

describe('resolveScenario', () => {
  it('returns a built-in by name without reading anything', () => {
    const read = jest.fn((): string => { throw new Error('must not read'); });
    expect(resolveScenario('hmm-exclusive', read)).toBe(builtinScenarios.get('hmm-exclusive'));
    expect(read).not.toHaveBeenCalled();
  });

  it('loads a path that is not a built-in name', () => {
    const text = JSON.stringify({ ...builtinScenarios.get('two-gpus'), name: 'mine' });
    expect(resolveScenario('scenarios/mine.json', () => text).name).toBe('mine');
  });

  it('a name that is neither lists the built-ins', () => {
    const enoent = (): string => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); };
    let error: unknown;
    try {
      resolveScenario('svm-atomic', enoent);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const e = error as ScenarioError;
    expect(e.file).toBe('svm-atomic');
    expect(e.path).toBe('$');
    for (const name of names) expect(e.detail).toContain(name);
  });

  it('a missing file on disk is reported the same way', () => {
    expect(() => resolveScenario('/nonexistent/dir/x.json', (p) => readFileSync(p, 'utf8'))).toThrow(/no built-in scenario or file by that name \(built-ins: svm-atomic-basic/);
  });

  it('other load errors pass through', () => {
    expect(() => resolveScenario('x.json', () => '{')).toThrow(/x\.json: \$: invalid JSON/);
  });
});
