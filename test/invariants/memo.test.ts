import type { ActorSnap } from '../../src/domain/index.js';
import { identityMemo, snapMemo } from '../../src/invariants/memo.js';
import { buildModel } from '../../src/runtime/build.js';
import { derivedSlots } from '../../src/runtime/xstateStep.js';
import { builtinScenarios } from '../../src/scenario/builtins.js';

describe('identityMemo', () => {
  it('derives once per argument object, whatever order they come back in', () => {
    const calls: string[] = [];
    const f = identityMemo((o: { readonly n: string }) => {
      calls.push(o.n);
      return o.n.toUpperCase();
    });
    const a = { n: 'a' };
    const b = { n: 'b' };
    const c = { n: 'c' };
    expect([a, b, a, c, b, a, c, c].map(f)).toEqual(['A', 'B', 'A', 'C', 'B', 'A', 'C', 'C']);
    expect(calls).toEqual(['a', 'b', 'c']);
    // Equal content is not the same object: derived again.
    expect(f({ n: 'a' })).toBe('A');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });

  it('caches null results, and a derivation that throws throws again', () => {
    let n = 0;
    const f = identityMemo((o: { readonly bad: boolean }) => {
      n++;
      if (o.bad) throw new Error('bad shape');
      return null;
    });
    const ok = { bad: false };
    const bad = { bad: true };
    expect(f(ok)).toBeNull();
    expect(f(ok)).toBeNull();
    expect(() => f(bad)).toThrow('bad shape');
    expect(() => f(bad)).toThrow('bad shape');
    expect(f(ok)).toBeNull();
    expect(n).toBe(3);
  });
});

describe('snapMemo', () => {
  const scenario = builtinScenarios.get('svm-atomic-basic');
  if (scenario === undefined) throw new Error('svm-atomic-basic is not built in');
  const [a, b] = buildModel(scenario, {}).initial.actors;

  it('derives once per canonical snapshot, each memo in its own slot', () => {
    const calls: string[] = [];
    const kindOf = snapMemo((s: ActorSnap) => {
      calls.push(s.id);
      return { kind: s.kind };
    });
    const idOf = snapMemo((s: ActorSnap) => s.id.toUpperCase());
    const first = kindOf(a as ActorSnap);
    expect([a, b, a, b].map((s) => kindOf(s as ActorSnap).kind)).toEqual([a?.kind, b?.kind, a?.kind, b?.kind]);
    expect(kindOf(a as ActorSnap)).toBe(first);
    expect(calls).toEqual([a?.id, b?.id]);
    // Kept on the runtime's entry of the snapshot, not in a side table.
    expect(derivedSlots(a as ActorSnap)).toContain(first);
    expect(idOf(a as ActorSnap)).toBe(a?.id.toUpperCase());
    expect(kindOf(a as ActorSnap)).toBe(first);
  });

  it('falls back to the object for a snapshot the runtime did not intern, and does not cache a throw', () => {
    let n = 0;
    const f = snapMemo((s: ActorSnap) => {
      n++;
      if (s.value === 'bad') throw new Error('bad shape');
      return [s.id];
    });
    const copy: ActorSnap = { ...(a as ActorSnap) };
    const r = f(copy);
    expect(f(copy)).toBe(r);
    expect(f({ ...copy })).not.toBe(r);
    expect(n).toBe(2);
    const bad: ActorSnap = { ...copy, value: 'bad' };
    expect(() => f(bad)).toThrow('bad shape');
    expect(() => f(bad)).toThrow('bad shape');
    expect(n).toBe(4);
  });
});
