/**
 * The active controller's request handlers. Each one reads the speculative image through a {@link BatchWriter},
 * emits the records its request implies (replayed immediately into the writer's delta, so later records in the
 * same batch see earlier ones) and returns the response. Kafka: ClusterControlManager, ReplicationControlManager,
 * ConfigurationControlManager and BrokerHeartbeatManager, as driven by QuorumController.
 */
import { partitionChangeFor } from "./election.js";
import type { LeaderAcceptor } from "./election.js";
import { MetadataDelta } from "./image.js";
import type { BrokerRegistration, MetadataImage } from "./image.js";
import { nextInt, placeReplicas } from "./placement.js";
import type { PrngState } from "./placement.js";
import { MAX_REPLICAS, NO_LEADER, NO_LEADER_CHANGE, isValidTopicName } from "./records.js";
import type { ConfigRecord, MetadataRecord } from "./records.js";
import type * as rq from "./requests.js";

/** Liveness the active controller tracks per broker (not replicated). Kafka: BrokerHeartbeatState. */
export interface HeartbeatState {
  /** Controller time of the last heartbeat or registration. */
  readonly lastContactMs: number;
  /** Last metadata offset the broker reported, -1 if none yet. */
  readonly metadataOffset: number;
  /** Offset of the last record of the broker's controlled-shutdown batch, -1 when not shutting down. */
  readonly controlledShutdownOffset: number;
}

/** Controller configuration (Kafka's defaults). */
export interface ControllerConfig {
  /** This controller's node id. */
  readonly nodeId: number;
  /** Milliseconds per tick input. */
  readonly tickMs: number;
  /** broker.session.timeout.ms: an unfenced broker silent for longer is fenced. */
  readonly sessionTimeoutMs: number;
  /** broker.heartbeat.interval.ms: advertised to brokers; the controller itself only enforces the session timeout. */
  readonly heartbeatIntervalMs: number;
  /** metadata.max.idle.interval.ms: the active controller writes a NoOp record this often. */
  readonly noOpIntervalMs: number;
  /** unclean.leader.election.enable cluster default; a topic config of that name overrides it. */
  readonly uncleanLeaderElection: boolean;
  /** metadata.version written by the first active controller of an empty log. */
  readonly metadataVersion: number;
  /** Seed of the PRNG used for topic ids and replica placement. */
  readonly seed: number;
  /** Largest partition count one CreateTopics topic may ask for. */
  readonly maxPartitionsPerTopic: number;
}

/** Topic config key that enables unclean leader election for a topic. */
export const UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

/** Accumulates one atomic batch of records on top of an image. */
export class BatchWriter {
  /** The image as of the records emitted so far. */
  readonly delta: MetadataDelta;
  /** Records emitted so far. */
  readonly records: MetadataRecord[] = [];
  /**
   * @param base - speculative image the batch applies to
   * @param baseOffset - log offset of the batch's first record
   */
  constructor(
    readonly base: MetadataImage,
    readonly baseOffset: number,
  ) {
    this.delta = new MetadataDelta(base);
  }
  /** Offset the next emitted record will have. */
  get nextOffset(): number {
    return this.baseOffset + this.records.length;
  }
  /** Appends a record to the batch and replays it. */
  emit(record: MetadataRecord): void {
    this.delta.replay(record, this.nextOffset);
    this.records.push(record);
  }
}

/** Everything a handler may read or change. Mutable: the caller copies state in and out. */
export interface HandlerContext {
  readonly config: ControllerConfig;
  readonly nowMs: number;
  /** Offset of the last committed record. */
  readonly committedOffset: number;
  readonly heartbeats: Map<number, HeartbeatState>;
  prng: PrngState;
  readonly w: BatchWriter;
}

function isBrokerId(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= 0x7fffffff;
}
function isOffset(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= -1;
}

function acceptableLeader(ctx: HandlerContext, except: number): LeaderAcceptor {
  return (b) => {
    if (b === except) return false;
    const reg = ctx.w.delta.broker(b);
    return reg !== undefined && !reg.fenced && !reg.inControlledShutdown;
  };
}

function uncleanAllowed(ctx: HandlerContext, topicName: string): boolean {
  const v = ctx.w.base.config("topic", topicName, UNCLEAN_LEADER_ELECTION);
  return v === undefined ? ctx.config.uncleanLeaderElection : v === "true";
}

/**
 * Re-elects leaders and shrinks ISRs for every partition with `brokerId` in its ISR (or, with brokerId -1, for
 * every leaderless partition). Kafka: ReplicationControlManager.generateLeaderAndIsrUpdates.
 */
function generateLeaderAndIsrUpdates(ctx: HandlerContext, brokerId: number): void {
  const acceptable = acceptableLeader(ctx, brokerId);
  for (const base of ctx.w.base.topics.values()) {
    const topic = ctx.w.delta.topic(base.id);
    if (topic === undefined) continue;
    const table = topic.partitions;
    const unclean = uncleanAllowed(ctx, topic.name);
    for (let p = 0; p < table.count; p++) {
      if (brokerId >= 0 ? !table.isrIncludes(p, brokerId) : table.leader(p) !== NO_LEADER) continue;
      const change = partitionChangeFor(topic.id, table, p, brokerId, acceptable, unclean);
      if (change !== null) ctx.w.emit(change);
    }
  }
}

/** Moves leadership and ISR membership away from a broker, then fences it. Kafka: handleBrokerFenced. */
export function fenceBroker(ctx: HandlerContext, reg: BrokerRegistration): void {
  generateLeaderAndIsrUpdates(ctx, reg.brokerId);
  ctx.w.emit({ type: "FenceBroker", brokerId: reg.brokerId, brokerEpoch: reg.brokerEpoch });
}

/** Whether the broker has an unexpired session. Kafka: BrokerHeartbeatManager.hasValidSession. */
export function hasValidSession(ctx: { config: ControllerConfig; nowMs: number }, reg: BrokerRegistration, hb: HeartbeatState | undefined): boolean {
  return !reg.fenced && hb !== undefined && ctx.nowMs - hb.lastContactMs <= ctx.config.sessionTimeoutMs;
}

/** Kafka: ClusterControlManager.registerBroker. */
export function registerBroker(ctx: HandlerContext, req: rq.BrokerRegistrationRequest): rq.BrokerRegistrationResponse {
  const rack = req.rack ?? null;
  if (!isBrokerId(req.brokerId) || typeof req.incarnationId !== "string" || req.incarnationId.length === 0 || (rack !== null && (typeof rack !== "string" || rack.length === 0))) {
    return { type: "BrokerRegistration", errorCode: "INVALID_REQUEST", brokerEpoch: -1 };
  }
  const existing = ctx.w.delta.broker(req.brokerId);
  if (existing !== undefined) {
    if (existing.incarnationId !== req.incarnationId && hasValidSession(ctx, existing, ctx.heartbeats.get(req.brokerId))) {
      return { type: "BrokerRegistration", errorCode: "DUPLICATE_BROKER_REGISTRATION", brokerEpoch: -1 };
    }
    // The new registration is fenced: move the old incarnation's leaderships away first.
    if (!existing.fenced) generateLeaderAndIsrUpdates(ctx, existing.brokerId);
  }
  const brokerEpoch = ctx.w.nextOffset;
  ctx.w.emit({
    type: "RegisterBroker",
    brokerId: req.brokerId,
    incarnationId: req.incarnationId,
    brokerEpoch,
    rack,
    fenced: true,
    inControlledShutdown: false,
  });
  ctx.heartbeats.set(req.brokerId, { lastContactMs: ctx.nowMs, metadataOffset: -1, controlledShutdownOffset: -1 });
  return { type: "BrokerRegistration", errorCode: "NONE", brokerEpoch };
}

function brokerCheck(ctx: HandlerContext, brokerId: unknown, brokerEpoch: unknown): rq.ErrorCode | BrokerRegistration {
  if (!isBrokerId(brokerId) || !isOffset(brokerEpoch)) return "INVALID_REQUEST";
  const reg = ctx.w.delta.broker(brokerId);
  if (reg === undefined) return "BROKER_ID_NOT_REGISTERED";
  if (reg.brokerEpoch !== brokerEpoch) return "STALE_BROKER_EPOCH";
  return reg;
}

/**
 * Kafka: QuorumController.processBrokerHeartbeat with BrokerHeartbeatManager.calculateNextBrokerState:
 * fenced → unfenced once caught up to the registration offset; unfenced → controlled shutdown on wantShutDown
 * (leaderships move away first); controlled shutdown → fenced and told to shut down once it leads nothing and the
 * shutdown records have committed; unfenced → fenced on wantFence.
 */
export function brokerHeartbeat(ctx: HandlerContext, req: rq.BrokerHeartbeatRequest | rq.ControlledShutdownRequest): rq.BrokerHeartbeatResponse {
  const type = req.type;
  const reply = (errorCode: rq.ErrorCode, isCaughtUp: boolean, isFenced: boolean, shouldShutDown: boolean): rq.BrokerHeartbeatResponse => ({
    type,
    errorCode,
    isCaughtUp,
    isFenced,
    shouldShutDown,
  });
  const checked = brokerCheck(ctx, req.brokerId, req.brokerEpoch);
  if (typeof checked === "string") return reply(checked, false, true, false);
  const reg = checked;
  const prev = ctx.heartbeats.get(reg.brokerId);
  const hb = req.type === "BrokerHeartbeat" ? req : { currentMetadataOffset: prev?.metadataOffset ?? -1, wantFence: false, wantShutDown: true };
  if (!isOffset(hb.currentMetadataOffset) || typeof hb.wantFence !== "boolean" || typeof hb.wantShutDown !== "boolean") {
    return reply("INVALID_REQUEST", false, reg.fenced, false);
  }
  let cso = prev?.controlledShutdownOffset ?? -1;
  const caughtUp = hb.currentMetadataOffset >= reg.brokerEpoch;
  let result: rq.BrokerHeartbeatResponse;
  if (reg.fenced) {
    // A broker fenced during its controlled shutdown must restart and re-register; it is never unfenced as is.
    if (hb.wantShutDown || reg.inControlledShutdown) result = reply("NONE", caughtUp, true, true);
    else if (hb.wantFence || !caughtUp) result = reply("NONE", caughtUp, true, false);
    else {
      ctx.w.emit({ type: "UnfenceBroker", brokerId: reg.brokerId, brokerEpoch: reg.brokerEpoch });
      generateLeaderAndIsrUpdates(ctx, NO_LEADER);
      result = reply("NONE", true, false, false);
    }
  } else if (reg.inControlledShutdown) {
    if (leadsNothing(ctx, reg.brokerId) && cso <= ctx.committedOffset) {
      fenceBroker(ctx, reg);
      cso = -1;
      result = reply("NONE", caughtUp, true, true);
    } else result = reply("NONE", caughtUp, false, false);
  } else if (hb.wantFence) {
    fenceBroker(ctx, reg);
    result = reply("NONE", caughtUp, true, false);
  } else if (hb.wantShutDown) {
    ctx.w.emit({ type: "BrokerRegistrationChange", brokerId: reg.brokerId, brokerEpoch: reg.brokerEpoch, fenced: null, inControlledShutdown: true });
    generateLeaderAndIsrUpdates(ctx, reg.brokerId);
    cso = ctx.w.nextOffset - 1;
    result = reply("NONE", caughtUp, false, false);
  } else result = reply("NONE", caughtUp, false, false);
  ctx.heartbeats.set(reg.brokerId, { lastContactMs: ctx.nowMs, metadataOffset: hb.currentMetadataOffset, controlledShutdownOffset: cso });
  return result;
}

function leadsNothing(ctx: HandlerContext, brokerId: number): boolean {
  for (const base of ctx.w.base.topics.values()) {
    const t = ctx.w.delta.topic(base.id);
    if (t === undefined) continue;
    for (let p = 0; p < t.partitions.count; p++) if (t.partitions.leader(p) === brokerId) return false;
  }
  return true;
}

/** Kafka: ClusterControlManager.unregisterBroker + ReplicationControlManager.handleBrokerUnregistered. */
export function unregisterBroker(ctx: HandlerContext, req: rq.UnregisterBrokerRequest): rq.UnregisterBrokerResponse {
  if (!isBrokerId(req.brokerId)) return { type: "UnregisterBroker", errorCode: "INVALID_REQUEST" };
  const reg = ctx.w.delta.broker(req.brokerId);
  if (reg === undefined) return { type: "UnregisterBroker", errorCode: "BROKER_ID_NOT_REGISTERED" };
  generateLeaderAndIsrUpdates(ctx, reg.brokerId);
  ctx.w.emit({ type: "UnregisterBroker", brokerId: reg.brokerId, brokerEpoch: reg.brokerEpoch });
  ctx.heartbeats.delete(reg.brokerId);
  return { type: "UnregisterBroker", errorCode: "NONE" };
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function newTopicId(ctx: HandlerContext): string {
  for (;;) {
    let id = "";
    for (let i = 0; i < 22; i++) {
      const [v, next] = nextInt(ctx.prng, 64);
      ctx.prng = next;
      id += ID_ALPHABET[v] as string;
    }
    if (ctx.w.delta.topic(id) === undefined) return id;
  }
}

function validConfigs(configs: unknown, allowNull: boolean): configs is Record<string, string | null> {
  if (typeof configs !== "object" || configs === null || Array.isArray(configs)) return false;
  return Object.entries(configs).every(([k, v]) => k.length > 0 && k.length <= 32767 && (typeof v === "string" ? v.length <= 32767 : allowNull && v === null));
}

/** Kafka: ReplicationControlManager.createTopics with the rack-unaware placer. */
export function createTopics(ctx: HandlerContext, req: rq.CreateTopicsRequest): rq.CreateTopicsResponse {
  if (!Array.isArray(req.topics)) return { type: "CreateTopics", errorCode: "INVALID_REQUEST", topics: [] };
  const usable: number[] = [];
  for (const reg of ctx.w.base.brokers.values()) if (!reg.fenced && !reg.inControlledShutdown) usable.push(reg.brokerId);
  const results: rq.CreateTopicResult[] = [];
  for (const t of req.topics as readonly rq.CreatableTopic[]) {
    const name = typeof t?.name === "string" ? t.name : "";
    const fail = (errorCode: rq.ErrorCode, errorMessage: string): void => {
      results.push({ name, errorCode, topicId: "", errorMessage });
    };
    if (!isValidTopicName(name)) fail("INVALID_TOPIC_EXCEPTION", `'${name}' is not a legal topic name: use 1-249 of [a-zA-Z0-9._-]`);
    else if (ctx.w.delta.topic(ctx.w.base.topicIdsByName.get(name) ?? "") !== undefined || results.some((r) => r.name === name && r.errorCode === "NONE")) {
      fail("TOPIC_ALREADY_EXISTS", `topic '${name}' already exists`);
    } else if (!Number.isSafeInteger(t.numPartitions) || t.numPartitions < 1 || t.numPartitions > ctx.config.maxPartitionsPerTopic) {
      fail("INVALID_PARTITIONS", `numPartitions must be an integer in [1, ${ctx.config.maxPartitionsPerTopic}]`);
    } else if (!Number.isSafeInteger(t.replicationFactor) || t.replicationFactor < 1 || t.replicationFactor > MAX_REPLICAS) {
      fail("INVALID_REPLICATION_FACTOR", `replicationFactor must be an integer in [1, ${MAX_REPLICAS}]`);
    } else if (t.replicationFactor > usable.length) {
      fail("INVALID_REPLICATION_FACTOR", `replication factor ${t.replicationFactor} needs that many unfenced brokers; only ${usable.length} are usable`);
    } else if (t.configs !== undefined && !validConfigs(t.configs, false)) fail("INVALID_CONFIG", "configs must map non-empty names to strings");
    else {
      const topicId = newTopicId(ctx);
      let start: number;
      let shift: number;
      [start, ctx.prng] = nextInt(ctx.prng, usable.length);
      [shift, ctx.prng] = nextInt(ctx.prng, usable.length);
      const assignment = placeReplicas(usable, t.numPartitions, t.replicationFactor, start, shift);
      ctx.w.emit({ type: "Topic", name, topicId });
      for (const [k, v] of Object.entries(t.configs ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        ctx.w.emit({ type: "Config", resourceType: "topic", resourceName: name, name: k, value: v });
      }
      for (let p = 0; p < assignment.length; p++) {
        const replicas = assignment[p] as number[];
        ctx.w.emit({ type: "Partition", topicId, partitionId: p, replicas, isr: replicas, leader: replicas[0] as number, leaderEpoch: 0, partitionEpoch: 0 });
      }
      results.push({ name, errorCode: "NONE", topicId, errorMessage: null });
    }
  }
  return { type: "CreateTopics", errorCode: "NONE", topics: results };
}

/** Kafka: ReplicationControlManager.deleteTopics (by name). */
export function deleteTopics(ctx: HandlerContext, req: rq.DeleteTopicsRequest): rq.DeleteTopicsResponse {
  if (!Array.isArray(req.names)) return { type: "DeleteTopics", errorCode: "INVALID_REQUEST", topics: [] };
  const topics = (req.names as unknown[]).map((name) => {
    const id = typeof name === "string" ? ctx.w.base.topicIdsByName.get(name) : undefined;
    if (id === undefined || ctx.w.delta.topic(id) === undefined) return { name: String(name), errorCode: "UNKNOWN_TOPIC_OR_PARTITION" as const };
    ctx.w.emit({ type: "RemoveTopic", topicId: id });
    return { name: name as string, errorCode: "NONE" as const };
  });
  return { type: "DeleteTopics", errorCode: "NONE", topics };
}

/** Kafka: ReplicationControlManager.alterPartition (ISR shrink/expand by the partition leader). */
export function alterPartition(ctx: HandlerContext, req: rq.AlterPartitionRequest): rq.AlterPartitionResponse {
  const checked = brokerCheck(ctx, req.brokerId, req.brokerEpoch);
  if (typeof checked === "string" || !Array.isArray(req.topics)) {
    return { type: "AlterPartition", errorCode: typeof checked === "string" ? checked : "INVALID_REQUEST", topics: [] };
  }
  const brokerId = checked.brokerId;
  const topics = req.topics.map((t) => {
    const topicId = typeof t?.topicId === "string" ? t.topicId : "";
    const parts: rq.AlterPartitionData[] = Array.isArray(t?.partitions) ? t.partitions : [];
    const partitions = parts.map((d): rq.AlterPartitionResult => {
      const fail = (errorCode: rq.ErrorCode): rq.AlterPartitionResult => ({
        partitionIndex: d?.partitionIndex ?? -1,
        errorCode,
        leader: NO_LEADER,
        leaderEpoch: -1,
        isr: [],
        partitionEpoch: -1,
      });
      const topic = ctx.w.delta.topic(topicId);
      if (topic === undefined) return fail("UNKNOWN_TOPIC_ID");
      const table = topic.partitions;
      const p = d?.partitionIndex;
      if (!Number.isSafeInteger(p) || p < 0 || p >= table.count) return fail("UNKNOWN_TOPIC_OR_PARTITION");
      if (d.leaderEpoch !== table.leaderEpoch(p)) return fail("FENCED_LEADER_EPOCH");
      if (table.leader(p) !== brokerId) return fail("NOT_LEADER_OR_FOLLOWER");
      if (d.partitionEpoch !== table.partitionEpoch(p)) return fail("INVALID_UPDATE_VERSION");
      const isr = d.newIsr;
      if (!Array.isArray(isr) || isr.length === 0 || isr.length > MAX_REPLICAS || !isr.includes(brokerId)) return fail("INVALID_REQUEST");
      for (let i = 0; i < isr.length; i++) {
        const b = isr[i];
        if (!isBrokerId(b) || !table.replicasInclude(p, b) || isr.indexOf(b) !== i) return fail("INVALID_REQUEST");
        const reg = ctx.w.delta.broker(b);
        if (b !== brokerId && !table.isrIncludes(p, b) && (reg === undefined || reg.fenced || reg.inControlledShutdown)) return fail("INELIGIBLE_REPLICA");
      }
      const old = table.isr(p);
      if (old.length !== isr.length || old.some((b, i) => isr[i] !== b)) {
        ctx.w.emit({ type: "PartitionChange", topicId, partitionId: p, leader: NO_LEADER_CHANGE, isr: [...isr], replicas: null });
      }
      const now = ctx.w.delta.topic(topicId)?.partitions ?? table;
      return { partitionIndex: p, errorCode: "NONE", leader: now.leader(p), leaderEpoch: now.leaderEpoch(p), isr: now.isr(p), partitionEpoch: now.partitionEpoch(p) };
    });
    return { topicId, partitions };
  });
  return { type: "AlterPartition", errorCode: "NONE", topics };
}

/** Kafka: ConfigurationControlManager.incrementalAlterConfigs (SET and DELETE). */
export function alterConfigs(ctx: HandlerContext, req: rq.AlterConfigsRequest): rq.AlterConfigsResponse {
  if (!Array.isArray(req.resources)) return { type: "AlterConfigs", errorCode: "INVALID_REQUEST", resources: [] };
  const resources = req.resources.map((r) => {
    const resourceType = r?.resourceType;
    const resourceName = typeof r?.resourceName === "string" ? r.resourceName : "";
    const out = (errorCode: rq.ErrorCode) => ({ resourceType, resourceName, errorCode });
    if (resourceType !== "topic" && resourceType !== "broker" && resourceType !== "cluster") return out("INVALID_REQUEST");
    if (resourceType === "topic" && ctx.w.delta.topic(ctx.w.base.topicIdsByName.get(resourceName) ?? "") === undefined) return out("UNKNOWN_TOPIC_OR_PARTITION");
    if (resourceType === "broker" && !/^(0|[1-9][0-9]{0,9})$/.test(resourceName)) return out("INVALID_REQUEST");
    if (resourceType === "cluster" && resourceName !== "") return out("INVALID_REQUEST");
    if (!validConfigs(r.configs, true)) return out("INVALID_CONFIG");
    for (const [name, value] of Object.entries(r.configs).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const rec: ConfigRecord = { type: "Config", resourceType, resourceName, name, value: value as string | null };
      ctx.w.emit(rec);
    }
    return out("NONE");
  });
  return { type: "AlterConfigs", errorCode: "NONE", resources };
}
