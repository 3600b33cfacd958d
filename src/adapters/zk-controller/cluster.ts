/**
 * A Kafka cluster in ZooKeeper mode on the deterministic simulator: every broker runs the `zk-controller` core
 * and the ZooKeeper-mode broker core, all of them clients of one ZooKeeper service — quorate's ZooKeeper tree
 * (`zkCore`) on real znodes, served in FIFO order with the ensemble's service time per request. Time is
 * simulated; costs come from {@link ZkModeTiming}. With `check`, every invariant of
 * `src/check/invariants/zk-controller.ts` is checked after every event.
 * @module
 */
import {
  createZkBroker, createZkController, encodeAssignment, encodePartitionState, parsePartitionState, partitionKey, partitionStatePath,
  stepZkBroker, stepZkController, topicPath, BROKER_IDS_PATH,
} from "../../core/zk-controller/index.js";
import type { BrokerRequest, ZkBrokerState, ZkControllerInput, ZkControllerState, ZkRequest } from "../../core/zk-controller/index.js";
import { fromUtf8, getNode, zkCore } from "../../core/zk/index.js";
import type { WriteRequest, ZkReplica } from "../../core/zk/index.js";
import { createRequest as create, fromReply, isRead, toRead, toWrite, type ReplyFields } from "./zk-ops.js";
import { checkConverged, checkZkModeEvent, createZkModeMemory } from "../../check/invariants/zk-controller.js";
import type { Leadership, ZkModeView, ZkModeViolation } from "../../check/invariants/zk-controller.js";
import { EventHeap } from "./heap.js";
import { ZK_MODE_DEFAULT_TIMING, type ZkModeTiming } from "./timing.js";

/** Options of a ZooKeeper-mode cluster. */
export interface ZkModeClusterOptions {
  readonly brokers: number;
  readonly partitions: number;
  /** Partitions per topic (the last topic may have fewer). Default 100. */
  readonly partitionsPerTopic?: number;
  readonly timing?: ZkModeTiming;
  /** Check every invariant after every event (tests; O(partitions) per event). */
  readonly check?: boolean;
  /** Test hook for mutants: rewrites each ZooKeeper request a controller sends (e.g. drops the epoch check). */
  readonly rewriteZkRequest?: (broker: number, request: ZkRequest) => ZkRequest;
}

type SimEvent =
  | { readonly kind: "controller"; readonly broker: number; readonly input: ZkControllerInput; readonly records: number }
  | { readonly kind: "zk"; readonly broker: number; readonly session: number; readonly xid: number; readonly request: ZkRequest }
  | { readonly kind: "expire"; readonly broker: number; readonly session: number }
  | { readonly kind: "broker"; readonly broker: number; readonly from: number; readonly request: BrokerRequest }
  | { readonly kind: "shutdown-reply"; readonly broker: number; readonly remaining: number }
  | { readonly kind: "reconnect"; readonly broker: number };

/** Counters of one run. */
export interface ZkModeCounts {
  zkReads: number;
  zkWrites: number;
  brokerRequests: number;
  brokerRecords: number;
  events: number;
}

const SETUP_SESSION = 1;

/** The cluster. Broker ids are 1..brokers; replicas of partition i are brokers i, i+1, i+2 (mod brokers). */
export class ZkModeCluster {
  readonly timing: ZkModeTiming;
  readonly brokerIds: readonly number[];
  readonly keys: string[] = [];
  readonly violations: ZkModeViolation[] = [];
  readonly timeline: { t_ms: number; what: string }[] = [];
  readonly counts: ZkModeCounts = { zkReads: 0, zkWrites: 0, brokerRequests: 0, brokerRecords: 0, events: 0 };
  now = 0;
  /** When a broker last applied a controller request. */
  lastBrokerApply = 0;
  private zk: ZkReplica = zkCore.create({});
  private zxid = 0;
  private nextSession = 100;
  private readonly heap = new EventHeap<SimEvent>();
  private readonly controllers = new Map<number, ZkControllerState>();
  private readonly brokers = new Map<number, ZkBrokerState>();
  private readonly sessions = new Map<number, number>();
  private readonly sessionOwner = new Map<number, number>();
  private readonly alive = new Set<number>();
  private readonly busyUntil = new Map<string, number>();
  private zkFree = 0;
  private readonly memory = createZkModeMemory();
  private sent: { controller: number; epoch: number }[] = [];
  private readonly check: boolean;
  private shutdownReplies = new Map<number, number>();
  private readonly rewrite: ((broker: number, request: ZkRequest) => ZkRequest) | undefined;

  constructor(options: ZkModeClusterOptions) {
    this.timing = options.timing ?? ZK_MODE_DEFAULT_TIMING;
    this.check = options.check ?? false;
    this.rewrite = options.rewriteZkRequest;
    this.brokerIds = Array.from({ length: options.brokers }, (_, i) => i + 1);
    this.populate(options.partitions, options.partitionsPerTopic ?? 100);
  }

  /** Writes the znodes of an existing cluster (untimed): topics, assignments, partition states led by their first replica. */
  private populate(partitions: number, perTopic: number): void {
    this.txn(SETUP_SESSION, { type: "createSession", sessionId: SETUP_SESSION, password: "setup", timeoutMs: this.timing.sessionTimeoutMs });
    for (const p of ["/brokers", BROKER_IDS_PATH, "/brokers/topics"]) this.txn(SETUP_SESSION, create(p, "", false));
    const n = this.brokerIds.length;
    for (let first = 0, t = 0; first < partitions; first += perTopic, t++) {
      const topic = `t${t}`;
      const count = Math.min(perTopic, partitions - first);
      const assignment = Array.from({ length: count }, (_, p) => [0, 1, 2].map((k) => this.brokerIds[(first + p + k) % n]!));
      this.txn(SETUP_SESSION, create(topicPath(topic), encodeAssignment(assignment), false));
      this.txn(SETUP_SESSION, create(`${topicPath(topic)}/partitions`, "", false));
      assignment.forEach((replicas, p) => {
        this.txn(SETUP_SESSION, create(`${topicPath(topic)}/partitions/${p}`, "", false));
        const state = { topic, partition: p, replicas, leader: replicas[0]!, leaderEpoch: 0, isr: replicas, controllerEpoch: 0 };
        this.txn(SETUP_SESSION, create(partitionStatePath(topic, p), encodePartitionState(state), false));
        this.keys.push(partitionKey(topic, p));
      });
    }
    this.txn(SETUP_SESSION, { type: "closeSession" });
  }

  /** Starts every broker: session, ephemeral registration (untimed), then every controller's election at `now`. */
  startAll(): void {
    for (const id of this.brokerIds) {
      this.openSession(id);
      this.brokers.set(id, createZkBroker({ brokerId: id }));
      this.controllers.set(id, createZkController({ brokerId: id, maxInFlight: this.timing.maxInFlight }));
      this.alive.add(id);
    }
    for (const id of this.brokerIds) this.deliver(id, { type: "start" }, this.now, 1);
  }

  private openSession(id: number): { session: number; type: string; path: string }[] {
    const session = this.nextSession++;
    this.txn(session, { type: "createSession", sessionId: session, password: "pw", timeoutMs: this.timing.sessionTimeoutMs });
    const registered = this.txn(session, create(`${BROKER_IDS_PATH}/${id}`, JSON.stringify({ version: 5, host: "127.0.0.1", port: 9092 }), true));
    this.sessions.set(id, session);
    this.sessionOwner.set(session, id);
    return registered.notifications;
  }

  /**
   * Broker `id` pauses past its session (a long GC): ZooKeeper expires the session now, the broker reconnects
   * with a new session and registers again, and its controller component is not told — Kafka's zombie
   * controller, which only the `/controller_epoch` check on every write stops.
   */
  pauseBeyondSession(id: number): void {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.timeline.push({ t_ms: this.now, what: `broker ${id} pauses beyond its session timeout` });
    this.heap.push(this.now, { kind: "expire", broker: id, session });
    this.heap.push(this.now + 1, { kind: "reconnect", broker: id });
  }

  /** The active controller's broker id, or −1. */
  activeController(): number {
    for (const [id, c] of this.controllers) if (this.alive.has(id) && c.role === "active") return id;
    return -1;
  }

  /** The controller state of broker `id` (read-only use). */
  controller(id: number): ZkControllerState | undefined {
    return this.controllers.get(id);
  }

  /** Kills broker `id` (kill -9): it stops at once; ZooKeeper expires its session after the session timeout. */
  crash(id: number): void {
    this.alive.delete(id);
    this.timeline.push({ t_ms: this.now, what: `broker ${id} crashes` });
    const session = this.sessions.get(id);
    if (session !== undefined) this.heap.push(this.now + this.timing.sessionTimeoutMs, { kind: "expire", broker: id, session });
  }

  /** Asks the active controller to move leadership off broker `id`; the broker stops once the controller answered. */
  controlledShutdown(id: number, via?: number): void {
    const active = via ?? this.activeController();
    this.timeline.push({ t_ms: this.now, what: `broker ${id} asks controller ${active} for a controlled shutdown` });
    this.heap.push(this.now + this.timing.networkOneWayMs, { kind: "controller", broker: active, input: { type: "controlled-shutdown", broker: id, correlationId: 1 }, records: 1 });
  }

  /** Runs until nothing is pending or `untilMs` passes. Returns false when stopped by the limit. */
  run(untilMs = Number.POSITIVE_INFINITY): boolean {
    for (;;) {
      const next = this.heap.pop();
      if (next === undefined) return true;
      if (next.t > untilMs) {
        this.heap.push(next.t, next.ev);
        this.now = untilMs;
        return false;
      }
      this.now = Math.max(this.now, next.t);
      this.counts.events++;
      this.handle(next.ev);
      if (this.check) this.checkEvent();
    }
  }

  /** Invariant violations of the converged state (every live broker's cache equals ZooKeeper). */
  converged(): ZkModeViolation[] {
    return checkConverged(this.view());
  }

  /** Partition states as the znodes hold them. */
  zookeeperStates(): Map<string, Leadership> {
    const out = new Map<string, Leadership>();
    for (const key of this.keys) {
      const at = key.lastIndexOf("/");
      const node = getNode(this.zk.tree, partitionStatePath(key.slice(0, at), Number(key.slice(at + 1))));
      const parsed = node?.data == null ? undefined : parsePartitionState(fromUtf8(node.data));
      if (parsed !== undefined) out.set(key, parsed);
    }
    return out;
  }

  /** Live brokers' metadata caches. */
  brokerCaches(): Map<number, Map<string, Leadership>> {
    const out = new Map<number, Map<string, Leadership>>();
    for (const [id, b] of this.brokers) if (this.alive.has(id)) out.set(id, b.cache);
    return out;
  }

  private view(): ZkModeView {
    const registered = new Set<number>([...(getNode(this.zk.tree, BROKER_IDS_PATH)?.children ?? [])].map(Number));
    const controllers = [...this.controllers].filter(([id]) => this.alive.has(id)).map(([id, c]) => ({
      id, active: c.role === "active", epoch: c.controllerEpoch, busy: c.work !== undefined || c.queue.length > 0, live: c.liveBrokers,
      leaders: new Map([...c.partitions].map(([k, e]) => [k, e.state])),
    }));
    const sent = this.sent;
    this.sent = [];
    return { zookeeper: this.zookeeperStates(), registered, controllers, brokers: this.brokerCaches(), sent };
  }

  private checkEvent(): void {
    if (this.violations.length >= 20) return;
    this.violations.push(...checkZkModeEvent(this.view(), this.memory));
  }

  private deliver(broker: number, input: ZkControllerInput, at: number, records: number): void {
    this.heap.push(at, { kind: "controller", broker, input, records });
  }

  /** Serialises work on one host: returns when it starts and sets when it ends. */
  private occupy(who: string, at: number, cost: number): number {
    const start = Math.max(at, this.busyUntil.get(who) ?? 0);
    this.busyUntil.set(who, start + cost);
    return start + cost;
  }

  private handle(ev: SimEvent): void {
    const T = this.timing;
    switch (ev.kind) {
      case "controller": {
        if (!this.alive.has(ev.broker)) return;
        const c = this.controllers.get(ev.broker)!;
        const r = stepZkController(c, ev.input);
        this.controllers.set(ev.broker, r.state);
        let records = ev.records;
        for (const o of r.outputs) if (o.type === "send") records += o.request.partitions.length;
        const done = this.occupy(`c${ev.broker}`, this.now, T.controllerCpuPerRecordMs * records);
        for (const o of r.outputs) {
          if (o.type === "zk-request") {
            const request = this.rewrite === undefined ? o.request : this.rewrite(ev.broker, o.request);
            this.heap.push(done + T.networkOneWayMs, { kind: "zk", broker: ev.broker, session: this.sessions.get(ev.broker)!, xid: o.xid, request });
          }
          else if (o.type === "send") {
            this.sent.push({ controller: ev.broker, epoch: o.request.controllerEpoch });
            this.heap.push(done + T.networkOneWayMs, { kind: "broker", broker: o.broker, from: ev.broker, request: o.request });
          } else if (o.type === "controlled-shutdown-reply") this.heap.push(done + T.networkOneWayMs, { kind: "shutdown-reply", broker: o.broker, remaining: o.partitionsRemaining.length });
          else if (o.type === "became-active") this.timeline.push({ t_ms: done, what: `broker ${ev.broker} becomes the active controller in epoch ${o.epoch}` });
          else if (o.type === "resigned") this.timeline.push({ t_ms: done, what: `controller ${ev.broker} resigns (epoch ${o.epoch})` });
        }
        return;
      }
      case "zk": {
        if (this.sessions.get(ev.broker) !== ev.session) return; // the session is gone: the request is lost with it
        const write = ev.request.op !== "getData" && ev.request.op !== "getChildren" && ev.request.op !== "exists";
        const done = this.occupy("zk", this.now, write ? T.zkWriteServiceMs : T.zkReadServiceMs);
        if (write) this.counts.zkWrites++;
        else this.counts.zkReads++;
        const { reply, notifications } = this.execute(ev.session, ev.request);
        const answered = done + (write ? T.zkWriteCommitMs : 0);
        this.deliver(ev.broker, { type: "zk-reply", xid: ev.xid, ...reply }, answered + T.networkOneWayMs, ev.request.op === "getData" && ev.request.path.split("/").length === 4 ? 1 + countPartitions(reply.data) : 1);
        this.notify(notifications, answered);
        return;
      }
      case "expire": {
        if (this.sessions.get(ev.broker) !== ev.session) return;
        const done = this.occupy("zk", this.now, T.zkWriteServiceMs);
        this.counts.zkWrites++;
        this.sessions.delete(ev.broker);
        this.sessionOwner.delete(ev.session);
        this.timeline.push({ t_ms: done, what: `ZooKeeper closes broker ${ev.broker}'s session: its ephemeral znodes go` });
        this.notify(this.txn(ev.session, { type: "closeSession" }).notifications, done + T.zkWriteCommitMs);
        return;
      }
      case "broker": {
        if (!this.alive.has(ev.broker)) return;
        const n = ev.request.partitions.length;
        const done = this.occupy(`b${ev.broker}`, this.now, T.brokerCpuPerRecordMs * Math.max(1, n));
        const r = stepZkBroker(this.brokers.get(ev.broker)!, { type: "request", from: ev.from, request: ev.request });
        this.brokers.set(ev.broker, r.state);
        this.counts.brokerRequests++;
        this.counts.brokerRecords += n;
        this.lastBrokerApply = Math.max(this.lastBrokerApply, done);
        for (const o of r.outputs) if (o.type === "response") this.deliver(ev.from, { type: "broker-response", broker: ev.broker, kind: o.kind, error: o.error }, done + T.networkOneWayMs, 1);
        return;
      }
      case "reconnect": {
        if (!this.alive.has(ev.broker)) return;
        this.timeline.push({ t_ms: this.now, what: `broker ${ev.broker} reconnects to ZooKeeper with a new session` });
        this.notify(this.openSession(ev.broker), this.now + T.zkWriteServiceMs + T.zkWriteCommitMs);
        return;
      }
      case "shutdown-reply": {
        this.shutdownReplies.set(ev.broker, ev.remaining);
        this.timeline.push({ t_ms: this.now, what: `broker ${ev.broker} stops after the controlled shutdown (${ev.remaining} partitions still led)` });
        this.alive.delete(ev.broker);
        const session = this.sessions.get(ev.broker);
        if (session !== undefined) this.heap.push(this.now + T.networkOneWayMs, { kind: "expire", broker: ev.broker, session });
        return;
      }
    }
  }

  private notify(notifications: readonly { session: number; type: string; path: string }[], done: number): void {
    for (const n of notifications) {
      const owner = this.sessionOwner.get(n.session);
      if (owner === undefined) continue;
      const event = n.type === "NodeCreated" ? "created" : n.type === "NodeDeleted" ? "deleted" : n.type === "NodeDataChanged" ? "data-changed" : "children-changed";
      this.deliver(owner, { type: "zk-watch", event, path: n.path }, done + this.timing.networkOneWayMs, 1);
    }
  }

  /** Runs a controller's request on the tree: a read, or a write transaction. */
  private execute(session: number, req: ZkRequest): { reply: ReplyFields; notifications: { session: number; type: string; path: string }[] } {
    if (isRead(req)) {
      const r = zkCore.step(this.zk, { type: "read", sessionId: session, auth: [], request: toRead(req) });
      this.zk = r.state;
      const out = r.outputs[0];
      return { reply: out?.type === "reply" ? fromReply(out.reply) : { code: "other" }, notifications: [] };
    }
    return this.txn(session, toWrite(req));
  }

  private txn(session: number, request: WriteRequest): { reply: ReplyFields; notifications: { session: number; type: string; path: string }[] } {
    const r = zkCore.step(this.zk, { type: "transaction", txn: { zxid: ++this.zxid, time: Math.floor(this.now), sessionId: session, auth: [], request } });
    this.zk = r.state;
    let reply: ReplyFields = { code: "other" };
    const notifications: { session: number; type: string; path: string }[] = [];
    for (const o of r.outputs) {
      if (o.type === "reply") reply = fromReply(o.reply, request);
      else if (o.type === "notify") notifications.push({ session: o.notification.session, type: o.notification.event.type, path: o.notification.event.path });
      else throw new Error(`ZooKeeper refused a transaction: ${o.detail}`);
    }
    return { reply, notifications };
  }
}

function countPartitions(data: string | undefined): number {
  if (data === undefined) return 0;
  let n = 0;
  for (let i = data.indexOf("]"); i >= 0; i = data.indexOf("]", i + 1)) n++;
  return n;
}
