/**
 * A Kafka node in KRaft mode as one pure state machine: `step(node, input) → { state, outputs }`.
 *
 * Composition, not new protocol logic. The KRaft replica (voter for controllers, observer for brokers) replicates
 * the metadata log; committed entries are reassembled into controller batches (`assembleEntry`) and fed to the
 * quorum controller (which replays them as a standby, so it holds the whole image when it takes over) and to the
 * broker's image. Leadership of the quorum becomes controller activation once the epoch's LeaderChange record has
 * committed (Kafka's `handleLeaderChange` → `claim`), and is renounced the moment the quorum role or epoch moves
 * (`renounce`). Batches the controller writes are framed one record per entry (`frameBatch`) and appended.
 * Brokers register with the active controller (the quorum leader they fetch from) and heartbeat to it.
 */
import * as kraft from "../kraft/index.js";
import * as md from "../metadata/index.js";
import type { ControllerInput, ControllerRequest, ControllerResponse } from "../metadata/index.js";
import { KafkaNodeConfigError } from "./types.js";
import type { KafkaNode, KafkaNodeConfig, NodeId, NodeInput, NodeMessage, NodeOutput, ResolvedNodeConfig } from "./types.js";

/** Result of {@link step}. */
export interface NodeStepResult {
  readonly state: KafkaNode;
  readonly outputs: NodeOutput[];
}

type Draft = { -readonly [K in keyof KafkaNode]: KafkaNode[K] };
interface Ctx {
  readonly n: Draft;
  readonly out: NodeOutput[];
}

/** Kafka's `retry.backoff.ms`: a refused registration or heartbeat is retried after this. */
const RETRY_BACKOFF_MS = 100;

const ROLES = new Set(["controller", "broker", "combined"]);

/** Applies defaults and validates; throws {@link KafkaNodeConfigError}. */
export function resolveNodeConfig(c: KafkaNodeConfig): ResolvedNodeConfig {
  const fail = (m: string): never => {
    throw new KafkaNodeConfigError(`${m}; fix the node config`);
  };
  if (c === null || typeof c !== "object") fail("config must be an object");
  if (!Number.isSafeInteger(c.id) || c.id < 0) fail(`id must be a non-negative integer, got ${String(c.id)}`);
  if (!ROLES.has(c.role)) fail(`role must be controller, broker or combined, got ${String(c.role)}`);
  if (!Array.isArray(c.voters) || c.voters.length === 0) fail("voters must be a non-empty array of node ids");
  const isVoter = c.voters.includes(c.id);
  if (c.role === "broker" && isVoter) fail(`node ${c.id} is a broker but listed among the voters`);
  if (c.role !== "broker" && !isVoter) fail(`node ${c.id} has role ${c.role} but is not among the voters [${c.voters.join(",")}]`);
  const tickMs = c.tickMs ?? 50;
  const heartbeatIntervalMs = c.heartbeatIntervalMs ?? 2000;
  const requestTimeoutMs = c.requestTimeoutMs ?? 2000;
  for (const [k, v] of [["tickMs", tickMs], ["heartbeatIntervalMs", heartbeatIntervalMs], ["requestTimeoutMs", requestTimeoutMs]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) fail(`${k} must be a positive integer, got ${String(v)}`);
  }
  const snapshotEveryEntries = c.snapshotEveryEntries ?? 0;
  if (!Number.isSafeInteger(snapshotEveryEntries) || snapshotEveryEntries < 0) fail(`snapshotEveryEntries must be a non-negative integer`);
  const incarnation = c.incarnation ?? 0;
  if (!Number.isSafeInteger(incarnation) || incarnation < 0) fail(`incarnation must be a non-negative integer`);
  const leadershipNotice = c.leadershipNotice ?? "after-each-step";
  if (leadershipNotice !== "after-each-step" && leadershipNotice !== "on-input") fail(`leadershipNotice must be "after-each-step" or "on-input"`);
  return {
    id: c.id,
    role: c.role,
    voters: [...c.voters],
    seed: c.seed,
    incarnation,
    tickMs,
    heartbeatIntervalMs,
    requestTimeoutMs,
    snapshotEveryEntries,
    leadershipNotice,
    quorum: { ...c.quorum, id: c.id, voters: [...c.voters], seed: c.seed, tickMs },
    controller: { heartbeatIntervalMs, ...c.controller, nodeId: c.id, tickMs, seed: c.seed },
  };
}

/**
 * Boots a node: fresh, or restarting from what its storage made durable. Every in-memory structure (images,
 * controller) starts empty and is rebuilt by replaying the committed log, as Kafka does at startup.
 * @throws KafkaNodeConfigError, KRaftConfigError, MetadataError on bad configuration or corrupt storage
 */
export function createNode(config: KafkaNodeConfig, persisted?: kraft.PersistedState): KafkaNode {
  const cfg = resolveNodeConfig(config);
  const quorum = kraft.createKRaft(cfg.quorum, persisted);
  const isController = cfg.role !== "broker";
  const isBroker = cfg.role !== "controller";
  return {
    config: cfg,
    nowMs: 0,
    quorum,
    controller: isController ? md.initController(cfg.controller) : null,
    broker: isBroker ? md.initBroker(cfg.id) : null,
    lifecycle: isBroker ? { incarnationId: `node-${cfg.id}-incarnation-${cfg.incarnation}`, brokerEpoch: -1, fenced: true, inflight: null, nextHeartbeatMs: 0 } : null,
    assembler: null,
    served: new Map(),
    nextRequestId: 1,
    applied: kraft.startOffset(quorum),
    snapshotAt: kraft.startOffset(quorum),
  };
}

function emit(ctx: Ctx, what: string): void {
  ctx.out.push({ type: "event", what });
}

/** Runs the quorum replica on one input and routes what it produces. */
function runQuorum(ctx: Ctx, input: kraft.Input): kraft.Output[] {
  const r = kraft.step(ctx.n.quorum, input);
  const fatal = r.outputs.find((o) => o.type === "rejected" && (o.reason === "truncate-below-high-watermark" || o.reason === "two-leaders-in-epoch"));
  if (fatal !== undefined) {
    // A safety rule would break (Kafka stops the raft client): the quorum state is unchanged; report it.
    ctx.out.push({ type: "error", detail: `quorum: ${fatal.type === "rejected" ? fatal.detail : ""}` });
    return [];
  }
  ctx.n.quorum = r.state;
  for (const o of r.outputs) {
    switch (o.type) {
      case "send":
        ctx.out.push({ type: "send", message: { kind: "quorum", from: ctx.n.config.id, to: o.message.to, message: o.message } });
        break;
      case "persist":
        ctx.out.push({ type: "persist", write: o });
        break;
      case "commit":
        for (const e of o.entries) if (e.kind === "data") deliverEntry(ctx, e);
        if (o.entries.length > 0) applied(ctx, (o.entries[o.entries.length - 1] as kraft.Entry).offset + 1);
        break;
      case "load-snapshot":
        loadSnapshot(ctx, o.snapshot.data);
        ctx.n.applied = o.snapshot.id.endOffset;
        ctx.n.snapshotAt = o.snapshot.id.endOffset;
        break;
      case "role-change":
        if (ctx.n.config.role !== "broker" || o.role === "follower") {
          emit(ctx, `quorum: ${o.role}${o.leaderId >= 0 ? ` (leader ${o.leaderId})` : ""} in epoch ${o.epoch}`);
        }
        break;
      default:
        break;
    }
  }
  return r.outputs;
}

/** Everything below `offset` reached the images: tell the quorum, and snapshot at a batch boundary when due. */
function applied(ctx: Ctx, offset: number): void {
  ctx.n.applied = offset;
  runQuorum(ctx, { type: "applied", offset });
  const every = ctx.n.config.snapshotEveryEntries;
  if (every === 0 || ctx.n.assembler !== null || offset - ctx.n.snapshotAt < every) return;
  const image = ctx.n.controller?.committed ?? (ctx.n.broker as md.BrokerState).image;
  ctx.n.snapshotAt = offset;
  runQuorum(ctx, { type: "create-snapshot", endOffset: offset, data: md.encodeSnapshot(image) });
}

function deliverEntry(ctx: Ctx, e: kraft.DataEntry): void {
  let r;
  try {
    r = md.assembleEntry(ctx.n.assembler, e.offset, e.epoch, e.data);
  } catch (err) {
    ctx.n.assembler = null;
    ctx.out.push({ type: "error", detail: `metadata log entry ${e.offset}: ${(err as Error).message}` });
    return;
  }
  ctx.n.assembler = r.state;
  if (r.batch === null) return;
  const input = { type: "commit", baseOffset: r.batch.baseOffset, epoch: r.batch.epoch, records: r.batch.records } as const;
  if (ctx.n.controller !== null) feedController(ctx, input);
  if (ctx.n.broker !== null) {
    const b = md.brokerStep(ctx.n.broker, input);
    ctx.n.broker = b.state;
    for (const o of b.outputs) if (o.type === "rejected") ctx.out.push({ type: "error", detail: `broker image: ${o.detail}` });
  }
}

function loadSnapshot(ctx: Ctx, data: Uint8Array): void {
  ctx.n.assembler = null;
  if (data.length === 0) return;
  let offset: number;
  try {
    offset = md.decodeSnapshot(data).offset;
  } catch (e) {
    ctx.out.push({ type: "error", detail: `metadata snapshot: ${(e as Error).message}` });
    return;
  }
  // The snapshot may end past our log only by control records or a batch head that never completed: our
  // images already hold everything it holds (committed records never diverge).
  const current = ctx.n.controller?.committed.offset ?? (ctx.n.broker as md.BrokerState).image.offset;
  if (offset <= current) return;
  if (ctx.n.controller !== null) feedController(ctx, { type: "load-snapshot", snapshot: data });
  if (ctx.n.broker !== null) {
    const b = md.brokerStep(ctx.n.broker, { type: "load-snapshot", snapshot: data });
    ctx.n.broker = b.state;
    for (const o of b.outputs) if (o.type === "rejected") ctx.out.push({ type: "error", detail: `broker snapshot: ${o.detail}` });
  }
}

/** Feeds the local controller and carries out what it asks: appends to the quorum, replies to requesters. */
function feedController(ctx: Ctx, input: ControllerInput): void {
  const c = ctx.n.controller;
  /* c8 ignore next */
  if (c === null) return;
  const r = md.step(c, input);
  ctx.n.controller = r.state;
  if (input.type === "commit" && c.active !== null && r.state.active === null) {
    // Only with a deferred leadership notice: the log showed another leader's batch before the notice came.
    emit(ctx, `controller: standby (a committed batch of epoch ${input.epoch} at offset ${input.baseOffset} came before the leadership notice)`);
  }
  for (const o of r.outputs) {
    if (o.type === "append") {
      const outs = runQuorum(ctx, { type: "append", records: md.frameBatch(o.records) });
      const appended = outs.find((x) => x.type === "appended");
      if (appended === undefined || appended.type !== "appended" || appended.baseOffset !== o.baseOffset || appended.epoch !== o.epoch) {
        // The quorum refused the batch or put it elsewhere: this controller is not the leader it thought it was.
        renounce(ctx, `append of ${o.records.length} records at ${o.baseOffset} was refused by the quorum`);
      }
    } else if (o.type === "reply") {
      reply(ctx, o.id, o.response);
    } else {
      ctx.out.push({ type: "error", detail: `controller: ${o.detail}` });
    }
  }
}

function renounce(ctx: Ctx, why: string): void {
  const c = ctx.n.controller;
  if (c === null || c.active === null) return;
  emit(ctx, `controller: renounced leadership of epoch ${c.active.epoch}: ${why}`);
  feedController(ctx, { type: "lost-leadership", epoch: kraft.epoch(ctx.n.quorum) });
  // Kafka resigns the quorum epoch when its controller fails, so another voter can take over.
  if (kraft.role(ctx.n.quorum) === "leader") runQuorum(ctx, { type: "resign" });
}

function reply(ctx: Ctx, localId: number, response: ControllerResponse): void {
  const s = ctx.n.served.get(localId);
  if (s === undefined) return;
  const served = new Map(ctx.n.served);
  served.delete(localId);
  ctx.n.served = served;
  if (s.from === -1) ctx.out.push({ type: "admin-reply", id: s.id, response, epoch: kraft.epoch(ctx.n.quorum) });
  else sendMessage(ctx, { kind: "controller-response", from: ctx.n.config.id, to: s.from, id: s.id, response });
}

function sendMessage(ctx: Ctx, message: NodeMessage): void {
  ctx.out.push({ type: "send", message });
}

function serve(ctx: Ctx, from: NodeId, id: number, request: ControllerRequest): void {
  if (ctx.n.controller === null) {
    const response: ControllerResponse = { type: "Error", errorCode: "NOT_CONTROLLER", message: `node ${ctx.n.config.id} is a broker; send controller requests to the quorum leader` };
    if (from === -1) ctx.out.push({ type: "admin-reply", id, response, epoch: kraft.epoch(ctx.n.quorum) });
    else sendMessage(ctx, { kind: "controller-response", from: ctx.n.config.id, to: from, id, response });
    return;
  }
  const local = ctx.n.nextRequestId;
  ctx.n.nextRequestId = local + 1;
  const served = new Map(ctx.n.served);
  served.set(local, { from, id });
  ctx.n.served = served;
  feedController(ctx, { type: "request", id: local, request });
}

/** Quorum leadership → controller activation; losing it → renounce. Kafka: QuorumMetaLogListener.handleLeaderChange. */
function syncLeadership(ctx: Ctx): void {
  const c = ctx.n.controller;
  if (c === null) return;
  const q = ctx.n.quorum;
  const epoch = kraft.epoch(q);
  const leads = kraft.role(q) === "leader";
  if (c.active !== null && (!leads || c.active.epoch !== epoch)) {
    emit(ctx, `controller: standby (quorum ${kraft.role(q)} in epoch ${epoch})`);
    feedController(ctx, { type: "lost-leadership", epoch });
    return;
  }
  // Claim once the epoch's LeaderChange record committed: every earlier record has then been delivered.
  if (leads && c.active === null && epoch > c.epoch && kraft.highWatermark(q) > kraft.epochStartOffset(q)) {
    feedController(ctx, { type: "became-leader", epoch, nextOffset: kraft.endOffset(q) });
    const now = ctx.n.controller;
    if (now !== null && now.active !== null) {
      emit(ctx, `controller: active in epoch ${epoch}, image at offset ${now.committed.offset} already in memory`);
    }
  }
}

/** The broker's session: register with the active controller, then heartbeat. Kafka: BrokerLifecycleManager. */
function brokerTick(ctx: Ctx): void {
  const l = ctx.n.lifecycle;
  const b = ctx.n.broker;
  if (l === null || b === null) return;
  const now = ctx.n.nowMs;
  let inflight = l.inflight;
  if (inflight !== null && now - inflight.sentMs >= ctx.n.config.requestTimeoutMs) inflight = null;
  if (inflight !== null) {
    if (inflight !== l.inflight) ctx.n.lifecycle = { ...l, inflight };
    return;
  }
  const leader = kraft.leader(ctx.n.quorum);
  if (leader < 0 || now < l.nextHeartbeatMs) {
    if (inflight !== l.inflight) ctx.n.lifecycle = { ...l, inflight };
    return;
  }
  const id = ctx.n.nextRequestId;
  ctx.n.nextRequestId = id + 1;
  const request: ControllerRequest =
    l.brokerEpoch < 0
      ? { type: "BrokerRegistration", brokerId: ctx.n.config.id, incarnationId: l.incarnationId }
      : { type: "BrokerHeartbeat", brokerId: ctx.n.config.id, brokerEpoch: l.brokerEpoch, currentMetadataOffset: b.image.offset, wantFence: false, wantShutDown: false };
  ctx.n.lifecycle = { ...l, inflight: { id, to: leader, sentMs: now } };
  sendMessage(ctx, { kind: "controller-request", from: ctx.n.config.id, to: leader, id, request });
}

function onControllerResponse(ctx: Ctx, id: number, response: ControllerResponse): void {
  const l = ctx.n.lifecycle;
  if (l === null || l.inflight === null || l.inflight.id !== id) return;
  const now = ctx.n.nowMs;
  const done = { ...l, inflight: null };
  if (response.type === "BrokerRegistration" && response.errorCode === "NONE") {
    ctx.n.lifecycle = { ...done, brokerEpoch: response.brokerEpoch, nextHeartbeatMs: now };
    emit(ctx, `broker: registered with broker epoch ${response.brokerEpoch}`);
  } else if ((response.type === "BrokerHeartbeat" || response.type === "ControlledShutdown") && response.errorCode === "NONE") {
    if (response.isFenced !== l.fenced) emit(ctx, `broker: ${response.isFenced ? "fenced" : "unfenced"} by the controller`);
    ctx.n.lifecycle = { ...done, fenced: response.isFenced, nextHeartbeatMs: l.inflight.sentMs + ctx.n.config.heartbeatIntervalMs };
  } else if (response.errorCode === "STALE_BROKER_EPOCH" || response.errorCode === "BROKER_ID_NOT_REGISTERED") {
    emit(ctx, `broker: ${response.errorCode}, registering again`);
    ctx.n.lifecycle = { ...done, brokerEpoch: -1, fenced: true };
  } else {
    // NOT_CONTROLLER, a duplicate registration while the old session lives, …: retry after the heartbeat interval.
    ctx.n.lifecycle = { ...done, nextHeartbeatMs: now + RETRY_BACKOFF_MS };
  }
}

function onMessage(ctx: Ctx, m: NodeMessage): void {
  if (m === null || typeof m !== "object" || m.to !== ctx.n.config.id) {
    ctx.out.push({ type: "error", detail: `message not addressed to node ${ctx.n.config.id}: ${JSON.stringify(m)?.slice(0, 120)}` });
    return;
  }
  switch (m.kind) {
    case "quorum":
      runQuorum(ctx, { type: "message", message: m.message });
      return;
    case "controller-request":
      serve(ctx, m.from, m.id, m.request);
      return;
    case "controller-response":
      onControllerResponse(ctx, m.id, m.response);
      return;
    default:
      ctx.out.push({ type: "error", detail: `unknown message kind ${String((m as { kind: unknown }).kind)}` });
  }
}

/**
 * Advances a node by one input. Pure: `node` is not modified.
 * @returns the next node and its outputs, in order (a `persist` must be durable before later `send`s leave)
 */
export function step(node: KafkaNode, input: NodeInput): NodeStepResult {
  const ctx: Ctx = { n: { ...node }, out: [] };
  switch (input?.type) {
    case "tick":
      ctx.n.nowMs = node.nowMs + node.config.tickMs;
      runQuorum(ctx, { type: "tick" });
      if (node.config.leadershipNotice === "after-each-step") syncLeadership(ctx);
      if (ctx.n.controller !== null) feedController(ctx, { type: "tick" });
      brokerTick(ctx);
      break;
    case "timeout":
      for (const o of runQuorum(ctx, { type: "timeout", timer: input.timer })) {
        if (o.type === "rejected") ctx.out.push({ type: "rejected", reason: o.reason === "no-such-timer" ? "no-such-timer" : "malformed-input", detail: `quorum: ${o.detail}` });
      }
      break;
    case "message":
      onMessage(ctx, input.message);
      break;
    case "leadership-notice":
      syncLeadership(ctx);
      break;
    case "persisted":
      runQuorum(ctx, { type: "persisted", endOffset: input.endOffset, epoch: input.epoch });
      break;
    case "admin":
      serve(ctx, -1, input.id, input.request);
      break;
    default:
      ctx.out.push({ type: "rejected", reason: "malformed-input", detail: `unknown input ${JSON.stringify(input)?.slice(0, 80)}` });
      return { state: node, outputs: ctx.out };
  }
  if (node.config.leadershipNotice === "after-each-step") syncLeadership(ctx);
  return { state: ctx.n, outputs: ctx.out };
}
