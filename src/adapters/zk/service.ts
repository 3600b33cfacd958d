/**
 * A single-process ZooKeeper-style server on quorate's pure core, with a simulated clock: sessions, ticks,
 * session expiry, the container/TTL reaper, watches, the request frame limit and connections that can drop and
 * re-attach. Nothing here waits on real time — {@link ZkService.advance} moves the clock. Replication on the Raft
 * core plugs in where {@link ZkService.commit} assigns a zxid: the transaction already carries everything needed
 * to apply it on any replica.
 */
import type { AuthId, ClientRequest, LocalRequest, Notification, Reply, SessionTiming, SessionTracker, Transaction, WatchEvent, WatchRegistry, WriteRequest, ZkTree } from "../../core/zk/index.js";
import {
  Code,
  MAX_FRAME_BYTES,
  OpCode,
  applyTransaction,
  createSessionTracker,
  createTree,
  createWatchRegistry,
  expireSessions,
  isWriteRequest,
  negotiateTimeout,
  nextBoundary,
  notify,
  reapCandidates,
  removeSessionWatches,
  requestFrameLength,
  serveLocal,
  sha1,
  touchSession,
  trackSession,
  untrackSession,
  utf8,
} from "../../core/zk/index.js";
import { interpretFrame } from "../zk-wire/protocol.js";

/** Configuration of the simulated server (defaults: the golden transcripts' server). */
export interface ZkServiceOptions {
  /** ZooKeeper's tickTime in ms; session timeouts are clamped to [2, 20] ticks. Default 200. */
  readonly tickTimeMs?: number;
  /** Period of the container/TTL reaper in ms (`znode.container.checkIntervalMs`). Default 1000. */
  readonly reaperIntervalMs?: number;
  /** Simulated wall-clock time at start, ms. Default 1,700,000,000,000. Must be > 0 (0 marks the system nodes). */
  readonly startTimeMs?: number;
  /** Address every connection authenticates as (`ip` scheme). Default 127.0.0.1. */
  readonly clientAddress?: string;
  /** Request frame limit (`jute.maxbuffer`). Default 1,048,575. */
  readonly maxFrameBytes?: number;
  /** Seed for session passwords. Default 0. */
  readonly secret?: number;
  /**
   * Chooses a new session's password (32 hex digits = ZooKeeper's 16 bytes). Default: derived from `secret` and
   * the session id, which is reproducible; a network server passes a random source so passwords are unguessable.
   */
  readonly newPassword?: (sessionId: number) => string;
  /** Lower bound of negotiated session timeouts (`minSessionTimeout`). Default 2 × tickTime. */
  readonly minSessionTimeoutMs?: number;
  /** Upper bound of negotiated session timeouts (`maxSessionTimeout`). Default 20 × tickTime. */
  readonly maxSessionTimeoutMs?: number;
  /** `zookeeper.extendedTypesEnabled`: TTL nodes allowed (else TTL creates are UNIMPLEMENTED). Default true. */
  readonly extendedTypesEnabled?: boolean;
}

/** Connection and session life-cycle events a client observes. */
export type SessionState = "connected" | "disconnected" | "reconnected" | "expired" | "closed";

/** What the server told a connection: a watch notification or a session state change. */
export type ConnectionListener = (event: { kind: "watch"; event: WatchEvent } | { kind: "state"; state: SessionState }) => void;

interface Connection {
  connected: boolean;
  auth: AuthId[];
  autoPing: boolean;
  requestedTimeoutMs: number;
  lastPacket: number;
  listener: ConnectionListener | undefined;
}

/** A reply, or the connection-level failure a client library reports instead. */
export type ServiceReply = Reply | { readonly err: number; readonly clientSide: true; readonly reason: string };

/** Thrown for a raw request whose body quorate does not decode (the replayer reports such steps as skipped). */
export class NotModelledError extends Error {
  readonly code = "NOT_MODELLED";
  constructor(message: string) {
    super(message);
    this.name = "NotModelledError";
  }
}

const ZXID_LIMIT = Number.MAX_SAFE_INTEGER;

/** The in-process server. */
export class ZkService {
  /** The replicated state (read it; never mutate it). */
  readonly tree: ZkTree = createTree();
  /** Watches of the connected sessions. */
  readonly watches: WatchRegistry = createWatchRegistry();
  private readonly tracker: SessionTracker;
  private readonly connections = new Map<number, Connection>();
  private readonly tickTimeMs: number;
  private readonly reaperIntervalMs: number;
  private readonly clientAddress: string;
  private readonly maxFrameBytes: number;
  private readonly secret: number;
  private readonly newPassword: ((sessionId: number) => string) | undefined;
  private readonly timing: SessionTiming;
  private readonly extendedTypesEnabled: boolean;
  private readonly origin: number;
  private clock: number;
  private nextSession = 1;

  constructor(options: ZkServiceOptions = {}) {
    this.tickTimeMs = options.tickTimeMs ?? 200;
    this.reaperIntervalMs = options.reaperIntervalMs ?? 1000;
    this.origin = options.startTimeMs ?? 1_700_000_000_000;
    this.clientAddress = options.clientAddress ?? "127.0.0.1";
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.secret = options.secret ?? 0;
    this.newPassword = options.newPassword;
    this.timing = {
      tickTimeMs: this.tickTimeMs,
      ...(options.minSessionTimeoutMs === undefined ? {} : { minSessionTimeoutMs: options.minSessionTimeoutMs }),
      ...(options.maxSessionTimeoutMs === undefined ? {} : { maxSessionTimeoutMs: options.maxSessionTimeoutMs }),
    };
    this.extendedTypesEnabled = options.extendedTypesEnabled ?? true;
    for (const [name, value] of Object.entries({ tickTimeMs: this.tickTimeMs, reaperIntervalMs: this.reaperIntervalMs, startTimeMs: this.origin, maxFrameBytes: this.maxFrameBytes })) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`ZkService: ${name} must be a positive integer, got ${value}`);
    }
    this.clock = this.origin;
    this.tracker = createSessionTracker(this.tickTimeMs);
  }

  /** The simulated wall clock, ms. */
  get now(): number {
    return this.clock;
  }

  /** The last applied zxid. */
  get lastZxid(): number {
    return this.tree.lastZxid;
  }

  /** Whether the session is open (not closed or expired). */
  isSessionAlive(sessionId: number): boolean {
    return this.tree.sessions.has(sessionId);
  }

  /** Whether the session currently has a connection. */
  isConnected(sessionId: number): boolean {
    return this.connections.get(sessionId)?.connected === true;
  }

  /** Logs and applies a transaction at the current time with the next zxid; delivers its notifications. */
  private commit(sessionId: number, auth: readonly AuthId[], request: WriteRequest): Reply {
    const zxid = this.tree.lastZxid + 1;
    if (zxid > ZXID_LIMIT) throw new RangeError("ZkService: zxid space exhausted");
    const txn: Transaction = { zxid, time: this.clock, sessionId, auth, request, ...(this.extendedTypesEnabled ? {} : { extendedTypesEnabled: false }) };
    const { reply, changes } = applyTransaction(this.tree, txn);
    this.deliver(notify(this.watches, changes));
    return reply;
  }

  private deliver(notifications: readonly Notification[]): void {
    for (const { session, event } of notifications) {
      const conn = this.connections.get(session);
      if (conn?.connected === true) conn.listener?.({ kind: "watch", event });
    }
  }

  private password(sessionId: number): string {
    if (this.newPassword !== undefined) return this.newPassword(sessionId);
    const digest = sha1(utf8(`${this.secret}:${sessionId}`));
    return [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Opens a session (a transaction): returns its id, password and negotiated timeout. */
  openSession(requestedTimeoutMs: number, listener?: ConnectionListener): { sessionId: number; password: string; timeoutMs: number } {
    if (!Number.isSafeInteger(requestedTimeoutMs) || requestedTimeoutMs < 0) {
      throw new RangeError(`openSession: timeout must be a non-negative integer of ms, got ${requestedTimeoutMs}`);
    }
    const timeoutMs = negotiateTimeout(requestedTimeoutMs, this.timing);
    const sessionId = 2 ** 40 + this.nextSession++;
    const password = this.password(sessionId);
    trackSession(this.tracker, sessionId, timeoutMs, this.clock);
    this.commit(sessionId, [], { type: "createSession", sessionId, password, timeoutMs });
    this.connections.set(sessionId, {
      connected: true,
      auth: [{ scheme: "ip", id: this.clientAddress }],
      autoPing: true,
      requestedTimeoutMs,
      lastPacket: this.clock,
      listener,
    });
    listener?.({ kind: "state", state: "connected" });
    return { sessionId, password, timeoutMs };
  }

  /** Sets the connection's listener (watch notifications and state changes). */
  setListener(sessionId: number, listener: ConnectionListener | undefined): void {
    const conn = this.connections.get(sessionId);
    if (conn !== undefined) conn.listener = listener;
  }

  /** Whether the client library pings in the background (true by default); false lets the session expire. */
  setAutoPing(sessionId: number, on: boolean): void {
    const conn = this.connections.get(sessionId);
    if (conn !== undefined) conn.autoPing = on;
  }

  /** The server (or the client) closed the TCP connection: the connection's watches and auth are gone. */
  private dropConnection(sessionId: number, state: SessionState): void {
    const conn = this.connections.get(sessionId);
    removeSessionWatches(this.watches, sessionId);
    if (conn === undefined || !conn.connected) return;
    conn.connected = false;
    conn.listener?.({ kind: "state", state });
  }

  /** The client closes its connection without closeSession; the session lives on until it expires. */
  disconnect(sessionId: number): void {
    this.dropConnection(sessionId, "disconnected");
  }

  /**
   * Re-attaches a session on a new connection (id and password). The old connection, if any, is closed; no
   * watches are carried over (a client re-sends them with setWatches).
   */
  reattach(sessionId: number, password: string, requestedTimeoutMs?: number): { err: number; timeoutMs: number } {
    const record = this.tree.sessions.get(sessionId);
    const conn = this.connections.get(sessionId);
    if (record === undefined || conn === undefined || record.password !== password) return { err: Code.SESSIONEXPIRED, timeoutMs: 0 };
    if (conn.connected) this.dropConnection(sessionId, "disconnected");
    if (requestedTimeoutMs !== undefined) conn.requestedTimeoutMs = requestedTimeoutMs;
    const timeoutMs = negotiateTimeout(conn.requestedTimeoutMs, this.timing);
    conn.connected = true;
    conn.auth = [{ scheme: "ip", id: this.clientAddress }];
    conn.lastPacket = this.clock;
    touchSession(this.tracker, sessionId, this.clock);
    conn.listener?.({ kind: "state", state: "reconnected" });
    return { err: Code.OK, timeoutMs };
  }

  /** A ping from the client: keeps the session alive. */
  ping(sessionId: number): ServiceReply {
    const gate = this.gate(sessionId);
    if (gate !== undefined) return gate;
    return { err: Code.OK, zxid: this.tree.lastZxid };
  }

  /**
   * What a client sees before anything reaches the server: without a connection nothing can be sent
   * (CONNECTIONLOSS, even if the session died meanwhile — a client learns that only when re-attaching).
   */
  private gate(sessionId: number): ServiceReply | undefined {
    const conn = this.connections.get(sessionId);
    if (conn === undefined) return { err: Code.SESSIONEXPIRED, clientSide: true, reason: "unknown session" };
    if (!conn.connected) return { err: Code.CONNECTIONLOSS, clientSide: true, reason: "not connected; reconnect the session first" };
    if (!this.tree.sessions.has(sessionId)) return { err: Code.SESSIONEXPIRED, clientSide: true, reason: "session closed or expired" };
    conn.lastPacket = this.clock;
    touchSession(this.tracker, sessionId, this.clock);
    return undefined;
  }

  /**
   * Handles one request of a session and returns the reply. Writes become transactions (one zxid each, also when
   * they fail); reads are answered locally. A frame above `jute.maxbuffer` closes the connection unanswered.
   */
  request(sessionId: number, req: ClientRequest): ServiceReply {
    const gate = this.gate(sessionId);
    if (gate !== undefined) return gate;
    const conn = this.connections.get(sessionId)!;
    if (requestFrameLength(req) > this.maxFrameBytes) {
      this.dropConnection(sessionId, "disconnected");
      return { err: Code.CONNECTIONLOSS, clientSide: true, reason: `request frame of ${requestFrameLength(req)} bytes exceeds jute.maxbuffer ${this.maxFrameBytes}; the server closed the connection` };
    }
    if (isWriteRequest(req)) {
      const reply = this.commit(sessionId, conn.auth, req.type === "closeSession" ? { type: "closeSession" } : req);
      if (req.type === "closeSession") {
        untrackSession(this.tracker, sessionId);
        this.dropConnection(sessionId, "closed");
      }
      return reply;
    }
    if (req.type === "raw") return this.raw(sessionId, conn, req.opcode, req.body);
    return this.serve(sessionId, conn, req);
  }

  /** Serves a request that is not a transaction with the shared serving layer. */
  private serve(sessionId: number, conn: Connection, req: LocalRequest): ServiceReply {
    const result = serveLocal(this.tree, this.watches, { sessionId, auth: conn.auth, clientAddress: this.clientAddress }, req);
    this.deliver(result.notifications);
    if (result.closeConnection) this.dropConnection(sessionId, "disconnected");
    return result.reply;
  }

  /** A request given only as opcode and body: read as ZooKeeper reads the frame ({@link interpretFrame}). */
  private raw(sessionId: number, conn: Connection, opcode: number, body: Uint8Array): ServiceReply {
    if (opcode === OpCode.ping && body.length === 0) return { err: Code.OK, zxid: this.tree.lastZxid };
    const req = interpretFrame(opcode, body);
    if (req.type === "undecodable") throw new NotModelledError(`raw request with opcode ${opcode}: ${req.detail}`);
    // An opcode ZooKeeper does not know stays raw: the serving layer answers it (UNIMPLEMENTED, then close).
    return req.type === "raw" ? this.serve(sessionId, conn, req) : this.request(sessionId, req);
  }

  /**
   * Refuses a write of a session with `code` as ZooKeeper's PrepRequestProcessor does: an error transaction that
   * still uses a zxid (e.g. UNIMPLEMENTED for a TTL create when extended types are disabled).
   */
  rejectWrite(sessionId: number, code: number): ServiceReply {
    const gate = this.gate(sessionId);
    if (gate !== undefined) return gate;
    return this.commit(sessionId, this.connections.get(sessionId)!.auth, { type: "malformed", code });
  }

  /**
   * Lets simulated time pass: background pings of connected sessions (every timeout/3, at most every second),
   * session expiry at tick boundaries, and the reaper every `reaperIntervalMs`, in time order.
   */
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`advance: ms must be a non-negative integer, got ${ms}`);
    const end = this.clock + ms;
    for (;;) {
      let next = Math.min(nextBoundary(this.clock, this.tickTimeMs), this.nextReap());
      for (const [id, conn] of this.connections) {
        if (conn.connected && conn.autoPing && this.tree.sessions.has(id)) next = Math.min(next, conn.lastPacket + this.pingInterval(id));
      }
      if (next > end) break;
      this.clock = Math.max(this.clock, next);
      for (const [id, conn] of this.connections) {
        if (conn.connected && conn.autoPing && this.tree.sessions.has(id) && conn.lastPacket + this.pingInterval(id) <= this.clock) this.ping(id);
      }
      if (this.clock % this.tickTimeMs === 0) this.expire();
      if ((this.clock - this.origin) % this.reaperIntervalMs === 0) this.reap();
    }
    this.clock = end;
  }

  private pingInterval(sessionId: number): number {
    const timeout = this.tree.sessions.get(sessionId)?.timeoutMs ?? this.tickTimeMs * 2;
    return Math.max(1, Math.min(1000, Math.floor(timeout / 3)));
  }

  private nextReap(): number {
    return this.origin + nextBoundary(this.clock - this.origin, this.reaperIntervalMs);
  }

  private expire(): void {
    for (const id of expireSessions(this.tracker, this.clock)) {
      this.commit(id, [], { type: "closeSession" });
      untrackSession(this.tracker, id);
      this.dropConnection(id, "expired");
    }
  }

  private reap(): void {
    for (const path of reapCandidates(this.tree, this.clock)) this.commit(0, [], { type: "deleteContainer", path });
  }
}
