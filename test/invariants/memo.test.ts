import { identityMemo } from '../../src/invariants/memo.js';

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
