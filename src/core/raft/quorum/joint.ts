/**
 * Joint quorums (§6 of the Raft dissertation): a decision needs a majority of the incoming AND of the
 * outgoing voters. With no outgoing voters this is a plain majority.
 * @module
 */
import type { NodeId } from "../types.js";
import { majorityCommitted, majorityVote, type VoteResult } from "./majority.js";

/** The largest index acknowledged by a majority of both halves of a (possibly joint) configuration. */
export function jointCommitted(
  incoming: readonly NodeId[],
  outgoing: readonly NodeId[],
  acked: (id: NodeId) => number,
): number {
  const a = majorityCommitted(incoming, acked);
  if (outgoing.length === 0) return a;
  const b = majorityCommitted(outgoing, acked);
  return a < b ? a : b;
}

/** Vote outcome in a (possibly joint) configuration: won only if both halves won; lost if either lost. */
export function jointVote(
  incoming: readonly NodeId[],
  outgoing: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const a = majorityVote(incoming, votes);
  const b = majorityVote(outgoing, votes);
  if (a === b) return a;
  if (a === "lost" || b === "lost") return "lost";
  return "pending";
}
