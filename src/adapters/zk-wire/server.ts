/**
 * The ZooKeeper wire server: TCP connections speaking ZooKeeper 3.8's client protocol, served by a
 * {@link ZkWireBackend}. This module does the I/O only; frames, records and replies come from the pure codec
 * modules. A connection that misbehaves (malformed or oversized frames, unknown opcodes, a client that stops
 * reading) is closed as ZooKeeper closes it; other connections are unaffected and the server never crashes on
 * network input.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import os from "node:os";
import type { Reply } from "../../core/zk/index.js";
import { Code, OpCode } from "../../core/zk/index.js";
import type { ServiceReply } from "../zk/service.js";
import type { BackendEvent, ConnectResult, MaybePromise, ZkWireBackend } from "./backend.js";
import { ServiceBackend } from "./backend.js";
import type { ZkWireConfig } from "./config.js";
import { isFourLetterWordEnabled } from "./config.js";
import { fourLetterWordReply } from "./four-letter-words.js";
import type { ServerCounters } from "./four-letter-words.js";
import { decodeWith } from "./jute.js";
import { beginFrame, decodeRequest, encodeNotification, encodeReply, endFrame, FrameSplitter, splitRequest, Xid } from "./protocol.js";
import { ConnectRequestCodec, ConnectResponseCodec } from "./records.js";

/** Options of {@link startZkWireServer}. */
export interface ZkWireServerOptions {
  readonly config: ZkWireConfig;
  /** The service to serve; default a fresh single-node {@link ServiceBackend} configured from `config`. */
  readonly backend?: ZkWireBackend;
  /** Where diagnostics go (one line each). Default: nowhere. */
  readonly log?: (line: string) => void;
  /** Wall clock in ms. Default `Date.now`. */
  readonly clock?: () => number;
  /** Outgoing bytes queued for one connection above which the server stops reading from it. Default 4 MiB. */
  readonly pauseAboveBytes?: number;
  /** Outgoing bytes queued for one connection above which the connection is closed. Default 64 MiB. */
  readonly dropAboveBytes?: number;
}

/** A running server. */
export interface ZkWireServer {
  /** The bound port (useful with clientPort 0). */
  readonly port: number;
  /** The bound address. */
  readonly host: string;
  /** The backend being served. */
  readonly backend: ZkWireBackend;
  /** Number of open client connections. */
  readonly connectionCount: number;
  /** Frames sent on the session's current connection (handshake included); 0 when it has none. */
  framesSent(sessionId: number): number;
  /** Stops accepting, closes every connection and the timer. Sessions are not closed (as a ZooKeeper shutdown). */
  close(): Promise<void>;
}

interface Connection {
  readonly socket: net.Socket;
  readonly splitter: FrameSplitter;
  readonly remote: string;
  sessionId: number;
  handshakeDone: boolean;
  closing: boolean;
  /** Reading is paused until the client drains its replies. */
  paused: boolean;
  /** The backend has not answered the handshake yet: later frames wait. */
  awaitingHandshake: boolean;
  /** Closing: end the socket once the replies owed are sent. */
  endWhenDrained: boolean;
  /** Replies in request order; one waiting for the backend holds back the ones after it. */
  readonly replies: PendingReply[];
  received: number;
  sent: number;
}

/** The backend a config implies: a single-node service on the wall clock with random passwords. */
export function backendFor(config: ZkWireConfig, now: number): ServiceBackend {
  return new ServiceBackend({
    tickTimeMs: config.tickTimeMs,
    reaperIntervalMs: config.containerCheckIntervalMs,
    startTimeMs: now,
    maxFrameBytes: config.maxFrameBytes,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    // TTL creates without extended types: UNIMPLEMENTED, decided by the core in ZooKeeper's order of checks.
    extendedTypesEnabled: config.extendedTypesEnabled,
    newPassword: () => randomBytes(16).toString("hex"),
  });
}

const EMPTY = new Uint8Array(0);

/** A request's reply slot: sent once it and every slot before it are known. */
interface PendingReply {
  readonly xid: number;
  readonly opcode: number | undefined;
  reply: ServiceReply | undefined;
}

const isPromise = <T>(x: T | Promise<T>): x is Promise<T> => typeof (x as { then?: unknown } | undefined)?.then === "function";

/** Starts the server on `config.clientPortAddress:config.clientPort` and resolves once it listens. */
export async function startZkWireServer(options: ZkWireServerOptions): Promise<ZkWireServer> {
  const { config } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const backend = options.backend ?? backendFor(config, clock());
  const pauseAbove = options.pauseAboveBytes ?? 4 * 1024 * 1024;
  const dropAbove = options.dropAboveBytes ?? 64 * 1024 * 1024;
  const connections = new Set<Connection>();
  /** The connection currently attached to each session (a re-attach moves it). */
  const owners = new Map<number, Connection>();
  const counters: ServerCounters = { received: 0, sent: 0, startedAt: clock() };
  const environment: [string, string][] = [
    ["host.name", os.hostname()],
    ["node.version", process.version],
    ["os.name", os.type()],
    ["os.arch", os.arch()],
    ["os.version", os.release()],
    ["user.dir", process.cwd()],
  ];

  const advance = () => {
    try {
      backend.advanceTo(clock());
    } catch (e) {
      log(`zk-wire: clock advance failed: ${(e as Error).message}`);
    }
  };
  const timer = setInterval(advance, Math.max(5, Math.min(250, Math.floor(config.tickTimeMs / 4))));
  timer.unref();

  const send = (conn: Connection, bytes: Uint8Array) => {
    if (conn.socket.destroyed || conn.socket.writableEnded) return;
    conn.socket.write(bytes);
    conn.sent++;
    counters.sent++;
    const queued = conn.socket.writableLength;
    if (queued > dropAbove) {
      log(`zk-wire: closing ${conn.remote}: ${queued} bytes queued, the client is not reading`);
      destroy(conn);
    } else if (queued > pauseAbove && !conn.paused) {
      // Stop reading (and serving) this client until it has read its replies: its queue stays bounded.
      log(`zk-wire: pausing reads from ${conn.remote}: ${queued} bytes queued`);
      conn.paused = true;
      conn.socket.pause();
      conn.socket.once("drain", () => {
        conn.paused = false;
        if (conn.closing) return;
        conn.socket.resume();
        onData(conn, EMPTY);
      });
    }
  };

  /** Flushes what was written, then closes (ZooKeeper's `closeConn` after a final reply). */
  const closeAfterFlush = (conn: Connection) => {
    if (conn.closing) return;
    conn.closing = true;
    conn.endWhenDrained = true;
    // Replies still owed by the backend go first (drainReplies ends the connection after the last one).
    if (conn.replies.length === 0) queueMicrotask(() => conn.socket.end());
  };
  const destroy = (conn: Connection) => {
    conn.closing = true;
    conn.socket.destroy();
  };

  const listenerFor = (conn: Connection) => (event: BackendEvent) => {
    if (conn.closing) return;
    if (event.kind === "watch") send(conn, encodeNotification(event.type, event.path));
    else closeAfterFlush(conn);
  };

  const sendReply = (conn: Connection, xid: number, r: ServiceReply, opcode?: number) => {
    if ("clientSide" in r) {
      // The session is gone or the backend dropped this connection: ZooKeeper would have closed it already.
      closeAfterFlush(conn);
      return;
    }
    send(conn, encodeReply(xid, r as Reply, opcode));
  };
  /** Sends the replies at the head of the connection's queue that are known. */
  const drainReplies = (conn: Connection) => {
    while (conn.replies.length > 0 && conn.replies[0]!.reply !== undefined) {
      const p = conn.replies.shift()!;
      sendReply(conn, p.xid, p.reply!, p.opcode);
    }
    if (conn.endWhenDrained && conn.replies.length === 0) queueMicrotask(() => conn.socket.end());
  };
  /** Answers request `xid` with `r` (now or when the backend answers), after every earlier reply. */
  const reply = (conn: Connection, xid: number, r: MaybePromise<ServiceReply>, opcode?: number) => {
    if (!isPromise(r) && conn.replies.length === 0) {
      sendReply(conn, xid, r, opcode);
      return;
    }
    const slot: PendingReply = { xid, opcode, reply: undefined };
    conn.replies.push(slot);
    if (!isPromise(r)) {
      slot.reply = r;
      return;
    }
    // One `then` per reply (no `finally`: each extra link is a promise and a microtask on every write).
    r.then(
      (value) => settle(conn, slot, value),
      (e: unknown) => {
        log(`zk-wire: closing ${conn.remote}: the backend failed a request: ${(e as Error).message}`);
        settle(conn, slot, { err: Code.CONNECTIONLOSS, clientSide: true, reason: "backend failure" });
      },
    );
  };
  /** A reply the backend owed is known: sends it and the ones it held back. */
  const settle = (conn: Connection, slot: PendingReply, value: ServiceReply) => {
    slot.reply = value;
    if (conn.socket.destroyed) return;
    conn.socket.cork();
    drainReplies(conn);
    if (!conn.socket.destroyed && conn.socket.writableCorked > 0) conn.socket.uncork();
  };

  const handshake = (conn: Connection, frame: Uint8Array) => {
    const decoded = decodeWith(frame, ConnectRequestCodec.read);
    if (!decoded.ok) {
      log(`zk-wire: closing ${conn.remote}: bad connect request: ${decoded.error.message}`);
      destroy(conn);
      return;
    }
    const req = decoded.value;
    if (req.lastZxidSeen > BigInt(backend.lastZxid)) {
      log(`zk-wire: refusing ${conn.remote}: it has seen zxid 0x${req.lastZxidSeen.toString(16)}, ours is 0x${backend.lastZxid.toString(16)}`);
      destroy(conn);
      return;
    }
    advance();
    const sessionId = req.sessionId > BigInt(Number.MAX_SAFE_INTEGER) || req.sessionId < 0n ? -1 : Number(req.sessionId);
    const result =
      sessionId === -1 ? ({ ok: false } as const) : backend.connect(sessionId, req.passwd ?? new Uint8Array(), req.timeOut, listenerFor(conn));
    const echo = req.readOnly === undefined ? {} : { readOnly: false };
    if (!isPromise(result)) {
      handshakeDone(conn, result, echo);
      return;
    }
    // Frames after the handshake wait for its answer (a client sends none before it anyway).
    conn.awaitingHandshake = true;
    result.then(
      (value) => {
        handshakeDone(conn, value, echo);
        onData(conn, EMPTY);
      },
      (e: unknown) => {
        log(`zk-wire: closing ${conn.remote}: the backend failed the handshake: ${(e as Error).message}`);
        destroy(conn);
      },
    );
  };

  const handshakeDone = (conn: Connection, result: ConnectResult, echo: { readOnly?: boolean }) => {
    conn.awaitingHandshake = false;
    if (conn.closing || conn.socket.destroyed) {
      // The client left while the backend worked: the session it got lives on until it expires.
      if (result.ok) backend.disconnect(result.sessionId);
      return;
    }
    if (!result.ok && result.refused !== undefined) {
      log(`zk-wire: refusing ${conn.remote}: ${result.refused}`);
      destroy(conn);
      return;
    }
    const w = beginFrame(64);
    if (result.ok) {
      const previous = owners.get(result.sessionId);
      if (previous !== undefined && previous !== conn) closeAfterFlush(previous);
      owners.set(result.sessionId, conn);
      conn.sessionId = result.sessionId;
      conn.handshakeDone = true;
      ConnectResponseCodec.write(w, { protocolVersion: 0, timeOut: result.timeoutMs, sessionId: BigInt(result.sessionId), passwd: result.password, ...echo });
      send(conn, endFrame(w));
    } else {
      // An expired or unknown session: timeout 0, session 0, a zero password, then close.
      ConnectResponseCodec.write(w, { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: new Uint8Array(16), ...echo });
      send(conn, endFrame(w));
      closeAfterFlush(conn);
    }
  };

  const serve = (conn: Connection, frame: Uint8Array) => {
    const split = splitRequest(frame);
    if (!split.ok) {
      log(`zk-wire: closing ${conn.remote}: ${split.error.message}`);
      destroy(conn);
      return;
    }
    const { xid, opcode, body } = split.value;
    advance();
    const session = conn.sessionId;
    if (opcode === OpCode.ping) {
      reply(conn, Xid.ping, backend.ping(session));
      return;
    }
    if (opcode === OpCode.sasl) {
      // No SASL provider is configured, as on a default ZooKeeper: OK with a null token.
      const w = beginFrame(32);
      w.int(xid).long(0).int(Code.OK).buffer(null);
      send(conn, endFrame(w));
      return;
    }
    if (opcode === OpCode.createSession) {
      // A createSession after the handshake is an error transaction in ZooKeeper (MARSHALLINGERROR, with a zxid).
      reply(conn, xid, backend.rejectWrite(session, Code.MARSHALLINGERROR));
      return;
    }
    const decoded = decodeRequest(opcode, body);
    if (decoded.type === "undecodable") {
      const answer = backend.raw(session, opcode, body);
      if (answer === undefined) {
        log(`zk-wire: closing ${conn.remote}: ${decoded.detail}`);
        send(conn, encodeReply(xid, { err: Code.UNIMPLEMENTED, zxid: -1 }));
        closeAfterFlush(conn);
        return;
      }
      reply(conn, xid, answer);
      return;
    }
    reply(conn, xid, backend.request(session, decoded), opcode);
  };

  const onData = (conn: Connection, chunk: Uint8Array) => {
    if (conn.closing) return;
    conn.splitter.push(chunk);
    // The replies to one chunk's requests leave in one write.
    if (!conn.paused) conn.socket.cork();
    try {
      serveFrames(conn);
    } finally {
      if (!conn.socket.destroyed && conn.socket.writableCorked > 0) conn.socket.uncork();
    }
  };

  const serveFrames = (conn: Connection) => {
    for (;;) {
      if (conn.closing || conn.paused || conn.awaitingHandshake) return;
      const event = conn.splitter.next(!conn.handshakeDone);
      if (event === undefined) return;
      if (event.kind === "fourLetterWord") {
        const enabled = isFourLetterWordEnabled(config, event.word);
        const text = enabled
          ? fourLetterWordReply(event.word, { config, stats: backend.stats(), lastZxid: backend.lastZxid, connections: connections.size, counters, now: clock(), environment })
          : undefined;
        conn.closing = true;
        conn.socket.end(text ?? `${event.word} is not executed because it is not in the whitelist.\n`);
        return;
      }
      if (event.kind === "oversized") {
        log(`zk-wire: closing ${conn.remote}: frame length ${event.length} is outside [0, jute.maxbuffer ${config.maxFrameBytes}]`);
        destroy(conn);
        return;
      }
      conn.received++;
      counters.received++;
      try {
        if (!conn.handshakeDone) handshake(conn, event.body);
        else serve(conn, event.body);
      } catch (e) {
        // A bug must not take the server down: log it and close only this connection.
        log(`zk-wire: closing ${conn.remote}: internal error: ${(e as Error).stack ?? String(e)}`);
        destroy(conn);
        return;
      }
    }
  };

  const perAddress = new Map<string, number>();
  const server = net.createServer((socket) => {
    const address = socket.remoteAddress ?? "?";
    const count = perAddress.get(address) ?? 0;
    if (config.maxClientCnxns > 0 && count >= config.maxClientCnxns) {
      // As ZooKeeper: the connection is closed at once, nothing is sent.
      log(`zk-wire: too many connections from ${address} - max is ${config.maxClientCnxns}`);
      socket.on("error", () => undefined);
      socket.destroy();
      return;
    }
    perAddress.set(address, count + 1);
    socket.setNoDelay(true);
    const conn: Connection = {
      socket,
      splitter: new FrameSplitter(config.maxFrameBytes),
      remote: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`,
      sessionId: 0,
      handshakeDone: false,
      closing: false,
      paused: false,
      awaitingHandshake: false,
      endWhenDrained: false,
      replies: [],
      received: 0,
      sent: 0,
    };
    connections.add(conn);
    socket.on("data", (chunk: Buffer) => onData(conn, chunk));
    socket.on("error", (e) => log(`zk-wire: ${conn.remote}: ${e.message}`));
    socket.on("close", () => {
      conn.closing = true;
      connections.delete(conn);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
      if (conn.sessionId !== 0 && owners.get(conn.sessionId) === conn) {
        owners.delete(conn.sessionId);
        try {
          backend.disconnect(conn.sessionId);
        } catch (e) {
          log(`zk-wire: disconnect of session 0x${conn.sessionId.toString(16)} failed: ${(e as Error).message}`);
        }
      }
    });
  });
  server.on("error", (e) => log(`zk-wire: server error: ${e.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.clientPort, config.clientPortAddress, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;

  return {
    port: address.port,
    host: address.address,
    backend,
    get connectionCount() {
      return connections.size;
    },
    framesSent: (sessionId) => owners.get(sessionId)?.sent ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const conn of connections) destroy(conn);
        server.close(() => resolve());
      }),
  };
}
