/**
 * quorate's ZooKeeper core: the data tree, sessions, watches and limits of ZooKeeper 3.8 as pure, deterministic
 * functions. A replica applies logged {@link Transaction}s (each carrying its zxid — the Raft index — and the
 * leader's time) with {@link applyTransaction}, answers reads with {@link read}, and turns tree changes into watch
 * notifications with {@link notify}. `docs/zookeeper.md` lists where quorate deliberately matches surprising
 * ZooKeeper behaviour.
 * @packageDocumentation
 */
export * from "./codes.js";
export * from "./types.js";
export * from "./path.js";
export * from "./limits.js";
export { digestId, fixupAcl, aclAllows, authIdFor, clientInfo, isKnownAuthScheme } from "./acl.js";
export type { FixupResult } from "./acl.js";
export { utf8, fromUtf8, toBase64, fromBase64, sha1, dataEquals } from "./bytes.js";
export { createTree, getNode, statOf, cloneTree, assertTreeInvariants, indexNode, keepPreimage } from "./tree.js";
export type { ZNode, ZkTree, SessionRecord } from "./tree.js";
export { applyTransaction } from "./apply.js";
export type { ApplyResult } from "./apply.js";
export { read } from "./read.js";
export type { ReadRequest, ReadResult } from "./read.js";
export * from "./watches.js";
export * from "./sessions.js";
export { reapCandidates } from "./reaper.js";
export { requestFrameLength, fitsFrameLimit, encodeCreateBody, decodeCreateBody } from "./requests.js";
export type { ClientRequest, UnreadableRequest } from "./requests.js";

export { createZk, step, cloneZk, cloneWatches, fingerprintZk, fingerprintTree, hashWatches, zkCore } from "./core.js";
export type { ZkConfig, ZkReplica, ZkInput, ZkOutput, ZkRejectReason } from "./core.js";
export { serveLocal, isWriteRequest } from "./serve.js";
export type { LocalRequest, LocalResult, ServingSession, WriteClientRequest } from "./serve.js";
