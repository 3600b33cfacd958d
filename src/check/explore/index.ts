/**
 * The exhaustive explorer (issue 13): breadth- or depth-first search over every interleaving of a model, with
 * fingerprint deduplication, symmetry reduction, bounds and replayable counterexamples; actor systems over the
 * one core contract; Stateright's calibration models; the Raft core as an explorable system. See docs/explore.md.
 * @packageDocumentation
 */
export type { Goal, Invariant, Model, StepInvariant } from "./model.js";
export { explore, type Discovery, type ExploreOptions, type ExploreResult, type Progress } from "./search.js";
export { FingerprintSet, splitFp, joinFp, type Fp } from "./fpset.js";
export { Network, type Envelope, type NetworkKind } from "./network.js";
export { actorModel, STORAGE_MODES, type StorageMode, type ActorSystem, type Effect, type History, type PendingWrite, type Storage, type SystemAction, type SystemState } from "./actors.js";
export { hashValue } from "./hash.js";
export { twoPhaseCommit, type TwoPhaseAction, type TwoPhaseState } from "./models/two-phase-commit.js";
export { registerSystem, registerCore, majority, type RegisterMsg, type ServerProtocol, type RegisterSystemOptions } from "./models/register.js";
export { paxosServer } from "./models/paxos.js";
export { abdServer } from "./models/abd.js";
export { singleCopyServer } from "./models/single-copy-register.js";
export { EMPTY_TESTER, linearizable, onInvoke, onReturn, type Tester } from "./models/linearizability-tester.js";
export {
  raftSystem,
  raftExploreCore,
  hashRaftMessage,
  hashRaftDisk,
  writeRaftDisk,
  persistedState,
  EMPTY_RAFT_DISK,
  describeRaftMessage,
  applyPersist,
  DEFAULT_RAFT_BOUNDS,
  type RaftBounds,
  type RaftDisk,
  type RaftSystemOptions,
  type RaftSystemState,
  type RaftExploreInput,
} from "./systems/raft.js";
export { raftInvariants, raftStepInvariants, type RaftView } from "./systems/raft-invariants.js";
export { systemName, messageInput, outputEffects, withinBounds, type CoreBounds, type CoreSystemOptions, type OutputRoutes } from "./systems/common.js";
export { zkSystem, zkExploreCore, zkInvariants, zkClientInvariants, zkStepInvariants, DEFAULT_ZK_BOUNDS, ZK_TICK_MS, ZK_WORKLOADS, type ZkBounds, type ZkHistory, type ZkSystemOptions, type ZkSystemState, type ZkWorkload } from "./systems/zk.js";
export {
  kraftSystem,
  kraftExploreCore,
  kraftInvariants,
  kraftStepInvariants,
  applyKRaftPersist,
  DEFAULT_KRAFT_BOUNDS,
  type KRaftBounds,
  type KRaftDisk,
  type KRaftPersist,
  type KRaftSystemOptions,
  type KRaftSystemState,
} from "./systems/kraft.js";
export { replayPath, walkPath, ReplayError, type ReplayViolation, type Walk } from "./replay.js";
export { raftPathTrace } from "./systems/raft-trace.js";
export { buildModel, parseBounds, formatBounds, raftTraceOfPath, TargetError, MODELS, SYSTEMS, type Target, type TargetBounds } from "./catalog.js";
