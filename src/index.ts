/**
 * quorate: the coordination layer behind Apache Kafka — a pure Raft core, ZooKeeper-style coordination,
 * the KRaft metadata quorum — with a deterministic simulator, invariants and a linearizability checker.
 *
 * Each subsystem is exported as a namespace so that names such as `step` or `State` never collide:
 * `import { raft } from "quorate"; raft.step(state, input)`.
 * @packageDocumentation
 */
export * as raft from "./core/raft/index.js";
export * as zk from "./core/zk/index.js";
export * as zkService from "./adapters/zk/index.js";
export * as kraft from "./core/kraft/index.js";
export * as metadata from "./core/metadata/index.js";
export * as kraftNode from "./core/kraft-node/index.js";
export * as kraftCluster from "./adapters/kraft/index.js";
export * as simulator from "./adapters/simulator/index.js";
export * as linearizability from "./check/linearizability/index.js";
export * as invariants from "./check/invariants/index.js";
export * as zkEnsemble from "./core/zk-ensemble/index.js";
export * as zkEnsembleService from "./adapters/zk-ensemble/index.js";
export * as storage from "./adapters/storage/index.js";
export * as transport from "./adapters/transport/index.js";
export * as runtime from "./adapters/node/index.js";
