/**
 * The wire backend of an ensemble member: a {@link ZkEnsembleNode} (the replicated ZooKeeper core on the node
 * runtime: Raft log on disk, TCP transport to the other members) — or any {@link EnsembleMember}, such as a replica
 * of an in-process ensemble on simulated time — behind the {@link ZkWireBackend} interface.
 * Every wire connection is one replica connection; writes and session creation go through the leader and are
 * answered when this member applied them, so results are promises. The replica answers a connection's requests
 * in order and decides everything else (sessions, expiry on the leader, ReadIndex for `sync`).
 *
 * Request numbers: the replica orders a session's writes by a per-session request number across members. Wire
 * xids restart when a client reconnects (and the special xids −2/−4/−8 are negative), so this backend numbers a
 * session's requests itself, continuing above the highest number the replicated state has applied for it.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { ClientRequest, Reply } from "../../core/zk/index.js";
import { Code } from "../../core/zk/index.js";
import type { ConnId, ReplicaInput, ReplicaState } from "../../core/zk-ensemble/index.js";
import { ZkEnsembleNode, type ZkClientOutput } from "../node/zk-node.js";
import type { PeerAddress } from "../transport/index.js";
import type { ServiceReply } from "../zk/service.js";
import type { BackendListener, BackendStats, ConnectResult, ZkWireBackend } from "./backend.js";
import { treeStats } from "./backend.js";
import type { ZkWireConfig } from "./config.js";
import { interpretFrame } from "./protocol.js";

/**
 * The replica an {@link EnsembleBackend} serves: where its connections' inputs go and the state they are answered
 * from. Its client outputs (replies, watches, state changes) come back through {@link EnsembleBackend.clientOutput}.
 */
export interface EnsembleMember {
  /** Steps the member's replica with a connection input (connect, request, ping, disconnect). */
  input(input: ReplicaInput): void;
  /** The replica's current state (read only). */
  readonly state: ReplicaState;
}

/** Options of {@link EnsembleBackend.start}. */
export interface EnsembleBackendOptions {
  /** The wire configuration (tickTime, container check interval). */
  readonly config: ZkWireConfig;
  /** This member's id. */
  readonly id: number;
  /** Every member's peer (transport) address, this member's included: it listens on its own. */
  readonly peers: ReadonlyMap<number, PeerAddress>;
  /** Data directory of the member's Raft log. */
  readonly dataDir: string;
  /** Members of different ensembles refuse each other's connections. Default `zk`. */
  readonly clusterId?: string;
  /** Milliseconds per replica tick. Default 50 (elections after 20 ticks, heartbeats every 2). */
  readonly tickMs?: number;
  /** Compact the log with a snapshot every this many entries. Default: the configuration's `snapCount`. */
  readonly snapshotEvery?: number;
  /** Keep unsynced writes in process memory until fdatasync (kill -9 = power failure; tests). */
  readonly loseUnsynced?: boolean;
  /** Where the member reports events. Default: stderr. */
  readonly log?: (line: string) => void;
  /** Called once if the member stops (storage failure): it must be restarted from its data directory. */
  readonly onFatal?: (error: Error) => void;
}

/** One wire connection as the backend tracks it. */
interface Attached {
  readonly conn: ConnId;
  readonly listener: BackendListener;
  sessionId: number;
  /** Resolves the handshake once the replica says connected, reconnected, expired or refused. */
  settle: ((r: ConnectResult) => void) | undefined;
  /** Requests waiting for their reply, by the replica's request number. */
  readonly pending: Map<number, (r: ServiceReply) => void>;
}

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
/** ZooKeeper's servers never send these: the connection is gone (or the session is), and the client finds out. */
const clientSide = (err: number, reason: string): ServiceReply => ({ err, clientSide: true, reason });

/** An ensemble member served over the wire. */
export class EnsembleBackend implements ZkWireBackend {
  private member!: EnsembleMember;
  /** The runtime node, when the member runs on one ({@link EnsembleBackend.start}). */
  private node: ZkEnsembleNode | undefined;
  private nextConn = 1;
  private readonly attached = new Map<ConnId, Attached>();
  private readonly bySession = new Map<number, Attached>();
  /** The last request number used per session on this member. */
  private readonly numbers = new Map<number, number>();

  private constructor(private readonly log: (line: string) => void) {}

  /**
   * Serves `member` (e.g. one replica of an in-process ensemble): its driver must hand the replica's client outputs
   * to {@link EnsembleBackend.clientOutput}.
   */
  static over(member: EnsembleMember, log: (line: string) => void): EnsembleBackend {
    const backend = new EnsembleBackend(log);
    backend.member = member;
    return backend;
  }

  /** Recovers the member from its data directory and starts its runtime. */
  static async start(o: EnsembleBackendOptions): Promise<EnsembleBackend> {
    const log = o.log ?? ((line: string) => process.stderr.write(`zk-server[${o.id}]: ${line}\n`));
    const backend = new EnsembleBackend(log);
    const self = o.peers.get(o.id);
    if (self === undefined) throw new RangeError(`member ${o.id} is not among the ensemble's members ${[...o.peers.keys()].join(",")}`);
    const tickMs = o.tickMs ?? 50;
    backend.node = await ZkEnsembleNode.start({
      id: o.id,
      clusterId: o.clusterId ?? "zk",
      replicas: [...o.peers.keys()].sort((a, b) => a - b),
      peers: new Map([...o.peers].filter(([p]) => p !== o.id)),
      listen: self,
      dataDir: o.dataDir,
      tickMs,
      // Session passwords are derived from a secret: a random one per process makes them unguessable.
      replica: {
        tickTimeMs: o.config.tickTimeMs,
        minSessionTimeoutMs: o.config.minSessionTimeoutMs,
        maxSessionTimeoutMs: o.config.maxSessionTimeoutMs,
        electionTick: 20,
        heartbeatTick: 2,
        reaperIntervalMs: o.config.containerCheckIntervalMs,
        extendedTypesEnabled: o.config.extendedTypesEnabled,
        secret: randomBytes(6).readUIntBE(0, 6),
        snapshotEvery: o.snapshotEvery ?? o.config.snapCount,
        maxSizePerMsg: 1 << 20,
      },
      log,
      ...(o.loseUnsynced === true ? { loseUnsynced: true } : {}),
      ...(o.onFatal === undefined ? {} : { onFatal: o.onFatal }),
      onClientOutput: (out) => backend.clientOutput(out),
    });
    backend.member = backend.node;
    // An ensemble of one needs no election timeout: it campaigns (and wins, on its own durable vote) now.
    if (o.peers.size === 1) backend.node.input({ type: "timeout", timer: "election" });
    return backend;
  }

  /** Resolves once this member leads; rejects after `ms` (an ensemble of one leads a few ms after start). */
  async leading(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.node?.state.leading !== true) {
      if (Date.now() > end) throw new Error(`member did not become leader within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** The member's transport port (0 for a member without a runtime node). */
  get peerPort(): number {
    return this.node?.port ?? 0;
  }

  /** The member's Raft role, term and known leader (for status lines and tests). */
  status(): { role: string; leader: number; applied: number } {
    const s = this.member.state;
    return { role: s.leading ? "leader" : "follower", leader: s.knownLeader, applied: s.applied };
  }

  /** Whether a wire connection of the session is attached to this member. */
  isAttached(sessionId: number): boolean {
    return this.bySession.has(sessionId);
  }

  get lastZxid(): number {
    return this.member.state.tree.lastZxid;
  }

  advanceTo(): void {
    // The member's clock is its runtime's tick timer.
  }

  connect(sessionId: number, password: Uint8Array, requestedTimeoutMs: number, listener: BackendListener): Promise<ConnectResult> {
    const conn = this.nextConn++;
    return new Promise<ConnectResult>((resolve) => {
      const a: Attached = { conn, listener, sessionId: 0, settle: resolve, pending: new Map() };
      this.attached.set(conn, a);
      const timeoutMs = Math.max(0, Math.min(2 ** 31 - 1, requestedTimeoutMs));
      this.member.input({
        type: "connect",
        conn,
        timeoutMs,
        ...(sessionId === 0 ? {} : { session: { id: sessionId, password: toHex(password), lastZxidSeen: 0 } }),
      });
    });
  }

  disconnect(sessionId: number): void {
    const a = this.bySession.get(sessionId);
    if (a === undefined) return;
    this.forget(a, clientSide(Code.CONNECTIONLOSS, "the client closed the connection"));
    this.member.input({ type: "disconnect", conn: a.conn });
  }

  ping(sessionId: number): ServiceReply {
    const a = this.bySession.get(sessionId);
    if (a === undefined) return clientSide(Code.CONNECTIONLOSS, "not connected");
    this.member.input({ type: "ping", conn: a.conn });
    return { err: Code.OK, zxid: this.lastZxid };
  }

  request(sessionId: number, request: ClientRequest): ServiceReply | Promise<ServiceReply> {
    const a = this.bySession.get(sessionId);
    if (a === undefined) return clientSide(Code.CONNECTIONLOSS, "not connected");
    const xid = (this.numbers.get(sessionId) ?? 0) + 1;
    this.numbers.set(sessionId, xid);
    return new Promise<ServiceReply>((resolve) => {
      a.pending.set(xid, resolve);
      this.member.input({ type: "request", conn: a.conn, xid, request });
    });
  }

  raw(sessionId: number, opcode: number, body: Uint8Array): ServiceReply | Promise<ServiceReply> | undefined {
    // Read as ZooKeeper reads the frame, as the single node does; what quorate does not serve: UNIMPLEMENTED, close.
    const req = interpretFrame(opcode, body);
    return req.type === "undecodable" ? undefined : this.request(sessionId, req);
  }

  rejectWrite(sessionId: number, code: number): ServiceReply | Promise<ServiceReply> {
    // An error transaction, as ZooKeeper's PrepRequestProcessor logs it: it uses a zxid.
    return this.request(sessionId, { type: "malformed", code });
  }

  stats(): BackendStats {
    const s = this.member.state;
    return { ...treeStats(s.tree, s.watches), mode: s.leading ? "leader" : s.knownLeader !== 0 ? "follower" : "looking" };
  }

  /** Stops the member (storage, transport, timer); sessions live on in the ensemble. */
  async stop(): Promise<void> {
    for (const a of [...this.attached.values()]) this.end(a, "disconnected");
    await this.node?.stop();
  }

  /** A client output of the member's replica (a reply, a watch, a connection's state change). */
  clientOutput(o: ZkClientOutput): void {
    const a = this.attached.get(o.conn);
    if (a === undefined) return;
    switch (o.type) {
      case "reply": {
        const resolve = a.pending.get(o.xid);
        if (resolve === undefined) return;
        a.pending.delete(o.xid);
        resolve(this.wireReply(o.reply));
        return;
      }
      case "watch":
        if (a.settle === undefined) a.listener({ kind: "watch", type: o.event.type, path: o.event.path });
        return;
      case "state":
        this.state(a, o);
        return;
    }
  }

  /** The replica's CONNECTIONLOSS and SESSIONEXPIRED answers mean "this connection is finished". */
  private wireReply(r: Reply): ServiceReply {
    if (r.err === Code.CONNECTIONLOSS) return clientSide(r.err, "the member dropped the connection");
    if (r.err === Code.SESSIONEXPIRED) return clientSide(r.err, "the session expired");
    return r;
  }

  private state(a: Attached, o: Extract<ZkClientOutput, { type: "state" }>): void {
    if (a.settle !== undefined) {
      const settle = a.settle;
      a.settle = undefined;
      if ((o.state === "connected" || o.state === "reconnected") && o.session !== undefined) {
        a.sessionId = o.session.id;
        const previous = this.bySession.get(a.sessionId);
        if (previous !== undefined && previous !== a) this.forget(previous, clientSide(Code.CONNECTIONLOSS, "the session re-attached"));
        this.bySession.set(a.sessionId, a);
        const applied = this.member.state.lastXid.get(a.sessionId) ?? 0;
        this.numbers.set(a.sessionId, Math.max(this.numbers.get(a.sessionId) ?? 0, applied));
        settle({ ok: true, sessionId: o.session.id, password: hex(o.session.password), timeoutMs: o.session.timeoutMs });
        return;
      }
      this.attached.delete(a.conn);
      if (o.state === "expired") this.log(`re-attach refused as expired: ${o.reason ?? "?"} (applied ${this.member.state.applied}, zxid 0x${this.lastZxid.toString(16)})`);
      if (o.state === "expired") settle({ ok: false });
      else settle({ ok: false, refused: o.reason ?? o.state });
      return;
    }
    if (o.state === "connected" || o.state === "reconnected") return;
    if (o.state !== "closed") this.log(`session 0x${a.sessionId.toString(16)} ${o.state}: ${o.reason ?? "?"}`);
    this.end(a, o.state === "expired" ? "expired" : o.state === "closed" ? "closed" : "disconnected");
  }

  /** The replica finished the connection: owed replies fail, the wire connection closes. */
  private end(a: Attached, reason: "expired" | "closed" | "disconnected"): void {
    this.forget(a, clientSide(Code.CONNECTIONLOSS, `connection ${reason}`));
    a.settle?.({ ok: false, refused: `member stopping` });
    a.settle = undefined;
    // The replica may answer and end the connection within one step (closeSession, an unknown opcode): the close
    // waits a microtask, so that the server has queued the request's reply and sends it before closing.
    queueMicrotask(() => a.listener({ kind: "close", reason }));
  }

  private forget(a: Attached, failure: ServiceReply): void {
    this.attached.delete(a.conn);
    if (this.bySession.get(a.sessionId) === a) this.bySession.delete(a.sessionId);
    for (const resolve of a.pending.values()) resolve(failure);
    a.pending.clear();
  }
}
