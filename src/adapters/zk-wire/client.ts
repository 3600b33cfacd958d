/**
 * A minimal ZooKeeper wire client: one TCP connection, the handshake, requests with xids, replies matched in
 * order, notifications collected. It speaks raw frames (bodies encoded with the codec), so tests, the differential
 * comparison with a real ZooKeeper and benchmarks see exactly what a server sends. I/O only; encoding and decoding
 * are the codec modules'.
 */
import net from "node:net";
import { OpCode } from "../../core/zk/index.js";
import { decodeWith } from "./jute.js";
import { beginFrame, endFrame, FrameSplitter, Xid } from "./protocol.js";
import type { ConnectResponse, WatcherEvent } from "./records.js";
import { ConnectRequestCodec, ConnectResponseCodec, ReplyHeaderCodec, WatcherEventCodec } from "./records.js";

/** A reply: its header fields and the undecoded body (empty when the server sent none). */
export interface WireReply {
  readonly xid: number;
  readonly zxid: number;
  readonly err: number;
  readonly body: Uint8Array;
}

/** How to connect. */
export interface WireConnectOptions {
  readonly host?: string;
  readonly port: number;
  /** Requested session timeout, ms. Default 4000. */
  readonly timeoutMs?: number;
  /** Send the trailing readOnly byte (as kazoo does). Default false (as node-zookeeper-client). */
  readonly readOnly?: boolean;
  /** Re-attach to this session (with `passwd`). */
  readonly sessionId?: bigint;
  readonly passwd?: Uint8Array;
  /** Give up after this many ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Called with each notification as it arrives (besides collecting it in `notifications`). */
  readonly onNotification?: (event: WatcherEvent) => void;
}

/** A connected session. */
export class WireClient {
  /** Notifications received (xid −1), in arrival order. */
  readonly notifications: WatcherEvent[] = [];
  /** The handshake's answer. */
  readonly session: ConnectResponse;
  private readonly pending: { resolve: (r: WireReply) => void; reject: (e: Error) => void }[] = [];
  private nextXid = 1;
  private received = 1;
  private closedError: Error | undefined;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    session: ConnectResponse,
    splitter: FrameSplitter,
    closed: Promise<void>,
    private readonly onNotification: ((event: WatcherEvent) => void) | undefined,
  ) {
    this.session = session;
    this.closed = closed;
    const drain = () => {
      for (let event = splitter.next(false); event !== undefined; event = splitter.next(false)) {
        if (event.kind !== "frame") {
          socket.destroy();
          return;
        }
        this.onFrame(event.body);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      splitter.push(chunk);
      drain();
    });
    drain();
    void closed.then(() => {
      this.closedError = new Error("connection closed");
      for (const p of this.pending.splice(0)) p.reject(this.closedError);
    });
  }

  /** Connects and completes the handshake (rejects when the server closes or answers an expired session). */
  static connect(options: WireConnectOptions): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const splitter = new FrameSplitter(64 * 1024 * 1024);
      const socket = net.connect(options.port, options.host ?? "127.0.0.1");
      socket.setNoDelay(true);
      const closed = new Promise<void>((r) => socket.once("close", () => r()));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no handshake within ${options.connectTimeoutMs ?? 5000} ms`));
      }, options.connectTimeoutMs ?? 5000);
      socket.on("error", () => undefined);
      void closed.then(() => {
        clearTimeout(timer);
        reject(new Error("the server closed the connection during the handshake"));
      });
      socket.once("connect", () => {
        const w = beginFrame(64);
        ConnectRequestCodec.write(w, {
          protocolVersion: 0,
          lastZxidSeen: 0n,
          timeOut: options.timeoutMs ?? 4000,
          sessionId: options.sessionId ?? 0n,
          passwd: options.passwd ?? new Uint8Array(16),
          ...(options.readOnly === true ? { readOnly: false } : {}),
        });
        socket.write(endFrame(w));
      });
      const onData = (chunk: Buffer) => {
        splitter.push(chunk);
        const event = splitter.next(false);
        if (event === undefined) return;
        socket.off("data", onData);
        clearTimeout(timer);
        const decoded = event.kind === "frame" ? decodeWith(event.body, ConnectResponseCodec.read) : undefined;
        if (decoded === undefined || !decoded.ok || decoded.value.timeOut <= 0) {
          socket.destroy();
          reject(new Error("session expired or handshake refused"));
          return;
        }
        resolve(new WireClient(socket, decoded.value, splitter, closed, options.onNotification));
      };
      socket.on("data", onData);
    });
  }

  /** Frames received on this connection, the handshake's included. */
  get framesReceived(): number {
    return this.received;
  }

  private onFrame(body: Uint8Array): void {
    this.received++;
    const header = decodeWith(body, ReplyHeaderCodec.read);
    if (!header.ok) {
      this.socket.destroy();
      return;
    }
    const rest = body.subarray(16);
    if (header.value.xid === Xid.notification) {
      const event = decodeWith(rest, WatcherEventCodec.read);
      if (event.ok) {
        this.notifications.push(event.value);
        this.onNotification?.(event.value);
      }
      return;
    }
    const waiter = this.pending.shift();
    waiter?.resolve({ ...header.value, body: rest });
  }

  /** Sends a request (`body` already encoded) and resolves with its reply. Special opcodes get their xids. */
  request(opcode: number, body: Uint8Array = new Uint8Array(0)): Promise<WireReply> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const xid = opcode === OpCode.ping ? Xid.ping : opcode === OpCode.auth ? Xid.auth : opcode === OpCode.setWatches || opcode === OpCode.setWatches2 ? Xid.setWatches : this.nextXid++;
    const w = beginFrame(16 + body.length);
    w.int(xid).int(opcode).raw(body);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(endFrame(w));
    });
  }

  /** closeSession, then waits for the server to close the connection. */
  async close(): Promise<void> {
    if (this.closedError === undefined) {
      await this.request(OpCode.closeSession).catch(() => undefined);
    }
    this.socket.end();
    await this.closed;
  }

  /** Drops the connection without closeSession (the session lives on until it expires). */
  destroy(): void {
    this.socket.destroy();
  }
}
