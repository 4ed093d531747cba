import { runCli } from '../../src/cli/main.js';
import { FakeIo } from '../cli/fakeIo.js';
import { builtinScenarios } from '../../src/scenario/index.js';

/** `hmmx check` end to end through the command table, on an in-memory disk. */
function check(...args: string[]): { code: number; io: FakeIo } {
  const io = new FakeIo();
  const code = runCli(['check', ...args], io);
  return { code, io };
}

interface CheckJson {
  readonly verdict: string;
  readonly scenario: string;
  readonly variant: string;
  readonly strategy: string;
  readonly unit: string;
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly violation?: { readonly invariant: string; readonly message: string; readonly length: number; readonly trace: string; readonly cycleStart?: number };
}

describe('hmmx check', () => {
  it.each([
    ['linux-6.15', 'bfs'],
    ['linux-6.15', 'dfs'],
    ['linux-5.14', 'bfs'],
    ['linux-5.14', 'dfs'],
  ])('svm-atomic-basic passes on %s with %s, as a single JSON object', (variant, strategy) => {
    const { code, io } = check('svm-atomic-basic', '--variant', variant, '--strategy', strategy, '--json');
    expect(code).toBe(0);
    const j = JSON.parse(io.out) as CheckJson;
    expect(j).toMatchObject({ verdict: 'pass', scenario: 'svm-atomic-basic', variant, strategy, unit: 'states' });
    expect(j.states).toBeGreaterThan(1000);
    expect(j.violation).toBeUndefined();
    expect(io.files.size).toBe(0);
  });

  it('bfs and dfs count the same distinct states', () => {
    const b = JSON.parse(check('svm-atomic-basic', '--json').io.out) as CheckJson;
    const d = JSON.parse(check('svm-atomic-basic', '--strategy', 'dfs', '--json').io.out) as CheckJson;
    expect(d.states).toBe(b.states);
  });

  it('exits 3 (incomplete) when --max-states stops it', () => {
    const { code, io } = check('cpu-gpu-atomic-thrash', '--max-states', '5');
    expect(code).toBe(3);
    expect(io.out).toMatch(/verdict: incomplete \(stopped by --max-states/);
  });

  it('writes the shortest counterexample of a mutation as a trace that replay reproduces (exit 1) and explain prints', () => {
    const { code, io } = check('svm-atomic-basic', '--mutation', 'restore-before-invalidate', '--json');
    expect(code).toBe(1);
    const j = JSON.parse(io.out) as CheckJson;
    const file = 'hmmx-svm-atomic-basic-linux-6.15-restore-before-invalidate.trace.json';
    expect(j.violation).toMatchObject({ invariant: 'S8', length: 24, trace: file });
    const trace = io.files.get(file);
    expect(trace).toBeDefined();
    const parsed = JSON.parse(trace ?? '{}') as { choices: string[]; violation: { invariant: string; message: string }; end: string };
    expect(parsed.choices).toHaveLength(24);
    expect(parsed.end).toBe('violation');
    expect(parsed.violation.message).toBe(j.violation?.message);

    const replay = new FakeIo();
    replay.files.set(file, trace ?? '');
    expect(runCli(['replay', file], replay)).toBe(1);
    expect(replay.out).toMatch(/reproduced the recorded violation/);
    const explain = new FakeIo();
    explain.files.set(file, trace ?? '');
    expect(runCli(['explain', file], explain)).toBe(0);
    expect(explain.out).toContain('restore_exclusive_pte');
  });

  it('prints the counterexample kernel-style, naming the trace file', () => {
    const { code, io } = check('gpu-atomic-munmap', '--mutation', 'driver-skips-seq-retry', '--trace', '/tmp/seq.json');
    expect(code).toBe(1);
    expect(io.out).toMatch(/counterexample: \d+ steps \(a shortest one\)/);
    expect(io.out).toMatch(/\[ *\d+\] gpu0 +nouveau_atomic_range_fault +nvif_vmm PFNMAP/);
    expect(io.out).toMatch(/S9/);
    expect(io.err).toContain('/tmp/seq.json');
    expect(io.files.has('/tmp/seq.json')).toBe(true);
  });

  it('random with the same seed gives the same result twice', () => {
    const a = check('svm-atomic-basic', '--strategy', 'random', '--seed', '4', '--max-states', '50', '--json');
    const b = check('svm-atomic-basic', '--strategy', 'random', '--seed', '4', '--max-states', '50', '--json');
    const ja = JSON.parse(a.io.out) as CheckJson;
    const jb = JSON.parse(b.io.out) as CheckJson;
    expect(a.code).toBe(b.code);
    expect({ ...ja, seconds: 0 }).toEqual({ ...jb, seconds: 0 });
    expect(ja.unit).toBe('executions');
    expect(ja.states).toBe(50);
  });

  it.each([
    ['random', '1', 'restore-before-invalidate', 'S8'],
    // The PFNCLR/in-flight race is narrow: uniform random walks rarely hit it, PCT's priorities do.
    ['pct', '4', 'gpu-clear-no-drain', 'S1'],
  ])('%s (seed %s) finds %s (%s), shrinks it, and the trace replays', (strategy, seed, mutation, invariant) => {
    {
      const { code, io } = check('svm-atomic-basic', '--mutation', mutation, '--strategy', strategy, '--seed', seed, '--json', '--trace', '/tmp/r.json');
      expect(code).toBe(1);
      const j = JSON.parse(io.out) as CheckJson;
      expect(j.violation?.invariant).toBe(invariant);
      // The bounded bfs pass of the shrinker makes it a shortest one here.
      expect(j.violation?.length).toBeLessThanOrEqual(29);
      const replay = new FakeIo();
      replay.files.set('/tmp/r.json', io.files.get('/tmp/r.json') ?? '');
      expect(runCli(['replay', '/tmp/r.json'], replay)).toBe(1);
    }
  });

  it('reports a CPU↔GPU ping-pong as a lasso under per-actor fairness, and the lasso replays', () => {
    const { code, io } = check('svm-atomic-basic', '--fairness', 'actor', '--json', '--trace', '/tmp/lasso.json');
    expect(code).toBe(1);
    const j = JSON.parse(io.out) as CheckJson;
    expect(j.violation?.invariant).toBe('gpu-progress');
    expect(j.violation?.message).toMatch(/^ch0 never finishes: a \d+-step cycle, fair to every actor enabled on it/);
    expect(j.violation?.cycleStart).toBeGreaterThan(0);
    const text = io.files.get('/tmp/lasso.json') ?? '';
    expect(JSON.parse(text)).toMatchObject({ cycleStart: j.violation?.cycleStart, fairness: 'actor' });
    const replay = new FakeIo();
    replay.files.set('/tmp/lasso.json', text);
    expect(runCli(['replay', '/tmp/lasso.json'], replay)).toBe(1);
    // explain prints the log check printed, the cycle marked before the same step.
    const explain = new FakeIo();
    explain.files.set('/tmp/lasso.json', text);
    expect(runCli(['explain', '/tmp/lasso.json'], explain)).toBe(0);
    const mark = 'the cycle starts here';
    const after = (out: string): string => out.slice(out.indexOf(mark)).split('\n')[1] ?? '';
    const printed = check('svm-atomic-basic', '--fairness', 'actor', '--trace', '/tmp/l2.json').io.out;
    expect(explain.out).toContain(mark);
    expect(after(printed)).toMatch(/^\[ *\d+\] /);
    expect(after(explain.out)).toBe(after(printed));
    // A lasso whose cycle does not close does not fit the model.
    const broken = new FakeIo();
    const t = JSON.parse(text) as { choices: string[]; steps?: unknown };
    broken.files.set('/tmp/bad.json', JSON.stringify({ ...t, choices: t.choices.slice(0, -1), steps: undefined }));
    expect(runCli(['replay', '/tmp/bad.json'], broken)).toBe(2);
  });

  it('a final word the scenario expects and the run does not give: the trace ends as the run does and replays', () => {
    const basic = builtinScenarios.get('svm-atomic-basic');
    const wrong = { ...basic, expect: { verdict: 'pass', final: [{ at: 'buf:0', equals: 3 }] } };
    const io = new FakeIo();
    io.files.set('/tmp/final.json', JSON.stringify(wrong));
    expect(runCli(['check', '/tmp/final.json', '--json', '--trace', '/tmp/final.trace.json'], io)).toBe(1);
    expect((JSON.parse(io.out) as CheckJson).violation?.invariant).toBe('expect-final');
    const text = io.files.get('/tmp/final.trace.json') ?? '';
    // The run reaches its end with every actor finished: quiescent, not stopped at a violation.
    expect(JSON.parse(text)).toMatchObject({ end: 'quiescent', violation: { invariant: 'expect-final' } });
    const replay = new FakeIo();
    replay.files.set('/tmp/final.trace.json', text);
    expect(runCli(['replay', '/tmp/final.trace.json'], replay)).toBe(1);
  });

  it('rejects bad flags with exit 2', () => {
    expect(check('svm-atomic-basic', '--strategy', 'bogus').code).toBe(2);
    expect(check('svm-atomic-basic', '--trace', '/nonexistent/x.json').code).toBe(2);
    expect(check('no-such-scenario').code).toBe(2);
  });
});
