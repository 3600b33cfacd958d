/** A tiny seeded PRNG (mulberry32) whose whole state is one uint32 kept in the core's state. */

/** Returns a value uniform in [0, bound) and the next PRNG state. `bound` must be a positive integer. */
export function nextInt(rng: number, bound: number): [value: number, rng: number] {
  const next = (rng + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  return [Math.floor(u * bound), next];
}

/** Mixes a user seed into a non-trivial initial PRNG state. */
export function seedRng(seed: number): number {
  return (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0) || 1;
}
