/**
 * The recorder's ZooKeeper session: the project's {@link WireClient} (one TCP connection, the handshake, replies
 * in order, notifications collected) plus what a recording needs on top: pings while idle so that long `wait_ms`
 * steps keep the session alive, and whether the server has closed the connection. No retries, no reconnects: the
 * recorder wants to see exactly what the server does.
 */
import { WireClient } from "../../src/adapters/zk-wire/client.js";
import type { WireReply } from "../../src/adapters/zk-wire/client.js";
import type { WatcherEvent } from "../../src/adapters/zk-wire/records.js";
import { OpCode } from "../../src/core/zk/index.js";

/** One session on one connection. */
export class WireSession {
  /** Set when the server closed the connection. */
  serverClosed = false;
  private keepalive: NodeJS.Timeout | undefined;
  private lastSent = Date.now();

  private constructor(private readonly client: WireClient) {
    void client.closed.then(() => {
      this.serverClosed = true;
      this.stopKeepalive();
    });
  }

  /** Connects (sending the trailing readOnly byte, as the Java client does) and starts the idle pings. */
  static async connect(port: number, timeoutMs: number): Promise<WireSession> {
    const s = new WireSession(await WireClient.connect({ port, timeoutMs, readOnly: true, connectTimeoutMs: 10_000 }));
    s.startKeepalive();
    return s;
  }

  /** The session id the server gave. */
  get sessionId(): bigint {
    return this.client.session.sessionId;
  }
  /** The negotiated session timeout, ms. */
  get timeoutMs(): number {
    return this.client.session.timeOut;
  }
  /** Whether the server answered read-only. */
  get readOnly(): boolean {
    return this.client.session.readOnly ?? false;
  }
  /** Notifications received since the caller last emptied the list. */
  get events(): WatcherEvent[] {
    return this.client.notifications;
  }
  /** Resolves when the connection has closed. */
  get closed(): Promise<void> {
    return this.client.closed;
  }

  /** Sends a request (opcode + encoded body) and resolves with its reply. */
  request(opcode: number, body: Uint8Array): Promise<WireReply> {
    this.lastSent = Date.now();
    return this.client.request(opcode, body);
  }

  /** A ping; its reply carries the server's last processed zxid. Notifications sent before it arrive first. */
  ping(): Promise<WireReply> {
    return this.request(OpCode.ping, new Uint8Array(0));
  }

  /** Closes the connection from the client side. */
  destroy(): void {
    this.stopKeepalive();
    this.client.destroy();
  }

  private stopKeepalive(): void {
    if (this.keepalive !== undefined) clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  private startKeepalive(): void {
    const every = Math.min(1000, Math.floor(this.timeoutMs / 3));
    this.keepalive = setInterval(() => {
      if (Date.now() - this.lastSent >= every) this.ping().catch(() => undefined);
    }, 50);
  }
}
