/**
 * Kafka's controller in ZooKeeper mode as a pure core (a client of a ZooKeeper ensemble), and the ZooKeeper-mode
 * broker's metadata cache. See docs/compare.md.
 * @module
 */
export * from "./types.js";
export * from "./znodes.js";
export { electLeader } from "./election.js";
export { createZkController, stepZkController, cloneZkController, fingerprintZkController, zkControllerCore, ZkControllerConfigError } from "./core.js";
export * from "./broker.js";
