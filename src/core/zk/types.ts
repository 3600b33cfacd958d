/**
 * The data types of quorate's ZooKeeper core: nodes, Stat, ACLs, requests, replies and transactions.
 * Field names and numbers follow ZooKeeper 3.8 (jute records and `ZooDefs`), so results compare 1:1.
 */

/** Node data: bytes, or `null` for ZooKeeper's null buffer (length −1 on the wire; distinct from empty). */
export type Data = Uint8Array | null;

/** Permission bits of an ACL entry (`ZooDefs.Perms`). */
export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** An authenticated identity of a session (`scheme:id`, e.g. `ip:127.0.0.1`, `digest:user:<base64 sha1>`). */
export interface AuthId {
  readonly scheme: string;
  readonly id: string;
}

/** One ACL entry: the permissions granted to an identity. */
export interface Acl {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

/** `world:anyone` with every permission: ZooKeeper's `OPEN_ACL_UNSAFE`, the default ACL. */
export const OPEN_ACL_UNSAFE: readonly Acl[] = Object.freeze([{ perms: Perms.ALL, scheme: "world", id: "anyone" }]);

/** The seven create modes, in the order of their wire flags (index = flag). */
export const CREATE_MODES = [
  "PERSISTENT",
  "EPHEMERAL",
  "PERSISTENT_SEQUENTIAL",
  "EPHEMERAL_SEQUENTIAL",
  "CONTAINER",
  "PERSISTENT_WITH_TTL",
  "PERSISTENT_SEQUENTIAL_WITH_TTL",
] as const;
/** A create mode (`CreateMode` in ZooKeeper). */
export type CreateMode = (typeof CREATE_MODES)[number];

/** Whether a mode's names get a `%010d` suffix. */
export function isSequential(mode: CreateMode): boolean {
  return mode.includes("SEQUENTIAL");
}
/** Whether a mode creates a node owned by the session. */
export function isEphemeralMode(mode: CreateMode): boolean {
  return mode === "EPHEMERAL" || mode === "EPHEMERAL_SEQUENTIAL";
}
/** Whether a mode creates a TTL node. */
export function isTtlMode(mode: CreateMode): boolean {
  return mode.endsWith("_WITH_TTL");
}

/** ZooKeeper's opcodes used by quorate (`ZooDefs.OpCode`). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

/** The opcodes a create can travel with. */
export type CreateOpcode = 1 | 15 | 19 | 21;

/** The Stat a client sees, every field as ZooKeeper reports it (cversion already the visible value). */
export interface Stat {
  readonly czxid: number;
  readonly mzxid: number;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** The owning session id for an ephemeral node, 0 otherwise (containers and TTL nodes included). */
  readonly ephemeralOwner: number;
  readonly dataLength: number;
  readonly numChildren: number;
  readonly pzxid: number;
}

/** What kind of node this is, and who owns it. */
export type NodeOwner =
  | { readonly kind: "persistent" }
  | { readonly kind: "ephemeral"; readonly session: number }
  | { readonly kind: "container" }
  | { readonly kind: "ttl"; readonly ttl: number };

// ---------------------------------------------------------------------------------------------------------------
// Requests

/** A create as it travels: the opcode and raw mode flags are kept so that wire-level quirks can be reproduced. */
export interface CreateRequest {
  readonly type: "create";
  readonly opcode: CreateOpcode;
  readonly path: string;
  readonly data: Data;
  readonly acl: readonly Acl[];
  /** Raw create flags (0–6 are the modes of {@link CREATE_MODES}; anything else is BADARGUMENTS). */
  readonly flags: number;
  /** TTL in ms for the TTL modes; −1 when absent. */
  readonly ttl: number;
}
/** delete(path, version). */
export interface DeleteRequest {
  readonly type: "delete";
  readonly path: string;
  readonly version: number;
}
/** setData(path, data, version). */
export interface SetDataRequest {
  readonly type: "setData";
  readonly path: string;
  readonly data: Data;
  readonly version: number;
}
/** setACL(path, acl, aversion). */
export interface SetAclRequest {
  readonly type: "setACL";
  readonly path: string;
  readonly acl: readonly Acl[];
  readonly version: number;
}
/** check(path, version): only inside a multi. */
export interface CheckRequest {
  readonly type: "check";
  readonly path: string;
  readonly version: number;
}
/** getData inside a multi/multiRead (never watches). */
export interface GetDataSubRequest {
  readonly type: "getData";
  readonly path: string;
}
/** getChildren inside a multi/multiRead (never watches). */
export interface GetChildrenSubRequest {
  readonly type: "getChildren";
  readonly path: string;
}
/** One operation of a multi or multiRead. */
export type MultiOp =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | CheckRequest
  | GetDataSubRequest
  | GetChildrenSubRequest;
/** multi(ops): atomic, one zxid. */
export interface MultiRequest {
  readonly type: "multi";
  readonly ops: readonly MultiOp[];
}
/** Opening a session: the id and password are chosen by the leader before the transaction is logged. */
export interface CreateSessionRequest {
  readonly type: "createSession";
  readonly sessionId: number;
  readonly password: string;
  /** Negotiated timeout in ms. */
  readonly timeoutMs: number;
}
/** Closing (or expiring) a session: deletes its ephemerals. */
export interface CloseSessionRequest {
  readonly type: "closeSession";
}
/** The reaper's deletion of an empty container or an expired TTL node. */
export interface DeleteContainerRequest {
  readonly type: "deleteContainer";
  readonly path: string;
}
/** reconfig: refused on a standalone server (RECONFIGDISABLED), still a transaction. */
export interface ReconfigRequest {
  readonly type: "reconfig";
}
/** A request that ZooKeeper rejects while preparing it but still logs as an error transaction. */
export interface MalformedWriteRequest {
  readonly type: "malformed";
  /** The code of the error transaction (MARSHALLINGERROR for a multi that contains reads). */
  readonly code: number;
}

/** Every request that becomes a transaction (and so consumes a zxid, even when it fails). */
export type WriteRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | SetAclRequest
  | MultiRequest
  | CreateSessionRequest
  | CloseSessionRequest
  | DeleteContainerRequest
  | ReconfigRequest
  | MalformedWriteRequest;

/**
 * One log entry: the request with everything needed to apply it deterministically on every replica —
 * its zxid (the Raft index), the leader's timestamp in ms, the session and the session's authenticated ids.
 */
export interface Transaction {
  readonly zxid: number;
  readonly time: number;
  readonly sessionId: number;
  readonly auth: readonly AuthId[];
  readonly request: WriteRequest;
  /**
   * The server's `zookeeper.extendedTypesEnabled` (TTL nodes); default true. When false, a create in a TTL mode is
   * UNIMPLEMENTED, as ZooKeeper 3.8's `PrepRequestProcessor.validateCreateRequest` answers.
   */
  readonly extendedTypesEnabled?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Replies

/** The result of one op inside a multi or multiRead, as ZooKeeper's `OpResult`. */
export type OpResult =
  | { readonly type: "create"; readonly path: string }
  | { readonly type: "create2"; readonly path: string; readonly stat: Stat }
  | { readonly type: "delete" }
  | { readonly type: "setData"; readonly stat: Stat }
  | { readonly type: "check" }
  | { readonly type: "getData"; readonly data: Data; readonly stat: Stat }
  | { readonly type: "getChildren"; readonly children: readonly string[] }
  | { readonly type: "error"; readonly err: number };

/** The body of a successful reply (or of a multi/multiRead reply). */
export type ReplyBody =
  | { readonly kind: "create"; readonly path: string }
  | { readonly kind: "create2"; readonly path: string; readonly stat: Stat }
  | { readonly kind: "stat"; readonly stat: Stat }
  | { readonly kind: "data"; readonly data: Data; readonly stat: Stat }
  | { readonly kind: "children"; readonly children: readonly string[]; readonly stat?: Stat }
  | { readonly kind: "acl"; readonly acl: readonly Acl[]; readonly stat: Stat }
  | { readonly kind: "multi"; readonly results: readonly OpResult[] }
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "ephemerals"; readonly paths: readonly string[] }
  | { readonly kind: "number"; readonly number: number }
  | { readonly kind: "whoAmI"; readonly clientInfo: readonly { readonly scheme: string; readonly user: string }[] };

/** A reply: ZooKeeper's reply header (err, zxid) and the body, if any was sent. */
export interface Reply {
  readonly err: number;
  readonly zxid: number;
  readonly body?: ReplyBody;
}

/** A change to the tree, in apply order; watch managers turn these into notifications. */
export interface NodeChange {
  readonly change: "created" | "deleted" | "dataChanged";
  readonly path: string;
}

/** ZooKeeper's watch event types. */
export type EventType = "NodeCreated" | "NodeDeleted" | "NodeDataChanged" | "NodeChildrenChanged";

/** A notification delivered to a session. */
export interface WatchEvent {
  readonly type: EventType;
  readonly state: "SyncConnected";
  readonly path: string;
}
