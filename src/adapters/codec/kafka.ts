/**
 * Binary encoding of the messages between Kafka nodes run as processes: a KRaft-mode node's messages (the
 * quorum's RPCs, encoded by `codec/kraft.ts`, and the broker-to-controller RPCs) and a ZooKeeper-mode broker's
 * (the controller's LeaderAndIsr / UpdateMetadata / StopReplica, their responses, controlled shutdown). The
 * request and response bodies of the broker RPCs are JSON text inside the frame (they are Kafka's JSON-shaped
 * records); decoding checks their shape, so a decoded message can be given to a core as it is.
 * @module
 */
import type { NodeMessage } from "../../core/kraft-node/types.js";
import type { ControllerRequest, ControllerResponse } from "../../core/metadata/requests.js";
import type { BrokerRequest, PartitionState } from "../../core/zk-controller/types.js";
import type { ByteReader, ByteWriter } from "./bytes.js";
import { CodecError, readEnum } from "./bytes.js";
import { readKRaftMessage, writeKRaftMessage } from "./kraft.js";

/** A message between ZooKeeper-mode brokers (controller ↔ broker). */
export type ZkKafkaMessage =
  /** The controller's request to a broker. */
  | { readonly kind: "broker-request"; readonly from: number; readonly to: number; readonly request: BrokerRequest }
  /** A broker's answer to it. */
  | { readonly kind: "broker-response"; readonly from: number; readonly to: number; readonly requestKind: BrokerRequest["kind"]; readonly error: string }
  /** A broker asks the controller to move leadership off it (Kafka's ControlledShutdownRequest). */
  | { readonly kind: "controlled-shutdown"; readonly from: number; readonly to: number; readonly correlationId: number }
  /** The controller's answer: the partitions the broker still leads. */
  | { readonly kind: "controlled-shutdown-reply"; readonly from: number; readonly to: number; readonly correlationId: number; readonly remaining: number };

const NODE_KINDS: readonly NodeMessage["kind"][] = ["quorum", "controller-request", "controller-response"];
const ZK_KINDS: readonly ZkKafkaMessage["kind"][] = ["broker-request", "broker-response", "controlled-shutdown", "controlled-shutdown-reply"];
const BROKER_REQUEST_KINDS: readonly BrokerRequest["kind"][] = ["LeaderAndIsr", "UpdateMetadata", "StopReplica"];

/** Writes a KRaft-mode node's message. */
export function writeNodeMessage(w: ByteWriter, m: NodeMessage): void {
  w.u8(NODE_KINDS.indexOf(m.kind));
  w.varUint(m.from);
  w.varUint(m.to);
  if (m.kind === "quorum") return writeKRaftMessage(w, m.message);
  w.varUint(m.id);
  w.string(JSON.stringify(m.kind === "controller-request" ? m.request : m.response));
}

/** Reads a message written by {@link writeNodeMessage}; throws {@link CodecError} on bad bytes (use `decodeWith`). */
export function readNodeMessage(r: ByteReader): NodeMessage {
  const kind = readEnum(r, NODE_KINDS, "node message kind");
  const from = r.varUint();
  const to = r.varUint();
  if (kind === "quorum") return { kind, from, to, message: readKRaftMessage(r) };
  const id = r.varUint();
  const body = parseObject(r.string(), kind);
  if (typeof body.type !== "string") throw new CodecError("malformed", `${kind} without a type`);
  return kind === "controller-request"
    ? { kind, from, to, id, request: body as unknown as ControllerRequest }
    : { kind, from, to, id, response: body as unknown as ControllerResponse };
}

/** Writes a ZooKeeper-mode broker message. */
export function writeZkKafkaMessage(w: ByteWriter, m: ZkKafkaMessage): void {
  w.u8(ZK_KINDS.indexOf(m.kind));
  w.varUint(m.from);
  w.varUint(m.to);
  const { kind: _k, from: _f, to: _t, ...rest } = m;
  w.string(JSON.stringify(rest));
}

/** Reads a message written by {@link writeZkKafkaMessage}, checking its shape; throws {@link CodecError} on bad bytes. */
export function readZkKafkaMessage(r: ByteReader): ZkKafkaMessage {
  const kind = readEnum(r, ZK_KINDS, "zk-mode message kind");
  const from = r.varUint();
  const to = r.varUint();
  const b = parseObject(r.string(), kind);
  const int = (v: unknown, what: string): number => {
    if (!Number.isSafeInteger(v)) throw new CodecError("malformed", `${kind}: ${what} must be an integer`);
    return v as number;
  };
  switch (kind) {
    case "broker-request":
      return { kind, from, to, request: brokerRequest(b.request) };
    case "broker-response":
      if (!BROKER_REQUEST_KINDS.includes(b.requestKind as BrokerRequest["kind"]) || typeof b.error !== "string") throw new CodecError("malformed", "broker-response needs requestKind and error");
      return { kind, from, to, requestKind: b.requestKind as BrokerRequest["kind"], error: b.error };
    case "controlled-shutdown":
      return { kind, from, to, correlationId: int(b.correlationId, "correlationId") };
    case "controlled-shutdown-reply":
      return { kind, from, to, correlationId: int(b.correlationId, "correlationId"), remaining: int(b.remaining, "remaining") };
  }
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CodecError("malformed", `${what}: body is not JSON`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new CodecError("malformed", `${what}: body is not an object`);
  return v as Record<string, unknown>;
}

function isIds(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= -1);
}

function brokerRequest(v: unknown): BrokerRequest {
  const bad = (why: string): never => {
    throw new CodecError("malformed", `broker-request: ${why}`);
  };
  if (v === null || typeof v !== "object") return bad("not an object");
  const q = v as Record<string, unknown>;
  if (!BROKER_REQUEST_KINDS.includes(q.kind as BrokerRequest["kind"])) return bad("unknown kind");
  if (!Number.isSafeInteger(q.controllerId) || !Number.isSafeInteger(q.controllerEpoch) || !Array.isArray(q.partitions)) return bad("needs controllerId, controllerEpoch and partitions");
  for (const p of q.partitions as unknown[]) {
    const s = p as Record<string, unknown> | null;
    if (s === null || typeof s !== "object" || typeof s.topic !== "string" || !Number.isSafeInteger(s.partition)) return bad("a partition needs topic and partition");
    if (q.kind === "StopReplica") continue;
    const st = s as unknown as PartitionState;
    if (!isIds(st.replicas) || !isIds(st.isr) || !Number.isSafeInteger(st.leader) || !Number.isSafeInteger(st.leaderEpoch) || !Number.isSafeInteger(st.controllerEpoch)) return bad("a partition state needs replicas, isr, leader, leaderEpoch and controllerEpoch");
  }
  if (q.kind === "UpdateMetadata" && !isIds(q.liveBrokers)) return bad("UpdateMetadata needs liveBrokers");
  return q as unknown as BrokerRequest;
}
