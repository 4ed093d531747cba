import { MUTATIONS } from '../../src/domain/index.js';
import { explore } from '../../src/explore/index.js';
import { builtinScenarios } from '../../src/scenario/index.js';
import { builtinTarget } from './helpers.js';

/**
 * dfs (with its sleep-set reduction whenever liveness is off) must reach the verdict bfs reaches,
 * on every built-in scenario, variant and mutation. The three largest scenarios are bounded; a
 * combination is compared when both searches finish within the bound.
 */
const LARGE = new Set(['two-gpus', 'peer-2cpu-1gpu', 'peer-3cpu-1gpu']);
const BOUND = 5_000;
const combos = [...builtinScenarios.keys()].flatMap((s) =>
  ['linux-6.15', 'linux-5.14'].flatMap((v) => ['', ...MUTATIONS.map((m) => m.id)].map((m) => [s, v, m] as const)),
);

describe('dfs and bfs agree', () => {
  let compared = 0;

  it.each(combos)('%s on %s with mutation "%s"', (scenario, variant, mutation) => {
    const muts = mutation === '' ? [] : [mutation];
    const maxStates = LARGE.has(scenario) ? BOUND : undefined;
    for (const liveness of [true, false]) {
      const opts = { ...(maxStates === undefined ? {} : { maxStates }), shrink: false };
      const b = explore(builtinTarget(scenario, variant, muts, { liveness }), { strategy: 'bfs', ...opts });
      const d = explore(builtinTarget(scenario, variant, muts, { liveness }), { strategy: 'dfs', ...opts });
      if (b.verdict === 'incomplete' || d.verdict === 'incomplete') continue;
      compared++;
      expect(d.verdict).toBe(b.verdict);
      // Sleep sets prune transitions, never states: a complete pass visits exactly bfs's states.
      if (b.verdict === 'pass') expect(d.states).toBe(b.states);
    }
  });

  afterAll(() => {
    // Not vacuous: most combinations finish within the bound.
    if (process.env["HMMX_DEBUG"] !== undefined) console.log(`compared ${compared} of ${2 * combos.length}`);
    expect(compared).toBeGreaterThan(combos.length);
  });
});
