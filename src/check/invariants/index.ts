/**
 * Every protocol's invariants, in one place. Raft's safety invariants as reusable predicates over observation
 * records (the simulator checks them after every event; `quorate verify-trace` checks NDJSON traces recorded
 * from any implementation), and, per protocol, typed by invariant name: a Raft node's own state
 * (`raftState`), the KRaft quorum (`kraft`), the metadata images (`metadata`), a KRaft cluster of Kafka nodes
 * (`kraftNode`), and the replicated ZooKeeper service (`zkEnsemble`).
 * @packageDocumentation
 */
export * from "./types.js";
export { LogView } from "./log-view.js";
export { entryDigest, observedEntries } from "./digest.js";
export { RaftInvariants, checkRaftTrace } from "./raft.js";
export { checkTraceStructure, parseTrace, parseTraceLines, validateRecord, verifyRaftTrace } from "./trace.js";
export type { TraceVerdict } from "./trace.js";
export * as raftState from "./raft-state.js";
export * as kraft from "./kraft.js";
export * as metadata from "./metadata.js";
export * as kraftNode from "./kraft-node.js";
export * as zkEnsemble from "./zk-ensemble.js";
export type { KRaftInvariant } from "./kraft.js";
export type { MetadataInvariant } from "./metadata.js";
export type { ClusterInvariant, ClusterViolation, ClusterHistory } from "./kraft-node.js";
export type { ZkEnsembleInvariant, ZkSimCounts } from "./zk-ensemble.js";
export * as zkMode from "./zk-controller.js";
export type { ZkModeInvariant, ZkModeViolation, ZkModeView } from "./zk-controller.js";
