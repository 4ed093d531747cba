import { SharedStore } from '../../src/explore/sharedTables.js';
import { packVector, unpackVector } from '../../src/explore/store.js';

/** A deterministic pseudo-random vector of `width` ids (some above 127, so packing takes 2+ bytes). */
function vectorOf(i: number, width: number): Uint32Array {
  const v = new Uint32Array(width);
  for (let p = 0; p < width; p++) v[p] = (Math.imul(i + 1, 2654435761 + p * 97) >>> (p % 7)) % (p === 0 ? 100_000 : 300);
  return v;
}

describe('SharedStore', () => {
  it('finds every inserted vector again, across table growth, and keeps parents, choices and bytes', () => {
    const width = 6;
    const store = new SharedStore(width);
    const n = 8000;
    const ids: number[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i += 1000) {
      // As parallel.ts does: room for a level's states before inserting them.
      store.reserve(1000);
      for (let j = i; j < i + 1000; j++) {
        const v = vectorOf(j, width);
        const key = v.join(',');
        const id = store.add(v, j * 2654435761, j - 1, j % 7);
        expect(store.added).toBe(!seen.has(key));
        if (!seen.has(key)) seen.set(key, id);
        ids.push(id);
      }
    }
    expect(store.size).toBe(seen.size);
    const out = new Uint32Array(width);
    for (let j = 0; j < n; j++) {
      const v = vectorOf(j, width);
      expect(store.add(v, j * 2654435761, -1, 0)).toBe(ids[j]);
      expect(store.added).toBe(false);
      expect(Array.from(store.vector(ids[j] as number, out))).toEqual(Array.from(v));
    }
    expect(store.parent[ids[5] as number]).toBe(4);
    expect(store.choice[ids[5] as number]).toBe(5);
  });

  it('tells different vectors with the same hash apart, and equal vectors with it are one state', () => {
    const store = new SharedStore(3);
    store.reserve(100);
    const a = store.add([1, 2, 3], 42, -1, 0);
    const b = store.add([1, 2, 4], 42, a, 1);
    const c = store.add([1, 2, 3, 9].slice(0, 3), 42, a, 2);
    expect(b).not.toBe(a);
    expect(c).toBe(a);
    // Same table slot, different tag bits: still found.
    const d = store.add([7, 7, 7], 42 + (1 << 20), -1, 0);
    expect(store.add([7, 7, 7], 42 + (1 << 20), -1, 0)).toBe(d);
    expect(store.size).toBe(3);
  });
});

describe('vector packing', () => {
  it('round-trips ids across every LEB128 length, up to the largest 32-bit id', () => {
    const ids = [0, 1, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    const vec = Uint32Array.from(ids);
    const bytes = new Uint8Array(ids.length * 5);
    const len = packVector(vec, vec.length, bytes);
    expect(len).toBe(1 + 1 + 1 + 2 + 2 + 3 + 3 + 4 + 4 + 5 + 5 + 5);
    expect(Array.from(unpackVector(bytes, 0, vec.length, new Uint32Array(vec.length)))).toEqual(ids);
  });
});
