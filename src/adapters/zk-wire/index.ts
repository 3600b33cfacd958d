/**
 * ZooKeeper 3.8's client wire protocol for quorate: the jute codec, the zoo.cfg parser, the four-letter words and
 * the TCP server that lets real ZooKeeper clients (zkCli.sh, kazoo, node-zookeeper-client) use quorate.
 * @packageDocumentation
 */
export * from "./jute.js";
export * from "./records.js";
export * from "./protocol.js";
export * from "./config.js";
export * from "./backend.js";
export { fourLetterWordReply, VERSION } from "./four-letter-words.js";
export type { FourLetterInput, ServerCounters } from "./four-letter-words.js";
export { startZkWireServer, backendFor } from "./server.js";
export type { ZkWireServer, ZkWireServerOptions } from "./server.js";
export { WireClient } from "./client.js";
export type { WireReply, WireConnectOptions } from "./client.js";
