/**
 * The replicated key-value service: a {@link RaftNode} whose application is the {@link KvMachine}, served over
 * HTTP/JSON (the etcd v3 gateway subset of `api.ts`). Writes and txns go through the log and are answered when
 * applied; reads are linearizable through ReadIndex unless `serializable`. A follower forwards a request to the
 * leader's client address (one hop), or answers 503 with the leader's id and address. Bad requests get HTTP 4xx
 * with a JSON error body; nothing a client sends throws out of a handler.
 * @module
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { RaftNode, type RaftNodeOptions, type RaftNodeStatus } from "../node/index.js";
import type { Entry, Snapshot } from "../../core/raft/index.js";
import type { TransportStats } from "../transport/index.js";
import { RequestDeadlines } from "./deadlines.js";
import { HttpServer, type Respond } from "./http-server.js";
import type { Http1Request } from "./http1.js";
import { KV_PATHS, KvRequestError, errorJson, headerJson, parseKvRequest, responseJson, type KvPath, type KvRequest } from "./api.js";
import { KvCommandError, KvMachine, KvSnapshotError, decodeCommand, encodeCommand, type Applied, type Command, type OpResult } from "./machine.js";

/** Options of {@link KvService.start}: the node's, without the application, plus the client listener. */
export interface KvServiceOptions extends Omit<RaftNodeOptions, "app"> {
  /** Client (HTTP) listen address. Port 0 picks a free one. */
  readonly client: { readonly host: string; readonly port: number };
  /** Every node's client address `host:port`, for forwarding to the leader and for hints. */
  readonly clientAddresses?: ReadonlyMap<number, string>;
  /** How long a request waits for its commit or read point before a 504. Default 5000 ms. */
  readonly requestTimeoutMs?: number;
}

const MAX_BODY_BYTES = 4 << 20;
const FORWARDED = "x-quorate-forwarded";

// gRPC status codes in etcd's error bodies.
const GRPC = { invalidArgument: 3, deadlineExceeded: 4, notFound: 5, unavailable: 14 } as const;

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** A running KV service node. */
export class KvService {
  private readonly machine = new KvMachine();
  private applied = 0;
  private node!: RaftNode;
  private server!: HttpServer;
  private readonly bootId = randomBytes(6).toString("hex");
  private seq = 0;
  private readonly writes = new Map<string, (a: Applied) => void>();
  private readonly reads = new Map<string, { ready: (index: number) => void; refused: (leader: number) => void }>();
  /** Reads whose point is known, waiting for the machine to apply up to it. */
  private waitingApply: { index: number; go: () => void }[] = [];

  private readonly clients: Map<number, string>;
  private readonly deadlines: RequestDeadlines;

  private constructor(private readonly o: KvServiceOptions) {
    this.clients = new Map(o.clientAddresses ?? []);
    this.deadlines = new RequestDeadlines(o.requestTimeoutMs ?? 5000);
  }

  /** Adds or moves a node's client address (where a follower forwards to). */
  setClientAddress(id: number, address: string): void {
    this.clients.set(id, address);
  }

  /** Starts the node (recovering from its data directory) and the HTTP listener. */
  static async start(o: KvServiceOptions): Promise<KvService> {
    const s = new KvService(o);
    s.node = await RaftNode.start({
      ...o,
      app: {
        apply: (entries, snapshot) => s.apply(entries, snapshot),
        snapshot: () => s.machine.snapshot(),
        readReady: (id, index) => s.reads.get(String(id))?.ready(index),
        rejected: (r) => {
          if (r.requestId !== undefined) s.reads.get(String(r.requestId))?.refused(r.leaderHint);
        },
      },
    });
    try {
      s.server = await HttpServer.listen({
        host: o.client.host,
        port: o.client.port,
        handle: (req, respond) => s.handle(req, respond),
        errorBody: (status, message) => JSON.stringify(errorJson(message, status >= 500 ? 13 : GRPC.invalidArgument)),
        maxBodyBytes: MAX_BODY_BYTES,
        idleMs: 30_000,
      });
    } catch (e) {
      await s.node.stop();
      throw e;
    }
    return s;
  }

  /** The client listen port. */
  get clientPort(): number {
    return this.server.port;
  }

  /** The underlying node (peer port, status, stats). */
  get raftNode(): RaftNode {
    return this.node;
  }

  /** The node's status and the store revision. */
  status(): RaftNodeStatus & { revision: number } {
    return { ...this.node.status(), revision: this.machine.revision };
  }

  /** What the peer transport dropped, and what it holds for each peer now (the `peers` field of `GET /status`). */
  peerCounters(): Pick<TransportStats, "dropped" | "queued" | "peakQueuedBytes"> {
    const t = this.node.stats().transport;
    return { dropped: t.dropped, queued: t.queued, peakQueuedBytes: t.peakQueuedBytes };
  }

  /** Stops the listener and the node. */
  async stop(): Promise<void> {
    this.deadlines.stop();
    await this.server.close();
    await this.node.stop();
  }

  private apply(entries: readonly Entry[], snapshot: Snapshot | undefined): void {
    if (snapshot !== undefined) {
      // Bad data (a bug, or damage the snapshot file's CRC did not see) stops the node with a clear error, naming the snapshot.
      try {
        if (snapshot.data.length > 0) this.machine.restore(snapshot.data);
      } catch (e) {
        throw e instanceof KvSnapshotError ? new KvSnapshotError(`snapshot at index ${snapshot.index} (term ${snapshot.term}): ${e.message}`) : e;
      }
      this.applied = snapshot.index;
    }
    for (const e of entries) {
      this.applied = e.index;
      if (e.kind !== "normal" || e.data.length === 0) continue;
      let c: Command;
      try {
        c = decodeCommand(e.data);
      } catch (err) {
        if (!(err instanceof KvCommandError)) throw err;
        continue; // not ours (every node skips it alike)
      }
      const a = this.machine.apply(c);
      this.writes.get(a.id)?.(a);
    }
    if (this.waitingApply.length > 0) {
      const due = this.waitingApply.filter((w) => w.index <= this.applied);
      this.waitingApply = this.waitingApply.filter((w) => w.index > this.applied);
      for (const w of due) w.go();
    }
  }

  private header(): { clusterId: string; memberId: number; revision: number; term: number } {
    return { clusterId: this.o.clusterId, memberId: this.o.id, revision: this.machine.revision, term: this.node.status().term };
  }

  private handle(req: Http1Request, respond: Respond): void {
    const send = (r: Reply): void => respond(r.status, JSON.stringify(r.body));
    const query = req.target.indexOf("?");
    const path = query < 0 ? req.target : req.target.slice(0, query);
    if (req.method === "GET" && path === "/status") return send({ status: 200, body: { ...this.status(), peers: this.peerCounters() } });
    if (!(KV_PATHS as readonly string[]).includes(path)) return send({ status: 404, body: errorJson(`no such endpoint ${path}`, GRPC.notFound) });
    if (req.method !== "POST") return send({ status: 405, body: errorJson(`${path} takes POST`, GRPC.invalidArgument) });
    const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString("utf8");
    let parsed: KvRequest;
    try {
      parsed = parseKvRequest(path as KvPath, body);
    } catch (e) {
      if (e instanceof KvRequestError) return send({ status: 400, body: errorJson(e.message, GRPC.invalidArgument) });
      return send({ status: 500, body: errorJson(String(e), 13) });
    }
    this.serve(parsed, req.headers.get(FORWARDED) !== undefined).then(
      (r) => (r === "forward" ? this.forward(path, body, send) : send(r)),
      (e: unknown) => send({ status: 500, body: errorJson(String(e), 13) }),
    );
  }

  /** Serves a parsed request here, or says it must go to the leader. */
  private async serve(r: KvRequest, forwarded: boolean): Promise<Reply | "forward"> {
    const st = this.node.status();
    if (r.kind === "read" && r.serializable) return { status: 200, body: responseJson(this.machine.range(r.range), this.header()) };
    if (st.role !== "leader") return forwarded || !this.canForward(st.leader) ? this.notLeader(st.leader) : "forward";
    if (r.kind === "read") {
      const point = await this.readPoint();
      if (point !== "ok") return point === "timeout" ? this.timedOut() : this.notLeader(point.leader);
      return { status: 200, body: responseJson(this.machine.range(r.range), this.header()) };
    }
    const id = `${this.o.id}.${this.bootId}.${++this.seq}`;
    const command: Command = r.kind === "txn" ? { id, type: "txn", compare: r.compare, success: r.success, failure: r.failure } : { ...r.op, id };
    const applied = await new Promise<Applied | undefined>((resolve) => {
      const finished = this.deadlines.add(() => {
        this.writes.delete(id);
        resolve(undefined);
      });
      this.writes.set(id, (a) => {
        finished();
        this.writes.delete(id);
        resolve(a);
      });
      this.node.propose(encodeCommand(command));
    });
    if (applied === undefined) return this.timedOut();
    return { status: 200, body: responseJson(applied.result as OpResult, { ...this.header(), revision: applied.revision }) };
  }

  /** Waits for a ReadIndex read point and for the machine to apply up to it. */
  private readPoint(): Promise<"ok" | "timeout" | { leader: number }> {
    const id = `r.${this.bootId}.${++this.seq}`;
    return new Promise((resolve) => {
      const finished = this.deadlines.add(() => {
        this.reads.delete(id);
        resolve("timeout");
      });
      const done = (v: "ok" | { leader: number }): void => {
        finished();
        this.reads.delete(id);
        resolve(v);
      };
      this.reads.set(id, {
        ready: (index) => (index <= this.applied ? done("ok") : this.waitingApply.push({ index, go: () => done("ok") })),
        refused: (leader) => done({ leader }),
      });
      this.node.readIndex(id);
    });
  }

  private canForward(leader: number): boolean {
    return leader > 0 && leader !== this.o.id && this.clients.get(leader) !== undefined;
  }

  private notLeader(leader: number): Reply {
    const address = leader > 0 ? this.clients.get(leader) : undefined;
    return { status: 503, body: errorJson("etcdserver: not leader", GRPC.unavailable, { leader: { id: leader, ...(address === undefined ? {} : { client: address }) } }) };
  }

  private timedOut(): Reply {
    return { status: 504, body: errorJson("etcdserver: request timed out", GRPC.deadlineExceeded) };
  }

  /** Passes the request to the leader once and relays its answer (or a 503 if the leader cannot be reached). */
  private forward(path: string, body: string, send: (r: Reply) => void): void {
    const leader = this.node.status().leader;
    const address = this.clients.get(leader);
    if (address === undefined) return send(this.notLeader(leader));
    const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
    const out = httpRequest({ host, port, path, method: "POST", headers: { "content-type": "application/json", [FORWARDED]: String(this.o.id) }, timeout: (this.o.requestTimeoutMs ?? 5000) + 1000 }, (up) => {
      const chunks: Buffer[] = [];
      up.on("data", (c: Buffer) => chunks.push(c));
      up.on("error", () => send(this.timedOut()));
      up.on("end", () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return send({ status: 502, body: errorJson("leader sent a malformed answer", GRPC.unavailable) });
        }
        send({ status: up.statusCode ?? 502, body: parsed });
      });
    });
    // Sent and then lost: the write's fate is unknown (a timeout), unlike a refused connection (not applied).
    out.on("timeout", () => out.destroy(new Error("timeout")));
    out.on("error", (e: NodeJS.ErrnoException) => send(e.code === "ECONNREFUSED" ? this.notLeader(leader) : this.timedOut()));
    out.end(body);
  }
}
