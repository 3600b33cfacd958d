/**
 * quorate's ZooKeeper-style service (single process, simulated clock), its typed promise-based client, and the
 * golden transcript replayer behind `quorate zk-replay`.
 * @packageDocumentation
 */
export { ZkService, NotModelledError } from "./service.js";
export type { ZkServiceOptions, SessionState, ConnectionListener, ServiceReply } from "./service.js";
export { ZkClient, ZkMultiError, Transaction, createRequest } from "./client.js";
export type { CreateOptions, DataInput, Watcher } from "./client.js";
export * as replay from "./replay/index.js";
