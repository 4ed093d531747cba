import { buildModel } from '../../../src/runtime/build.js';
import { builtinScenarios } from '../../../src/scenario/index.js';
import { explore, targetOf } from '../../../src/explore/index.js';

it('tries', () => {
  for (const [name, sc] of builtinScenarios) {
    for (const variant of ['linux-6.15', 'linux-5.14']) {
      const t0 = Date.now();
      try {
        const m = buildModel(sc, { variant });
        const r = explore(targetOf(m), { strategy: 'bfs', maxStates: 300000, clock: () => Date.now(), maxSeconds: 30 });
        console.log(name, variant, r.verdict, r.states, r.transitions, r.depth, (Date.now() - t0) / 1000, r.counterexample?.violation, r.counterexample?.choices.length);
      } catch (e) { console.log(name, variant, 'ERROR', (e as Error).message.slice(0, 300)); }
    }
  }
});
