/**
 * Kafka's controller in ZooKeeper mode (Kafka 2.8's `KafkaController` with its `ControllerContext`, partition
 * and replica state machines) as a pure core under the one contract: a client of a ZooKeeper ensemble whose
 * outputs are ZooKeeper requests and broker RPCs, and whose inputs are replies, watch events, broker responses
 * and ticks. Events are processed one at a time, as Kafka's `ControllerEventManager` does; the ZooKeeper
 * requests of one event are pipelined, at most `maxInFlight` (10) outstanding. Every state write is a multi
 * that first checks the `/controller_epoch` version this controller registered with, so a deposed controller's
 * writes fail (Kafka's `checkedEpochWrite`). The state is updated in place.
 * @module
 */
import type { Core, StepResult } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { electLeader } from "./election.js";
import type {
  BrokerRequest, ControllerEvent, ElectionReason, PartitionState, Pending, Work, ZkControllerConfig, ZkControllerInput,
  ZkControllerOutput, ZkControllerRejectReason, ZkControllerState, ZkRequest,
} from "./types.js";
import {
  BROKER_IDS_PATH, CONTROLLER_EPOCH_PATH, CONTROLLER_PATH, TOPICS_PATH, encodeController, encodePartitionState, parseAssignment,
  parsePartitionState, partitionKey, partitionStatePath, splitKey, topicPath,
} from "./znodes.js";

type Out = ZkControllerOutput[];
type Reply = Extract<ZkControllerInput, { type: "zk-reply" }>;

/** A bad configuration given to {@link createZkController}. */
export class ZkControllerConfigError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "E_ZK_CONTROLLER_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "ZkControllerConfigError";
  }
}

/** A fresh controller component of broker `brokerId`, idle until its `start` input. */
export function createZkController(config: ZkControllerConfig): ZkControllerState {
  if (!Number.isSafeInteger(config.brokerId) || config.brokerId < 0) throw new ZkControllerConfigError(`brokerId must be a non-negative integer, got ${String(config.brokerId)}`);
  const maxInFlight = config.maxInFlight ?? 10;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) throw new ZkControllerConfigError(`maxInFlight must be a positive integer, got ${String(maxInFlight)}`);
  return {
    brokerId: config.brokerId, maxInFlight, now: 0, role: "idle", activeController: -1, controllerEpoch: 0, epochZkVersion: -1,
    liveBrokers: new Set(), shuttingDown: new Set(), partitions: new Map(), topics: new Set(), nextXid: 1, pending: new Map(),
    work: undefined, queue: [],
  };
}

function reject(state: ZkControllerState, reason: ZkControllerRejectReason, detail: string): StepResult<ZkControllerState, ZkControllerOutput> {
  return { state, outputs: [{ type: "rejected", reason, detail }] };
}

/** The single entry point. CONSUMES `state` (updated in place). Bad input leaves it as it was, with one `rejected`. */
export function stepZkController(state: ZkControllerState, input: ZkControllerInput): StepResult<ZkControllerState, ZkControllerOutput> {
  if (input === null || typeof input !== "object") return reject(state, "malformed-input", "input must be an object");
  const out: Out = [];
  switch (input.type) {
    case "start":
      if (state.role !== "idle") return reject(state, "malformed-input", "start given twice");
      enqueue(state, { kind: "elect" }, out);
      break;
    case "tick":
      if (!Number.isFinite(input.nowMs) || input.nowMs < state.now) return reject(state, "malformed-input", `tick time must be finite and not go back (now ${state.now}, got ${String(input.nowMs)})`);
      state.now = input.nowMs;
      break;
    case "timeout":
      if (input.timer !== "election") return reject(state, "no-such-timer", `no timer '${String(input.timer)}'`);
      if (state.role === "active") return reject(state, "no-such-timer", "an active controller runs no election timer");
      enqueue(state, { kind: "elect" }, out);
      break;
    case "zk-reply": {
      if (!Number.isSafeInteger(input.xid) || typeof input.code !== "string") return reject(state, "malformed-input", "a zk-reply needs an integer xid and a code");
      const pending = state.pending.get(input.xid);
      if (pending === undefined || state.work === undefined) return reject(state, "unknown-xid", `no request ${input.xid} outstanding`);
      state.pending.delete(input.xid);
      state.work.inflight--;
      onReply(state, pending, input, out);
      break;
    }
    case "zk-watch":
      if (typeof input.path !== "string" || typeof input.event !== "string") return reject(state, "malformed-input", "a zk-watch needs an event and a path");
      onWatch(state, input.event, input.path, out);
      break;
    case "session-expired":
      resign(state, out);
      if (state.role !== "idle") enqueue(state, { kind: "elect" }, out);
      break;
    case "broker-response":
      if (!Number.isSafeInteger(input.broker)) return reject(state, "malformed-input", "a broker-response needs a broker id");
      break; // Kafka logs failed responses; the next LeaderAndIsr/UpdateMetadata carries the state again.
    case "controlled-shutdown":
      if (!Number.isSafeInteger(input.broker) || !Number.isSafeInteger(input.correlationId)) return reject(state, "malformed-input", "controlled-shutdown needs integer broker and correlationId");
      if (state.role !== "active") return reject(state, "not-controller", `broker ${state.brokerId} is not the active controller`);
      enqueue(state, { kind: "controlled-shutdown", broker: input.broker, correlationId: input.correlationId }, out);
      break;
    default:
      return reject(state, "malformed-input", `unknown input type ${JSON.stringify((input as { type?: unknown }).type)}`);
  }
  pump(state, out);
  return { state, outputs: out };
}

function enqueue(s: ZkControllerState, event: ControllerEvent, out: Out): void {
  s.queue.push(event);
  if (s.work === undefined) startNext(s, out);
}

function startNext(s: ZkControllerState, out: Out): void {
  while (s.work === undefined && s.queue.length > 0) {
    const event = s.queue.shift()!;
    const work: Work = { event, stage: "", todo: [], inflight: 0, changed: new Set(), fullLeaderAndIsrFor: new Set(), stillLeaderless: new Set() };
    s.work = work;
    switch (event.kind) {
      case "elect":
        if (s.role === "active") { s.work = undefined; continue; }
        s.role = "electing";
        stage(s, "exists", { op: "exists", path: CONTROLLER_PATH, watch: true }, { for: "controller-exists" });
        break;
      case "failover":
        stage(s, "load-brokers", { op: "getChildren", path: BROKER_IDS_PATH, watch: true }, { for: "broker-ids" });
        break;
      case "broker-change":
        if (s.role !== "active") { s.work = undefined; continue; }
        stage(s, "broker-change", { op: "getChildren", path: BROKER_IDS_PATH, watch: true }, { for: "broker-ids" });
        break;
      case "topic-change":
        if (s.role !== "active") { s.work = undefined; continue; }
        stage(s, "topic-change", { op: "getChildren", path: TOPICS_PATH, watch: true }, { for: "topics" });
        break;
      case "controlled-shutdown":
        if (s.role !== "active") { s.work = undefined; continue; }
        controlledShutdown(s, event.broker, out);
        break;
    }
    pump(s, out);
    finishIfDone(s, out);
  }
}

function stage(s: ZkControllerState, name: string, request: ZkRequest, pending: Pending): void {
  s.work!.stage = name;
  s.work!.todo.push({ request, pending });
}

/** Sends queued requests while fewer than `maxInFlight` are outstanding (Kafka's `ZooKeeperClient` in-flight semaphore). */
function pump(s: ZkControllerState, out: Out): void {
  const w = s.work;
  if (w === undefined) return;
  while (w.inflight < s.maxInFlight && w.todo.length > 0) {
    const next = w.todo.shift()!;
    const xid = s.nextXid++;
    s.pending.set(xid, next.pending);
    w.inflight++;
    out.push({ type: "zk-request", xid, request: next.request });
  }
}

function finishIfDone(s: ZkControllerState, out: Out): void {
  const w = s.work;
  if (w === undefined || w.inflight > 0 || w.todo.length > 0) return;
  stageDone(s, w, out);
  if (s.work === w && w.inflight === 0 && w.todo.length === 0) {
    s.work = undefined;
    startNext(s, out);
  } else pump(s, out);
}

function onReply(s: ZkControllerState, p: Pending, r: Reply, out: Out): void {
  const w = s.work!;
  switch (p.for) {
    case "controller-exists":
      if (r.code === "ok") s.role = "standby";
      else if (r.code === "no-node") w.todo.push({ request: { op: "getData", path: CONTROLLER_EPOCH_PATH, watch: false }, pending: { for: "epoch-read" } });
      else s.role = "standby";
      break;
    case "epoch-read": {
      const created = r.code === "no-node";
      const epoch = created ? 1 : Number(r.data) + 1;
      if (!created && (r.code !== "ok" || !Number.isSafeInteger(epoch) || r.version === undefined)) {
        s.role = "standby";
        out.push({ type: "rejected", reason: "malformed-znode", detail: `${CONTROLLER_EPOCH_PATH} holds ${JSON.stringify(r.data)}` });
        break;
      }
      const epochOp: ZkRequest = created ? { op: "create", path: CONTROLLER_EPOCH_PATH, data: String(epoch), ephemeral: false } : { op: "setData", path: CONTROLLER_EPOCH_PATH, data: String(epoch), version: r.version! };
      w.todo.push({ request: { op: "multi", ops: [{ op: "create", path: CONTROLLER_PATH, data: encodeController(s.brokerId), ephemeral: true }, epochOp] }, pending: { for: "register", epoch, created } });
      break;
    }
    case "register":
      if (r.code === "ok") {
        s.role = "active";
        s.activeController = s.brokerId;
        s.controllerEpoch = p.epoch;
        s.epochZkVersion = p.created ? 0 : (r.results?.[1]?.version ?? -1);
        out.push({ type: "became-active", epoch: p.epoch });
        s.queue.unshift({ kind: "failover" }); // onControllerFailover runs before any queued event
      } else {
        s.role = "standby"; // lost the race: the exists watch on /controller stays armed
      }
      break;
    case "broker-ids":
      onBrokerIds(s, w, r, out);
      break;
    case "topics":
      onTopics(s, w, r);
      break;
    case "assignment":
      onAssignment(s, w, p.topic, r, out);
      break;
    case "state":
      onStateRead(s, w, p.key, r, out);
      break;
    case "write-state":
      onWrite(s, w, p, r, out);
      break;
  }
  finishIfDone(s, out);
}

function onBrokerIds(s: ZkControllerState, w: Work, r: Reply, out: Out): void {
  const now = new Set<number>();
  for (const c of r.children ?? []) {
    const id = Number(c);
    if (Number.isSafeInteger(id) && id >= 0) now.add(id);
    else out.push({ type: "rejected", reason: "malformed-znode", detail: `${BROKER_IDS_PATH}/${c} is not a broker id` });
  }
  if (w.event.kind === "failover") {
    s.liveBrokers = now;
    w.stage = "load-topics";
    w.todo.push({ request: { op: "getChildren", path: TOPICS_PATH, watch: true }, pending: { for: "topics" } });
    return;
  }
  const dead = [...s.liveBrokers].filter((b) => !now.has(b));
  const born = [...now].filter((b) => !s.liveBrokers.has(b));
  s.liveBrokers = now;
  for (const b of dead) s.shuttingDown.delete(b);
  for (const b of born) w.fullLeaderAndIsrFor.add(b);
  w.stage = "write";
  // onBrokerFailure: partitions the dead led are re-elected, and the dead leave every ISR; onBrokerStartup: offline partitions with a replica on a new broker come back.
  const affected: string[] = [];
  for (const [key, e] of s.partitions) {
    const st = e.state;
    if (dead.some((b) => st.leader === b || st.isr.includes(b)) || (st.leader < 0 && born.some((b) => st.replicas.includes(b)))) affected.push(key);
  }
  if (dead.length > 0 || born.length > 0) w.changed.add(""); // the live broker set changed: every broker needs UpdateMetadata
  queueElections(s, w, affected, "offline");
}

function onTopics(s: ZkControllerState, w: Work, r: Reply): void {
  const names = (r.children ?? []).filter((t) => t.length > 0 && !t.includes("/"));
  w.stage = w.event.kind === "failover" ? "load-assignments" : "topic-assignments";
  for (const t of names) {
    if (w.event.kind !== "failover" && s.topics.has(t)) continue;
    s.topics.add(t);
    w.todo.push({ request: { op: "getData", path: topicPath(t), watch: true }, pending: { for: "assignment", topic: t } });
  }
}

function onAssignment(s: ZkControllerState, w: Work, topic: string, r: Reply, out: Out): void {
  const assignment = r.code === "ok" ? parseAssignment(r.data) : undefined;
  if (assignment === undefined) {
    if (r.code === "ok") out.push({ type: "rejected", reason: "malformed-znode", detail: `${topicPath(topic)} holds no valid assignment` });
    s.topics.delete(topic);
    return;
  }
  assignment.forEach((replicas, p) => {
    const key = partitionKey(topic, p);
    if (s.partitions.has(key)) return;
    s.partitions.set(key, { state: { topic, partition: p, replicas, leader: -1, leaderEpoch: -1, isr: [], controllerEpoch: -1 }, zkVersion: -1 });
    w.todo.push({ request: { op: "getData", path: partitionStatePath(topic, p), watch: false }, pending: { for: "state", key } });
  });
}

function onStateRead(s: ZkControllerState, w: Work, key: string, r: Reply, out: Out): void {
  const entry = s.partitions.get(key);
  if (entry === undefined) return;
  if (r.code === "ok") {
    const parsed = parsePartitionState(r.data);
    if (parsed === undefined || r.version === undefined) {
      out.push({ type: "rejected", reason: "malformed-znode", detail: `state of ${key} holds ${JSON.stringify(r.data)}` });
      return;
    }
    s.partitions.set(key, { state: { ...entry.state, ...parsed }, zkVersion: r.version });
  }
  if (w.stage.endsWith("write")) queueElections(s, w, [key], w.event.kind === "controlled-shutdown" ? "controlled-shutdown" : "offline"); // a re-read after a version conflict: try again
}

function onWrite(s: ZkControllerState, w: Work, p: Extract<Pending, { for: "write-state" }>, r: Reply, out: Out): void {
  if (r.code === "ok") {
    const version = p.create ? 0 : (r.results?.[1]?.version ?? -1);
    s.partitions.set(p.key, { state: p.proposed, zkVersion: version });
    w.changed.add(p.key);
    return;
  }
  if (r.results?.[0]?.code === "bad-version" || r.results?.[0]?.code === "no-node") {
    resign(s, out); // ControllerMovedException: another controller bumped /controller_epoch
    enqueue(s, { kind: "elect" }, out);
    return;
  }
  const { topic, partition } = splitKey(p.key);
  w.todo.push({ request: { op: "getData", path: partitionStatePath(topic, partition), watch: false }, pending: { for: "state", key: p.key } });
}

/** Queues one conditional write per partition whose leader or ISR the election changes. */
function queueElections(s: ZkControllerState, w: Work, keys: Iterable<string>, reason: ElectionReason): void {
  w.stage = "write";
  for (const key of keys) {
    const e = s.partitions.get(key);
    if (e === undefined) continue;
    const why: ElectionReason = e.zkVersion < 0 ? "new" : reason;
    const proposed = electLeader(e.state, why, s.liveBrokers, s.shuttingDown, s.controllerEpoch);
    if (proposed === undefined) {
      w.stillLeaderless.add(key);
      continue;
    }
    const { topic, partition } = e.state;
    const path = partitionStatePath(topic, partition);
    const data = encodePartitionState(proposed);
    const write: ZkRequest = why === "new" ? { op: "create", path, data, ephemeral: false } : { op: "setData", path, data, version: e.zkVersion };
    w.todo.push({ request: { op: "multi", ops: [{ op: "check", path: CONTROLLER_EPOCH_PATH, version: s.epochZkVersion }, write] }, pending: { for: "write-state", key, proposed, create: why === "new" } });
  }
}

function stageDone(s: ZkControllerState, w: Work, out: Out): void {
  if (s.role !== "active" && w.event.kind !== "elect") return;
  switch (w.stage) {
    case "load-assignments":
      if (w.event.kind === "failover") {
        // onControllerFailover: UpdateMetadata with everything to every live broker, LeaderAndIsr for every replica, then elect the leaderless.
        const all = [...s.partitions.values()].map((e) => e.state);
        for (const b of sorted(s.liveBrokers)) out.push(send(s, b, { kind: "UpdateMetadata", controllerId: s.brokerId, controllerEpoch: s.controllerEpoch, liveBrokers: sorted(s.liveBrokers), partitions: all }));
        for (const b of sorted(s.liveBrokers)) w.fullLeaderAndIsrFor.add(b);
        sendLeaderAndIsr(s, w, out);
        w.fullLeaderAndIsrFor.clear();
        const leaderless = [...s.partitions].filter(([, e]) => e.state.leader < 0 || !s.liveBrokers.has(e.state.leader) || e.state.isr.some((b) => !s.liveBrokers.has(b))).map(([k]) => k);
        queueElections(s, w, leaderless, "offline");
        w.stage = "failover-write";
        if (w.todo.length === 0) sendChanges(s, w, out);
      }
      break;
    case "topic-assignments": {
      const fresh = [...s.partitions].filter(([, e]) => e.zkVersion < 0).map(([k]) => k);
      queueElections(s, w, fresh, "new");
      w.stage = "topic-write";
      if (w.todo.length === 0) sendChanges(s, w, out);
      break;
    }
    case "write":
    case "failover-write":
    case "topic-write":
      sendChanges(s, w, out);
      w.stage = "done";
      break;
    default:
      break;
  }
}

function controlledShutdown(s: ZkControllerState, broker: number, out: Out): void {
  const w = s.work!;
  s.shuttingDown.add(broker);
  const stop: { topic: string; partition: number }[] = [];
  const keys: string[] = [];
  for (const [key, e] of s.partitions) {
    if (!e.state.replicas.includes(broker) || e.state.replicas.length < 2) continue;
    if (e.state.leader !== broker) stop.push({ topic: e.state.topic, partition: e.state.partition });
    if (e.state.isr.includes(broker)) keys.push(key);
  }
  queueElections(s, w, keys, "controlled-shutdown");
  if (stop.length > 0) out.push(send(s, broker, { kind: "StopReplica", controllerId: s.brokerId, controllerEpoch: s.controllerEpoch, partitions: stop }));
}

function sendChanges(s: ZkControllerState, w: Work, out: Out): void {
  sendLeaderAndIsr(s, w, out);
  const changed = [...w.changed].filter((k) => k !== "").map((k) => s.partitions.get(k)!.state);
  if (changed.length > 0 || w.changed.has("")) {
    for (const b of sorted(s.liveBrokers)) {
      const full = w.fullLeaderAndIsrFor.has(b);
      out.push(send(s, b, { kind: "UpdateMetadata", controllerId: s.brokerId, controllerEpoch: s.controllerEpoch, liveBrokers: sorted(s.liveBrokers), partitions: full ? [...s.partitions.values()].map((e) => e.state) : changed }));
    }
  }
  if (w.event.kind === "controlled-shutdown") {
    const b = w.event.broker;
    const remaining = [...s.partitions].filter(([, e]) => e.state.leader === b && e.state.replicas.length > 1).map(([k]) => k);
    out.push({ type: "controlled-shutdown-reply", broker: b, correlationId: w.event.correlationId, partitionsRemaining: remaining });
  }
  w.changed.clear();
}

function sendLeaderAndIsr(s: ZkControllerState, w: Work, out: Out): void {
  const perBroker = new Map<number, PartitionState[]>();
  const add = (b: number, st: PartitionState): void => {
    if (!s.liveBrokers.has(b)) return;
    let list = perBroker.get(b);
    if (list === undefined) perBroker.set(b, (list = []));
    list.push(st);
  };
  for (const k of w.changed) if (k !== "") for (const b of s.partitions.get(k)!.state.replicas) add(b, s.partitions.get(k)!.state);
  for (const b of w.fullLeaderAndIsrFor) for (const e of s.partitions.values()) if (e.state.replicas.includes(b) && !w.changed.has(partitionKey(e.state.topic, e.state.partition))) add(b, e.state);
  for (const b of [...perBroker.keys()].sort((x, y) => x - y)) out.push(send(s, b, { kind: "LeaderAndIsr", controllerId: s.brokerId, controllerEpoch: s.controllerEpoch, partitions: perBroker.get(b)! }));
}

function send(_s: ZkControllerState, broker: number, request: BrokerRequest): ZkControllerOutput {
  return { type: "send", broker, request };
}

function onWatch(s: ZkControllerState, event: string, path: string, out: Out): void {
  if (path === CONTROLLER_PATH) {
    // Kafka's ControllerChangeHandler: deleted → re-elect; created/changed → re-arm (maybe resign).
    if (event === "deleted") {
      if (s.role === "active") resign(s, out);
      enqueue(s, { kind: "elect" }, out);
    } else if (s.role !== "active") enqueue(s, { kind: "elect" }, out);
    return;
  }
  if (s.role !== "active") return;
  if (path === BROKER_IDS_PATH && event === "children-changed") enqueue(s, { kind: "broker-change" }, out);
  else if (path === TOPICS_PATH && event === "children-changed") enqueue(s, { kind: "topic-change" }, out);
}

/** Drops everything this controller knew as active (Kafka's `onControllerResignation`). */
function resign(s: ZkControllerState, out: Out): void {
  if (s.role === "active") out.push({ type: "resigned", epoch: s.controllerEpoch });
  if (s.role !== "idle") s.role = "standby";
  s.activeController = -1;
  s.liveBrokers = new Set();
  s.shuttingDown = new Set();
  s.partitions = new Map();
  s.topics = new Set();
  s.pending = new Map();
  s.work = undefined;
  s.queue = [];
  s.epochZkVersion = -1;
}

function sorted(ids: Iterable<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}

/** A copy that steps independently; partition states (immutable objects) are shared. */
export function cloneZkController(s: ZkControllerState): ZkControllerState {
  const w = s.work;
  return {
    ...s, liveBrokers: new Set(s.liveBrokers), shuttingDown: new Set(s.shuttingDown), partitions: new Map(s.partitions), topics: new Set(s.topics),
    pending: new Map(s.pending), queue: [...s.queue],
    work: w === undefined ? undefined : { ...w, todo: [...w.todo], changed: new Set(w.changed), fullLeaderAndIsrFor: new Set(w.fullLeaderAndIsrFor), stillLeaderless: new Set(w.stillLeaderless) },
  };
}

/** Canonical 64-bit hash of the protocol-relevant state (the configuration's in-flight limit excluded). */
export function fingerprintZkController(s: ZkControllerState): bigint {
  const h = new Hasher().int(s.brokerId).str(s.role).int(s.activeController).int(s.controllerEpoch).int(s.epochZkVersion).num(s.now).int(s.nextXid);
  h.value(s.liveBrokers).value(s.shuttingDown).value(s.topics).value(s.partitions).value(s.pending).value(s.queue).value(s.work ?? null);
  return h.digest();
}

/** The controller core bundle. */
export const zkControllerCore: Core<ZkControllerConfig, ZkControllerState, ZkControllerInput, ZkControllerOutput> = {
  name: "zk-controller",
  create: createZkController,
  step: stepZkController,
  clone: cloneZkController,
  fingerprint: fingerprintZkController,
};
