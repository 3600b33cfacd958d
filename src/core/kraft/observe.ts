/** Read-only observation of a replica, for invariants, drivers and tests. Cheap: no copies of the log. */
import type { Entry, NodeId, ReplicaKey, Role, Snapshot } from "./types.js";
import type { KRaftState, ReplicaProgress } from "./state.js";
import { entryAt as logEntryAt, epochBelow, logEndOffset } from "./log.js";
import { latestVoters, votersAt } from "./voters.js";
import { leaderIdOf, votedKeyOf } from "./transitions.js";

/** Current role. */
export function role(s: KRaftState): Role {
  return s.role.kind;
}
/** Current epoch. */
export function epoch(s: KRaftState): number {
  return s.epoch;
}
/** Leader known for the current epoch (this node when leading), -1 when unknown. */
export function leader(s: KRaftState): NodeId | -1 {
  return leaderIdOf(s);
}
/** Candidate this node voted for in the current epoch, -1 when none. */
export function votedId(s: KRaftState): NodeId | -1 {
  return votedKeyOf(s)?.id ?? -1;
}
/** High watermark (exclusive): every offset below it is committed. */
export function highWatermark(s: KRaftState): number {
  return s.highWatermark;
}
/** Log end offset (exclusive), durable or not. */
export function endOffset(s: KRaftState): number {
  return logEndOffset(s.log);
}
/** Log end offset acknowledged durable. */
export function durableEndOffset(s: KRaftState): number {
  return s.durableEnd;
}
/** Log start offset: the latest snapshot's end offset, or 0. */
export function startOffset(s: KRaftState): number {
  return s.log.startOffset;
}
/** Epoch of the record at `offset`; undefined when absent or compacted into a snapshot (except its last record). */
export function epochAt(s: KRaftState, offset: number): number | undefined {
  return offset === s.log.startOffset - 1 && s.log.startOffset > 0 ? s.log.startEpoch : logEntryAt(s.log, offset)?.epoch;
}
/** The record at `offset`, undefined when absent or compacted. */
export function entryAt(s: KRaftState, offset: number): Entry | undefined {
  return logEntryAt(s.log, offset);
}
/** Epoch of the last record (or of the snapshot when the log is empty). */
export function lastEpochOf(s: KRaftState): number {
  return epochBelow(s.log, logEndOffset(s.log)) as number;
}
/** Latest snapshot, or null. */
export function snapshot(s: KRaftState): Snapshot | null {
  return s.snapshot;
}
/** Voter set in effect (latest VotersRecord in the log, committed or not). */
export function voters(s: KRaftState): readonly ReplicaKey[] {
  return latestVoters(s.voterHistory);
}
/** Voter set in effect at the high watermark (the committed one). */
export function committedVoters(s: KRaftState): readonly ReplicaKey[] {
  return votersAt(s.voterHistory, s.highWatermark);
}
/** Whether this node is in the voter set in effect. */
export function isVoter(s: KRaftState): boolean {
  return latestVoters(s.voterHistory).some((v) => v.id === s.config.id);
}
/** Local replica id. */
export function nodeId(s: KRaftState): NodeId {
  return s.config.id;
}
/** Ticks elapsed since creation. */
export function now(s: KRaftState): number {
  return s.now;
}
/** For a leader: the offset at which its epoch started (its LeaderChange record); -1 otherwise. */
export function epochStartOffset(s: KRaftState): number {
  return s.role.kind === "leader" ? s.role.epochStartOffset : -1;
}
/** For a leader: what it knows of each replica; empty otherwise. */
export function replicaProgress(s: KRaftState): ReadonlyMap<NodeId, ReplicaProgress> {
  return s.role.kind === "leader" ? s.role.replicas : new Map();
}
