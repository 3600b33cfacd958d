/**
 * The replicated ZooKeeper service as a pure core: each replica is a Raft node plus the ZooKeeper data tree it
 * applies committed commands to (zxid = Raft index), the watches and connections of its clients and, on the
 * leader, the session tracker whose expiries are committed as transactions.
 *
 * ```ts
 * import { zkEnsemble } from "quorate";
 * let r = zkEnsemble.createReplica({ id: 1, replicas: [1, 2, 3], seed: 7 });
 * const { state, outputs } = zkEnsemble.step(r, { type: "tick" });
 * // perform outputs in order: persist durably before the sends that follow, then input `persisted`
 * ```
 * @packageDocumentation
 */
export type * from "./types.js";
export { EnsembleConfigError } from "./types.js";
export { EnsembleCodecError, decodeFrame, encodeFrame } from "./codec.js";
export { decodeSnapshot, encodeSnapshot, type ReplicatedState } from "./snapshot.js";
export { createReplica, step, type ReplicaState, type ReplicaStepResult } from "./replica.js";
export { zkEnsembleCore, cloneReplica, fingerprintReplica, type ReplicaFingerprintOptions } from "./core.js";
export { decodeCommand } from "./apply.js";
export { replicaId, replicaRole, replicaLeader, appliedIndex, replicaTree, connectedSessions, replicaNow, queuedProposals } from "./observe.js";
export { treeDigest } from "./digest.js";
