/**
 * A ZooKeeper session over the wire for a process: quorate's requests in, decoded replies out, pings every
 * third of the session timeout, watch notifications to a callback. Built on the raw {@link WireClient}; a
 * connection loss is reported once (`onClosed`) — the session then lives on at the server until it expires. A
 * request unanswered for two thirds of the session timeout (ZooKeeper's client read timeout: e.g. an ensemble
 * that lost its quorum) drops the connection, so a caller never waits forever.
 * @module
 */
import { OpCode } from "../../core/zk/index.js";
import type { ClientRequest, Reply } from "../../core/zk/index.js";
import { WireClient } from "../zk-wire/client.js";
import { decodeReplyBody, encodeRequest, EventTypeCode } from "../zk-wire/protocol.js";

/** A watch notification: ZooKeeper's event type name and the path. */
export interface SessionWatchEvent {
  readonly type: "NodeCreated" | "NodeDeleted" | "NodeDataChanged" | "NodeChildrenChanged";
  readonly path: string;
}

/** Options of {@link ZkSession.connect}. */
export interface ZkSessionOptions {
  /** Servers to try in order (`host:port`); the first that answers the handshake is used. */
  readonly servers: readonly { readonly host: string; readonly port: number }[];
  readonly sessionTimeoutMs: number;
  readonly onWatch?: (event: SessionWatchEvent) => void;
  /** Called once when the connection is gone. */
  readonly onClosed?: () => void;
}

const EVENT_NAMES = new Map(Object.entries(EventTypeCode).map(([name, code]) => [code, name as SessionWatchEvent["type"]]));

/** A connected session. */
export class ZkSession {
  private readonly pinger: NodeJS.Timeout;
  private readonly watchdog: NodeJS.Timeout;
  /** Send times of the requests awaiting a reply, in order. */
  private readonly outstanding: number[] = [];

  private constructor(
    private readonly client: WireClient,
    /** The session timeout the server granted, ms. */
    readonly timeoutMs: number,
  ) {
    this.pinger = setInterval(() => void this.send(OpCode.ping).catch(() => undefined), Math.max(100, Math.floor(timeoutMs / 3)));
    const readTimeout = Math.max(100, Math.floor((2 * timeoutMs) / 3));
    this.watchdog = setInterval(() => {
      const oldest = this.outstanding[0];
      if (oldest !== undefined && Date.now() - oldest > readTimeout) client.destroy();
    }, Math.max(50, Math.floor(readTimeout / 4)));
    void client.closed.then(() => (clearInterval(this.pinger), clearInterval(this.watchdog)));
  }

  /** Connects to the first server that answers. Rejects naming every server tried when none does. */
  static async connect(o: ZkSessionOptions): Promise<ZkSession> {
    const errors: string[] = [];
    for (const s of o.servers) {
      try {
        const client = await WireClient.connect({
          host: s.host, port: s.port, timeoutMs: o.sessionTimeoutMs,
          onNotification: (e) => {
            const type = EVENT_NAMES.get(e.type);
            if (type !== undefined) o.onWatch?.({ type, path: e.path });
          },
        });
        void client.closed.then(() => o.onClosed?.());
        return new ZkSession(client, client.session.timeOut);
      } catch (e) {
        errors.push(`${s.host}:${s.port}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no ZooKeeper server answered (${errors.join("; ")})`);
  }

  /** Sends a request; resolves with its reply (rejects when the connection is gone). */
  async request(req: ClientRequest): Promise<Reply> {
    const { opcode, body } = encodeRequest(req);
    const r = await this.send(opcode, body);
    const decoded = decodeReplyBody(opcode, r.err, r.body);
    if (!decoded.ok) throw new Error(`undecodable reply to opcode ${opcode}: ${decoded.error.message}`);
    return { err: r.err, zxid: r.zxid, ...(decoded.value === undefined ? {} : { body: decoded.value }) };
  }

  /** Sends one frame, timing it until its reply (replies come in request order). */
  private async send(opcode: number, body?: Uint8Array): Promise<Awaited<ReturnType<WireClient["request"]>>> {
    this.outstanding.push(Date.now());
    try {
      return await this.client.request(opcode, body);
    } finally {
      this.outstanding.shift();
    }
  }

  /** Closes the session (its ephemerals go at once). */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    clearInterval(this.watchdog);
    await this.client.close();
  }
}
