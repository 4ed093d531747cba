import { MUTATIONS, VARIANTS, type MutationId, type VariantId } from '../domain/index.js';
import { UnknownInvariantError, checkFinalExpectations, selectInvariants, type Violation } from '../invariants/index.js';
import { buildModel, wordAddr, type Model } from '../runtime/build.js';
import type { RunResult } from '../runtime/run.js';
import type { StepId } from '../runtime/step.js';
import { ScenarioError, resolveScenario, type Catalogue, type Scenario } from '../scenario/index.js';
import { TRACE_FORMAT, TraceError, decodeTrace, type Trace, type TraceStep } from '../trace/format.js';
import { renderLayout, renderLog } from '../trace/render.js';
import type { ExecOptions } from '../trace/replay.js';
import { renderSummary, type Verdict } from '../trace/summary.js';
import { EXIT } from './exit.js';
import type { CliIo } from './io.js';

/** The full variant and mutation catalogues (src/domain/variants.ts), which scenario files are checked against. */
export const CATALOGUE: Catalogue = {
  knownVariants: VARIANTS.map((v) => v.id),
  knownMutations: MUTATIONS.map((m) => m.id),
};

export function loadScenario(nameOrPath: string, io: CliIo): Scenario {
  return resolveScenario(nameOrPath, (p) => io.readFile(p), CATALOGUE);
}

/** Reads and decodes a trace file; unreadable files are `TraceError`s at `$` like unparsable ones. */
export function loadTrace(path: string, io: CliIo): Trace {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    throw new TraceError(path, '$', readFailure(e));
  }
  return decodeTrace(text, path);
}

function readFailure(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory, not a trace file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    default: return `cannot read: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The scenario's `check`: the safety properties to check after every step, and whether a deadlock counts. */
export function execOptions(scenario: Scenario, file: string): ExecOptions {
  const check = scenario.check.invariants;
  try {
    return {
      invariants: selectInvariants(check),
      checkDeadlock: check === 'all' || check.includes('deadlock'),
    };
  } catch (e) {
    if (e instanceof UnknownInvariantError) throw new ScenarioError(file, '$.check.invariants', e.message);
    throw e;
  }
}

export interface ModelChoice {
  readonly variant: VariantId;
  readonly mutations: readonly MutationId[];
}

export function build(scenario: Scenario, choice: ModelChoice, file: string): Model {
  return buildModel(scenario, { variant: choice.variant, mutations: choice.mutations, file });
}

/**
 * The verdict of one execution: a property violated on the way (or a deadlock), else the step
 * limit, else the scenario's expected final words (only for scenarios that expect a pass).
 */
export function verdictOf(model: Model, r: RunResult, maxSteps: number | null): Verdict {
  if (r.violation !== null) return { kind: 'violation', invariant: r.violation.invariant, message: r.violation.message };
  if (r.end === 'max-steps') {
    const limit = maxSteps === null ? 'the trace ends here' : `--max-steps ${maxSteps}; raise it to run further`;
    return { kind: 'incomplete', reason: `stopped after ${r.steps.length} steps (${limit})` };
  }
  const fv = finalViolation(model, r);
  return fv === null ? { kind: 'pass' } : { kind: 'violation', invariant: fv.invariant, message: fv.message };
}

function finalViolation(model: Model, r: RunResult): Violation | null {
  const expect = model.scenario.expect;
  if (expect === undefined || expect.verdict === 'violation' || r.end !== 'quiescent') return null;
  const finals = (expect.final ?? []).map((f) => ({ at: f.at, equals: f.equals, ...wordAddr(model.layout, f.at) }));
  return checkFinalExpectations(finals, r.final);
}

/** The contract's exit code of a verdict (0 pass, 1 violation, 3 incomplete), for run, replay and check alike. */
export function exitOf(kind: Verdict['kind']): number {
  switch (kind) {
    case 'pass':
      return EXIT.pass;
    case 'violation':
      return EXIT.violation;
    case 'incomplete':
      return EXIT.incomplete;
  }
}

/** One line naming what ran; the same for `run` and `explain` of its trace, and free of paths. */
export function headerLine(scenario: Scenario, choice: ModelChoice, seed: number | undefined): string {
  const muts = choice.mutations.length === 0 ? 'none' : choice.mutations.join(',');
  return `scenario ${scenario.name}  variant ${choice.variant}  mutations ${muts}${seed === undefined ? '' : `  seed ${seed}`}`;
}

/** The summary of one execution of `model` (trace/summary.ts): memory, actors, expectations, verdict. */
export function runSummary(model: Model, r: RunResult, verdict: Verdict): readonly string[] {
  return renderSummary({ layout: model.layout, final: r.final, end: r.end, steps: r.steps.length, expect: model.scenario.expect, verdict });
}

/** Printed before the step where a liveness lasso's cycle starts. */
const CYCLE_MARK = '  ----- the cycle starts here: the steps below repeat forever -----';

/**
 * The whole report of one execution: the header lines, the layout, the step log (with a marker
 * where a lasso's cycle starts) and the summary; `run`, `explain` and `check` print it alike.
 */
export function renderExecution(
  model: Model,
  r: RunResult,
  verdict: Verdict,
  header: readonly string[],
  cycleStart?: number,
): { readonly text: string; readonly log: readonly string[] } {
  const log = renderLog(model.layout, model.initial, r.steps);
  const summary = runSummary(model, r, verdict);
  const body = log.flatMap((line, i) => (i === cycleStart ? [CYCLE_MARK, line] : [line]));
  const lines = [...header, ...renderLayout(model.layout), '', ...body, '', ...summary];
  return { text: `${lines.join('\n')}\n`, log };
}

/** A lasso's shape in a trace: where its cycle starts and the fairness it is fair under. */
export type LassoShape = Pick<Trace, 'cycleStart' | 'fairness'>;

/** What a trace records of the run it replays: the model, the seed, the choices and a lasso's shape. */
export function traceHead(model: Model, choice: ModelChoice, choices: readonly StepId[], seed?: number, lasso: LassoShape = {}): Trace {
  return {
    format: TRACE_FORMAT,
    scenario: model.scenario,
    variant: choice.variant,
    mutations: choice.mutations,
    ...(seed === undefined ? {} : { seed }),
    choices,
    ...lasso,
  };
}

/** The trace of run `r`: its head, how it ended, its violation and its rendered log. */
export function traceOf(model: Model, choice: ModelChoice, r: RunResult, verdict: Verdict, log: readonly string[], seed?: number, lasso: LassoShape = {}): Trace {
  const steps: TraceStep[] = r.steps.map((s, i) => ({ id: s.id, log: log[i] ?? '' }));
  return {
    ...traceHead(model, choice, r.steps.map((s) => s.id), seed, lasso),
    end: r.end,
    ...(verdict.kind === 'violation' ? { violation: { invariant: verdict.invariant, message: verdict.message } } : {}),
    steps,
  };
}
