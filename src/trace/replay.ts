import type { Model } from '../runtime/build.js';
import { deadlockOf, runModel, type RunResult } from '../runtime/run.js';
import { enabledSteps, type StepId } from '../runtime/step.js';
import type { Invariant } from '../invariants/types.js';
import { ReplayMismatchError, replayScheduler, type Scheduler } from '../sched/scheduler.js';

export interface ExecOptions {
  readonly invariants: readonly Invariant[];
  readonly checkDeadlock: boolean;
}

/**
 * `runModel` stops at `maxSteps` without looking whether a step is still enabled; a run whose
 * last step was also its last possible one really ended quiescent (or deadlocked), and says so.
 */
export function settle(model: Model, r: RunResult, opts: ExecOptions): RunResult {
  if (r.end !== 'max-steps' || enabledSteps(r.final, model.steppers).length > 0) return r;
  const dl = opts.checkDeadlock ? deadlockOf(r.final) : null;
  return { ...r, end: dl === null ? 'quiescent' : 'deadlock', violation: dl };
}

/** One execution under `scheduler`, at most `maxSteps` steps. */
export function execute(model: Model, scheduler: Scheduler, maxSteps: number, opts: ExecOptions): RunResult {
  const r = runModel(model, scheduler, opts.invariants, { maxSteps, checkDeadlock: opts.checkDeadlock });
  return settle(model, r, opts);
}

/**
 * Re-executes recorded choices: every choice must be enabled when its turn comes, and the run
 * must not end before the last one (`ReplayMismatchError` otherwise). After the last choice the
 * run ends as the model says (quiescent, deadlock, or still running = the recorded step limit).
 */
export function replayChoices(model: Model, choices: readonly StepId[], opts: ExecOptions): RunResult {
  const r = execute(model, replayScheduler(choices), choices.length, opts);
  if (r.steps.length < choices.length) {
    const why = r.end === 'violation' ? `a violation of ${r.violation?.invariant ?? '?'}` : `no step being enabled (${r.end})`;
    throw new ReplayMismatchError(
      `the run ended after ${r.steps.length} steps by ${why}, but the trace has ${choices.length} choices`,
    );
  }
  return r;
}
