/**
 * The Raft core: a pure, deterministic state machine with etcd raft's feature set.
 *
 * ```ts
 * import { raft } from "quorate";
 * let node = raft.createRaft({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 42 });
 * const { state, outputs } = raft.step(node, { type: "tick" });
 * node = state; // the input state is consumed: keep only the returned one
 * // perform outputs in order: persist (durably) before the sends and applies that follow it
 * ```
 * @packageDocumentation
 */
export type * from "./types.js";
export { RaftError, type RaftErrorCode } from "./errors.js";
export { createRaft, validateConfig, type RaftState, type Options, type PendingRead, type ReadState, type IncomingSnapshot, type Outbox } from "./state.js";
export { step, type StepResult } from "./step.js";
export { raftCore, cloneRaft, fingerprintRaft, type RaftFingerprintOptions } from "./core.js";
/** @deprecated The state invariants live in `quorate/check` (`invariants.raftState`); kept for the public API. */
export { assertInvariants, checkInvariants } from "../../check/invariants/raft-state.js";
export { encodeConfChange, decodeConfChange, applyConfChange, validateConfChange, type ConfChangeResult } from "./confchange.js";
export {
  id,
  role,
  term,
  leader,
  vote,
  hardState,
  commitIndex,
  appliedIndex,
  applyingIndex,
  stableIndex,
  lastIndex,
  firstIndex,
  termAt,
  entryAt,
  config,
  progress,
  snapshotIndex,
} from "./observe.js";
export type { Progress, ProgressState } from "./tracker/progress.js";
export type { Inflights } from "./tracker/inflights.js";
export type { RaftLog } from "./log.js";
export type { Tracker } from "./tracker/tracker.js";
export { majorityCommitted, majorityVote, jointCommitted, jointVote, type VoteResult } from "./quorum/index.js";
