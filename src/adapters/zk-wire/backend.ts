/**
 * What the wire server drives: a ZooKeeper-style service that opens and re-attaches sessions, answers requests
 * and pushes notifications. {@link ServiceBackend} implements it over the single-node {@link ZkService} and
 * answers at once; a replicated ensemble member (`EnsembleBackend`) implements the same interface and answers
 * later (writes go through Raft), so results may be promises: the server sends a connection's replies in request
 * order whichever way they come.
 */
import type { ClientRequest, EventType, WatchRegistry, ZkTree } from "../../core/zk/index.js";
import { Code } from "../../core/zk/index.js";
import type { ServiceReply, ZkServiceOptions } from "../zk/service.js";
import { NotModelledError, ZkService } from "../zk/service.js";

/** Something the backend tells a session's connection. */
export type BackendEvent =
  | { readonly kind: "watch"; readonly type: EventType; readonly path: string }
  /** The connection must close: the session expired or closed, auth failed, or it re-attached elsewhere. */
  | { readonly kind: "close"; readonly reason: "expired" | "closed" | "disconnected" };

/** Receives a session's events while its connection is the session's current one. */
export type BackendListener = (event: BackendEvent) => void;

/**
 * The outcome of a handshake: a session; `ok: false` an expired or unknown session (ZooKeeper's expired reply,
 * then close); with `refused` the server cannot take the client now (no leader, or behind the client's zxid)
 * and closes the connection without a reply, so the client tries another server.
 */
export type ConnectResult =
  | { readonly ok: true; readonly sessionId: number; readonly password: Uint8Array; readonly timeoutMs: number }
  | { readonly ok: false; readonly refused?: string };

/** A result now, or later. */
export type MaybePromise<T> = T | Promise<T>;

/** Figures the four-letter words report. */
export interface BackendStats {
  readonly nodeCount: number;
  readonly watchCount: number;
  readonly watchedPaths: number;
  readonly ephemeralsCount: number;
  readonly approximateDataSize: number;
  readonly sessions: number;
  /**
   * ZooKeeper's server state: `standalone` (the default) for a single node; `leader` or `follower` in an ensemble,
   * `looking` while the member knows no leader (it refuses clients then).
   */
  readonly mode?: "standalone" | "leader" | "follower" | "looking";
}

/** The service interface the wire server drives. */
export interface ZkWireBackend {
  /** The last applied zxid (a client that has seen more is refused, as ZooKeeper does). */
  readonly lastZxid: number;
  /** Moves the backend's clock to `nowMs` (wall clock): pings, expiry and the reaper happen here. */
  advanceTo(nowMs: number): void;
  /** Opens a session (`sessionId` 0) or re-attaches one with its password. */
  connect(sessionId: number, password: Uint8Array, requestedTimeoutMs: number, listener: BackendListener): MaybePromise<ConnectResult>;
  /** The session's connection closed without closeSession; the session lives on until it expires. */
  disconnect(sessionId: number): void;
  /** A ping (keeps the session alive); the reply carries the last zxid. */
  ping(sessionId: number): ServiceReply;
  /** A decoded request. */
  request(sessionId: number, request: ClientRequest): MaybePromise<ServiceReply>;
  /** A request whose body the wire layer could not decode; `undefined` when the backend does not serve the opcode. */
  raw(sessionId: number, opcode: number, body: Uint8Array): MaybePromise<ServiceReply> | undefined;
  /** Logs an error transaction for a write refused before it reached the tree (e.g. UNIMPLEMENTED TTL). */
  rejectWrite(sessionId: number, code: number): MaybePromise<ServiceReply>;
  /** Figures for `srvr`, `stat` and `mntr`. */
  stats(): BackendStats;
}

const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

/** The single-node backend: one {@link ZkService} whose clock follows the wall clock. */
export class ServiceBackend implements ZkWireBackend {
  /** The service (exposed for tests and diagnostics). */
  readonly service: ZkService;

  /**
   * `simulateClientPings`: the service pings for connected sessions as their clients would (for replays on a
   * simulated clock, where no client pings in real time). Default false: clients ping over the wire.
   */
  constructor(
    options: ZkServiceOptions,
    private readonly simulateClientPings = false,
  ) {
    this.service = new ZkService(options);
  }

  get lastZxid(): number {
    return this.service.lastZxid;
  }

  advanceTo(nowMs: number): void {
    const ms = Math.floor(nowMs) - this.service.now;
    if (ms > 0) this.service.advance(ms);
  }

  connect(sessionId: number, password: Uint8Array, requestedTimeoutMs: number, listener: BackendListener): ConnectResult {
    const forward = (event: Parameters<Parameters<ZkService["setListener"]>[1] & object>[0]) => {
      if (event.kind === "watch") listener({ kind: "watch", type: event.event.type, path: event.event.path });
      else if (event.state === "expired" || event.state === "closed" || event.state === "disconnected") listener({ kind: "close", reason: event.state });
    };
    const timeout = Math.max(0, requestedTimeoutMs);
    if (sessionId === 0) {
      const opened = this.service.openSession(timeout, forward);
      this.service.setAutoPing(opened.sessionId, this.simulateClientPings);
      return { ok: true, sessionId: opened.sessionId, password: fromHex(opened.password), timeoutMs: opened.timeoutMs };
    }
    const { err, timeoutMs } = this.service.reattach(sessionId, toHex(password), timeout);
    if (err !== Code.OK) return { ok: false };
    this.service.setListener(sessionId, forward);
    return { ok: true, sessionId, password, timeoutMs };
  }

  disconnect(sessionId: number): void {
    this.service.disconnect(sessionId);
  }

  ping(sessionId: number): ServiceReply {
    return this.service.ping(sessionId);
  }

  request(sessionId: number, request: ClientRequest): ServiceReply {
    return this.service.request(sessionId, request);
  }

  raw(sessionId: number, opcode: number, body: Uint8Array): ServiceReply | undefined {
    try {
      return this.service.request(sessionId, { type: "raw", opcode, body });
    } catch (e) {
      if (e instanceof NotModelledError) return undefined;
      throw e;
    }
  }

  rejectWrite(sessionId: number, code: number): ServiceReply {
    return this.service.rejectWrite(sessionId, code);
  }

  stats(): BackendStats {
    return treeStats(this.service.tree, this.service.watches);
  }
}

/** The four-letter words' figures of a tree and its watches (every backend reports them the same way). */
export function treeStats(tree: ZkTree, watches: WatchRegistry): BackendStats {
  let watchCount = 0;
  const paths = new Set<string>();
  for (const table of [watches.data, watches.child]) {
    for (const [path, sessions] of table.byPath) {
      watchCount += sessions.size;
      paths.add(path);
    }
  }
  let ephemeralsCount = 0;
  for (const set of tree.ephemerals.values()) ephemeralsCount += set.size;
  let approximateDataSize = 0;
  for (const [path, node] of tree.nodes) approximateDataSize += path.length + (node.data?.length ?? 0);
  return { nodeCount: tree.nodes.size, watchCount, watchedPaths: paths.size, ephemeralsCount, approximateDataSize, sessions: tree.sessions.size };
}
