/**
 * The KV service's HTTP/1.1 server: plain TCP sockets and the pure {@link Http1Parser}, each response written
 * in one socket write. A connection's requests are served one at a time, in order (pipelined requests wait
 * for the responses before them); a request the parser refuses is answered with its status and the
 * connection closed; an idle connection is closed after `idleMs`, and one whose request does not arrive whole
 * within `requestMs` gets 408 and is closed (as node:http's `requestTimeout`: a client trickling bytes cannot
 * hold a connection for ever). Nothing a client sends throws out of it.
 * @module
 */
import * as net from "node:net";
import { Http1Parser, encodeResponse, type Http1Request } from "./http1.js";

/** Answers one request with a status and a JSON body (the first call counts; later ones are ignored). */
export type Respond = (status: number, json: string) => void;

/** Options of {@link HttpServer.listen}. */
export interface HttpServerOptions {
  readonly host: string;
  /** Port 0 picks a free one. */
  readonly port: number;
  /** Called for every request; must call `respond` exactly once, eventually. */
  readonly handle: (request: Http1Request, respond: Respond) => void;
  /** The JSON body of the answer to a request the parser refused (status 400, 413, 417, 431 or 501). */
  readonly errorBody: (status: number, message: string) => string;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** A connection with no request in progress is closed after this many ms without input. Default 30000. */
  readonly idleMs?: number;
  /** A request must arrive whole (head and body) within this many ms of its first byte, or 408. Default 60000. */
  readonly requestMs?: number;
}

/** Requests read ahead on one connection before it stops reading. */
const MAX_QUEUED = 64;

/** The `date` field, computed at most once a second. */
let dateCache = { second: -1, text: "" };
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateCache.second) dateCache = { second, text: new Date(now).toUTCString() };
  return dateCache.text;
}

/** A listening server; {@link HttpServer.close} stops it and every connection. */
export class HttpServer {
  private readonly sockets = new Set<net.Socket>();
  /** Connections part-way through receiving a request, by when its first byte arrived (one sweep, no timer each). */
  private readonly receiving = new Map<net.Socket, { since: number; expire: () => void }>();
  private sweep: NodeJS.Timeout | undefined;

  private constructor(
    private readonly server: net.Server,
    private readonly o: HttpServerOptions,
  ) {}

  /** Starts listening. */
  static async listen(o: HttpServerOptions): Promise<HttpServer> {
    // Half-open: a client that shuts down its side after its requests still gets their answers.
    const server = net.createServer({ allowHalfOpen: true });
    const s = new HttpServer(server, o);
    server.on("connection", (socket) => s.connection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", () => undefined); // after listening: nothing a client does raises one
    const requestMs = o.requestMs ?? 60_000;
    s.sweep = setInterval(() => s.expireSlowRequests(requestMs), Math.max(10, Math.min(1000, requestMs / 4)));
    s.sweep.unref();
    return s;
  }

  /** The port listened on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Closes the listener and every connection (requests in progress get no answer). */
  async close(): Promise<void> {
    if (this.sweep !== undefined) clearInterval(this.sweep);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers 408 on every connection whose request began `requestMs` ago or more and is not whole yet. */
  private expireSlowRequests(requestMs: number): void {
    const now = Date.now();
    for (const r of this.receiving.values()) if (now - r.since >= requestMs) r.expire();
  }

  private connection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.o.idleMs ?? 30_000);
    const parser = new Http1Parser({ maxBodyBytes: this.o.maxBodyBytes });
    const queue: Http1Request[] = [];
    let busy = false;
    let failed: { status: number; message: string } | undefined;
    let ended = false;
    let inputEnded = false;
    const next = (): void => {
      if (busy || ended) return;
      const request = queue.shift();
      if (request === undefined) {
        if (failed !== undefined) {
          ended = true;
          socket.end(encodeResponse(failed.status, this.o.errorBody(failed.status, failed.message), { date: httpDate(), close: true }));
        } else if (inputEnded) {
          ended = true;
          socket.end();
        }
        return;
      }
      if (socket.isPaused() && queue.length < MAX_QUEUED / 2) socket.resume();
      busy = true;
      let answered = false;
      const respond: Respond = (status, json) => {
        if (answered) return;
        answered = true;
        busy = false;
        if (socket.destroyed) return;
        const close = !request.keepAlive;
        const bytes = encodeResponse(status, json, { date: httpDate(), close, head: request.method === "HEAD" });
        if (close) {
          ended = true;
          socket.end(bytes);
          return;
        }
        socket.write(bytes);
        next();
      };
      try {
        this.o.handle(request, respond);
      } catch (e) {
        respond(500, this.o.errorBody(500, String(e)));
      }
    };
    const timedOut = (): void => {
      this.receiving.delete(socket);
      if (failed !== undefined || ended) return;
      failed = { status: 408, message: "the request did not arrive whole in time" };
      next();
    };
    socket.on("data", (chunk: Buffer) => {
      if (ended || failed !== undefined) return;
      const r = parser.push(chunk);
      for (const request of r.requests) queue.push(request);
      if (!parser.inRequest) this.receiving.delete(socket);
      else if (!this.receiving.has(socket)) this.receiving.set(socket, { since: Date.now(), expire: timedOut });
      if (r.error !== undefined) failed = { status: r.error.status, message: r.error.message };
      else if (r.expectContinue && !busy && queue.length === 0) socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      if (queue.length >= MAX_QUEUED) socket.pause();
      next();
    });
    socket.on("end", () => {
      inputEnded = true;
      next();
    });
    socket.on("timeout", () => {
      if (!busy) socket.destroy();
    });
    socket.on("error", () => undefined); // 'close' follows
    socket.on("close", () => {
      ended = true;
      this.sockets.delete(socket);
      this.receiving.delete(socket);
    });
  }
}
