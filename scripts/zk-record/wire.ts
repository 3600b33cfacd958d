/**
 * A bare ZooKeeper wire session for the transcript recorder: one TCP connection, the ConnectRequest handshake,
 * requests answered in order, notifications (xid −1) collected, pings. No retries, no reconnects: the recorder
 * wants to see exactly what the server does.
 */
import net from "node:net";
import { JuteReader, JuteWriter } from "./jute.js";

/** A reply: header fields and the body bytes (empty on an error). */
export interface WireReply {
  readonly xid: number;
  readonly zxid: number;
  readonly err: number;
  readonly body: Buffer;
}

/** A notification as received. */
export interface WireEvent {
  readonly type: number;
  readonly state: number;
  readonly path: string;
  readonly zxid: number;
}

const PING_XID = -2;
const NOTIFICATION_XID = -1;

/** One session on one connection. */
export class WireSession {
  readonly events: WireEvent[] = [];
  sessionId = 0n;
  timeoutMs = 0;
  readOnly = false;
  /** Set when the server closed the connection. */
  serverClosed = false;
  private buffered = Buffer.alloc(0);
  private handshake: ((frame: Buffer) => void) | undefined;
  private readonly pending: { xid: number; resolve: (r: WireReply) => void; reject: (e: Error) => void }[] = [];
  private nextXid = 1;
  private keepalive: NodeJS.Timeout | undefined;
  private lastSent = Date.now();

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("close", () => {
      this.serverClosed = true;
      this.stopKeepalive();
      for (const p of this.pending.splice(0)) p.reject(new Error("connection closed"));
    });
    socket.on("error", () => undefined);
  }

  /** Connects and completes the handshake with a fresh session asking for `timeoutMs`. */
  static async connect(port: number, timeoutMs: number): Promise<WireSession> {
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const s = new WireSession(socket);
    const body = new JuteWriter().int(0).long(0).int(timeoutMs).long(0).buffer(Buffer.alloc(16)).bool(false).bytes();
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no ConnectResponse within 10 s")), 10_000);
      s.handshake = (f) => {
        clearTimeout(timer);
        resolve(f);
      };
      s.write(body);
    });
    const r = new JuteReader(frame);
    r.int();
    s.timeoutMs = r.int();
    s.sessionId = r.bigLong();
    r.buffer();
    s.readOnly = r.remaining > 0 ? r.bool() : false;
    s.startKeepalive();
    return s;
  }

  /** Sends a request (header + body) and resolves with its reply. */
  request(opcode: number, body: Buffer, xid = this.nextXid++): Promise<WireReply> {
    return new Promise((resolve, reject) => {
      if (this.serverClosed) return reject(new Error("connection closed"));
      this.pending.push({ xid, resolve, reject });
      this.write(Buffer.concat([new JuteWriter().int(xid).int(opcode).bytes(), body]));
    });
  }

  /** A ping; its reply carries the server's last processed zxid. Notifications sent before it arrive first. */
  ping(): Promise<WireReply> {
    return this.request(11, Buffer.alloc(0), PING_XID);
  }

  /** Stops the automatic pings (an `expire` step) — the connection stays open. */
  stopKeepalive(): void {
    if (this.keepalive !== undefined) clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  /** Closes the connection from the client side. */
  destroy(): void {
    this.stopKeepalive();
    this.socket.destroy();
  }

  private startKeepalive(): void {
    const every = Math.min(1000, Math.floor(this.timeoutMs / 3));
    this.keepalive = setInterval(() => {
      if (Date.now() - this.lastSent >= every && this.pending.length === 0) this.ping().catch(() => undefined);
    }, 50);
  }

  private write(frame: Buffer): void {
    this.lastSent = Date.now();
    const len = Buffer.alloc(4);
    len.writeInt32BE(frame.length);
    this.socket.write(Buffer.concat([len, frame]));
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const n = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + n) return;
      const frame = this.buffered.subarray(4, 4 + n);
      this.buffered = this.buffered.subarray(4 + n);
      if (this.handshake !== undefined) {
        const h = this.handshake;
        this.handshake = undefined;
        h(Buffer.from(frame));
        continue;
      }
      const r = new JuteReader(Buffer.from(frame));
      const xid = r.int();
      const zxid = r.long();
      const err = r.int();
      if (xid === NOTIFICATION_XID) {
        const type = r.int();
        const state = r.int();
        this.events.push({ type, state, path: r.string(), zxid });
        continue;
      }
      const at = this.pending.findIndex((p) => p.xid === xid);
      if (at < 0) continue; // a keepalive ping nobody awaits
      const [p] = this.pending.splice(at, 1);
      p!.resolve({ xid, zxid, err, body: Buffer.from(frame.subarray(16)) });
    }
  }
}

/** Sends a four-letter word and returns the server's whole answer (rejects after 5 s without one). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write(word));
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${word} within 5 s`)));
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", reject);
  });
}
