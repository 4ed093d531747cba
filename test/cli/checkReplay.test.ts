import { counterexampleTrace } from '../../src/cli/commands/check.js';
import { build, type ModelChoice } from '../../src/cli/session.js';
import { explore, targetOf } from '../../src/explore/index.js';
import { builtinScenarios } from '../../src/scenario/index.js';
import { ReplayMismatchError } from '../../src/sched/scheduler.js';

/** check writes a counterexample only once the runtime has replayed it to the same violation. */
describe('check: the counterexample goes through replay', () => {
  const scenario = builtinScenarios.get('svm-atomic-basic');
  if (scenario === undefined) throw new Error('no svm-atomic-basic');
  const choice: ModelChoice = { variant: 'linux-6.15', mutations: ['restore-before-invalidate'] };
  const model = build(scenario, choice, 'x');
  const found = explore(targetOf(model), { strategy: 'bfs' });

  it('renders and records what the replay gives', () => {
    const cx = found.counterexample;
    expect(cx?.violation.invariant).toBe('S8');
    const out = counterexampleTrace(model, choice, found, undefined, ['header']);
    expect(out.trace).toMatchObject({ choices: cx?.choices, end: 'violation', violation: cx?.violation });
    expect(out.text.split('\n')[0]).toBe('header');
    expect(out.trace.steps).toHaveLength(cx?.choices.length ?? -1);
  });

  it('calls a counterexample the runtime does not reproduce a model bug, not a bad trace', () => {
    const cx = found.counterexample;
    if (cx === undefined) throw new Error('no counterexample');
    const wrong = { ...found, counterexample: { ...cx, violation: { ...cx.violation, message: 'something else' } } };
    let thrown: unknown;
    try {
      counterexampleTrace(model, choice, wrong, undefined, []);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(ReplayMismatchError);
    expect(String(thrown)).toMatch(/runtime does not reproduce: the counterexample: \$\.violation/);
  });
});
