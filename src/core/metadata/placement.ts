/**
 * Replica placement for new partitions and the seeded PRNG it draws from.
 *
 * The algorithm is Kafka's rack-unaware assignment (AdminUtils.assignReplicasToBrokersRackUnaware, which the
 * KRaft StripedReplicaPlacer reduces to on a rackless cluster): partition p's first replica is broker
 * (p + start) mod n, and the followers are shifted by an offset that grows every n partitions, so leaders and
 * followers spread evenly over the usable brokers.
 */

/** A seeded PRNG state (mulberry32). Kept in controller state, so runs replay exactly. */
export type PrngState = number;

/**
 * Draws an integer in [0, bound) and the next PRNG state.
 * @param state - current PRNG state
 * @param bound - exclusive upper bound, at least 1
 */
export function nextInt(state: PrngState, bound: number): [value: number, next: PrngState] {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  return [Math.floor(u * bound), next];
}

/**
 * Assigns `replicationFactor` distinct replicas to each of `partitions` partitions.
 * @param brokers - usable broker ids (unfenced, not shutting down), any order; sorted internally
 * @param partitions - number of partitions, at least 1
 * @param replicationFactor - replicas per partition, in [1, brokers.length]
 * @param start - index of the first partition's first replica (drawn from the PRNG by the caller)
 * @param shift - initial follower shift (drawn from the PRNG by the caller)
 */
export function placeReplicas(
  brokers: readonly number[],
  partitions: number,
  replicationFactor: number,
  start: number,
  shift: number,
): number[][] {
  const ids = [...brokers].sort((a, b) => a - b);
  const n = ids.length;
  const out = new Array<number[]>(partitions);
  let nextShift = shift;
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) nextShift++;
    const first = (p + start) % n;
    const replicas = [ids[first] as number];
    for (let j = 0; j < replicationFactor - 1; j++) {
      const s = 1 + ((nextShift + j) % (n - 1));
      replicas.push(ids[(first + s) % n] as number);
    }
    out[p] = replicas;
  }
  return out;
}
