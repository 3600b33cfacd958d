/**
 * quorate's ZooKeeper core: the data tree, sessions, watches and limits of ZooKeeper 3.8 as pure, deterministic
 * functions. A replica applies logged {@link Transaction}s (each carrying its zxid — the Raft index — and the
 * leader's time) with {@link applyTransaction}, answers reads with {@link read}, and turns tree changes into watch
 * notifications with {@link notify}. `docs/zookeeper.md` lists where quorate deliberately matches surprising
 * ZooKeeper behaviour.
 * @packageDocumentation
 */
import { applyTransaction } from "./apply.js";
import type { ReadRequest } from "./read.js";
import { read } from "./read.js";
import type { ZkTree } from "./tree.js";
import type { AuthId, Reply, Transaction } from "./types.js";
import type { Notification, WatchRegistry } from "./watches.js";
import { addOneShotWatch, notify } from "./watches.js";

export * from "./codes.js";
export * from "./types.js";
export * from "./path.js";
export * from "./limits.js";
export { digestId, fixupAcl, aclAllows, authIdFor, clientInfo, isKnownAuthScheme } from "./acl.js";
export type { FixupResult } from "./acl.js";
export { utf8, fromUtf8, toBase64, fromBase64, sha1, dataEquals } from "./bytes.js";
export { createTree, getNode, statOf, cloneTree, assertTreeInvariants } from "./tree.js";
export type { ZNode, ZkTree, SessionRecord } from "./tree.js";
export { applyTransaction } from "./apply.js";
export type { ApplyResult } from "./apply.js";
export { read } from "./read.js";
export type { ReadRequest, ReadResult } from "./read.js";
export * from "./watches.js";
export * from "./sessions.js";
export { reapCandidates } from "./reaper.js";
export { requestFrameLength, fitsFrameLimit, encodeCreateBody, decodeCreateBody } from "./requests.js";
export type { ClientRequest } from "./requests.js";

/** One replica's state: the replicated tree and the watches of the sessions connected to this replica. */
export interface ZkReplica {
  readonly tree: ZkTree;
  readonly watches: WatchRegistry;
}

/** An input to a replica: a committed transaction, or a read from a connected session. */
export type ZkInput =
  | { readonly kind: "transaction"; readonly txn: Transaction }
  | { readonly kind: "read"; readonly sessionId: number; readonly auth: readonly AuthId[]; readonly request: ReadRequest };

/** What a step produced: the reply for the requester and the watch notifications to deliver. */
export interface ZkOutputs {
  readonly reply: Reply;
  readonly notifications: readonly Notification[];
}

/**
 * The single entry point of a replica: applies a committed transaction or answers a read (registering the watch
 * it leaves). The state is updated in place and returned; it is deterministic and performs no effects.
 */
export function step(state: ZkReplica, input: ZkInput): { state: ZkReplica; outputs: ZkOutputs } {
  if (input.kind === "transaction") {
    const { reply, changes } = applyTransaction(state.tree, input.txn);
    return { state, outputs: { reply, notifications: notify(state.watches, changes) } };
  }
  const result = read(state.tree, input.sessionId, input.auth, input.request);
  if (result.watch !== undefined) addOneShotWatch(state.watches, result.watch.table, result.watch.path, input.sessionId);
  return { state, outputs: { reply: result.reply, notifications: [] } };
}
