/** A seeded PRNG (mulberry32): the only randomness in the project, always from a printed seed. */
export interface Prng {
  /** An integer in [0, n). */
  nextInt(n: number): number;
  readonly seed: number;
}

export function mulberry32(seed: number): Prng {
  let a = seed >>> 0;
  return {
    seed,
    nextInt(n: number): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      return Math.floor(r * n);
    },
  };
}
