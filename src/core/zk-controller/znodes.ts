/**
 * Kafka's znode paths and JSON payloads in ZooKeeper mode (`kafka.zk.ZkData`), encoded and parsed without
 * throwing: a parse of bad data returns `undefined`.
 * @module
 */
import type { PartitionState } from "./types.js";

/** `/controller`: ephemeral, the active controller's broker id. */
export const CONTROLLER_PATH = "/controller";
/** `/controller_epoch`: persistent, the epoch; its data version fences deposed controllers. */
export const CONTROLLER_EPOCH_PATH = "/controller_epoch";
/** `/brokers/ids`: one ephemeral child per live broker. */
export const BROKER_IDS_PATH = "/brokers/ids";
/** `/brokers/topics`: one child per topic, holding its replica assignment. */
export const TOPICS_PATH = "/brokers/topics";

/** `/brokers/topics/<t>`. */
export function topicPath(topic: string): string {
  return `${TOPICS_PATH}/${topic}`;
}
/** `/brokers/topics/<t>/partitions/<p>/state`. */
export function partitionStatePath(topic: string, partition: number): string {
  return `${TOPICS_PATH}/${topic}/partitions/${partition}/state`;
}
/** The context key of a partition: `topic/partition` (topic names cannot hold `/`). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
/** Splits a {@link partitionKey}. */
export function splitKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf("/");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** `/controller` data. */
export function encodeController(brokerId: number): string {
  return JSON.stringify({ version: 1, brokerid: brokerId });
}
/** The broker id in `/controller` data. */
export function parseController(data: string | undefined): number | undefined {
  const j = parseJson(data);
  return isRecord(j) && Number.isSafeInteger(j.brokerid) ? (j.brokerid as number) : undefined;
}

/** `/brokers/topics/<t>` data: the replica assignment. */
export function encodeAssignment(assignment: readonly (readonly number[])[]): string {
  const partitions: Record<string, readonly number[]> = {};
  assignment.forEach((replicas, p) => (partitions[String(p)] = replicas));
  return JSON.stringify({ version: 2, partitions });
}
/** The replica lists by partition number, or undefined for malformed data. */
export function parseAssignment(data: string | undefined): number[][] | undefined {
  const j = parseJson(data);
  if (!isRecord(j) || !isRecord(j.partitions)) return undefined;
  const out: number[][] = [];
  for (const [p, replicas] of Object.entries(j.partitions)) {
    const n = Number(p);
    if (!Number.isSafeInteger(n) || n < 0 || n > 1_000_000 || !isIdList(replicas) || replicas.length === 0) return undefined;
    out[n] = replicas;
  }
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) return undefined;
  return out;
}

/** A partition state znode's data. */
export function encodePartitionState(s: PartitionState): string {
  return JSON.stringify({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}
/** The leader, epochs and ISR of state znode data, or undefined for malformed data. */
export function parsePartitionState(data: string | undefined): { leader: number; leaderEpoch: number; isr: number[]; controllerEpoch: number } | undefined {
  const j = parseJson(data);
  if (!isRecord(j) || !Number.isSafeInteger(j.leader) || !Number.isSafeInteger(j.leader_epoch) || !Number.isSafeInteger(j.controller_epoch) || !isIdList(j.isr)) return undefined;
  return { leader: j.leader as number, leaderEpoch: j.leader_epoch as number, isr: j.isr, controllerEpoch: j.controller_epoch as number };
}

function parseJson(data: string | undefined): unknown {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}
function isIdList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((b) => Number.isSafeInteger(b) && (b as number) >= 0);
}
