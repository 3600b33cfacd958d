/**
 * Majority quorums: the commit index a majority has acknowledged, and the outcome of a vote.
 * @module
 */
import type { NodeId } from "../types.js";

/** Outcome of a vote count. */
export type VoteResult = "won" | "lost" | "pending";

/**
 * The largest index acknowledged by a majority of `voters`: the ⌈(n+1)/2⌉-th largest acknowledged index,
 * unknown voters counting as 0. An empty configuration returns `Infinity` so that it never constrains a
 * joint configuration.
 */
export function majorityCommitted(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return Infinity;
  // Insertion sort, descending, into a small array: n is tiny (3, 5, 7) and this avoids comparator closures.
  const sorted: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = acked(voters[i]!);
    let j = i;
    while (j > 0 && sorted[j - 1]! < v) {
      sorted[j] = sorted[j - 1]!;
      j--;
    }
    sorted[j] = v;
  }
  return sorted[(n >> 1)]!;
}

/**
 * Tallies a vote among `voters`: won once a majority granted, lost once a majority can no longer grant.
 * An empty configuration wins (it never constrains a joint configuration).
 */
export function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const n = voters.length;
  if (n === 0) return "won";
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = (n >> 1) + 1;
  if (granted >= q) return "won";
  if (granted + missing >= q) return "pending";
  return "lost";
}
