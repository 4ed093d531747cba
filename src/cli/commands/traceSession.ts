import type { Model } from '../../runtime/build.js';
import type { RunResult } from '../../runtime/run.js';
import { ScenarioError } from '../../scenario/index.js';
import { ReplayMismatchError } from '../../sched/scheduler.js';
import { TraceError, type Trace } from '../../trace/format.js';
import { replayChoices } from '../../trace/replay.js';
import { livenessInvariants, replayedLasso } from '../../explore/traces.js';
import type { Verdict } from '../../trace/summary.js';
import type { CliIo } from '../io.js';
import { build, execOptions, loadTrace, verdictOf } from '../session.js';

export interface Replayed {
  readonly trace: Trace;
  readonly model: Model;
  readonly result: RunResult;
  readonly verdict: Verdict;
}

/** Loads a trace file and replays it (`replayTrace`). */
export function replayTraceFile(path: string, io: CliIo): Replayed {
  return replayTrace(loadTrace(path, io), path);
}

/**
 * Re-executes a trace's choices on its own scenario, variant and mutations (on `built`, when the
 * caller has that model already). The run must come out as recorded: same length, same end, same
 * violation (invariant and message); anything else is a `ReplayMismatchError` (the trace does
 * not fit this model: exit 2). `hmmx check` replays its counterexample here before writing it.
 */
export function replayTrace(trace: Trace, path: string, built?: Model): Replayed {
  const { model, opts } = inTrace(path, () => {
    const m = built ?? build(trace.scenario, { variant: trace.variant, mutations: trace.mutations }, path);
    const o = execOptions(trace.scenario, path);
    // A `hmmx check` trace of gpu-progress replays with the property check added (src/explore/traces.ts).
    return { model: m, opts: trace.violation?.invariant === 'gpu-progress' ? { ...o, invariants: [...o.invariants, ...livenessInvariants({ ...trace.scenario.check, liveness: true })] } : o };
  });
  const mismatch = (where: string, msg: string): never => {
    throw new ReplayMismatchError(`${path}: ${where}: the trace does not fit the model: ${msg}`);
  };
  let result: RunResult;
  try {
    result = replayChoices(model, trace.choices, opts);
  } catch (e) {
    if (e instanceof ReplayMismatchError) return mismatch('$.choices', e.message);
    throw e;
  }
  // A liveness lasso from `hmmx check`: the cycle must close and be fair (src/explore/traces.ts).
  if (trace.cycleStart !== undefined) {
    const cycleStart = trace.cycleStart;
    try {
      result = replayedLasso(model, { choices: trace.choices, cycleStart, ...(trace.fairness === undefined ? {} : { fairness: trace.fairness }) }, result);
    } catch (e) {
      if (e instanceof ReplayMismatchError) return mismatch('$.cycleStart', e.message);
      throw e;
    }
  }
  const verdict = verdictOf(model, result, null);
  if (trace.end !== undefined && trace.end !== result.end) mismatch('$.end', `the trace ended ${trace.end} but the replay ended ${result.end}`);
  const got = verdict.kind === 'violation' ? `${verdict.invariant}: ${verdict.message}` : null;
  const want = trace.violation === undefined ? null : `${trace.violation.invariant}: ${trace.violation.message}`;
  if (got !== want) {
    mismatch(
      '$.violation',
      `the trace records ${want === null ? 'no violation' : `violation ${want}`} but the replay gives ${got === null ? verdict.kind : `violation ${got}`}`,
    );
  }
  return { trace, model, result, verdict };
}

/** Scenario errors found while building the embedded scenario point into the trace's `$.scenario`. */
function inTrace<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScenarioError) {
      const top = e.path === '$.variant' || e.path === '$.mutations';
      throw new TraceError(path, top ? e.path : `$.scenario${e.path.slice(1)}`, e.detail);
    }
    throw e;
  }
}
