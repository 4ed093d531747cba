import { expand, StepIds } from '../../src/explore/expand.js';
import type { World } from '../../src/domain/index.js';
import { enabledSteps } from '../../src/runtime/step.js';
import { builtinScenarios } from '../../src/scenario/index.js';
import { builtinTarget } from './helpers.js';

/**
 * `expand` enumerates triggers by position for speed; the runtime's `enabledSteps` goes through
 * step ids. Both must be the one definition of a step: same ids, same order, same outcomes.
 */
describe('expand agrees with the runtime', () => {
  it('on the first worlds of every built-in scenario: the same enabled steps, in order, with the same outcomes', () => {
    let compared = 0;
    let severalMessages = 0;
    for (const name of builtinScenarios.keys()) {
      const t = builtinTarget(name, 'linux-5.14');
      const ids = new StepIds(t.steppers.index);
      let level: World[] = [t.initial];
      for (let depth = 0; depth < 40 && level.length > 0; depth++) {
        const next: World[] = [];
        for (const w of level.slice(0, 8)) {
          const got = expand(w, t.steppers, ids);
          const want = enabledSteps(w, t.steppers, true);
          expect([name, got.map((s) => ids.name(s.idx))]).toEqual([name, want.map((e) => e.id)]);
          got.forEach((s, k) => {
            expect(JSON.stringify(s.outcome.world)).toBe(JSON.stringify(want[k]?.outcome.world));
            expect(JSON.stringify(s.outcome.deliveries)).toBe(JSON.stringify(want[k]?.outcome.deliveries));
          });
          compared++;
          if (w.net.length > 1) severalMessages++;
          next.push(...got.map((s) => s.outcome.world));
        }
        level = next;
      }
    }
    expect(compared).toBeGreaterThan(500);
    // Worlds with several messages in flight (test/runtime/step.test.ts has several from one sender).
    expect(severalMessages).toBeGreaterThan(0);
  });
});
