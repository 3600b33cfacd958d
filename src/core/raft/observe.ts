/**
 * Read-only observers of a node's state, for drivers, invariant checkers and conformance tests. All are
 * O(1) apart from `progress`/`config` (which return live, read-only views: no copies of the log).
 * @module
 */
import * as log from "./log.js";
import type { RaftState } from "./state.js";
import type { Progress } from "./tracker/progress.js";
import type { ConfigState, Entry, HardState, NodeId, Role } from "./types.js";

/** The node's id. */
export function id(s: RaftState): NodeId {
  return s.id;
}
/** The node's role. */
export function role(s: RaftState): Role {
  return s.role;
}
/** The node's current term. */
export function term(s: RaftState): number {
  return s.term;
}
/** The leader this node knows of in its term (0: none). */
export function leader(s: RaftState): NodeId | 0 {
  return s.leader;
}
/** Whom this node voted for in its term (0: nobody). */
export function vote(s: RaftState): NodeId | 0 {
  return s.vote;
}
/** The hard state as the next persist output would record it. */
export function hardState(s: RaftState): HardState {
  return { term: s.term, vote: s.vote, commit: s.log.committed };
}
/** Highest committed index known to this node. */
export function commitIndex(s: RaftState): number {
  return s.log.committed;
}
/** Highest index the application reported applied. */
export function appliedIndex(s: RaftState): number {
  return s.log.applied;
}
/** Highest index handed to the application in an apply output. */
export function applyingIndex(s: RaftState): number {
  return s.log.applying;
}
/** Highest index storage acknowledged durable. */
export function stableIndex(s: RaftState): number {
  return s.log.stable;
}
/** Index of the last log entry. */
export function lastIndex(s: RaftState): number {
  return log.lastIndex(s.log);
}
/** Index of the first entry still in the log (snapshot index + 1). */
export function firstIndex(s: RaftState): number {
  return log.firstIndex(s.log);
}
/** Term of the entry at `index` (the snapshot's term at its index); undefined when compacted or absent. */
export function termAt(s: RaftState, index: number): number | undefined {
  return log.termAt(s.log, index);
}
/** The entry at `index`; undefined when compacted or absent. */
export function entryAt(s: RaftState, index: number): Entry | undefined {
  return log.entryAt(s.log, index);
}
/** The membership configuration in force (voters, learners, joint outgoing voters). */
export function config(s: RaftState): ConfigState {
  return s.tracker.config;
}
/** The leader's per-peer replication progress (this node included); undefined on non-leaders. */
export function progress(s: RaftState): ReadonlyMap<NodeId, Readonly<Progress>> | undefined {
  return s.role === "leader" ? s.tracker.progress : undefined;
}
/** The latest snapshot this node holds, if any. */
export function snapshotIndex(s: RaftState): number {
  return s.log.offset;
}
