import { runCli } from '../../src/cli/main.js';
import { builtinScenarios } from '../../src/scenario/index.js';
import { decodeTrace, encodeTrace } from '../../src/trace/format.js';
import { FakeIo } from './fakeIo.js';

function cli(argv: readonly string[], io = new FakeIo()): { readonly code: number; readonly io: FakeIo } {
  return { code: runCli(argv, io), io };
}

/** The step lines of a log (`[  12] cpu0 ...`). */
function stepLines(out: string): readonly string[] {
  return out.split('\n').filter((l) => /^\[\s*\d+\] /.test(l));
}

const basic = builtinScenarios.get('svm-atomic-basic');
if (basic === undefined) throw new Error('built-in svm-atomic-basic missing');

/** A scenario file whose load expects the wrong value: a deterministic `op-expectation` violation. */
const wrongLoad = JSON.stringify({
  name: 'wrong-load',
  description: 'a load that expects a value nobody stored',
  devices: [{ id: 'gpu0' }],
  regions: [{ id: 'buf', pages: 1, wordsPerPage: 2, init: [0, 0] }],
  cpu: [{ id: 'cpu0', program: [{ op: 'store', at: 'buf:1', value: 5 }, { op: 'load', at: 'buf:1', expect: { value: 99 } }] }],
  gpu: [{ id: 'ch0', device: 'gpu0', program: [{ op: 'atomicAdd', at: 'buf:0', value: 1 }] }],
});

describe('usage', () => {
  it('help lists every command and exits 0', () => {
    const { code, io } = cli(['help']);
    expect(code).toBe(0);
    for (const c of ['run', 'replay', 'explain', 'scenarios', 'variants', 'help']) expect(io.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(io.err).toBe('');
  });

  it('no command prints the usage on stderr and exits 2', () => {
    const { code, io } = cli([]);
    expect(code).toBe(2);
    expect(io.err).toMatch(/^usage: hmmx <command>/);
    expect(io.out).toBe('');
  });

  it('an unknown command exits 2 naming it', () => {
    const { code, io } = cli(['frobnicate']);
    expect(code).toBe(2);
    expect(io.err).toMatch(/^hmmx: unknown command 'frobnicate'\n/);
  });

  it('an unknown flag exits 2 with the message and the command usage', () => {
    const { code, io } = cli(['run', 'svm-atomic-basic', '--sed', '7']);
    expect(code).toBe(2);
    expect(io.err).toBe(
      "hmmx run: unknown option '--sed'\n" +
        'usage: hmmx run <scenario> [--variant V] [--mutation M]... [--seed N] [--trace FILE] [--max-steps N]\n' +
        'Run `hmmx help run` for details.\n',
    );
    expect(io.out).toBe('');
  });

  it.each<readonly [readonly string[], string]>([
    [['run'], 'missing <scenario>'],
    [['run', 'svm-atomic-basic', '--seed', 'x'], "option '--seed' expects an integer"],
    [['run', 'svm-atomic-basic', '--variant', 'linux-4.0'], "unknown value 'linux-4.0' (one of: linux-6.15, linux-5.14)"],
    [['run', 'svm-atomic-basic', '--mutation', 'nope'], "option '--mutation': unknown value 'nope'"],
    [['run', 'svm-atomic-basic', '--max-steps', '0'], "option '--max-steps' expects an integer 1 or more"],
    [['replay'], 'missing <trace.json>'],
    [['scenarios', 'extra'], "unexpected argument 'extra'"],
    [['help', 'nope'], "unknown command 'nope'"],
  ])('%j exits 2: %s', (argv, message) => {
    const { code, io } = cli(argv);
    expect(code).toBe(2);
    expect(io.err).toContain(message);
  });

  it('<command> --help prints its options and exits 0', () => {
    const { code, io } = cli(['run', '--help']);
    expect(code).toBe(0);
    expect(io.out).toMatch(/^usage: hmmx run <scenario>/);
    expect(io.out).toContain('--max-steps N');
    expect(io.out).toContain('hmmx run svm-atomic-basic --seed 7 --trace /tmp/basic.json');
  });
});

describe('catalogues', () => {
  it('scenarios lists every built-in with its description', () => {
    const { code, io } = cli(['scenarios']);
    expect(code).toBe(0);
    const lines = io.out.trimEnd().split('\n');
    expect(lines).toHaveLength(builtinScenarios.size);
    expect(lines[0]).toMatch(/^svm-atomic-basic +GPU atomics and CPU stores on one SVM page/);
  });

  it('variants lists the eras with their commits and every mutation with the kernel path it breaks', () => {
    const { code, io } = cli(['variants']);
    expect(code).toBe(0);
    expect(io.out).toContain('  linux-6.15 (E2, the default)\n');
    expect(io.out).toContain('  linux-5.14 (E1a)\n');
    expect(io.out).toContain('      commit: b756a3b5e7ea "mm: device exclusive memory access"');
    expect(io.out).toContain('  restore-before-invalidate\n      breaks: the CPU fault path writes the restored PTE before mmu_notifier_invalidate_range_start()\n      kernel: mm/memory.c remove_device_exclusive_entry\n');
    expect(io.out).toContain('  gpu-clear-no-drain\n');
  });
});

describe('run', () => {
  it('is deterministic: the same scenario and seed print byte-identical output, ending in a pass', () => {
    const a = cli(['run', 'svm-atomic-basic', '--seed', '7']);
    const b = cli(['run', 'svm-atomic-basic', '--seed', '7']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.io.out).toBe(b.io.out);
    expect(a.io.out.split('\n')[0]).toBe('scenario svm-atomic-basic  variant linux-6.15  mutations none  seed 7');
    expect(a.io.out.trimEnd().split('\n').slice(-1)).toEqual(['verdict: pass']);
    expect(a.io.out).toContain('\nfinal memory:\n  buf:0 = 2');
    expect(a.io.out).toContain('  buf:1 = 5');
    expect(a.io.out).toContain('  ch0   done (2 of 2 ops)');
    expect(a.io.out).toContain('  buf:0 == 2  ok');
    expect(stepLines(a.io.out).length).toBeGreaterThan(10);
    expect(a.io.err).toBe('');
  });

  it('defaults the seed to 1', () => {
    const dflt = cli(['run', 'svm-atomic-basic']).io.out;
    expect(dflt).toBe(cli(['run', 'svm-atomic-basic', '--seed', '1']).io.out);
    expect(dflt.split('\n')[0]).toMatch(/ seed 1$/);
  });

  it('logs the device-exclusive conversion kernel-style', () => {
    const out = cli(['run', 'svm-atomic-basic', '--seed', '7']).io.out;
    expect(out).toMatch(/\] gpu0 +make_device_exclusive +make_device_exclusive folio_walk\+ptep_clear_flush buf\+0 pfn=1 → devExcl  \| pte buf\+0: present\(pfn=1 W D Y SD\) → devExcl\(pfn=1 SD\)/);
    expect(out).toMatch(/\] gpu0 +nouveau_atomic_range_fault +nvif_vmm PFNMAP buf\+0 pfn=1 V\|W\|A HOST  \| gpu0 pte buf\+0: invalid → V A HOST pfn=1/);
    expect(out).toMatch(/\] ch0 +gpu +atomic read buf:0 = 1$/m);
  });

  it('different seeds choose different interleavings', () => {
    const runs = new Set([1, 2, 3, 4, 5].map((s) => stepLines(cli(['run', 'two-gpus', '--seed', String(s)]).io.out).join('\n')));
    expect(runs.size).toBeGreaterThan(1);
  });

  it('a name that is neither a built-in nor a file exits 2 naming it, without a stack trace', () => {
    const { code, io } = cli(['run', 'nonexistent']);
    expect(code).toBe(2);
    expect(io.err).toMatch(/^hmmx: nonexistent: \$: no built-in scenario or file by that name \(built-ins: svm-atomic-basic, /);
    expect(io.err).not.toMatch(/\n\s+at /);
    expect(io.out).toBe('');
  });

  it('a scenario file with an unknown op exits 2 naming the file and the JSON path', () => {
    const io = new FakeIo();
    const doc = JSON.parse(wrongLoad) as { cpu: Array<{ program: Array<Record<string, unknown>> }> };
    doc.cpu[0]!.program[1] = { op: 'frobnicate', at: 'buf:0' };
    io.files.set('bad.json', JSON.stringify(doc));
    const { code } = cli(['run', 'bad.json', '--trace', 'out.json'], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/^hmmx: bad\.json: \$\.cpu\[0\]\.program\[1\]\.op: .*frobnicate/);
    expect(io.files.has('out.json')).toBe(false);
  });

  it('a property the model does not check exits 2 naming $.check.invariants', () => {
    const io = new FakeIo();
    io.files.set('s.json', JSON.stringify({ ...JSON.parse(wrongLoad), check: { invariants: ['S99'], liveness: false } }));
    const { code } = cli(['run', 's.json'], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/^hmmx: s\.json: \$\.check\.invariants: invariant\(s\) S99 are not checked/);
  });

  it('a violation exits 1 with the verdict line naming the property', () => {
    const io = new FakeIo();
    io.files.set('wrong.json', wrongLoad);
    const { code } = cli(['run', 'wrong.json'], io);
    expect(code).toBe(1);
    expect(io.out.trimEnd().split('\n').slice(-1)[0]).toMatch(/^verdict: violation op-expectation — cpu0 .*expected 99, got 5/);
  });

  it('the step limit exits 3 and says what to raise', () => {
    const { code, io } = cli(['run', 'svm-atomic-basic', '--max-steps', '5']);
    expect(code).toBe(3);
    expect(stepLines(io.out)).toHaveLength(5);
    expect(io.out.trimEnd().split('\n').slice(-1)).toEqual(['verdict: incomplete — stopped after 5 steps (--max-steps 5; raise it to run further)']);
  });

  it('--variant and --mutation override the scenario and are recorded in the trace', () => {
    const { code, io } = cli(['run', 'svm-atomic-basic', '--variant', 'linux-5.14', '--mutation', 'gpu-clear-no-drain', '--trace', 't.json']);
    expect([0, 1]).toContain(code);
    expect(io.out.split('\n')[0]).toBe('scenario svm-atomic-basic  variant linux-5.14  mutations gpu-clear-no-drain  seed 1');
    const t = decodeTrace(io.files.get('t.json') ?? '', 't.json');
    expect(t.variant).toBe('linux-5.14');
    expect(t.mutations).toEqual(['gpu-clear-no-drain']);
    expect(t.scenario).toEqual(basic);
  });
});

describe('--trace, replay and explain', () => {
  it('explain prints the same log as the run that wrote the trace; replay re-executes it and exits 0', () => {
    const io = new FakeIo();
    const run = cli(['run', 'two-gpus', '--seed', '5', '--trace', 'traces/t.json'], io);
    expect(run.code).toBe(0);
    expect(io.err).toBe('hmmx: trace written to traces/t.json\n');
    const text = io.files.get('traces/t.json') ?? '';
    const t = decodeTrace(text, 'traces/t.json');
    expect(t.seed).toBe(5);
    expect(t.end).toBe('quiescent');
    expect(t.violation).toBeUndefined();
    expect(t.choices).toHaveLength(stepLines(io.out).length);
    expect(t.steps?.map((s) => s.log)).toEqual(stepLines(io.out));

    const runOut = io.out;
    io.out = '';
    expect(cli(['explain', 'traces/t.json'], io).code).toBe(0);
    expect(stepLines(io.out)).toEqual(stepLines(runOut));
    // Not just the steps: the header and the summary too, so explain is the run, recomputed.
    expect(io.out).toBe(runOut);

    io.out = '';
    expect(cli(['replay', 'traces/t.json'], io).code).toBe(0);
    const replayOut = io.out;
    expect(replayOut).toContain(`replayed ${t.choices.length} choices: every step was enabled in turn and the run ended quiescent, as recorded`);
    expect(replayOut.trimEnd().split('\n').slice(-1)).toEqual(['verdict: pass']);
  });

  it('replay reproduces a recorded violation and exits 1', () => {
    const io = new FakeIo();
    io.files.set('wrong.json', wrongLoad);
    expect(cli(['run', 'wrong.json', '--trace', 't.json'], io).code).toBe(1);
    const t = decodeTrace(io.files.get('t.json') ?? '', 't.json');
    expect(t.violation?.invariant).toBe('op-expectation');
    expect(t.end).toBe('violation');
    io.out = '';
    expect(cli(['replay', 't.json'], io).code).toBe(1);
    expect(io.out).toContain('reproduced the recorded violation op-expectation');
    // explain explains; it does not judge.
    expect(cli(['explain', 't.json'], io).code).toBe(0);
  });

  it('replay of a trace cut off by the step limit exits 3', () => {
    const io = new FakeIo();
    expect(cli(['run', 'svm-atomic-basic', '--max-steps', '4', '--trace', 't.json'], io).code).toBe(3);
    expect(cli(['replay', 't.json'], io).code).toBe(3);
  });

  it.each<readonly [string, (t: Record<string, unknown>) => void, RegExp]>([
    ['a choice that is not enabled', (t) => { (t['choices'] as string[])[0] = 'gpu0<cpu0'; delete t['steps']; }, /^hmmx: t\.json: \$\.choices: the trace does not fit the model: step 0: choice 'gpu0<cpu0' is not enabled/],
    ['a trace longer than the run', (t) => { (t['choices'] as string[]).push('cpu0'); delete t['steps']; }, /^hmmx: t\.json: \$\.choices: the trace does not fit the model: the run ended after \d+ steps/],
    ['a trace shorter than its recorded end', (t) => { (t['choices'] as string[]).pop(); delete t['steps']; }, /^hmmx: t\.json: \$\.end: the trace does not fit the model: the trace ended quiescent but the replay ended max-steps/],
    ['a violation that does not happen', (t) => { t['violation'] = { invariant: 'S2', message: 'lost update' }; delete t['end']; }, /^hmmx: t\.json: \$\.violation: the trace does not fit the model: the trace records violation S2: lost update but the replay gives pass/],
  ])('replay of %s exits 2 (ReplayMismatchError) and explain refuses it too', (_name, tamper, message) => {
    const io = new FakeIo();
    expect(cli(['run', 'svm-atomic-basic', '--trace', 'good.json'], io).code).toBe(0);
    const t = JSON.parse(io.files.get('good.json') ?? '') as Record<string, unknown>;
    tamper(t);
    io.files.set('t.json', JSON.stringify(t));
    io.err = '';
    io.out = '';
    expect(cli(['replay', 't.json'], io).code).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.out).toBe('');
    expect(cli(['explain', 't.json'], io).code).toBe(2);
  });

  it('a bad trace file exits 2 naming the file and the JSON path', () => {
    const io = new FakeIo();
    io.files.set('broken.json', '{ "format": "hmmx-trace/1",');
    expect(cli(['replay', 'broken.json'], io).code).toBe(2);
    expect(io.err).toMatch(/^hmmx: broken\.json: \$: invalid JSON at line 1/);
    io.err = '';
    expect(cli(['explain', 'missing.json'], io).code).toBe(2);
    expect(io.err).toBe('hmmx: missing.json: $: no such file\n');
    io.err = '';
    const trace = JSON.parse(encodeTrace({ format: 'hmmx-trace/1', scenario: basic, variant: 'linux-6.15', mutations: [], choices: [] })) as Record<string, unknown>;
    (trace['scenario'] as { regions: Array<Record<string, unknown>> }).regions[0]!['thp'] = true;
    io.files.set('thp.json', JSON.stringify(trace));
    expect(cli(['replay', 'thp.json'], io).code).toBe(2);
    expect(io.err).toMatch(/^hmmx: thp\.json: \$\.scenario\.regions\[0\]\.thp: /);
  });

  it('--trace into a directory that does not exist exits 2 before running and writes nothing', () => {
    const io = new FakeIo();
    expect(cli(['run', 'svm-atomic-basic', '--trace', 'nowhere/t.json'], io).code).toBe(2);
    expect(io.err).toBe('hmmx: --trace nowhere/t.json: directory nowhere does not exist\n');
    expect(io.out).toBe('');
    expect(io.files.size).toBe(0);
    expect(cli(['run', 'svm-atomic-basic', '--trace', 'traces'], io).code).toBe(2);
    expect(io.err).toContain('is a directory');
  });
});
