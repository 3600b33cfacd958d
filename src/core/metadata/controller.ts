/**
 * The quorum controller as a pure state machine: `step(state, input) → { state, outputs }`. Kafka:
 * QuorumController.
 *
 * It sits on any replicated log. The log tells it which batches committed (`commit`) and when it gained or lost
 * leadership; it answers with batches to append (`append`) and replies to requests (`reply`). While active it
 * keeps a speculative image — the committed image plus its own uncommitted batches — and serves requests from it;
 * a batch's replies are held until the batch commits. On losing leadership it drops the speculative image and
 * fails the held replies with NOT_CONTROLLER (the records may still commit: clients retry idempotently).
 */
import { MetadataError, type MetadataErrorCode } from "./errors.js";
import { BatchWriter, UNCLEAN_LEADER_ELECTION, alterConfigs, alterPartition, brokerHeartbeat, createTopics, deleteTopics, fenceBroker, registerBroker, unregisterBroker } from "./handlers.js";
import type { ControllerConfig, HandlerContext, HeartbeatState } from "./handlers.js";
import { MetadataImage, replayBatch } from "./image.js";
import type { MetadataRecord } from "./records.js";
import type { ControllerRequest, ControllerResponse, ErrorCode } from "./requests.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";

export type { ControllerConfig, HeartbeatState };
export { UNCLEAN_LEADER_ELECTION };

/** Kafka's defaults, with 50 ms ticks. */
export const DEFAULT_CONTROLLER_CONFIG: ControllerConfig = {
  nodeId: 0,
  tickMs: 50,
  sessionTimeoutMs: 9000,
  heartbeatIntervalMs: 2000,
  noOpIntervalMs: 500,
  uncleanLeaderElection: false,
  metadataVersion: 21,
  seed: 1,
  maxPartitionsPerTopic: 1_000_000,
};

/** Name of the feature the bootstrap FeatureLevel record sets. */
export const METADATA_VERSION = "metadata.version";

/** A batch the active controller appended that has not committed yet. */
export interface PendingBatch {
  readonly baseOffset: number;
  readonly records: readonly MetadataRecord[];
  /** The speculative image after this batch. */
  readonly image: MetadataImage;
  /** Replies released when the batch commits. */
  readonly replies: readonly { readonly id: number; readonly response: ControllerResponse }[];
}

/** State kept only while this controller is the active one. */
export interface ActiveState {
  /** The quorum epoch of this leadership. */
  readonly epoch: number;
  /** Offset the next appended record gets. */
  readonly nextOffset: number;
  /** Committed image plus pending batches. */
  readonly speculative: MetadataImage;
  readonly pending: readonly PendingBatch[];
  readonly heartbeats: ReadonlyMap<number, HeartbeatState>;
  readonly lastNoOpMs: number;
}

/** The controller's whole state. Immutable: `step` returns a new one. */
export interface ControllerState {
  readonly config: ControllerConfig;
  /** Controller time: ticks × tickMs. */
  readonly nowMs: number;
  /** Image at the last committed offset. */
  readonly committed: MetadataImage;
  /** Highest quorum epoch seen. */
  readonly epoch: number;
  /** Non-null while this controller is the active one. */
  readonly active: ActiveState | null;
  /** PRNG state for topic ids and placement. */
  readonly prng: number;
}

/** Inputs to {@link step}. */
export type ControllerInput =
  /** Time advances by `config.tickMs`. */
  | { readonly type: "tick" }
  /**
   * This controller leads the quorum in `epoch`; `nextOffset` is the log end offset (where its first record will
   * land). The log must have delivered every committed record below it first (KRaft does).
   */
  | { readonly type: "became-leader"; readonly epoch: number; readonly nextOffset: number }
  /** Another node leads (or nobody does) as of `epoch`. */
  | { readonly type: "lost-leadership"; readonly epoch: number }
  /** A committed batch: `records` at offsets baseOffset, baseOffset + 1, …, written in quorum epoch `epoch`. */
  | { readonly type: "commit"; readonly baseOffset: number; readonly epoch: number; readonly records: readonly MetadataRecord[] }
  /** Replace the committed image by a snapshot (a lagging standby catching up). Only while inactive. */
  | { readonly type: "load-snapshot"; readonly snapshot: Uint8Array }
  /** A request; its reply carries the same `id`. */
  | { readonly type: "request"; readonly id: number; readonly request: ControllerRequest }
  /**
   * Fire a timer of the active controller now, without advancing the clock: `no-op` appends the periodic NoOp
   * record; `broker-session` expires the session of `broker` (fencing it if unfenced).
   */
  | { readonly type: "timeout"; readonly timer: "no-op" }
  | { readonly type: "timeout"; readonly timer: "broker-session"; readonly broker: number };

/** Outputs of {@link step}. */
export type ControllerOutput =
  /** Append these records atomically, at offsets baseOffset…, in quorum epoch `epoch`. */
  | { readonly type: "append"; readonly epoch: number; readonly baseOffset: number; readonly records: readonly MetadataRecord[] }
  /** The reply to request `id`. */
  | { readonly type: "reply"; readonly id: number; readonly response: ControllerResponse }
  /** The input was rejected; the state is unchanged. */
  | { readonly type: "rejected"; readonly reason: MetadataErrorCode; readonly detail: string };

/** Result of {@link step}. */
export interface StepResult {
  readonly state: ControllerState;
  readonly outputs: readonly ControllerOutput[];
}

/**
 * A fresh, inactive controller with an empty image.
 * @param config - overrides of {@link DEFAULT_CONTROLLER_CONFIG}
 * @throws MetadataError INVALID_CONFIG on an out-of-range setting
 */
export function initController(config: Partial<ControllerConfig> = {}): ControllerState {
  const c: ControllerConfig = { ...DEFAULT_CONTROLLER_CONFIG, ...config };
  const positive = ["tickMs", "sessionTimeoutMs", "heartbeatIntervalMs", "noOpIntervalMs", "maxPartitionsPerTopic"] as const;
  for (const k of positive) {
    if (!Number.isSafeInteger(c[k]) || c[k] < 1) throw new MetadataError("INVALID_CONFIG", `${k} must be a positive integer, got ${String(c[k])}`);
  }
  if (c.heartbeatIntervalMs >= c.sessionTimeoutMs) {
    throw new MetadataError("INVALID_CONFIG", `heartbeatIntervalMs (${c.heartbeatIntervalMs}) must be below sessionTimeoutMs (${c.sessionTimeoutMs})`);
  }
  if (!Number.isSafeInteger(c.nodeId) || c.nodeId < 0) throw new MetadataError("INVALID_CONFIG", `nodeId must be a non-negative integer`);
  if (!Number.isSafeInteger(c.metadataVersion) || c.metadataVersion < 1 || c.metadataVersion > 32767) {
    throw new MetadataError("INVALID_CONFIG", "metadataVersion must be an integer in [1, 32767]");
  }
  if (!Number.isSafeInteger(c.seed)) throw new MetadataError("INVALID_CONFIG", "seed must be an integer");
  if (typeof c.uncleanLeaderElection !== "boolean") throw new MetadataError("INVALID_CONFIG", "uncleanLeaderElection must be a boolean");
  return { config: c, nowMs: 0, committed: MetadataImage.EMPTY, epoch: 0, active: null, prng: c.seed | 0 };
}

/** The image requests are served from: speculative while active, else committed. */
export function currentImage(state: ControllerState): MetadataImage {
  return state.active?.speculative ?? state.committed;
}

/** Whether this controller is the active one. */
export function isActive(state: ControllerState): boolean {
  return state.active !== null;
}

/** A snapshot of the committed image (never includes uncommitted records). */
export function takeSnapshot(state: ControllerState): Uint8Array {
  return encodeSnapshot(state.committed);
}

function reject(state: ControllerState, code: MetadataError["code"], message: string): StepResult {
  return { state, outputs: [{ type: "rejected", reason: code, detail: message }] };
}

function notController(id: number, message: string): ControllerOutput {
  return { type: "reply", id, response: { type: "Error", errorCode: "NOT_CONTROLLER", message } };
}

/** Drops the speculative state; pending replies fail with NOT_CONTROLLER. Kafka: QuorumController.renounce. */
function renounce(state: ControllerState, outputs: ControllerOutput[], epoch: number): ControllerState {
  if (state.active === null) return { ...state, epoch: Math.max(state.epoch, epoch) };
  for (const b of state.active.pending) {
    for (const r of b.replies) outputs.push(notController(r.id, "leadership was lost before the write committed; retry on the new active controller"));
  }
  return { ...state, active: null, epoch: Math.max(state.epoch, epoch) };
}

type Handler = (ctx: HandlerContext) => ControllerResponse;

/** Runs a handler against the speculative image and appends what it emits as one batch. */
function write(state: ControllerState, active: ActiveState, handler: Handler, replyId: number | null, outputs: ControllerOutput[], heartbeats?: Map<number, HeartbeatState>): ControllerState {
  const ctx: HandlerContext = {
    config: state.config,
    nowMs: state.nowMs,
    committedOffset: state.committed.offset,
    heartbeats: heartbeats ?? new Map(active.heartbeats),
    prng: state.prng,
    w: new BatchWriter(active.speculative, active.nextOffset),
  };
  const response = handler(ctx);
  const records = ctx.w.records;
  if (records.length === 0) {
    const last = active.pending[active.pending.length - 1];
    if (replyId !== null && last !== undefined) {
      // The response was computed from uncommitted state: release it with the last in-flight write, as Kafka does.
      const held: PendingBatch = { ...last, replies: [...last.replies, { id: replyId, response }] };
      return { ...state, prng: ctx.prng, active: { ...active, heartbeats: ctx.heartbeats, pending: [...active.pending.slice(0, -1), held] } };
    }
    if (replyId !== null) outputs.push({ type: "reply", id: replyId, response });
    return { ...state, prng: ctx.prng, active: { ...active, heartbeats: ctx.heartbeats } };
  }
  const image = ctx.w.delta.apply();
  outputs.push({ type: "append", epoch: active.epoch, baseOffset: active.nextOffset, records });
  const batch: PendingBatch = { baseOffset: active.nextOffset, records, image, replies: replyId === null ? [] : [{ id: replyId, response }] };
  return {
    ...state,
    prng: ctx.prng,
    active: {
      ...active,
      nextOffset: active.nextOffset + records.length,
      speculative: image,
      pending: [...active.pending, batch],
      heartbeats: ctx.heartbeats,
    },
  };
}

const HANDLERS: { [K in ControllerRequest["type"]]: (ctx: HandlerContext, req: Extract<ControllerRequest, { type: K }>) => ControllerResponse } = {
  BrokerRegistration: registerBroker,
  BrokerHeartbeat: brokerHeartbeat,
  ControlledShutdown: brokerHeartbeat,
  CreateTopics: createTopics,
  DeleteTopics: deleteTopics,
  AlterPartition: alterPartition,
  UnregisterBroker: unregisterBroker,
  AlterConfigs: alterConfigs,
};

function onRequest(state: ControllerState, id: number, request: ControllerRequest): StepResult {
  if (!Number.isSafeInteger(id)) return reject(state, "INVALID_INPUT", "request id must be a safe integer");
  if (state.active === null) return { state, outputs: [notController(id, "this controller is not active; send requests to the quorum leader")] };
  const handler = typeof request === "object" && request !== null ? (HANDLERS as unknown as Record<string, ((c: HandlerContext, r: ControllerRequest) => ControllerResponse) | undefined>)[request.type as string] : undefined;
  if (handler === undefined) {
    const errorCode: ErrorCode = "INVALID_REQUEST";
    return { state, outputs: [{ type: "reply", id, response: { type: "Error", errorCode, message: `unknown request type; known: ${Object.keys(HANDLERS).join(", ")}` } }] };
  }
  const outputs: ControllerOutput[] = [];
  const next = write(state, state.active, (ctx) => handler(ctx, request), id, outputs);
  return { state: next, outputs };
}

function onTick(state: ControllerState): StepResult {
  return poll({ ...state, nowMs: state.nowMs + state.config.tickMs });
}

function onTimeout(state: ControllerState, input: Extract<ControllerInput, { type: "timeout" }>): StepResult {
  const act = state.active;
  if (act === null) return reject(state, "INVALID_INPUT", `only the active controller runs timers; this one is inactive`);
  if (input.timer === "no-op") return poll({ ...state, active: { ...act, lastNoOpMs: state.nowMs - state.config.noOpIntervalMs } });
  if (input.timer === "broker-session") {
    const hb = act.heartbeats.get(input.broker);
    if (hb === undefined) return reject(state, "INVALID_INPUT", `broker ${String(input.broker)} has no session on this controller`);
    const heartbeats = new Map(act.heartbeats).set(input.broker, { ...hb, lastContactMs: state.nowMs - state.config.sessionTimeoutMs - 1 });
    return poll({ ...state, active: { ...act, heartbeats } });
  }
  return reject(state, "INVALID_INPUT", `unknown timer ${JSON.stringify((input as { timer?: unknown }).timer)}; expected "no-op" or "broker-session"`);
}

/** Whatever the active controller's timers ask for at the current time: fence lapsed sessions, write a NoOp. */
function poll(state: ControllerState): StepResult {
  let s = state;
  const outputs: ControllerOutput[] = [];
  if (s.active === null) return { state: s, outputs };
  // Fence every unfenced broker whose session lapsed, one batch each. Kafka: maybeFenceOneStaleBroker.
  for (const reg of s.active.speculative.brokers.values()) {
    const act: ActiveState = s.active as ActiveState;
    const hb = act.heartbeats.get(reg.brokerId);
    const current = act.speculative.broker(reg.brokerId);
    if (current === undefined || current.fenced || (hb !== undefined && s.nowMs - hb.lastContactMs <= s.config.sessionTimeoutMs)) continue;
    s = write(s, act, (ctx) => {
      fenceBroker(ctx, current);
      return { type: "UnregisterBroker", errorCode: "NONE" };
    }, null, outputs);
  }
  const act = s.active as ActiveState;
  if (s.nowMs - act.lastNoOpMs >= s.config.noOpIntervalMs) {
    s = write(s, { ...act, lastNoOpMs: s.nowMs }, (ctx) => {
      ctx.w.emit({ type: "NoOp" });
      return { type: "UnregisterBroker", errorCode: "NONE" };
    }, null, outputs);
  }
  return { state: s, outputs };
}

function onBecameLeader(state: ControllerState, epoch: number, nextOffset: number): StepResult {
  if (!Number.isSafeInteger(epoch) || epoch < state.epoch || (epoch === state.epoch && state.active !== null)) {
    return reject(state, "INVALID_INPUT", `became-leader epoch ${epoch} is not newer than epoch ${state.epoch}`);
  }
  if (!Number.isSafeInteger(nextOffset) || nextOffset <= state.committed.offset) {
    return reject(state, "INVALID_INPUT", `became-leader nextOffset ${nextOffset} must be above the committed offset ${state.committed.offset}; deliver committed records first`);
  }
  const outputs: ControllerOutput[] = [];
  const base = renounce(state, outputs, epoch);
  // Every registered broker gets a full session from now. Kafka: QuorumController.claim → BrokerHeartbeatManager reset.
  const heartbeats = new Map<number, HeartbeatState>();
  for (const reg of base.committed.brokers.values()) heartbeats.set(reg.brokerId, { lastContactMs: base.nowMs, metadataOffset: -1, controlledShutdownOffset: -1 });
  const active: ActiveState = { epoch, nextOffset, speculative: base.committed, pending: [], heartbeats, lastNoOpMs: base.nowMs };
  let s: ControllerState = { ...base, epoch, active };
  if (!base.committed.features.has(METADATA_VERSION)) {
    // Bootstrap an empty log. Kafka: QuorumController's bootstrap metadata.
    s = write(s, active, (ctx) => {
      ctx.w.emit({ type: "FeatureLevel", name: METADATA_VERSION, featureLevel: s.config.metadataVersion });
      return { type: "UnregisterBroker", errorCode: "NONE" };
    }, null, outputs);
  }
  return { state: s, outputs };
}

function onCommit(state: ControllerState, baseOffset: number, epoch: number, records: readonly MetadataRecord[]): StepResult {
  if (!Array.isArray(records) || records.length === 0) return reject(state, "INVALID_INPUT", "a committed batch must hold at least one record");
  if (!Number.isSafeInteger(epoch) || epoch < 0) return reject(state, "INVALID_INPUT", `bad batch epoch ${epoch}`);
  if (!Number.isSafeInteger(baseOffset) || baseOffset <= state.committed.offset) {
    return reject(state, "OFFSET_REGRESSION", `batch at offset ${baseOffset} is not after the committed offset ${state.committed.offset}; deliver each committed batch once, in order`);
  }
  const act = state.active;
  const head = act?.pending[0];
  if (act !== null && head !== undefined && head.baseOffset === baseOffset && epoch === act.epoch && head.records.length === records.length) {
    // Our own batch committed: its speculative image becomes the committed one, its replies go out.
    const outputs: ControllerOutput[] = head.replies.map((r) => ({ type: "reply", id: r.id, response: r.response }));
    return { state: { ...state, committed: head.image, active: { ...act, pending: act.pending.slice(1) } }, outputs };
  }
  let committed: MetadataImage;
  try {
    committed = replayBatch(state.committed, records, baseOffset);
  } catch (e) {
    /* c8 ignore next */
    if (!(e instanceof MetadataError)) throw e;
    return { state, outputs: [{ type: "rejected", reason: e.code, detail: e.message }] };
  }
  const outputs: ControllerOutput[] = [];
  let s: ControllerState = { ...state, committed, epoch: Math.max(state.epoch, epoch) };
  if (act !== null) {
    if (act.pending.length === 0 && epoch <= act.epoch && baseOffset + records.length <= act.nextOffset) {
      // Records from before our claim: nothing speculative to reconcile. Brokers they registered get a full session.
      let heartbeats = act.heartbeats;
      for (const reg of committed.brokers.values()) {
        if (heartbeats.has(reg.brokerId)) continue;
        if (heartbeats === act.heartbeats) heartbeats = new Map(act.heartbeats);
        (heartbeats as Map<number, HeartbeatState>).set(reg.brokerId, { lastContactMs: s.nowMs, metadataOffset: -1, controlledShutdownOffset: -1 });
      }
      s = { ...s, active: { ...act, speculative: committed, heartbeats } };
    } else {
      // Someone else's records where ours should be: we are no longer the leader. Roll back.
      s = renounce({ ...s, epoch: state.epoch }, outputs, epoch);
    }
  }
  return { state: s, outputs };
}

/**
 * Advances the controller by one input.
 * @param state - current state (not modified)
 * @param input - the event
 * @returns the next state and what to do: batches to append, replies to send, or an error (state unchanged)
 */
export function step(state: ControllerState, input: ControllerInput): StepResult {
  switch (input?.type) {
    case "tick":
      return onTick(state);
    case "timeout":
      return onTimeout(state, input);
    case "became-leader":
      return onBecameLeader(state, input.epoch, input.nextOffset);
    case "lost-leadership": {
      if (!Number.isSafeInteger(input.epoch) || input.epoch < state.epoch) return reject(state, "INVALID_INPUT", `lost-leadership epoch ${input.epoch} is older than ${state.epoch}`);
      const outputs: ControllerOutput[] = [];
      return { state: renounce(state, outputs, input.epoch), outputs };
    }
    case "commit":
      return onCommit(state, input.baseOffset, input.epoch, input.records);
    case "load-snapshot": {
      if (state.active !== null) return reject(state, "INVALID_INPUT", "the active controller cannot load a snapshot; it already holds the latest image");
      let image: MetadataImage;
      try {
        image = decodeSnapshot(input.snapshot);
      } catch (e) {
        /* c8 ignore next */
        if (!(e instanceof MetadataError)) throw e;
        return { state, outputs: [{ type: "rejected", reason: e.code, detail: e.message }] };
      }
      if (image.offset <= state.committed.offset) return reject(state, "OFFSET_REGRESSION", `snapshot at offset ${image.offset} is not newer than ${state.committed.offset}`);
      return { state: { ...state, committed: image }, outputs: [] };
    }
    case "request":
      return onRequest(state, input.id, input.request);
    default:
      return reject(state, "INVALID_INPUT", `unknown input type '${String((input as { type?: unknown } | null)?.type)}'`);
  }
}
