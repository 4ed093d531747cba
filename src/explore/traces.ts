import type { Invariant, Violation } from '../invariants/types.js';
import type { Model } from '../runtime/build.js';
import type { RunResult } from '../runtime/run.js';
import type { StepId } from '../runtime/step.js';
import type { Check } from '../scenario/index.js';
import { ReplayMismatchError } from '../sched/scheduler.js';
import { GPU_PROGRESS_CANCEL, lassoViolation, type Fairness } from './liveness.js';
import { targetOf } from './target.js';

/**
 * How `run`, `replay` and `explain` see the properties `check` adds, so that every counterexample
 * `check` writes replays to the same violation.
 */

/** gpu-progress's cancel form (a), checked at every step when the scenario asks for liveness. */
export function livenessInvariants(check: Check): readonly Invariant[] {
  const named = check.invariants !== 'all' && check.invariants.includes('gpu-progress');
  return check.liveness || named ? [GPU_PROGRESS_CANCEL] : [];
}

/** The violation a lasso (prefix, then one turn of a cycle) stands for on `model`, or why it is none. */
export function checkLasso(model: Model, choices: readonly StepId[], cycleStart: number, fairness: Fairness = 'transition'): Violation | string {
  const target = targetOf(model, { liveness: true, fairness });
  return lassoViolation(target, choices.slice(0, cycleStart), choices.slice(cycleStart), fairness);
}

/**
 * A replayed lasso trace: the run of its choices must close the cycle as recorded; the result then
 * ends in the lasso's violation. Anything else means the trace does not fit the model.
 */
export function replayedLasso(
  model: Model,
  trace: { readonly choices: readonly StepId[]; readonly cycleStart: number; readonly fairness?: Fairness },
  result: RunResult,
): RunResult {
  if (result.violation !== null) {
    throw new ReplayMismatchError(`the lasso's run hit ${result.violation.invariant} before its cycle closed`);
  }
  const v = checkLasso(model, trace.choices, trace.cycleStart, trace.fairness);
  if (typeof v === 'string') throw new ReplayMismatchError(`the recorded cycle from step ${trace.cycleStart} is not a gpu-progress lasso: ${v}`);
  return { ...result, end: 'violation', violation: v };
}
