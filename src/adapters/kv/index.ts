/**
 * The replicated key-value service: a pure state machine (`machine.ts`), the etcd v3 JSON gateway subset as
 * pure translation (`api.ts`), and the HTTP server on a Raft node (`service.ts`). See docs/runtime.md.
 * @module
 */
export { KvMachine, KvCommandError, KvSnapshotError, encodeCommand, decodeCommand, type Applied, type Command, type Compare, type KeyValue, type OpResult, type RangeRequest, type RangeResult, type RequestOp } from "./machine.js";
export { KV_PATHS, KvRequestError, parseKvRequest, responseJson, headerJson, errorJson, type HeaderInfo, type KvPath, type KvRequest } from "./api.js";
export { KvService, type KvServiceOptions } from "./service.js";
