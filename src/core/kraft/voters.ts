/**
 * KIP-853 voter sets: the set in effect is the one of the latest `VotersRecord` in the log (committed or not);
 * truncation reverts to an earlier one. The history is small and only changes with reconfigurations.
 */
import type { ReplicaKey, NodeId } from "./types.js";

/** One voter set and the offset of the record that introduced it (-1: bootstrap configuration or snapshot). */
export interface VotersAt {
  readonly offset: number;
  readonly voters: readonly ReplicaKey[];
}

/** Oldest first; never empty. */
export type VoterHistory = readonly VotersAt[];

/** The voter set in effect (latest record, committed or not). */
export function latestVoters(h: VoterHistory): readonly ReplicaKey[] {
  return (h[h.length - 1] as VotersAt).voters;
}

/** Offset of the latest voter-set record, -1 for the bootstrap/snapshot set. */
export function latestVotersOffset(h: VoterHistory): number {
  return (h[h.length - 1] as VotersAt).offset;
}

/** Voter set in effect for a log that ends at `endOffset`. */
export function votersAt(h: VoterHistory, endOffset: number): readonly ReplicaKey[] {
  for (let i = h.length - 1; i > 0; i--) {
    const v = h[i] as VotersAt;
    if (v.offset < endOffset) return v.voters;
  }
  return (h[0] as VotersAt).voters;
}

/** Forget voter sets introduced at or after `endOffset` (log truncation). */
export function truncateHistory(h: VoterHistory, endOffset: number): VoterHistory {
  let n = h.length;
  while (n > 1 && (h[n - 1] as VotersAt).offset >= endOffset) n--;
  return n === h.length ? h : h.slice(0, n);
}

/** Record a voter set introduced by the VotersRecord at `offset`. */
export function pushVoters(h: VoterHistory, offset: number, voters: readonly ReplicaKey[]): VoterHistory {
  return [...h, { offset, voters }];
}

/** After a snapshot at `endOffset`: the set in effect there becomes the base. */
export function compactHistory(h: VoterHistory, endOffset: number): VoterHistory {
  const base = votersAt(h, endOffset);
  return [{ offset: -1, voters: base }, ...h.filter((v) => v.offset >= endOffset)];
}

/** Whether `id` is in the voter set. */
export function isVoterId(voters: readonly ReplicaKey[], id: NodeId): boolean {
  return voters.some((v) => v.id === id);
}

/** The ids of a voter set. */
export function voterIds(voters: readonly ReplicaKey[]): NodeId[] {
  return voters.map((v) => v.id);
}

/** Strict majority of `n` voters. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}
