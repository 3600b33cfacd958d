/**
 * The KRaft quorum core: Kafka's Raft dialect (KIP-595 election and pull replication, KIP-630 snapshots,
 * KIP-853 dynamic voters, KIP-996 pre-vote) as a pure state machine.
 *
 * ```ts
 * import { kraft } from "quorate";
 * let s = kraft.createKRaft({ id: 1, voters: [1, 2, 3], seed: 42 });
 * const { state, outputs } = kraft.step(s, { type: "tick" });
 * ```
 *
 * Contract: outputs come in order; a `persist` output must be durable before the `send` outputs after it.
 * The leader counts its own records toward the high watermark only after a `persisted` input, and a follower
 * acknowledges (by fetching from the new end offset) only after `persisted`.
 * See docs/kraft.md for the mapping of each behaviour to its KIP and to Kafka's classes.
 * @packageDocumentation
 */
export type {
  AddRaftVoterRequest,
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
  DataEntry,
  DescribeQuorumRequest,
  DescribeQuorumResponse,
  EndQuorumEpochRequest,
  EndQuorumEpochResponse,
  Entry,
  ErrorCode,
  FetchRequest,
  FetchResponse,
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  Input,
  KRaftConfig,
  KRaftTimer,
  LeaderChangeEntry,
  Message,
  NodeId,
  OffsetAndEpoch,
  Output,
  PersistedState,
  QuorumStateRecord,
  RejectionCode,
  RemoveRaftVoterRequest,
  ReplicaDescription,
  ReplicaKey,
  ResolvedConfig,
  Role,
  Snapshot,
  SnapshotId,
  VoteRequest,
  VoteResponse,
  VoterChangeResponse,
  VotersEntry,
} from "./types.js";
export { KRaftConfigError, KRaftFatalError } from "./types.js";
export type { KRaftState, ReplicaProgress, RoleState } from "./state.js";
export { createKRaft, resolveConfig } from "./state.js";
export type { StepResult } from "./step.js";
export { step, validateMessage } from "./step.js";
export { kraftCore, cloneKRaft, fingerprintKRaft, type KRaftFingerprintOptions } from "./core.js";
export { endOffsetForEpoch, validateOffsetAndEpoch } from "./log.js";
export type { FetchValidation, LogView } from "./log.js";
export {
  committedVoters,
  durableEndOffset,
  endOffset,
  entryAt,
  epoch,
  epochAt,
  epochStartOffset,
  highWatermark,
  isVoter,
  lastEpochOf,
  leader,
  nodeId,
  now,
  replicaProgress,
  role,
  snapshot,
  startOffset,
  votedId,
  voters,
} from "./observe.js";
/** @deprecated The KRaft invariants live in `quorate/check` (`invariants.kraft`); kept for the public API. */
export * as invariants from "../../check/invariants/kraft.js";
