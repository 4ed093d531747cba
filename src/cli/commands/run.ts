import { randomScheduler } from '../../sched/scheduler.js';
import { encodeTrace } from '../../trace/format.js';
import { execute } from '../../trace/replay.js';
import type { Command } from '../command.js';
import { build, execOptions, exitOf, headerLine, loadScenario, renderExecution, traceOf, verdictOf } from '../session.js';
import { MODEL_FLAGS, modelChoice } from './flags.js';
import { checkTraceTarget, writeTrace } from './traceTarget.js';

const DEFAULT_SEED = 1;
const DEFAULT_MAX_STEPS = 20_000;

/** `hmmx run`: one execution under the seeded random scheduler, printed as a kernel-style log. */
export const runCommand: Command = {
  name: 'run',
  summary: 'one seeded random execution, printed step by step kernel-style, then final memory and the verdict',
  args: {
    positionals: [{ name: 'scenario', help: 'a built-in scenario name (`hmmx scenarios`) or a scenario JSON file' }],
    flags: {
      ...MODEL_FLAGS,
      seed: { kind: 'int', metavar: 'N', help: `the random scheduler's seed (default ${DEFAULT_SEED}); the same seed gives the same run`, max: 0xffffffff },
      trace: { kind: 'string', metavar: 'FILE', help: 'also write the run as a trace file (hmmx-trace/1) for replay and explain' },
      'max-steps': { kind: 'int', metavar: 'N', min: 1, help: `stop after N steps (default ${DEFAULT_MAX_STEPS}); exit 3 when reached` },
    },
  },
  examples: [
    'run svm-atomic-basic',
    'run svm-atomic-basic --seed 7 --trace /tmp/basic.json',
    'run cpu-gpu-atomic-thrash --variant linux-5.14 --mutation driver-ignores-invalidate',
    'run ./my-scenario.json --max-steps 200',
  ],
  run(args, { io }) {
    const arg = args.positionals[0] as string;
    const traceFile = args.string('trace');
    if (traceFile !== undefined) checkTraceTarget(traceFile, io);
    const scenario = loadScenario(arg, io);
    const choice = modelChoice(args, scenario);
    const opts = execOptions(scenario, arg);
    const model = build(scenario, choice, arg);
    const seed = args.int('seed') ?? DEFAULT_SEED;
    const maxSteps = args.int('max-steps') ?? DEFAULT_MAX_STEPS;
    const r = execute(model, randomScheduler(seed), maxSteps, opts);
    const verdict = verdictOf(model, r, maxSteps);
    const out = renderExecution(model, r, verdict, [headerLine(scenario, choice, seed)]);
    if (traceFile !== undefined) {
      writeTrace(traceFile, encodeTrace(traceOf(model, choice, r, verdict, out.log, seed)), io);
    }
    io.stdout(out.text);
    if (traceFile !== undefined) io.stderr(`hmmx: trace written to ${traceFile}\n`);
    return exitOf(verdict.kind);
  },
};
