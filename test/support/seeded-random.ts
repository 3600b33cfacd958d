/**
 * mulberry32: the small seeded generator of the tests and recording scripts (their only randomness), so the
 * same seed always gives the same run. The pure cores keep their own copy of the step in their state
 * (src/core/kraft/prng.ts, src/core/metadata/placement.ts): core code may not import from here.
 */

/** A generator of floats in [0, 1) seeded with `seed` (any integer; taken modulo 2^32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
