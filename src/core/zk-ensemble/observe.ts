/**
 * Read-only observers of a replica, for drivers, tests and invariant checkers (no copies).
 * @module
 */
import * as raft from "../raft/index.js";
import type { ZkTree } from "../zk/index.js";
import type { ReplicaState } from "./replica.js";
import type { ReplicaId } from "./types.js";


/** The replica's id. */
export function replicaId(s: ReplicaState): ReplicaId {
  return s.id;
}
/** The replica's Raft role. */
export function replicaRole(s: ReplicaState): raft.Role {
  return raft.role(s.raft);
}
/** The leader this replica follows (0: none known). */
export function replicaLeader(s: ReplicaState): ReplicaId | 0 {
  return raft.leader(s.raft);
}
/** Highest log index applied to this replica's tree. */
export function appliedIndex(s: ReplicaState): number {
  return s.applied;
}
/** The replica's tree (read it, never mutate it). */
export function replicaTree(s: ReplicaState): ZkTree {
  return s.tree;
}
/** The session ids of the clients attached to this replica. */
export function connectedSessions(s: ReplicaState): number[] {
  return [...s.bySession.keys()];
}
/** The replica's clock, ms. */
export function replicaNow(s: ReplicaState): number {
  return s.now;
}
/** How many commands the leader holds for its next `flush` (always 0 without `batchProposals`). */
export function queuedProposals(s: ReplicaState): number {
  return s.batch.length;
}
