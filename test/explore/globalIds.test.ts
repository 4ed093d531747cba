import { expand, StepIds } from '../../src/explore/expand.js';
import { Fingerprinter } from '../../src/explore/fingerprint.js';
import { GlobalIds } from '../../src/explore/globalIds.js';
import { SharedIntern } from '../../src/explore/sharedTables.js';
import { targetOf } from '../../src/explore/target.js';
import { buildModel } from '../../src/runtime/build.js';
import { builtinScenarios } from '../../src/scenario/index.js';
import type { World } from '../../src/domain/index.js';

/** What one worker thread holds: its own model (steppers), fingerprint ids and view of the shared tables. */
function workerSide(content: SharedIntern, steps: SharedIntern) {
  const scenario = builtinScenarios.get('peer-2cpu-1gpu');
  if (scenario === undefined) throw new Error('peer-2cpu-1gpu');
  const t = targetOf(buildModel(scenario, {}));
  const fp = new Fingerprinter(t.steppers);
  const ids = new StepIds(t.steppers.index);
  const g = new GlobalIds(fp, content, steps, ids, t.initial.actors.map((a) => a.id), 0);
  return { t, fp, ids, g };
}

/** Worlds reachable in a few breadth-first levels (with repeats), in one side's model. */
function reachable(side: ReturnType<typeof workerSide>, levels: number): World[] {
  let level: World[] = [side.t.initial];
  const all: World[] = [...level];
  for (let d = 0; d < levels; d++) {
    level = level.flatMap((w) => expand(w, side.t.steppers, side.ids).map((s) => s.outcome.world));
    all.push(...level);
  }
  return all;
}

describe('GlobalIds', () => {
  it('carries worlds between two workers: what one sends in global ids the other reads back as the same world', () => {
    const content = new SharedIntern();
    const steps = new SharedIntern();
    const a = workerSide(content, steps);
    const b = workerSide(content, steps);
    const worlds = reachable(a, 6);
    expect(worlds.length).toBeGreaterThan(50);
    expect(worlds.some((w) => w.net.length > 0)).toBe(true);
    const width = a.fp.width;
    const local = new Uint32Array(width);
    const wire = new Uint32Array(width);
    const back = new Uint32Array(width);
    for (const w of worlds) {
      a.fp.encode(w, local);
      a.g.globalize(local, wire);
      b.g.localize(wire, back);
      // b's world is equal in content (b never met these states: it rebuilt them from the table).
      expect(JSON.parse(JSON.stringify(b.fp.decode(back)))).toEqual(JSON.parse(JSON.stringify(a.fp.decode(local))));
      // The owner is picked by content, so both sides agree on it.
      expect(b.g.partHash(back)).toBe(a.g.partHash(local));
      // b's own encoding of that world is the vector it localized, and sent back it is the same global vector.
      const again = new Uint32Array(width);
      b.fp.encode(b.fp.decode(back), again);
      expect(Array.from(again)).toEqual(Array.from(back));
      b.g.globalize(back, again);
      expect(Array.from(again)).toEqual(Array.from(wire));
    }
  });
});
