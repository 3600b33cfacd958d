/**
 * The node runtime: drives a pure core with a tick timer, durable storage and the TCP transport, per the core's
 * durability contract. See docs/runtime.md.
 * @module
 */
export { RaftNode, type RaftApplication, type RaftNodeOptions, type RaftNodeStatus, type PlantedBug } from "./raft-node.js";
export { KRaftNode, type KRaftApplication, type KRaftNodeOptions, type KRaftNodeStatus } from "./kraft-node.js";
export { ZkEnsembleNode, type ZkEnsembleNodeOptions, type ZkClientOutput } from "./zk-node.js";
