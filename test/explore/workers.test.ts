import { explore, targetOf } from '../../src/explore/index.js';
import { exploreParallel } from '../../src/explore/parallel.js';
import { buildModel } from '../../src/runtime/build.js';
import { builtinScenarios } from '../../src/scenario/index.js';

/** `--workers N` must not change what is found: same verdict, same distinct states, same shortest length. */
function both(
  name: string,
  variant: string,
  mutations: readonly string[],
  strategy: 'bfs' | 'random' | 'pct',
  extra: { seed?: number; maxStates?: number; maxDepth?: number } = {},
  target: { fairness?: 'actor' } = {},
) {
  const scenario = builtinScenarios.get(name);
  if (scenario === undefined) throw new Error(name);
  const one = explore(targetOf(buildModel(scenario, { variant, mutations }), target), { strategy, ...extra });
  const two = exploreParallel({ scenario, variant, mutations, target }, { strategy, ...extra }, 2);
  return { one, two };
}

describe('worker threads', () => {
  it('bfs on 2 workers counts the same distinct states and transitions as on 1, and passes', () => {
    const { one, two } = both('svm-atomic-basic', 'linux-6.15', [], 'bfs');
    expect(two.workers).toBe(2);
    expect(two.verdict).toBe('pass');
    expect(two.states).toBe(one.states);
    expect(two.transitions).toBe(one.transitions);
  });

  it('finds a counterexample of the same (shortest) length, which replays', () => {
    const { one, two } = both('svm-atomic-basic', 'linux-5.14', ['driver-ignores-invalidate'], 'bfs');
    expect(two.verdict).toBe('violation');
    expect(two.counterexample?.violation.invariant).toBe(one.counterexample?.violation.invariant);
    expect(two.counterexample?.choices).toHaveLength(one.counterexample?.choices.length ?? -1);
  });

  it('agrees on liveness (the cancel form) across workers', () => {
    const { one, two } = both('h1-zero-page', 'linux-6.15', [], 'bfs');
    expect(one.counterexample?.violation.invariant).toBe('gpu-progress');
    expect(two.counterexample?.violation).toEqual(one.counterexample?.violation);
    expect(two.states).toBe(one.states);
  });

  it('joins the workers\' graphs for fair-cycle liveness: the same lasso verdict', () => {
    const { one, two } = both('svm-atomic-basic', 'linux-6.15', [], 'bfs', {}, { fairness: 'actor' });
    expect(one.counterexample?.cycleStart).toBeDefined();
    expect(two.verdict).toBe('violation');
    expect(two.counterexample?.violation.invariant).toBe('gpu-progress');
    expect(two.counterexample?.cycleStart).toBeDefined();
    expect(two.states).toBe(one.states);
  });

  // Every mutation, so that violations show in each place a worker finds them: a step's
  // property, a state it inserts itself, a state another worker sent it, a deadlock.
  it.each([
    ['svm-atomic-basic', 'linux-6.15', 'restore-before-invalidate'],
    ['svm-atomic-basic', 'linux-5.14', 'driver-ignores-invalidate'],
    ['gpu-atomic-munmap', 'linux-6.15', 'driver-skips-seq-retry'],
    ['svm-atomic-basic', 'linux-6.15', 'driver-no-owner-filter'],
    ['hmm-exclusive-two-faults', 'linux-5.14', 'fault-skips-pte-same'],
    ['hmm-exclusive-two-faults', 'linux-6.15', 'fault-skips-pte-same'],
    ['svm-atomic-basic', 'linux-5.14', 'gpu-clear-no-drain'],
  ])('%s on %s with %s: 2 and 3 workers stop where one does, with the same property and length', (name, variant, mutation) => {
    const { one, two } = both(name, variant, [mutation], 'bfs');
    const scenario = builtinScenarios.get(name);
    if (scenario === undefined) throw new Error(name);
    const three = exploreParallel({ scenario, variant, mutations: [mutation], target: {} }, { strategy: 'bfs' }, 3);
    for (const r of [two, three]) {
      expect(r.verdict).toBe('violation');
      expect(r.counterexample?.violation.invariant).toBe(one.counterexample?.violation.invariant);
      expect(r.counterexample?.choices).toHaveLength(one.counterexample?.choices.length ?? -1);
      expect(r.states).toBe(one.states);
      expect(r.transitions).toBe(one.transitions);
      expect(r.depth).toBe(one.depth);
    }
  });

  it('splits the same way on every run: the same counterexample, step by step', () => {
    const a = both('svm-atomic-basic', 'linux-5.14', ['driver-ignores-invalidate'], 'bfs').two;
    const b = both('svm-atomic-basic', 'linux-5.14', ['driver-ignores-invalidate'], 'bfs').two;
    expect(b.counterexample?.choices).toEqual(a.counterexample?.choices);
  });

  it('counts the same on 3 workers, and at a depth bound stops at the same place', () => {
    const { one } = both('svm-atomic-basic', 'linux-6.15', [], 'bfs', { maxDepth: 6 });
    const scenario = builtinScenarios.get('svm-atomic-basic');
    if (scenario === undefined) throw new Error('svm-atomic-basic');
    const three = exploreParallel({ scenario, variant: 'linux-6.15', mutations: [], target: {} }, { strategy: 'bfs', maxDepth: 6 }, 3);
    expect(one.verdict).toBe('incomplete');
    expect(three.verdict).toBe('incomplete');
    expect(three.limit).toBe('max-depth');
    expect(three.states).toBe(one.states);
    expect(three.transitions).toBe(one.transitions);
    expect(three.depth).toBe(one.depth);
  });

  it('random and pct split the executions and report the same first violating one', () => {
    for (const strategy of ['random', 'pct'] as const) {
      const { one, two } = both('svm-atomic-basic', 'linux-6.15', ['restore-before-invalidate'], strategy, { seed: 1, maxStates: 300 });
      expect(two.verdict).toBe(one.verdict);
      expect(two.states).toBe(one.states);
      expect(two.transitions).toBe(one.transitions);
    }
  });
});
