/**
 * A tiny seeded PRNG (xorshift32) whose whole state is one number kept inside the Raft state, so runs replay
 * exactly from the seed.
 * @module
 */

/** Turns any integer seed into a valid (non-zero, 32-bit) generator state. */
export function seedState(seed: number): number {
  // Mix the seed so nearby seeds give unrelated sequences; xorshift32 must never hold 0.
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  x ^= x >>> 16;
  return x === 0 ? 0x6d2b79f5 : x;
}

/** Advances a generator state by one step; returns the new state (also the random value, a uint32 > 0). */
export function nextState(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
