/**
 * A typed, promise-based ZooKeeper client over {@link ZkService}: create, delete, exists, getData, setData,
 * getChildren, ACLs, multi and a transaction builder, sync, watches as callbacks (one-shot and persistent),
 * session state events. Failures reject with {@link ZkError} carrying ZooKeeper's code (and the reply zxid when
 * the server answered). Every successful result includes the reply's `zxid`.
 */
import type {
  Acl,
  AuthId,
  ClientRequest,
  CreateMode,
  CreateOpcode,
  CreateRequest,
  Data,
  EventType,
  MultiOp,
  OpResult,
  Reply,
  ReplyBody,
  Stat,
  WatchEvent,
  WatchLists,
  WatcherType,
} from "../../core/zk/index.js";
import { CREATE_MODES, Code, OPEN_ACL_UNSAFE, ZkError, isTtlMode, utf8 } from "../../core/zk/index.js";
import type { ServiceReply, SessionState, ZkService } from "./service.js";

/** Data given to a write: bytes, a string (UTF-8), or `null` for ZooKeeper's null buffer. */
export type DataInput = Uint8Array | string | null;

/** A watch callback: called with the event that fired. */
export type Watcher = (event: WatchEvent) => void;

/** Options of {@link ZkClient.create}. */
export interface CreateOptions {
  readonly mode?: CreateMode;
  readonly acl?: readonly Acl[];
  /** TTL in ms, required for the TTL modes. */
  readonly ttl?: number;
  /** Ask for the new node's Stat (create2). Containers and TTL nodes always return it. */
  readonly stat?: boolean;
}

/** A failed multi: rejected with the failing op's code; `results` holds ZooKeeper's per-op results. */
export class ZkMultiError extends ZkError {
  readonly results: readonly OpResult[];
  constructor(code: number, zxid: number, results: readonly OpResult[]) {
    super(code, undefined, zxid, `multi failed at op ${results.findIndex((r) => r.type === "error" && r.err !== 0)}; nothing was applied`);
    this.results = results;
  }
}

/** Data given as a string is UTF-8 encoded; absent data is empty. */
export function toData(data: DataInput | undefined): Data {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === "string" ? utf8(data) : data;
}

/** Builds a create request the way ZooKeeper's Java client does (opcode 19 for containers, 21 for TTL modes). */
export function createRequest(path: string, data: DataInput | undefined, options: CreateOptions = {}): CreateRequest {
  const mode = options.mode ?? "PERSISTENT";
  const flags = CREATE_MODES.indexOf(mode);
  if (flags < 0) throw new ZkError(Code.BADARGUMENTS, path, undefined, `unknown create mode ${JSON.stringify(mode)}`);
  const opcode: CreateOpcode = mode === "CONTAINER" ? 19 : isTtlMode(mode) ? 21 : options.stat === true ? 15 : 1;
  return { type: "create", opcode, path, data: toData(data), acl: options.acl ?? OPEN_ACL_UNSAFE, flags, ttl: options.ttl ?? -1 };
}

/** Anything that runs a multi atomically: the single-node client and the ensemble client alike. */
export interface MultiRunner {
  multi(ops: readonly MultiOp[]): Promise<{ results: readonly OpResult[]; zxid: number }>;
}

/** Builds the ops of a multi; `commit()` runs them atomically on the client that made it. */
export class Transaction {
  private readonly ops: MultiOp[] = [];
  constructor(private readonly client: MultiRunner) {}
  /** Adds a create. */
  create(path: string, data?: DataInput, options?: CreateOptions): this {
    this.ops.push(createRequest(path, data, options));
    return this;
  }
  /** Adds a delete (version −1 = any). */
  delete(path: string, version = -1): this {
    this.ops.push({ type: "delete", path, version });
    return this;
  }
  /** Adds a setData (version −1 = any). */
  setData(path: string, data: DataInput, version = -1): this {
    this.ops.push({ type: "setData", path, data: toData(data), version });
    return this;
  }
  /** Adds a version check. */
  check(path: string, version: number): this {
    this.ops.push({ type: "check", path, version });
    return this;
  }
  /** Runs the ops atomically; rejects with {@link ZkMultiError} when one fails (nothing is applied). */
  async commit(): Promise<{ results: readonly OpResult[]; zxid: number }> {
    const out = await this.client.multi(this.ops);
    const failed = out.results.find((r) => r.type === "error" && r.err !== Code.OK && r.err !== Code.RUNTIMEINCONSISTENCY);
    if (failed !== undefined && failed.type === "error") throw new ZkMultiError(failed.err, out.zxid, out.results);
    return out;
  }
}

/** A session on a {@link ZkService}. */
export class ZkClient {
  /** The session id. */
  readonly sessionId: number;
  /** The session password (for re-attaching). */
  readonly password: string;
  /** The negotiated session timeout, ms. */
  timeoutMs: number;
  /** The highest zxid seen in replies (what a reconnecting client sends). */
  lastZxidSeen = 0;
  private readonly dataWatchers = new Map<string, Set<Watcher>>();
  private readonly childWatchers = new Map<string, Set<Watcher>>();
  private readonly persistentWatchers: { path: string; recursive: boolean; watcher: Watcher }[] = [];
  private readonly eventListeners = new Set<Watcher>();
  private readonly stateListeners = new Set<(state: SessionState) => void>();

  private constructor(private readonly service: ZkService, requestedTimeoutMs: number) {
    const opened = service.openSession(requestedTimeoutMs, (e) => (e.kind === "watch" ? this.dispatch(e.event) : this.changeState(e.state)));
    this.sessionId = opened.sessionId;
    this.password = opened.password;
    this.timeoutMs = opened.timeoutMs;
    this.lastZxidSeen = service.lastZxid;
  }

  /** Opens a session with the requested timeout (the server clamps it to [2, 20] ticks). */
  static connect(service: ZkService, requestedTimeoutMs: number): ZkClient {
    return new ZkClient(service, requestedTimeoutMs);
  }

  /** Every watch notification of this session, in arrival order (ZooKeeper's default watcher). */
  onEvent(listener: Watcher): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Session state changes: disconnected, reconnected, expired, closed. */
  onState(listener: (state: SessionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Set once the client learns that its session is closed or expired; later calls fail without sending. */
  private dead = false;

  private changeState(state: SessionState): void {
    if (state === "expired" || state === "closed") this.dead = true;
    if (state === "disconnected" || state === "expired" || state === "closed") {
      // Watches registered on the lost connection are gone server-side; forget the callbacks too.
      this.dataWatchers.clear();
      this.childWatchers.clear();
      this.persistentWatchers.length = 0;
    }
    for (const l of this.stateListeners) l(state);
  }

  private dispatch(event: WatchEvent): void {
    for (const l of this.eventListeners) l(event);
    const fire = (map: Map<string, Set<Watcher>>) => {
      const set = map.get(event.path);
      if (set === undefined) return;
      map.delete(event.path);
      for (const w of set) w(event);
    };
    const t: EventType = event.type;
    if (t === "NodeChildrenChanged") fire(this.childWatchers);
    else if (t === "NodeDeleted") {
      fire(this.dataWatchers);
      fire(this.childWatchers);
    } else fire(this.dataWatchers);
    for (const p of this.persistentWatchers) {
      // PERSISTENT: events for the path itself (its NodeChildrenChanged included); PERSISTENT_RECURSIVE: the path
      // and every descendant, never NodeChildrenChanged.
      const inSubtree = event.path === p.path || event.path.startsWith(p.path === "/" ? "/" : `${p.path}/`);
      if (p.recursive ? inSubtree && t !== "NodeChildrenChanged" : event.path === p.path) p.watcher(event);
    }
  }

  private remember(map: Map<string, Set<Watcher>>, path: string, watcher: Watcher): void {
    let set = map.get(path);
    if (set === undefined) map.set(path, (set = new Set()));
    set.add(watcher);
  }

  /** Sends a request and returns the raw reply (or throws ZkError for a connection-level failure). */
  send(req: ClientRequest): Reply {
    if (this.dead) throw new ZkError(Code.SESSIONEXPIRED, "path" in req ? (req as { path: string }).path : undefined, undefined, "the session is closed or expired; open a new session");
    const reply: ServiceReply = this.service.request(this.sessionId, req);
    if ("clientSide" in reply) throw new ZkError(reply.err, "path" in req ? (req as { path: string }).path : undefined, undefined, reply.reason);
    if (reply.zxid > this.lastZxidSeen) this.lastZxidSeen = reply.zxid;
    return reply;
  }

  private ok(req: ClientRequest): { body: ReplyBody | undefined; zxid: number } {
    const reply = this.send(req);
    if (reply.err !== Code.OK) throw new ZkError(reply.err, "path" in req ? (req as { path: string }).path : undefined, reply.zxid);
    return { body: reply.body, zxid: reply.zxid };
  }

  /** Creates a node; returns its actual path (with the sequential suffix) and, when asked or implied, its Stat. */
  async create(path: string, data?: DataInput, options?: CreateOptions): Promise<{ path: string; stat?: Stat; zxid: number }> {
    return this.createWith(createRequest(path, data, options));
  }

  /** Sends a prepared create request (lets callers control the opcode and raw flags, as a wire client could). */
  async createWith(req: CreateRequest): Promise<{ path: string; stat?: Stat; zxid: number }> {
    const { body, zxid } = this.ok(req);
    if (body?.kind === "create2") return { path: body.path, stat: body.stat, zxid };
    return { path: body?.kind === "create" ? body.path : req.path, zxid };
  }

  /** Deletes a node (version −1 = any). */
  async delete(path: string, version = -1): Promise<{ zxid: number }> {
    return { zxid: this.ok({ type: "delete", path, version }).zxid };
  }

  /** The node's Stat, or `null` when it does not exist; `watch` leaves an exist/data watch (also when missing). */
  async exists(path: string, watch?: boolean | Watcher): Promise<{ stat: Stat | null; zxid: number }> {
    const reply = this.send({ type: "exists", path, watch: watch !== undefined && watch !== false });
    if (typeof watch === "function" && (reply.err === Code.OK || reply.err === Code.NONODE)) this.remember(this.dataWatchers, path, watch);
    if (reply.err === Code.NONODE) return { stat: null, zxid: reply.zxid };
    if (reply.err !== Code.OK || reply.body?.kind !== "stat") throw new ZkError(reply.err, path, reply.zxid);
    return { stat: reply.body.stat, zxid: reply.zxid };
  }

  /** The node's data and Stat; `watch` leaves a data watch. */
  async getData(path: string, watch?: boolean | Watcher): Promise<{ data: Data; stat: Stat; zxid: number }> {
    const { body, zxid } = this.ok({ type: "getData", path, watch: watch !== undefined && watch !== false });
    if (typeof watch === "function") this.remember(this.dataWatchers, path, watch);
    if (body?.kind !== "data") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    return { data: body.data, stat: body.stat, zxid };
  }

  /** Replaces the node's data (version −1 = any); returns the new Stat. */
  async setData(path: string, data: DataInput, version = -1): Promise<{ stat: Stat; zxid: number }> {
    const { body, zxid } = this.ok({ type: "setData", path, data: toData(data), version });
    if (body?.kind !== "stat") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    return { stat: body.stat, zxid };
  }

  /** The node's children (sorted) and, with `stat: true`, its Stat; `watch` leaves a child watch. */
  async getChildren(path: string, watch?: boolean | Watcher, options: { stat?: boolean } = {}): Promise<{ children: readonly string[]; stat?: Stat; zxid: number }> {
    const { body, zxid } = this.ok({ type: "getChildren", path, watch: watch !== undefined && watch !== false, withStat: options.stat === true });
    if (typeof watch === "function") this.remember(this.childWatchers, path, watch);
    if (body?.kind !== "children") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    return body.stat === undefined ? { children: body.children, zxid } : { children: body.children, stat: body.stat, zxid };
  }

  /** The node's ACL and Stat (digest ids masked unless the session has ADMIN). */
  async getACL(path: string): Promise<{ acl: readonly Acl[]; stat: Stat; zxid: number }> {
    const { body, zxid } = this.ok({ type: "getACL", path });
    if (body?.kind !== "acl") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    return { acl: body.acl, stat: body.stat, zxid };
  }

  /** Replaces the node's ACL (version checked against aversion). */
  async setACL(path: string, acl: readonly Acl[], version = -1): Promise<{ stat: Stat; zxid: number }> {
    const { body, zxid } = this.ok({ type: "setACL", path, acl, version });
    if (body?.kind !== "stat") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    return { stat: body.stat, zxid };
  }

  /** sync: returns the path; later reads see everything committed before it. */
  async sync(path: string): Promise<{ path: string; zxid: number }> {
    const { body, zxid } = this.ok({ type: "sync", path });
    return { path: body?.kind === "path" ? body.path : path, zxid };
  }

  /**
   * Runs write ops atomically; resolves with ZooKeeper's per-op results (a failed multi is not a rejection). As in
   * ZooKeeper, every multi uses one zxid — also an empty one, a failed one, and one rejected (MARSHALLINGERROR)
   * for containing a read.
   */
  async multi(ops: readonly MultiOp[]): Promise<{ results: readonly OpResult[]; zxid: number }> {
    const { body, zxid } = this.ok({ type: "multi", ops });
    return { results: body?.kind === "multi" ? body.results : [], zxid };
  }

  /** Runs getData/getChildren ops in one request. */
  async multiRead(ops: readonly MultiOp[]): Promise<{ results: readonly OpResult[]; zxid: number }> {
    const { body, zxid } = this.ok({ type: "multiRead", ops });
    return { results: body?.kind === "multi" ? body.results : [], zxid };
  }

  /** A transaction builder. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** This session's ephemeral paths starting with `prefix` (sorted). */
  async getEphemerals(prefix = "/"): Promise<{ paths: readonly string[]; zxid: number }> {
    const { body, zxid } = this.ok({ type: "getEphemerals", prefix });
    return { paths: body?.kind === "ephemerals" ? body.paths : [], zxid };
  }

  /** The number of descendants of a node. */
  async getAllChildrenNumber(path: string): Promise<{ number: number; zxid: number }> {
    const { body, zxid } = this.ok({ type: "getAllChildrenNumber", path });
    return { number: body?.kind === "number" ? body.number : 0, zxid };
  }

  /** Adds a persistent (or persistent-recursive) watch; `watcher` is called for each of its events. */
  async addWatch(path: string, mode: "PERSISTENT" | "PERSISTENT_RECURSIVE", watcher?: Watcher): Promise<{ zxid: number }> {
    const recursive = mode === "PERSISTENT_RECURSIVE";
    const { zxid } = this.ok({ type: "addWatch", path, recursive });
    if (watcher !== undefined) this.persistentWatchers.push({ path, recursive, watcher });
    return { zxid };
  }

  /** Whether the server holds a watch of that kind on the path (NOWATCHER rejects). */
  async checkWatches(path: string, type: WatcherType): Promise<{ zxid: number }> {
    return { zxid: this.ok({ type: "checkWatches", path, watcherType: type }).zxid };
  }

  /** Removes this session's watches of that kind on the path (NOWATCHER rejects when there are none). */
  async removeWatches(path: string, type: WatcherType): Promise<{ zxid: number }> {
    const { zxid } = this.ok({ type: "removeWatches", path, watcherType: type });
    if (type !== "DATA") this.childWatchers.delete(path);
    if (type !== "CHILDREN") this.dataWatchers.delete(path);
    if (type === "ANY") {
      for (let i = this.persistentWatchers.length - 1; i >= 0; i--) if (this.persistentWatchers[i]!.path === path) this.persistentWatchers.splice(i, 1);
    }
    return { zxid };
  }

  /** Re-registers watches after a reconnect; nodes changed after `relativeZxid` get catch-up events instead. */
  async setWatches(relativeZxid: number, lists: WatchLists, version: 1 | 2 = 2): Promise<{ zxid: number }> {
    return { zxid: this.ok({ type: "setWatches", relativeZxid, lists, version }).zxid };
  }

  /** Adds an authenticated identity to this connection (scheme `digest` with `user:password`). */
  async addAuth(scheme: string, auth: string): Promise<{ zxid: number }> {
    return { zxid: this.ok({ type: "addAuth", scheme, auth }).zxid };
  }

  /** The identities this connection is authenticated as. */
  async whoAmI(): Promise<{ clientInfo: readonly { scheme: string; user: string }[]; zxid: number }> {
    const { body, zxid } = this.ok({ type: "whoAmI" });
    return { clientInfo: body?.kind === "whoAmI" ? body.clientInfo : [], zxid };
  }

  /** Closes the session: its ephemerals are deleted (one transaction). */
  async close(): Promise<{ zxid: number }> {
    return { zxid: this.ok({ type: "closeSession" }).zxid };
  }

  /** Closes the connection without closing the session. */
  disconnect(): void {
    this.service.disconnect(this.sessionId);
  }

  /** Re-attaches to the session on a new connection (SESSIONEXPIRED when it is gone). */
  async reconnect(): Promise<{ timeoutMs: number }> {
    const r = this.service.reattach(this.sessionId, this.password);
    if (r.err === Code.SESSIONEXPIRED) this.dead = true;
    if (r.err !== Code.OK) throw new ZkError(r.err, undefined, undefined, "the session is closed or expired; re-attaching was refused");
    this.timeoutMs = r.timeoutMs;
    return { timeoutMs: r.timeoutMs };
  }

  /** Stops (false) or resumes (true) background pings; a silent session expires after its timeout. */
  setPinging(on: boolean): void {
    this.service.setAutoPing(this.sessionId, on);
  }
}

/** Re-exported for callers that build requests by hand. */
export type { AuthId };
