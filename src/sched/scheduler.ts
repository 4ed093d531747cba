import type { StepId } from '../runtime/step.js';
import { mulberry32 } from './prng.js';

/** Picks one of the enabled steps (given in the runtime's stable order). All nondeterminism goes through here. */
export interface Scheduler {
  readonly name: string;
  choose(enabled: readonly StepId[], depth: number): StepId;
}

export function randomScheduler(seed: number): Scheduler {
  const prng = mulberry32(seed);
  return {
    name: `random(seed=${seed})`,
    choose: (enabled) => enabled[prng.nextInt(enabled.length)] as StepId,
  };
}

/** Replays recorded choices; a choice that is not enabled means the trace does not fit the model. */
export class ReplayMismatchError extends Error {
  override readonly name = 'ReplayMismatchError';
}

export function replayScheduler(choices: readonly StepId[]): Scheduler {
  return {
    name: 'replay',
    choose: (enabled, depth) => {
      const c = choices[depth];
      if (c === undefined) throw new ReplayMismatchError(`the trace has no choice for step ${depth}`);
      if (!enabled.includes(c)) {
        throw new ReplayMismatchError(`step ${depth}: choice '${c}' is not enabled (enabled: ${enabled.join(', ')})`);
      }
      return c;
    },
  };
}
