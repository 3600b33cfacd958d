/**
 * A typed, promise-based client of the replicated ZooKeeper service, as ZooKeeper's Java client behaves:
 * one session, requests answered in order, watches re-registered after a reconnect, and session state events
 * — connected, suspended (connection lost, session maybe alive), reconnected, expired, closed.
 * Failures reject with `ZkError` (ZooKeeper's code and name); a failed multi with `ZkMultiError`.
 */
import type { ClientRequest, Data, MultiOp, OpResult, Reply, ReplyBody, Stat, WatchEvent, WatchLists } from "../../core/zk/index.js";
import { Code, ZkError } from "../../core/zk/index.js";
import type { CreateOptions, DataInput } from "../zk/client.js";
import { Transaction, ZkMultiError, createRequest, toData } from "../zk/client.js";
export { Transaction };
import type { ConnId } from "../../core/zk-ensemble/index.js";
import type { ConnectionHandler, EnsembleCluster, TickListener } from "./cluster.js";
import { AsyncQueue } from "./async-queue.js";

export type { CreateOptions, DataInput };
export { ZkMultiError };

/** Session states a client reports. */
export type SessionState = "connected" | "suspended" | "reconnected" | "expired" | "closed";

/** A watch callback. */
export type Watcher = (event: WatchEvent) => void;

/** Options of reads. */
export interface ReadOptions {
  /** Leave a one-shot watch: `true` for events through `onEvent`, or a callback. */
  readonly watch?: boolean | Watcher;
  /** Serve the read only after this replica applied the leader's ReadIndex (linearizable, one heartbeat round). */
  readonly linearizable?: boolean;
}

/** Options of {@link EnsembleClient.connect}. */
export interface ConnectOptions {
  /** Requested session timeout in ms (the service clamps it to [2, 20] ticks of its tickTime). Default 200. */
  readonly timeoutMs?: number;
  /** The replica to connect to first (default: chosen round-robin). */
  readonly replica?: number;
}

let roundRobin = 0;

interface PendingCall {
  readonly resolve: (reply: Reply) => void;
  readonly path: string | undefined;
}

/** One session on an {@link EnsembleCluster}. */
export class EnsembleClient implements TickListener {
  /** The session id (0 until connected). */
  sessionId = 0;
  /** The session password (for re-attaching). */
  password = "";
  /** The negotiated timeout, ms. */
  timeoutMs = 0;
  /** The highest zxid seen in replies: a replica behind it refuses this session. */
  lastZxidSeen = 0;
  /** The current state. */
  state: SessionState | "connecting" = "connecting";
  /** The replica the client is attached to. */
  replica: number;
  private conn: ConnId = 0;
  private xid = 0;
  private lastPing = 0;
  private pinging = true;
  private readonly pending = new Map<number, PendingCall>();
  private readonly dataWatchers = new Map<string, Set<Watcher | true>>();
  private readonly existWatchers = new Map<string, Set<Watcher | true>>();
  private readonly childWatchers = new Map<string, Set<Watcher | true>>();
  private readonly persistent: { path: string; recursive: boolean; watcher: Watcher | undefined }[] = [];
  private readonly eventListeners = new Set<Watcher>();
  private readonly stateListeners = new Set<(state: SessionState) => void>();
  private connected: ((ok: boolean, reason: string) => void) | undefined;
  private attempts = 0;
  private readonly unlisten: () => void;

  private constructor(
    private readonly cluster: EnsembleCluster,
    private readonly requestedTimeoutMs: number,
    first: number,
  ) {
    this.replica = first;
    this.unlisten = cluster.onTick(this);
  }

  /**
   * Opens a session; resolves once a replica has committed it. In queue mode the promise settles as the
   * caller delivers messages (`cluster.settle()`) and ticks.
   */
  static connect(cluster: EnsembleCluster, options: ConnectOptions = {}): Promise<EnsembleClient> {
    const first = options.replica ?? cluster.ids[roundRobin++ % cluster.ids.length]!;
    const client = new EnsembleClient(cluster, options.timeoutMs ?? 200, first);
    return new Promise((resolve, reject) => {
      client.connected = (ok, reason) => {
        client.connected = undefined;
        if (ok) resolve(client);
        else {
          client.unlisten();
          reject(new ZkError(Code.CONNECTIONLOSS, undefined, undefined, reason));
        }
      };
      client.open();
    });
  }

  private open(session?: { id: number; password: string; lastZxidSeen: number }): void {
    const conn = this.cluster.newConn();
    this.conn = conn;
    this.cluster.connect(this.replica, conn, (o) => this.heard(conn, o), this.requestedTimeoutMs, session);
  }

  private heard(conn: ConnId, o: Parameters<ConnectionHandler>[0]): void {
    if (conn !== this.conn) return;
    switch (o.type) {
      case "reply": {
        const call = this.pending.get(o.xid);
        if (call === undefined) return;
        this.pending.delete(o.xid);
        if (o.reply.zxid > this.lastZxidSeen) this.lastZxidSeen = o.reply.zxid;
        call.resolve(o.reply);
        return;
      }
      case "watch":
        this.dispatch(o.event);
        return;
      case "state":
        this.stateChanged(o.state, o.session, o.reason ?? "");
        return;
    }
  }

  private stateChanged(state: string, session: { id: number; password: string; timeoutMs: number } | undefined, reason: string): void {
    switch (state) {
      case "connected":
        this.sessionId = session!.id;
        this.password = session!.password;
        this.timeoutMs = session!.timeoutMs;
        this.attempts = 0;
        this.set("connected");
        this.connected?.(true, "");
        return;
      case "reconnected":
        this.timeoutMs = session?.timeoutMs ?? this.timeoutMs;
        this.attempts = 0;
        this.set("reconnected");
        this.rearm();
        return;
      case "refused":
      case "disconnected":
        this.failPending();
        if (this.sessionId === 0) {
          // Not yet a session: try the next replica, or give up after a round of them.
          if (++this.attempts >= this.cluster.ids.length * 3) return this.connected?.(false, `no replica accepted the session: ${reason}`);
          this.replica = this.nextReplica();
          this.open();
          return;
        }
        // Re-attach on the next tick (as ZooKeeper's client pauses before reconnecting), on another replica.
        this.conn = 0;
        if (this.state !== "suspended") this.set("suspended");
        return;
      case "expired":
        this.failPending(Code.SESSIONEXPIRED);
        this.conn = 0;
        this.set("expired");
        this.unlisten();
        return;
      case "closed":
        this.conn = 0;
        this.set("closed");
        this.unlisten();
        return;
    }
  }

  private nextReplica(): number {
    const ids = this.cluster.ids;
    return ids[(ids.indexOf(this.replica) + 1) % ids.length]!;
  }

  /** Tries to re-attach the session on the next replica (one attempt per call; ticks retry). */
  private tryReattach(): void {
    if (this.state !== "suspended" || this.conn !== 0) return;
    this.replica = this.nextReplica();
    this.open({ id: this.sessionId, password: this.password, lastZxidSeen: this.lastZxidSeen });
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const l of [...this.stateListeners]) l(state);
  }

  private failPending(code: number = Code.CONNECTIONLOSS): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const c of calls) c.resolve({ err: code, zxid: -1 });
  }

  /** After a reconnect: re-send every watch, with the last zxid seen (catch-up events for missed changes). */
  private rearm(): void {
    const lists: WatchLists = {
      data: [...this.dataWatchers.keys()],
      exist: [...this.existWatchers.keys()],
      child: [...this.childWatchers.keys()],
      persistent: this.persistent.filter((p) => !p.recursive).map((p) => p.path),
      persistentRecursive: this.persistent.filter((p) => p.recursive).map((p) => p.path),
    };
    if (Object.values(lists).every((l: string[]) => l.length === 0)) return;
    void this.call({ type: "setWatches", relativeZxid: this.lastZxidSeen, lists, version: 2 });
  }

  /** @internal Called by the cluster on every tick: pings, and re-attaching while suspended. */
  onTick(now: number): void {
    if (this.state === "suspended") {
      if (this.conn === 0) this.tryReattach();
      return;
    }
    if (this.conn === 0 || !this.pinging || (this.state !== "connected" && this.state !== "reconnected")) return;
    if (now - this.lastPing >= Math.max(1, Math.floor(this.timeoutMs / 3))) {
      this.lastPing = now;
      this.cluster.ping(this.replica, this.conn);
    }
  }

  /** Stops (false) or resumes (true) background pings: a silent session expires after its timeout. */
  setPinging(on: boolean): void {
    this.pinging = on;
  }

  /** Every watch notification of this session, in arrival order. */
  onEvent(listener: Watcher): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Session state changes. */
  onState(listener: (state: SessionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Session state changes as an async iterator (ends after `expired` or `closed`, or when the loop breaks). */
  states(): AsyncIterableIterator<SessionState> {
    const q = new AsyncQueue<SessionState>(() => off());
    const off = this.onState((s) => {
      q.push(s);
      if (s === "expired" || s === "closed") q.close();
    });
    return q;
  }

  private dispatch(event: WatchEvent): void {
    for (const l of [...this.eventListeners]) l(event);
    const fire = (map: Map<string, Set<Watcher | true>>) => {
      const set = map.get(event.path);
      if (set === undefined) return;
      map.delete(event.path);
      for (const w of set) if (w !== true) w(event);
    };
    if (event.type === "NodeChildrenChanged") fire(this.childWatchers);
    else if (event.type === "NodeDeleted") {
      fire(this.dataWatchers);
      fire(this.existWatchers);
      fire(this.childWatchers);
    } else {
      fire(this.dataWatchers);
      fire(this.existWatchers);
    }
    for (const p of [...this.persistent]) {
      const under = p.recursive ? event.path === p.path || event.path.startsWith(p.path === "/" ? "/" : `${p.path}/`) : event.path === p.path;
      if (under && !(p.recursive && event.type === "NodeChildrenChanged")) p.watcher?.(event);
    }
  }

  private remember(map: Map<string, Set<Watcher | true>>, path: string, watch: boolean | Watcher | undefined): void {
    if (watch === undefined || watch === false) return;
    let set = map.get(path);
    if (set === undefined) map.set(path, (set = new Set()));
    set.add(watch);
  }

  /** Sends a request and resolves with the raw reply (connection loss arrives as a CONNECTIONLOSS reply). */
  call(req: ClientRequest, linearizable = false): Promise<Reply> {
    if (this.conn === 0 || (this.state !== "connected" && this.state !== "reconnected")) {
      const code = this.state === "expired" ? Code.SESSIONEXPIRED : this.state === "closed" ? Code.SESSIONEXPIRED : Code.CONNECTIONLOSS;
      return Promise.resolve({ err: code, zxid: -1 });
    }
    const xid = ++this.xid;
    return new Promise((resolve) => {
      this.pending.set(xid, { resolve, path: "path" in req ? (req as { path: string }).path : undefined });
      this.cluster.request(this.replica, this.conn, xid, req, linearizable);
    });
  }

  private async ok(req: ClientRequest, linearizable = false): Promise<{ body: ReplyBody | undefined; zxid: number }> {
    const reply = await this.call(req, linearizable);
    if (reply.err !== Code.OK) throw new ZkError(reply.err, "path" in req ? (req as { path: string }).path : undefined, reply.zxid < 0 ? undefined : reply.zxid);
    return { body: reply.body, zxid: reply.zxid };
  }

  /** Creates a node; resolves with its actual path (sequential suffix included) and, when asked, its Stat. */
  async create(path: string, data?: DataInput, options?: CreateOptions): Promise<{ path: string; stat?: Stat; zxid: number }> {
    const req = createRequest(path, data, options);
    const { body, zxid } = await this.ok(req);
    if (body?.kind === "create2") return { path: body.path, stat: body.stat, zxid };
    return { path: body?.kind === "create" ? body.path : req.path, zxid };
  }

  /** Deletes a node (version −1 = any). */
  async delete(path: string, version = -1): Promise<{ zxid: number }> {
    return { zxid: (await this.ok({ type: "delete", path, version })).zxid };
  }

  /** The node's Stat, or null when missing; a watch is left in both cases (it fires on creation). */
  async exists(path: string, options: ReadOptions = {}): Promise<{ stat: Stat | null; zxid: number }> {
    const reply = await this.call({ type: "exists", path, watch: options.watch !== undefined && options.watch !== false }, options.linearizable === true);
    if (reply.err === Code.NONODE) {
      this.remember(this.existWatchers, path, options.watch);
      return { stat: null, zxid: reply.zxid };
    }
    if (reply.err !== Code.OK || reply.body?.kind !== "stat") throw new ZkError(reply.err, path, reply.zxid < 0 ? undefined : reply.zxid);
    this.remember(this.dataWatchers, path, options.watch);
    return { stat: reply.body.stat, zxid: reply.zxid };
  }

  /** The node's data and Stat. */
  async getData(path: string, options: ReadOptions = {}): Promise<{ data: Data; stat: Stat; zxid: number }> {
    const { body, zxid } = await this.ok({ type: "getData", path, watch: options.watch !== undefined && options.watch !== false }, options.linearizable === true);
    if (body?.kind !== "data") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    this.remember(this.dataWatchers, path, options.watch);
    return { data: body.data, stat: body.stat, zxid };
  }

  /** Replaces the node's data (version −1 = any); resolves with the new Stat. */
  async setData(path: string, data: DataInput, version = -1): Promise<{ stat: Stat; zxid: number }> {
    const { body, zxid } = await this.ok({ type: "setData", path, data: toData(data), version });
    if (body?.kind !== "stat") throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    return { stat: body.stat, zxid };
  }

  /** The node's children, sorted, and its Stat. */
  async getChildren(path: string, options: ReadOptions = {}): Promise<{ children: readonly string[]; stat: Stat; zxid: number }> {
    const req = { type: "getChildren" as const, path, watch: options.watch !== undefined && options.watch !== false, withStat: true };
    const { body, zxid } = await this.ok(req, options.linearizable === true);
    if (body?.kind !== "children" || body.stat === undefined) throw new ZkError(Code.MARSHALLINGERROR, path, zxid);
    this.remember(this.childWatchers, path, options.watch);
    return { children: body.children, stat: body.stat, zxid };
  }

  /** This session's ephemeral nodes under a prefix. */
  async getEphemerals(prefix = "/"): Promise<{ paths: readonly string[]; zxid: number }> {
    const { body, zxid } = await this.ok({ type: "getEphemerals", prefix });
    return { paths: body?.kind === "ephemerals" ? body.paths : [], zxid };
  }

  /** Write ops atomically; resolves with ZooKeeper's per-op results (a failed multi is not a rejection). */
  async multi(ops: readonly MultiOp[]): Promise<{ results: readonly OpResult[]; zxid: number }> {
    const { body, zxid } = await this.ok({ type: "multi", ops });
    return { results: body?.kind === "multi" ? body.results : [], zxid };
  }

  /** A transaction builder. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Waits until this replica has applied everything committed before the call (ReadIndex). */
  async sync(path = "/"): Promise<{ path: string; zxid: number }> {
    const { zxid } = await this.ok({ type: "sync", path });
    return { path, zxid };
  }

  /** A persistent (or recursive) watch; `watcher` hears each event. */
  async addWatch(path: string, mode: "PERSISTENT" | "PERSISTENT_RECURSIVE", watcher?: Watcher): Promise<{ zxid: number }> {
    const recursive = mode === "PERSISTENT_RECURSIVE";
    const { zxid } = await this.ok({ type: "addWatch", path, recursive });
    this.persistent.push({ path, recursive, watcher });
    return { zxid };
  }

  /** Removes this session's watches of a kind on a path (NOWATCHER rejects when there are none). */
  async removeWatches(path: string, type: "CHILDREN" | "DATA" | "ANY"): Promise<{ zxid: number }> {
    const { zxid } = await this.ok({ type: "removeWatches", path, watcherType: type });
    if (type !== "DATA") this.childWatchers.delete(path);
    if (type !== "CHILDREN") {
      this.dataWatchers.delete(path);
      this.existWatchers.delete(path);
    }
    for (let i = this.persistent.length - 1; i >= 0; i--) if (this.persistent[i]!.path === path) this.persistent.splice(i, 1);
    return { zxid };
  }

  /**
   * Watch events under `path` as an async iterator (a persistent watch, recursive when asked). Breaking out of
   * the loop removes the watch.
   */
  async watch(path: string, options: { recursive?: boolean } = {}): Promise<AsyncIterableIterator<WatchEvent>> {
    const q = new AsyncQueue<WatchEvent>(() => {
      const i = this.persistent.findIndex((p) => p.watcher === push);
      if (i >= 0) this.persistent.splice(i, 1);
      if (!this.persistent.some((p) => p.path === path)) void this.call({ type: "removeWatches", path, watcherType: "ANY" });
    });
    const push: Watcher = (e) => q.push(e);
    await this.addWatch(path, options.recursive === true ? "PERSISTENT_RECURSIVE" : "PERSISTENT", push);
    return q;
  }

  /** Closes the session: its ephemerals are deleted in one transaction. */
  async close(): Promise<{ zxid: number }> {
    const { zxid } = await this.ok({ type: "closeSession" });
    return { zxid };
  }

  /** Drops the connection without closing the session (it re-attaches on the next tick, elsewhere). */
  disconnect(): void {
    if (this.conn === 0) return;
    this.cluster.disconnect(this.replica, this.conn);
    this.conn = 0;
    this.failPending();
    this.set("suspended");
  }
}
