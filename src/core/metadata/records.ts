/**
 * The metadata log's record types, modelled on Kafka's `metadata/src/main/resources/common/metadata/*.json`
 * (RegisterBrokerRecord, PartitionChangeRecord, ...), and their validation.
 *
 * Records are plain, immutable objects discriminated by `type`. {@link validateRecord} checks every field's type
 * and range; the binary codec and the image replay call it, so a malformed record never reaches an image.
 */
import { MetadataError } from "./errors.js";

/** Partition has no leader. */
export const NO_LEADER = -1;
/** In a PartitionChange record: the leader does not change. */
export const NO_LEADER_CHANGE = -2;
/** Largest replica count a partition may have (the row stride of partition tables is a byte). */
export const MAX_REPLICAS = 255;

/** A broker registers (or re-registers); its broker epoch is the offset of this record. Kafka: RegisterBrokerRecord. */
export interface RegisterBrokerRecord {
  readonly type: "RegisterBroker";
  readonly brokerId: number;
  /** Unique per broker process start; a different incarnation while the old one is alive is a duplicate. */
  readonly incarnationId: string;
  /** The offset of this record in the log. */
  readonly brokerEpoch: number;
  readonly rack: string | null;
  /** Brokers register fenced and are unfenced once caught up. */
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}
/** A broker's registration is removed. Kafka: UnregisterBrokerRecord. */
export interface UnregisterBrokerRecord {
  readonly type: "UnregisterBroker";
  readonly brokerId: number;
  readonly brokerEpoch: number;
}
/** A topic is created. Kafka: TopicRecord. */
export interface TopicRecord {
  readonly type: "Topic";
  readonly name: string;
  readonly topicId: string;
}
/** A partition is created with its full state. Kafka: PartitionRecord. */
export interface PartitionRecord {
  readonly type: "Partition";
  readonly topicId: string;
  readonly partitionId: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Broker id or {@link NO_LEADER}. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}
/**
 * A partition's leader, ISR or replicas change. Kafka: PartitionChangeRecord. Replaying it increments the
 * partition epoch, and the leader epoch when `leader` is not {@link NO_LEADER_CHANGE}.
 */
export interface PartitionChangeRecord {
  readonly type: "PartitionChange";
  readonly topicId: string;
  readonly partitionId: number;
  /** New leader, {@link NO_LEADER} for none, {@link NO_LEADER_CHANGE} to keep the current one. */
  readonly leader: number;
  /** New ISR, or null to keep it. */
  readonly isr: readonly number[] | null;
  /** New replica list, or null to keep it. */
  readonly replicas: readonly number[] | null;
}
/** A broker is fenced: it may lead nothing. Kafka: FenceBrokerRecord. */
export interface FenceBrokerRecord {
  readonly type: "FenceBroker";
  readonly brokerId: number;
  readonly brokerEpoch: number;
}
/** A broker is unfenced. Kafka: UnfenceBrokerRecord. */
export interface UnfenceBrokerRecord {
  readonly type: "UnfenceBroker";
  readonly brokerId: number;
  readonly brokerEpoch: number;
}
/** A broker's fenced / controlled-shutdown flags change; null keeps a flag. Kafka: BrokerRegistrationChangeRecord. */
export interface BrokerRegistrationChangeRecord {
  readonly type: "BrokerRegistrationChange";
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly fenced: boolean | null;
  readonly inControlledShutdown: boolean | null;
}
/** A topic and all its partitions are deleted. Kafka: RemoveTopicRecord. */
export interface RemoveTopicRecord {
  readonly type: "RemoveTopic";
  readonly topicId: string;
}
/** Kinds of configurable resources, as Kafka's ConfigResource.Type. */
export type ConfigResourceType = "topic" | "broker" | "cluster";
/** A dynamic configuration key is set, or deleted when `value` is null. Kafka: ConfigRecord. */
export interface ConfigRecord {
  readonly type: "Config";
  readonly resourceType: ConfigResourceType;
  /** Topic name, broker id as a string, or "" for the cluster. */
  readonly resourceName: string;
  readonly name: string;
  readonly value: string | null;
}
/** A feature's finalized level (e.g. metadata.version). Level 0 removes it. Kafka: FeatureLevelRecord. */
export interface FeatureLevelRecord {
  readonly type: "FeatureLevel";
  readonly name: string;
  readonly featureLevel: number;
}
/** Written by the active controller every 500 ms so followers see the log advance. Kafka: NoOpRecord. */
export interface NoOpRecord {
  readonly type: "NoOp";
}

/** Every record of the metadata log. */
export type MetadataRecord =
  | RegisterBrokerRecord
  | UnregisterBrokerRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | FenceBrokerRecord
  | UnfenceBrokerRecord
  | BrokerRegistrationChangeRecord
  | RemoveTopicRecord
  | ConfigRecord
  | FeatureLevelRecord
  | NoOpRecord;

/** The `type` tags of {@link MetadataRecord}, in codec order (the index is the binary type tag). */
export const RECORD_TYPES = [
  "RegisterBroker",
  "UnregisterBroker",
  "Topic",
  "Partition",
  "PartitionChange",
  "FenceBroker",
  "UnfenceBroker",
  "BrokerRegistrationChange",
  "RemoveTopic",
  "Config",
  "FeatureLevel",
  "NoOp",
] as const satisfies readonly MetadataRecord["type"][];

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Whether `name` is a legal Kafka topic name: 1–249 characters of `[a-zA-Z0-9._-]`, not "." or "..".
 * @param name - candidate topic name
 */
export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== "." && name !== "..";
}

function bad(record: { readonly type?: unknown }, why: string): never {
  throw new MetadataError("INVALID_RECORD", `${String(record.type)} record: ${why}; fix the producer of this record`);
}
function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}
const INT32_MAX = 2147483647;
function checkBrokerId(r: MetadataRecord, v: unknown, field = "brokerId"): void {
  if (!isInt(v, 0, INT32_MAX)) bad(r, `${field} must be an integer in [0, 2^31), got ${String(v)}`);
}
function checkEpoch(r: MetadataRecord, v: unknown, field: string): void {
  if (!isInt(v, 0, Number.MAX_SAFE_INTEGER)) bad(r, `${field} must be a non-negative safe integer, got ${String(v)}`);
}
function checkString(r: MetadataRecord, v: unknown, field: string, allowEmpty: boolean): void {
  if (typeof v !== "string" || (!allowEmpty && v.length === 0) || v.length > 32767) {
    bad(r, `${field} must be a ${allowEmpty ? "" : "non-empty "}string of at most 32767 characters`);
  }
}
function checkBool(r: MetadataRecord, v: unknown, field: string, nullable: boolean): void {
  if (!(typeof v === "boolean" || (nullable && v === null))) bad(r, `${field} must be a boolean${nullable ? " or null" : ""}`);
}
function checkBrokerList(r: MetadataRecord, v: unknown, field: string, allowEmpty: boolean): readonly number[] {
  if (!Array.isArray(v)) bad(r, `${field} must be an array of broker ids`);
  if (v.length > MAX_REPLICAS) bad(r, `${field} has ${v.length} entries; at most ${MAX_REPLICAS} are allowed`);
  if (!allowEmpty && v.length === 0) bad(r, `${field} must not be empty`);
  for (let i = 0; i < v.length; i++) {
    const b: unknown = v[i];
    // Messages are built only on failure: this runs for every replica of every partition record.
    if (!isInt(b, 0, INT32_MAX)) bad(r, `${field}[${i}] must be an integer in [0, 2^31), got ${String(b)}`);
    for (let j = 0; j < i; j++) if (v[j] === b) bad(r, `${field} lists broker ${b} twice`);
  }
  return v as readonly number[];
}
function contains(list: readonly number[], b: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === b) return true;
  return false;
}
function checkPartitionRef(r: PartitionRecord | PartitionChangeRecord): void {
  checkString(r, r.topicId, "topicId", false);
  if (!isInt(r.partitionId, 0, INT32_MAX)) bad(r, `partitionId must be an integer in [0, 2^31), got ${String(r.partitionId)}`);
}

/**
 * Checks a record's shape and ranges. Returns the record (typed) so decoders can chain it.
 * @param record - the value to check; anything may be passed
 * @throws MetadataError with code INVALID_RECORD naming the bad field
 */
export function validateRecord(record: unknown): MetadataRecord {
  if (typeof record !== "object" || record === null) {
    throw new MetadataError("INVALID_RECORD", "a metadata record must be an object with a 'type' field");
  }
  const r = record as MetadataRecord;
  switch (r.type) {
    case "RegisterBroker":
      checkBrokerId(r, r.brokerId);
      checkString(r, r.incarnationId, "incarnationId", false);
      checkEpoch(r, r.brokerEpoch, "brokerEpoch");
      if (r.rack !== null) checkString(r, r.rack, "rack", false);
      checkBool(r, r.fenced, "fenced", false);
      checkBool(r, r.inControlledShutdown, "inControlledShutdown", false);
      return r;
    case "UnregisterBroker":
    case "FenceBroker":
    case "UnfenceBroker":
      checkBrokerId(r, r.brokerId);
      checkEpoch(r, r.brokerEpoch, "brokerEpoch");
      return r;
    case "BrokerRegistrationChange":
      checkBrokerId(r, r.brokerId);
      checkEpoch(r, r.brokerEpoch, "brokerEpoch");
      checkBool(r, r.fenced, "fenced", true);
      checkBool(r, r.inControlledShutdown, "inControlledShutdown", true);
      return r;
    case "Topic":
      if (typeof r.name !== "string" || !isValidTopicName(r.name)) bad(r, `name '${String(r.name)}' is not a legal topic name`);
      checkString(r, r.topicId, "topicId", false);
      return r;
    case "Partition": {
      checkPartitionRef(r);
      const replicas = checkBrokerList(r, r.replicas, "replicas", false);
      const isr = checkBrokerList(r, r.isr, "isr", false);
      for (const b of isr) if (!contains(replicas, b)) bad(r, `isr member ${b} is not a replica`);
      if (r.leader !== NO_LEADER) {
        checkBrokerId(r, r.leader, "leader");
        if (!contains(isr, r.leader)) bad(r, `leader ${r.leader} is not in the isr`);
      }
      if (!isInt(r.leaderEpoch, 0, INT32_MAX)) bad(r, "leaderEpoch must be an integer in [0, 2^31)");
      if (!isInt(r.partitionEpoch, 0, INT32_MAX)) bad(r, "partitionEpoch must be an integer in [0, 2^31)");
      return r;
    }
    case "PartitionChange": {
      checkPartitionRef(r);
      if (r.leader !== NO_LEADER && r.leader !== NO_LEADER_CHANGE) checkBrokerId(r, r.leader, "leader");
      const replicas = r.replicas === null ? null : checkBrokerList(r, r.replicas, "replicas", false);
      if (r.isr !== null) {
        const isr = checkBrokerList(r, r.isr, "isr", false);
        if (replicas !== null) for (const b of isr) if (!replicas.includes(b)) bad(r, `isr member ${b} is not a replica`);
      }
      return r;
    }
    case "RemoveTopic":
      checkString(r, r.topicId, "topicId", false);
      return r;
    case "Config":
      if (r.resourceType !== "topic" && r.resourceType !== "broker" && r.resourceType !== "cluster") {
        bad(r, `resourceType must be topic, broker or cluster, got ${String(r.resourceType)}`);
      }
      checkString(r, r.resourceName, "resourceName", r.resourceType === "cluster");
      checkString(r, r.name, "name", false);
      if (r.value !== null) checkString(r, r.value, "value", true);
      return r;
    case "FeatureLevel":
      checkString(r, r.name, "name", false);
      if (!isInt(r.featureLevel, 0, 32767)) bad(r, "featureLevel must be an integer in [0, 32767]");
      return r;
    case "NoOp":
      return r;
    default:
      throw new MetadataError(
        "INVALID_RECORD",
        `unknown record type '${String((r as { type?: unknown }).type)}'; known: ${RECORD_TYPES.join(", ")}`,
      );
  }
}
