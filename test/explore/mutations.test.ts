import { explore } from '../../src/explore/index.js';
import { builtinTarget } from './helpers.js';

/**
 * Every injected bug of src/domain/variants.ts is caught by some built-in scenario with the
 * property it breaks, while the same scenario passes without it. bfs and dfs must agree.
 */
const TABLE: ReadonlyArray<readonly [mutation: string, scenario: string, variant: string, invariant: string]> = [
  ['restore-before-invalidate', 'svm-atomic-basic', 'linux-6.15', 'S8'],
  ['restore-before-invalidate', 'svm-atomic-basic', 'linux-5.14', 'S8'],
  ['driver-ignores-invalidate', 'svm-atomic-basic', 'linux-6.15', 'S1'],
  ['driver-ignores-invalidate', 'svm-atomic-basic', 'linux-5.14', 'S1'],
  ['driver-skips-seq-retry', 'gpu-atomic-munmap', 'linux-6.15', 'S9'],
  // The retry loop never succeeds until its bound cancels the fault: a liveness failure, not a crash.
  ['driver-no-owner-filter', 'svm-atomic-basic', 'linux-6.15', 'gpu-progress'],
  ['fault-skips-pte-same', 'hmm-exclusive-two-faults', 'linux-6.15', 'S7'],
  // 5.14 re-adds the mapcount on restore, so the unguarded second restore shows as accounting first.
  ['fault-skips-pte-same', 'hmm-exclusive-two-faults', 'linux-5.14', 'S4'],
  ['gpu-clear-no-drain', 'svm-atomic-basic', 'linux-6.15', 'S1'],
  ['gpu-clear-no-drain', 'svm-atomic-basic', 'linux-5.14', 'S1'],
];

describe('mutations are caught', () => {
  it('covers all six mutations', () => {
    expect(new Set(TABLE.map((r) => r[0])).size).toBe(6);
  });

  it.each(TABLE)('%s: %s on %s violates %s, and passes without the mutation', (mutation, scenario, variant, invariant) => {
    const clean = explore(builtinTarget(scenario, variant), { strategy: 'bfs' });
    expect(clean.verdict).toBe('pass');
    const b = explore(builtinTarget(scenario, variant, [mutation]), { strategy: 'bfs' });
    expect(b.verdict).toBe('violation');
    expect(b.counterexample?.violation.invariant).toBe(invariant);
    const d = explore(builtinTarget(scenario, variant, [mutation]), { strategy: 'dfs' });
    expect(d.verdict).toBe('violation');
    // dfs's counterexample, shrunk, is no shorter than bfs's shortest one.
    expect(d.counterexample?.choices.length).toBeGreaterThanOrEqual(b.counterexample?.choices.length ?? 0);
  });
});
