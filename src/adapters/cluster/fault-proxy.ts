/**
 * A fault-injecting TCP proxy for one directed peer link (node A dials node B through it; the transport sends
 * A→B traffic only on connections A dialed, so cutting this proxy cuts A→B alone: a one-way partition). Modes:
 * `pass`, `drop` (every connection is cut and new ones are closed at once), `delay` (every chunk held `delayMs`,
 * in order).
 * @module
 */
import { createServer, connect, type Server, type Socket } from "node:net";

/** What the proxy does to its link. */
export type LinkMode = { readonly kind: "pass" } | { readonly kind: "drop" } | { readonly kind: "delay"; readonly delayMs: number };

/** A running proxy. */
export class FaultProxy {
  private mode: LinkMode = { kind: "pass" };
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    private readonly target: { readonly host: string; readonly port: number },
  ) {}

  /** Listens on 127.0.0.1 (a free port) and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, target);
    server.on("connection", (s) => proxy.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  /** The listen port. */
  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a !== null ? a.port : 0;
  }

  /** Changes the link's fault; `drop` cuts the connections it carries now. */
  set(mode: LinkMode): void {
    this.mode = mode;
    if (mode.kind === "drop") for (const [a, b] of this.pairs) (a.destroy(), b.destroy());
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    for (const [a, b] of this.pairs) (a.destroy(), b.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(inbound: Socket): void {
    if (this.mode.kind === "drop") {
      inbound.destroy();
      return;
    }
    const outbound = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [inbound, outbound];
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    for (const s of pair) (s.on("error", end), s.on("close", end));
    this.pipe(inbound, outbound);
    this.pipe(outbound, inbound);
  }

  /** Copies `from` to `to` under the current mode; delayed chunks keep their order. */
  private pipe(from: Socket, to: Socket): void {
    let last = 0;
    from.on("data", (chunk: Buffer) => {
      const m = this.mode;
      if (m.kind === "drop") return;
      if (m.kind === "pass" && last <= Date.now()) {
        to.write(chunk);
        return;
      }
      const due = Math.max(last, Date.now() + (m.kind === "delay" ? m.delayMs : 0));
      last = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, due - Date.now());
    });
  }
}
