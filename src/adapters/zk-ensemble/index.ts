/**
 * The replicated ZooKeeper service in process: an N-replica cluster driver, the promise-based client and the
 * recipes (lock, leader election, barrier).
 * @packageDocumentation
 */
export { EnsembleCluster, ClusterError, type ClusterOptions, type ConnectionHandler, type Delivery, type TickListener } from "./cluster.js";
export { EnsembleClient, Transaction, ZkMultiError, type ConnectOptions, type CreateOptions, type DataInput, type ReadOptions, type SessionState, type Watcher } from "./client.js";
export { AsyncQueue } from "./async-queue.js";
export { Barrier, LeaderElection, Lock, sequenceOf, type Hold } from "./recipes.js";
export { znodeModel, type ZnodeState } from "../../check/linearizability/models/znode.js";
