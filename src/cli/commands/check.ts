import { performance } from 'node:perf_hooks';
import { explore, STRATEGIES, targetOf, type ExploreOptions, type ExploreResult, type Progress, type Strategy } from '../../explore/index.js';
import { FAIRNESS, type Fairness } from '../../explore/liveness.js';
import { exploreParallel } from '../../explore/parallel.js';
import { grouped, progressBar, progressLine } from '../../explore/progress.js';
import type { Model } from '../../runtime/build.js';
import type { Scenario } from '../../scenario/index.js';
import { ReplayMismatchError } from '../../sched/scheduler.js';
import { encodeTrace, type Trace } from '../../trace/format.js';
import { expectMet } from '../../trace/summary.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { build, execOptions, exitOf, headerLine, loadScenario, renderExecution, traceHead, traceOf, type ModelChoice } from '../session.js';
import { MODEL_FLAGS, modelChoice } from './flags.js';
import { replayTrace, type Replayed } from './traceSession.js';
import { checkTraceTarget, writeTrace } from './traceTarget.js';

/** Runs shorter than this print no progress. */
const QUIET_SECONDS = 1;

/** `hmmx check`: explore every interleaving, check every property, hand back the shortest counterexample. */
export const checkCommand: Command = {
  name: 'check',
  summary: 'explore the interleavings of a scenario and check every invariant (and liveness); shortest counterexample as a trace',
  args: {
    positionals: [{ name: 'scenario', help: 'a built-in scenario name (`hmmx scenarios`) or a scenario JSON file' }],
    flags: {
      ...MODEL_FLAGS,
      strategy: {
        kind: 'string',
        metavar: 'S',
        choices: STRATEGIES,
        help: 'bfs (default: exhaustive, shortest counterexample), dfs (exhaustive, sleep-set reduction), random or pct (seeded executions)',
      },
      'max-states': { kind: 'int', metavar: 'N', min: 1, help: 'give up (exit 3) past N distinct states; for random/pct, the number of executions (default 1000)' },
      'max-seconds': { kind: 'int', metavar: 'S', min: 1, help: 'give up (exit 3) after S seconds' },
      'max-depth': { kind: 'int', metavar: 'N', min: 1, help: 'do not expand states N steps deep (exit 3 if any was cut); for random/pct, the walk length (default 10000)' },
      workers: { kind: 'int', metavar: 'N', min: 1, max: 64, help: 'worker threads (bfs, random, pct); same verdict and state count as one' },
      seed: { kind: 'int', metavar: 'N', max: 0xffffffff, help: 'random/pct: the seed (default 0); the same seed gives the same result' },
      depth: { kind: 'int', metavar: 'D', min: 1, max: 16, help: 'pct: the bug depth d (default 3)' },
      fairness: { kind: 'string', metavar: 'F', choices: FAIRNESS, help: 'gpu-progress cycles: transition (default; no schedule escapes) or actor (per-actor strong fairness)' },
      liveness: { kind: 'string', metavar: 'on|off', choices: ['on', 'off'], help: "override the scenario's check.liveness" },
      reduction: { kind: 'string', metavar: 'on|off', choices: ['on', 'off'], help: 'dfs: sleep-set partial-order reduction (default on)' },
      trace: { kind: 'string', metavar: 'FILE', help: 'where to write the counterexample (default hmmx-<scenario>-<variant>[-<mutation>].trace.json)' },
      json: { kind: 'bool', help: 'print one JSON object on stdout: verdict, counts, seconds, violation' },
    },
  },
  examples: [
    'check svm-atomic-basic',
    'check svm-atomic-basic --variant linux-5.14 --strategy dfs',
    'check svm-atomic-basic --mutation restore-before-invalidate',
    'check cpu-gpu-atomic-thrash --max-states 5',
    'check peer-3cpu-1gpu --workers 2 --json',
    'check two-gpus --strategy pct --seed 4 --depth 3',
  ],
  run(args, { io }) {
    const arg = args.positionals[0] as string;
    const scenario = loadScenario(arg, io);
    const choice = modelChoice(args, scenario);
    const traceFile = args.string('trace') ?? defaultTraceFile(scenario, choice);
    checkTraceTarget(traceFile, io);
    execOptions(scenario, arg); // an unknown invariant id is a usage error (exit 2), before any work
    const model = build(scenario, choice, arg);
    const strategy = (args.string('strategy') ?? 'bfs') as Strategy;
    const liveness = args.string('liveness');
    const targetOpts = {
      ...(liveness === undefined ? {} : { liveness: liveness === 'on' }),
      ...(args.string('fairness') === undefined ? {} : { fairness: args.string('fairness') as Fairness }),
    };
    const start = performance.now();
    const progress = progressReporter(io, strategy, args.int('max-states'), args.int('max-seconds'));
    const opts: ExploreOptions = {
      strategy,
      ...optional('maxStates', args.int('max-states')),
      ...optional('maxSeconds', args.int('max-seconds')),
      ...optional('maxDepth', args.int('max-depth')),
      ...optional('seed', args.int('seed')),
      ...optional('pctDepth', args.int('depth')),
      ...(args.string('reduction') === 'off' ? { reduction: false } : {}),
      clock: () => performance.now(),
      onProgress: progress.report,
    };
    const workers = args.int('workers') ?? 1;
    let result: ExploreResult;
    if (workers > 1 && strategy === 'dfs') {
      io.stderr('hmmx check: --workers applies to bfs, random and pct; dfs runs on one thread\n');
    }
    if (workers > 1 && strategy !== 'dfs') {
      result = exploreParallel({ scenario, variant: choice.variant, mutations: choice.mutations, target: targetOpts }, opts, workers);
    } else {
      result = explore(targetOf(model, targetOpts), opts);
    }
    const seconds = (performance.now() - start) / 1000;
    progress.done();

    // The seed a random or pct run used (walk.ts's default 0); none for bfs and dfs.
    const seed = strategy === 'random' || strategy === 'pct' ? (args.int('seed') ?? 0) : undefined;
    const cx = result.counterexample;
    const stats = [headerLine(scenario, choice, seed), statsLine(result, seconds)];
    let report: string;
    if (cx === undefined) {
      report = `${[...stats, verdictText(result)].join('\n')}\n`;
    } else {
      const written = counterexampleTrace(model, choice, result, seed, stats);
      report = `${written.text}\n`;
      writeTrace(traceFile, encodeTrace(written.trace), io);
    }
    // The scenario's expectation is about the model it names; with other mutations it says nothing.
    const ownMutations = [...choice.mutations].sort().join() === [...scenario.mutations].sort().join();
    const expectNote = ownMutations ? expectation(scenario, result) : null;
    if (args.bool('json')) {
      io.stdout(`${JSON.stringify(jsonOf(scenario, choice, result, seconds, cx === undefined ? null : traceFile, expectNote))}\n`);
    } else {
      io.stdout(`${report}${expectNote === null ? '' : `${expectNote.text}\n`}`);
      if (cx !== undefined) io.stderr(`hmmx: counterexample trace written to ${traceFile} (replay it with: hmmx replay ${traceFile})\n`);
    }
    return exitOf(result.verdict);
  },
};

function optional<K extends string>(key: K, v: number | undefined): { [P in K]?: number } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: number };
}

/** `hmmx-<scenario>-<variant>[-<mutations>].trace.json`, in the current directory. */
export function defaultTraceFile(scenario: Scenario, choice: ModelChoice): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  const parts = [safe(scenario.name), choice.variant, ...choice.mutations];
  return `hmmx-${parts.join('-')}.trace.json`;
}

function statsLine(r: ExploreResult, seconds: number): string {
  const rate = seconds > 0 ? ` (${grouped(r.states / seconds)} ${r.unit}/s)` : '';
  const workers = r.workers > 1 ? `, ${r.workers} workers` : '';
  const what = r.unit === 'states' ? `${grouped(r.states)} distinct states` : `${grouped(r.states)} executions`;
  return `check: ${r.strategy}${workers}, ${what}, ${grouped(r.transitions)} transitions, depth ${r.depth}, ${seconds.toFixed(2)} s${rate}`;
}

function verdictText(r: ExploreResult): string {
  switch (r.verdict) {
    case 'pass':
      return r.unit === 'states'
        ? 'verdict: pass (every reachable state and transition checked)'
        : `verdict: pass (no violation in ${grouped(r.states)} executions; not a proof)`;
    case 'violation': {
      const v = r.counterexample?.violation;
      return `verdict: violation of ${v?.invariant ?? '?'}: ${v?.message ?? ''}`;
    }
    case 'incomplete': {
      const flag = r.limit === undefined ? 'a limit' : `--${r.limit}`;
      return `verdict: incomplete (stopped by ${flag} before the exploration finished; raise it to go further)`;
    }
  }
}

interface ExpectNote {
  readonly verdict: string;
  readonly matches: boolean;
  readonly text: string;
}

/** The scenario's `expect.verdict` (and `expect.invariant`) against what check found. */
function expectation(scenario: Scenario, r: ExploreResult): ExpectNote | null {
  const want = scenario.expect;
  if (want?.verdict === undefined || r.verdict === 'incomplete') return null;
  const v = r.counterexample?.violation;
  const matches = expectMet(want, v === undefined ? { kind: 'pass' } : { kind: 'violation', ...v });
  const wanted = want.invariant === undefined ? want.verdict : `${want.verdict} of ${want.invariant}`;
  return { verdict: want.verdict, matches, text: `expected by the scenario: ${wanted} — ${matches ? 'as found' : 'NOT what was found'}` };
}

function jsonOf(scenario: Scenario, choice: ModelChoice, r: ExploreResult, seconds: number, trace: string | null, expect: ExpectNote | null): object {
  const cx = r.counterexample;
  return {
    verdict: r.verdict,
    scenario: scenario.name,
    variant: choice.variant,
    mutations: choice.mutations,
    strategy: r.strategy,
    unit: r.unit,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    seconds: Math.round(seconds * 1000) / 1000,
    workers: r.workers,
    ...(r.limit === undefined ? {} : { limit: r.limit }),
    ...(r.bytesPerState === undefined ? {} : { bytesPerState: Math.round(r.bytesPerState * 10) / 10 }),
    ...(cx === undefined || trace === null
      ? {}
      : {
          violation: {
            invariant: cx.violation.invariant,
            message: cx.violation.message,
            length: cx.choices.length,
            trace,
            ...(cx.cycleStart === undefined ? {} : { cycleStart: cx.cycleStart }),
          },
        }),
    ...(expect === null ? {} : { expect: { verdict: expect.verdict, matches: expect.matches } }),
  };
}

/**
 * The counterexample as a trace, replayed exactly as `hmmx replay` will replay the file, and its
 * report: `stats`, then what the counterexample is, then the kernel-style log `run` prints (a
 * lasso's cycle marked) and the summary. A counterexample the runtime does not reproduce is a bug
 * in the model (exit 4), not in the user's input.
 */
export function counterexampleTrace(
  model: Model,
  choice: ModelChoice,
  r: ExploreResult,
  seed: number | undefined,
  stats: readonly string[],
): { readonly trace: Trace; readonly text: string } {
  const cx = r.counterexample;
  if (cx === undefined) throw new Error('no counterexample');
  const lasso = cx.cycleStart === undefined ? {} : { cycleStart: cx.cycleStart, ...(cx.fairness === undefined ? {} : { fairness: cx.fairness }) };
  const found: Trace = { ...traceHead(model, choice, cx.choices, seed, lasso), violation: cx.violation };
  let replayed: Replayed;
  try {
    // Labelled as what it is: no file is written yet.
    replayed = replayTrace(found, 'the counterexample', model);
  } catch (e) {
    if (e instanceof ReplayMismatchError) throw new Error(`check found a counterexample the runtime does not reproduce: ${e.message}`);
    throw e;
  }
  const shape =
    cx.cycleStart === undefined
      ? `counterexample: ${cx.choices.length} steps${r.strategy === 'bfs' ? ' (a shortest one)' : ' (shrunk)'}`
      : `counterexample: a lasso of ${cx.cycleStart} steps, then a ${cx.choices.length - cx.cycleStart}-step cycle that repeats forever`;
  const out = renderExecution(model, replayed.result, replayed.verdict, [...stats, '', shape], cx.cycleStart);
  return { trace: traceOf(model, choice, replayed.result, replayed.verdict, out.log, seed, lasso), text: out.text };
}

/** Progress on stderr for runs longer than a second: a redrawn bar on a terminal, plain lines otherwise. */
function progressReporter(io: CliIo, strategy: Strategy, maxStates: number | undefined, maxSeconds: number | undefined): { report: (p: Progress) => void; done: () => void } {
  const unit = strategy === 'random' || strategy === 'pct' ? 'executions' : 'states';
  const bound = { ...optional('maxStates', maxStates), ...optional('maxSeconds', maxSeconds) };
  let shown = false;
  let lastLine = -Infinity;
  return {
    report: (p) => {
      if (p.seconds < QUIET_SECONDS) return;
      if (io.stderrIsTTY === true) {
        io.stderr(`\r${progressBar(p, unit, bound)}\u001b[K`);
        shown = true;
      } else if (p.seconds - lastLine >= 2) {
        lastLine = p.seconds;
        io.stderr(`${progressLine(p, unit)}\n`);
      }
    },
    done: () => {
      if (shown) io.stderr('\r\u001b[K');
    },
  };
}
