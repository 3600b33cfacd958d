/**
 * The ZooKeeper replica under the one contract (src/core/contract.ts): `createZk`, `step`, `cloneZk`,
 * `fingerprintZk` and the `zkCore` bundle. A replica is the replicated tree plus the watches of the sessions
 * connected to it; it applies committed transactions and answers reads.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { applyTransaction } from "./apply.js";
import { read, type ReadRequest } from "./read.js";
import { cloneTree, createTree, type ZNode, type ZkTree } from "./tree.js";
import type { AuthId, Reply, Transaction } from "./types.js";
import { addOneShotWatch, createWatchRegistry, notify, type Notification, type WatchMode, type WatchRegistry, type WatchTable } from "./watches.js";

/** One replica's state: the replicated tree and the watches of the sessions connected to this replica. */
export interface ZkReplica {
  readonly tree: ZkTree;
  readonly watches: WatchRegistry;
}

/** A replica needs no configuration: every fresh replica starts from ZooKeeper's initial tree. */
export type ZkConfig = Readonly<Record<string, never>>;

/** An input to a replica: a committed transaction, or a read from a connected session. */
export type ZkInput =
  | { readonly type: "transaction"; readonly txn: Transaction }
  | { readonly type: "read"; readonly sessionId: number; readonly auth: readonly AuthId[]; readonly request: ReadRequest };

/** Why an input was refused. */
export type ZkRejectReason = "malformed-input" | "zxid-out-of-order" | "session-exists";

/** What a step produces, in order: the reply for the requester, then the watch notifications to deliver. */
export type ZkOutput =
  | { readonly type: "reply"; readonly reply: Reply }
  | { readonly type: "notify"; readonly notification: Notification }
  | { readonly type: "rejected"; readonly reason: ZkRejectReason; readonly detail: string };

/** A fresh replica: ZooKeeper's initial tree and no watches. */
export function createZk(_config: ZkConfig = {}): ZkReplica {
  return { tree: createTree(), watches: createWatchRegistry() };
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object";
const isSafeInt = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x);

function isAuth(a: unknown): a is readonly AuthId[] {
  return Array.isArray(a) && a.every((x) => isObject(x) && typeof x.scheme === "string" && typeof x.id === "string");
}

/** Structural checks of an input; the reason it cannot be applied, or undefined. */
function problem(state: ZkReplica, input: ZkInput): [ZkRejectReason, string] | undefined {
  if (!isObject(input)) return ["malformed-input", "input must be an object"];
  if (input.type === "transaction") {
    const txn = input.txn as unknown;
    if (!isObject(txn) || !isSafeInt(txn.zxid) || !isSafeInt(txn.time) || !isSafeInt(txn.sessionId) || !isAuth(txn.auth)) {
      return ["malformed-input", "a transaction needs integer zxid, time and sessionId, an auth list and a request"];
    }
    if (!isObject(txn.request) || typeof txn.request.type !== "string") return ["malformed-input", "a transaction's request needs a type"];
    if (txn.zxid <= state.tree.lastZxid) return ["zxid-out-of-order", `transaction zxid ${txn.zxid} does not follow the last applied zxid ${state.tree.lastZxid}`];
    if (txn.request.type === "createSession" && state.tree.sessions.has(txn.request.sessionId as number)) {
      return ["session-exists", `session ${String(txn.request.sessionId)} is already open`];
    }
    return undefined;
  }
  if (input.type === "read") {
    if (!isSafeInt(input.sessionId) || !isAuth(input.auth) || !isObject(input.request) || typeof input.request.type !== "string") {
      return ["malformed-input", "a read needs an integer sessionId, an auth list and a request with a type"];
    }
    return undefined;
  }
  return ["malformed-input", `unknown input type ${JSON.stringify((input as { type?: unknown }).type)}`];
}

/**
 * The single entry point of a replica: applies a committed transaction or answers a read (registering the watch
 * it leaves). The state is CONSUMED: updated in place and returned (clone it first to keep the old one). Bad
 * input (malformed, a zxid that does not follow, a session created twice) leaves it as it was and yields one
 * `rejected` output.
 */
export function step(state: ZkReplica, input: ZkInput): { state: ZkReplica; outputs: ZkOutput[] } {
  const bad = problem(state, input);
  if (bad !== undefined) return { state, outputs: [{ type: "rejected", reason: bad[0], detail: bad[1] }] };
  if (input.type === "transaction") {
    const { reply, changes } = applyTransaction(state.tree, input.txn);
    const outputs: ZkOutput[] = [{ type: "reply", reply }];
    for (const notification of notify(state.watches, changes)) outputs.push({ type: "notify", notification });
    return { state, outputs };
  }
  const result = read(state.tree, input.sessionId, input.auth, input.request);
  if (result.watch !== undefined) addOneShotWatch(state.watches, result.watch.table, result.watch.path, input.sessionId);
  return { state, outputs: [{ type: "reply", reply: result.reply }] };
}

function cloneTable(t: WatchTable): WatchTable {
  const byPath = new Map<string, Map<number, WatchMode>>();
  for (const [path, sessions] of t.byPath) byPath.set(path, new Map(sessions));
  return { byPath, recursive: t.recursive };
}

/** A copy that steps independently: nodes and indexes are copied, data buffers and ACLs (immutable) shared. */
export function cloneZk(s: ZkReplica): ZkReplica {
  return { tree: cloneTree(s.tree), watches: cloneWatches(s.watches) };
}

/** A copy of the watch tables (the watch part of {@link cloneZk}). */
export function cloneWatches(w: WatchRegistry): WatchRegistry {
  return { data: cloneTable(w.data), child: cloneTable(w.child) };
}

const byKey = <K extends string | number>(a: K, b: K): number => (a < b ? -1 : a > b ? 1 : 0);

function node(h: Hasher, path: string, n: ZNode): void {
  h.str(path);
  if (n.data === null) h.int(0);
  else h.int(1).bytes(n.data);
  h.int(n.acl.length);
  for (const a of n.acl) h.int(a.perms).str(a.scheme).str(a.id);
  h.num(n.czxid).num(n.mzxid).num(n.pzxid).num(n.ctime).num(n.mtime).num(n.version).num(n.cversion).num(n.aversion);
  const o = n.owner;
  switch (o.kind) {
    case "persistent":
      h.int(1);
      break;
    case "ephemeral":
      h.int(2).num(o.session);
      break;
    case "container":
      h.int(3);
      break;
    case "ttl":
      h.int(4).num(o.ttl);
      break;
  }
  const children = [...n.children].sort(byKey);
  h.int(children.length);
  for (const c of children) h.str(c);
}

function table(h: Hasher, t: WatchTable): void {
  const paths = [...t.byPath.keys()].sort(byKey);
  h.int(paths.length);
  for (const p of paths) {
    const sessions = [...t.byPath.get(p)!].sort((a, b) => a[0] - b[0]);
    h.str(p).int(sessions.length);
    for (const [session, mode] of sessions) h.num(session).str(mode);
  }
}

function hashTree(h: Hasher, t: ZkTree): void {
  const paths = [...t.nodes.keys()].sort(byKey);
  h.int(paths.length);
  for (const p of paths) node(h, p, t.nodes.get(p)!);
  const owners = [...t.ephemerals].sort((a, b) => a[0] - b[0]);
  h.int(owners.length);
  for (const [session, set] of owners) {
    h.num(session).int(set.size);
    for (const p of set) h.str(p);
  }
  for (const set of [t.containers, t.ttls]) {
    const sorted = [...set].sort(byKey);
    h.int(sorted.length);
    for (const p of sorted) h.str(p);
  }
  const sessions = [...t.sessions.values()].sort((a, b) => a.id - b.id);
  h.int(sessions.length);
  for (const r of sessions) h.num(r.id).str(r.password).num(r.timeoutMs);
  h.num(t.lastZxid);
}

/** Feeds both watch tables (sorted) to a hasher: the watch part of {@link fingerprintZk}. */
export function hashWatches(h: Hasher, w: WatchRegistry): void {
  table(h, w.data);
  table(h, w.child);
}

/**
 * A canonical 64-bit hash of a tree alone: every node (sorted by path) with data, ACL, stat fields, owner and
 * children; the ephemeral index in creation order (it decides deletion order on close); containers, TTL nodes
 * and sessions (sorted); the last zxid.
 */
export function fingerprintTree(t: ZkTree): bigint {
  const h = new Hasher();
  hashTree(h, t);
  return h.digest();
}

/** A canonical 64-bit hash of a replica: its tree (as {@link fingerprintTree} feeds it) and both watch tables (sorted). */
export function fingerprintZk(s: ZkReplica): bigint {
  const h = new Hasher();
  hashTree(h, s.tree);
  hashWatches(h, s.watches);
  return h.digest();
}

/** The ZooKeeper replica as a {@link Core}. */
export const zkCore: Core<ZkConfig, ZkReplica, ZkInput, ZkOutput> = {
  name: "zk",
  create: createZk,
  step,
  clone: cloneZk,
  fingerprint: fingerprintZk,
};
