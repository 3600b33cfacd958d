import type { ClientRecord, NodeId } from "../../check/invariants/index.js";
import { CLIENT_ARRIVE, CLIENT_DEADLINE, CLIENT_REPLY, CLIENT_RETRY, CLIENT_START } from "./events.js";
import type { SimHost } from "./events.js";
import type { ClientReply, ClientRequest } from "./protocol.js";

// Simulated milliseconds.
const OP_DEADLINE_MS = 1500;
const ATTEMPT_TIMEOUT_MS = 300;

/** What the client workload needs from the simulator running it. */
export interface WorkloadHost extends SimHost {
  /** Hands `request` to node `to`; false when `to` is down (the connection is refused). */
  request(to: NodeId, request: ClientRequest): boolean;
}

/** One client operation, through all its attempts. */
export interface ClientOp {
  readonly request: ClientRequest;
  readonly client: number;
  readonly invokedAt: number;
  attempt: number;
  target: NodeId;
  done: boolean;
}

/** A reply on its way back to its client. */
export interface ReplyPayload {
  readonly op: ClientOp;
  readonly reply: ClientReply;
}

/**
 * The clients: each runs one operation at a time (70% writes, 30% reads, on three keys), sends it to a node
 * and retries — at the hinted leader after a refusal, elsewhere after a timeout — until an answer or its
 * deadline. Every invocation and outcome goes to the history (the linearizability checker's input) and to the
 * observation records. Outcomes: `ok`; `fail` for a read that definitely had no effect; `info` for a write
 * whose fate is unknown at the deadline.
 */
export class ClientWorkload {
  /** Client history (invoke / ok / fail / info), in time order. */
  readonly history: ClientRecord[] = [];
  /** Each client's current operation. */
  private readonly ops: (ClientOp | undefined)[] = [];
  /** Per client: an operation invoked after the heal succeeded (liveness phase). */
  private readonly okSinceHeal: boolean[] = [];
  private opId = 0;
  private healing = false;
  private healStart = 0;

  constructor(
    private readonly host: WorkloadHost,
    private readonly clients: number,
  ) {}

  /** Schedules every client's first operation. */
  start(): void {
    for (let c = 0; c < this.clients; c++) {
      this.ops.push(undefined);
      this.okSinceHeal.push(false);
      this.host.queue.push(this.host.rng.range(0, 50), CLIENT_START, 0, c, undefined);
    }
  }

  /** The liveness phase starts now: from here on, count which clients get an operation through. */
  healed(): void {
    this.healing = true;
    this.healStart = this.host.now();
    this.okSinceHeal.fill(false);
  }

  /** Whether every client has had an operation invoked since the heal succeed. */
  allServedSinceHeal(): boolean {
    for (let c = 0; c < this.okSinceHeal.length; c++) if (!this.okSinceHeal[c]) return false;
    return true;
  }

  /** The clients still waiting for a success since the heal. */
  waitingSinceHeal(): number[] {
    return this.okSinceHeal.map((ok, c) => (ok ? -1 : c)).filter((c) => c >= 0);
  }

  /** Client `c` invokes its next operation. */
  begin(c: number): void {
    const host = this.host;
    const rng = host.rng;
    const now = host.now();
    const id = ++this.opId;
    const write = rng.chance(0.7);
    const key = `k${rng.int(3)}`;
    const request: ClientRequest = { id: id * 128 + c, f: write ? "write" : "read", key, value: write ? `v${id}` : "" };
    const op: ClientOp = { request, client: c, invokedAt: now, attempt: 0, target: host.ids[rng.int(host.ids.length)]!, done: false };
    this.ops[c] = op;
    this.record({ type: "invoke", t: now, client: c, id: request.id, f: request.f, key, value: write ? request.value : null });
    host.queue.push(now + OP_DEADLINE_MS, CLIENT_DEADLINE, 0, 0, op);
    this.sendAttempt(op);
  }

  /** An attempt reaches node `to`. A node that is down refuses the connection: the client soon tries another. */
  arrive(to: NodeId, op: ClientOp): void {
    if (op.done || this.host.request(to, op.request)) return;
    const host = this.host;
    const others = host.ids.length - 1;
    if (others > 0) {
      const k = host.rng.int(others);
      op.target = host.ids[k]! === to ? host.ids[others]! : host.ids[k]!;
    }
    host.queue.push(host.now() + host.rng.range(1, 5), CLIENT_RETRY, 0, -op.attempt, op);
  }

  /** Node `from` answers request `requestId` (an effect of its step): the reply travels back to the client. */
  reply(from: NodeId, requestId: number, reply: ClientReply): void {
    const op = this.ops[requestId % 128];
    if (op === undefined || op.request.id !== requestId || op.done) return;
    const host = this.host;
    host.queue.push(host.now() + host.rng.range(1, 5), CLIENT_REPLY, from, op.attempt, { op, reply } satisfies ReplyPayload);
  }

  /** A reply to attempt `attempt` from node `from` reaches its client. */
  replied(op: ClientOp, reply: ClientReply, attempt: number, from: NodeId): void {
    if (op.done) return;
    const host = this.host;
    const now = host.now();
    const r = op.request;
    if (reply.ok) {
      op.done = true;
      host.stats.ok++;
      if (this.healing && op.invokedAt >= this.healStart) this.okSinceHeal[op.client] = true;
      const rec: ClientRecord =
        r.f === "write"
          ? { type: "ok", t: now, client: op.client, id: r.id, f: "write", key: r.key, value: r.value, index: reply.index ?? 0, term: reply.term ?? 0, node: from }
          : { type: "ok", t: now, client: op.client, id: r.id, f: "read", key: r.key, value: reply.value ?? null, index: reply.index ?? 0, node: from };
      this.record(rec);
      op.target = from;
      this.next(op.client);
      return;
    }
    if (r.f === "read" && attempt === op.attempt && reply.reason !== "not-leader") {
      // A read refused for any reason other than leadership had no effect: a definite failure.
      op.done = true;
      host.stats.fail++;
      this.record({ type: "fail", t: now, client: op.client, id: r.id, f: "read", key: r.key, value: null, node: from });
      this.next(op.client);
      return;
    }
    // Refused (not the leader, or dropped): retry soon, at the hinted leader when there is one.
    op.target = reply.leaderHint !== undefined && reply.leaderHint !== 0 ? reply.leaderHint : host.ids[host.rng.int(host.ids.length)]!;
    host.queue.push(now + host.rng.range(5, 30), CLIENT_RETRY, 0, -op.attempt, op);
  }

  /** A retry timer fires: `attempt` > 0 after a timeout, < 0 (negated) after a refusal. */
  retry(op: ClientOp, attempt: number): void {
    if (op.done) return;
    if (attempt > 0) {
      // The attempt timed out: try another node.
      if (attempt !== op.attempt) return;
      op.target = this.host.ids[this.host.rng.int(this.host.ids.length)]!;
    } else if (-attempt !== op.attempt) return;
    this.sendAttempt(op);
  }

  /** The operation's deadline passed without an answer. */
  deadline(op: ClientOp): void {
    if (op.done) return;
    op.done = true;
    const host = this.host;
    const now = host.now();
    const r = op.request;
    if (r.f === "write") {
      // The write may still take effect: its outcome is unknown.
      host.stats.info++;
      this.record({ type: "info", t: now, client: op.client, id: r.id, f: "write", key: r.key, value: r.value });
    } else {
      host.stats.fail++;
      this.record({ type: "fail", t: now, client: op.client, id: r.id, f: "read", key: r.key, value: null });
    }
    this.next(op.client);
  }

  private sendAttempt(op: ClientOp): void {
    const host = this.host;
    const now = host.now();
    op.attempt++;
    host.queue.push(now + host.rng.range(1, 5), CLIENT_ARRIVE, op.target, op.attempt, op);
    host.queue.push(now + ATTEMPT_TIMEOUT_MS, CLIENT_RETRY, 0, op.attempt, op);
  }

  private next(c: number): void {
    this.host.queue.push(this.host.now() + this.host.rng.range(0, 20), CLIENT_START, 0, c, undefined);
  }

  private record(r: ClientRecord): void {
    this.history.push(r);
    this.host.record(r);
  }
}
