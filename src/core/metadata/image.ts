/**
 * The metadata image: the state of the cluster after replaying the metadata log up to an offset. Kafka:
 * `org.apache.kafka.image.MetadataImage` / `MetadataDelta`.
 *
 * An image is immutable. Changes go through a {@link MetadataDelta}, which copies only what it touches (one
 * partition table per changed topic, one bucket of the topic maps, the small broker/config/feature maps) and
 * publishes a new image sharing everything else with its base. So a controller's speculative image and its
 * committed image coexist at the cost of the topics that differ.
 */
import { MetadataError } from "./errors.js";
import { PartitionTable } from "./partitions.js";
import type { PartitionTableBuilder, PartitionView } from "./partitions.js";
import { PersistentMap } from "./pmap.js";
import type { PersistentMapEditor } from "./pmap.js";
import { validateRecord } from "./records.js";
import type { ConfigResourceType, MetadataRecord } from "./records.js";

/** A registered broker, as the image knows it. Kafka: BrokerRegistration. */
export interface BrokerRegistration {
  readonly brokerId: number;
  /** Offset of the broker's RegisterBroker record. */
  readonly brokerEpoch: number;
  readonly incarnationId: string;
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

/** A topic: its id, name and partition table. Kafka: TopicImage. */
export interface TopicImage {
  readonly id: string;
  readonly name: string;
  readonly partitions: PartitionTable;
}

/** Key of a config resource in {@link MetadataImage.configs}: `type:name`. */
export function configKey(type: ConfigResourceType, name: string): string {
  return `${type}:${name}`;
}

/** An immutable snapshot of cluster metadata at {@link MetadataImage.offset}. */
export class MetadataImage {
  /** The image before any record: offset -1, nothing registered. */
  static readonly EMPTY = new MetadataImage(
    -1,
    new Map(),
    PersistentMap.empty<TopicImage>(),
    PersistentMap.empty<string>(),
    new Map(),
    new Map(),
  );
  /** @internal use {@link MetadataDelta} to derive images */
  constructor(
    /** Offset of the last record applied, -1 for none. */
    readonly offset: number,
    /** Registered brokers by id. */
    readonly brokers: ReadonlyMap<number, BrokerRegistration>,
    /** Topics by topic id. */
    readonly topics: PersistentMap<TopicImage>,
    /** Topic ids by topic name. */
    readonly topicIdsByName: PersistentMap<string>,
    /** Dynamic configs by {@link configKey}. */
    readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>,
    /** Finalized feature levels by feature name. */
    readonly features: ReadonlyMap<string, number>,
  ) {}
  /** The topic with this id, if any. */
  topicById(topicId: string): TopicImage | undefined {
    return this.topics.get(topicId);
  }
  /** The topic with this name, if any. */
  topicByName(name: string): TopicImage | undefined {
    const id = this.topicIdsByName.get(name);
    return id === undefined ? undefined : this.topics.get(id);
  }
  /** Partition `p` of the topic named `topic`, if both exist. */
  partition(topic: string, p: number): PartitionView | undefined {
    return this.topicByName(topic)?.partitions.view(p);
  }
  /** The broker's registration, if registered. */
  broker(brokerId: number): BrokerRegistration | undefined {
    return this.brokers.get(brokerId);
  }
  /** A config value, if set. */
  config(type: ConfigResourceType, resourceName: string, name: string): string | undefined {
    return this.configs.get(configKey(type, resourceName))?.get(name);
  }
  /** Total number of partitions across topics (O(topics)). */
  get partitionCount(): number {
    let n = 0;
    for (const t of this.topics.values()) n += t.partitions.count;
    return n;
  }
}

function conflict(record: MetadataRecord, why: string): never {
  throw new MetadataError("REPLAY_CONFLICT", `cannot replay ${record.type}: ${why}; the log and the image disagree`);
}

/**
 * Accumulates records on top of a base image and publishes a new image with {@link MetadataDelta.apply}.
 * A record that fails to replay throws before changing anything the published image could observe; discard the
 * delta after an error. Kafka: MetadataDelta.
 */
export class MetadataDelta {
  private offsetNow: number;
  private brokers: Map<number, BrokerRegistration> | null = null;
  private topics: PersistentMapEditor<TopicImage> | null = null;
  private names: PersistentMapEditor<string> | null = null;
  private readonly builders = new Map<string, { name: string; table: PartitionTableBuilder }>();
  private configs: Map<string, ReadonlyMap<string, string>> | null = null;
  private features: Map<string, number> | null = null;
  private readonly changedBrokers = new Set<number>();
  private readonly removedTopics = new Set<string>();

  /** @param base - the image the records apply to */
  constructor(readonly base: MetadataImage) {
    this.offsetNow = base.offset;
  }
  /** Offset of the last record replayed. */
  get offset(): number {
    return this.offsetNow;
  }
  /** Ids of topics created or changed in this delta. */
  changedTopicIds(): ReadonlySet<string> {
    return new Set(this.builders.keys());
  }
  /** Ids of topics removed in this delta. */
  removedTopicIds(): ReadonlySet<string> {
    return this.removedTopics;
  }
  /** Ids of brokers whose registration changed in this delta. */
  changedBrokerIds(): ReadonlySet<number> {
    return this.changedBrokers;
  }
  /** The broker registration as of this delta. */
  broker(id: number): BrokerRegistration | undefined {
    return (this.brokers ?? this.base.brokers).get(id);
  }
  /** The topic as of this delta (its partition table may be a live builder: read it, do not keep it). */
  topic(topicId: string): TopicImage | undefined {
    const b = this.builders.get(topicId);
    if (b !== undefined) return { id: topicId, name: b.name, partitions: b.table };
    return this.topics === null ? this.base.topics.get(topicId) : this.topics.get(topicId);
  }
  private topicIdByName(name: string): string | undefined {
    return this.names === null ? this.base.topicIdsByName.get(name) : this.names.get(name);
  }
  private editTopics(): { topics: PersistentMapEditor<TopicImage>; names: PersistentMapEditor<string> } {
    this.topics ??= this.base.topics.edit();
    this.names ??= this.base.topicIdsByName.edit();
    return { topics: this.topics, names: this.names };
  }
  private builder(record: MetadataRecord, topicId: string): PartitionTableBuilder {
    const b = this.builders.get(topicId);
    if (b !== undefined) return b.table;
    const t = this.topic(topicId);
    if (t === undefined) conflict(record, `unknown topic id ${topicId}`);
    const table = t.partitions.toBuilder();
    this.builders.set(topicId, { name: t.name, table });
    return table;
  }
  private setBroker(reg: BrokerRegistration): void {
    this.brokers ??= new Map(this.base.brokers);
    this.brokers.set(reg.brokerId, reg);
    this.changedBrokers.add(reg.brokerId);
  }
  private existingBroker(record: MetadataRecord & { brokerId: number; brokerEpoch: number }): BrokerRegistration {
    const reg = this.broker(record.brokerId);
    if (reg === undefined) conflict(record, `broker ${record.brokerId} is not registered`);
    if (reg.brokerEpoch !== record.brokerEpoch) {
      conflict(record, `broker ${record.brokerId} has epoch ${reg.brokerEpoch}, the record names ${record.brokerEpoch}`);
    }
    return reg;
  }

  /**
   * Replays one record at `offset`.
   * @param record - the record
   * @param offset - its log offset, above the previous one
   * @param trusted - skip field validation; only for records that came out of `decodeBatch`/`decodeRecord`
   *   or `validateRecord` (the decoders validate already)
   * @throws MetadataError OFFSET_REGRESSION if `offset` is not above the last one, INVALID_RECORD if malformed,
   *   REPLAY_CONFLICT if the record contradicts the image
   */
  replay(record: MetadataRecord, offset: number, trusted = false): void {
    if (!Number.isSafeInteger(offset) || offset <= this.offsetNow) {
      throw new MetadataError("OFFSET_REGRESSION", `record at offset ${offset} is not after offset ${this.offsetNow}; deliver records in log order`);
    }
    const r = trusted ? record : validateRecord(record);
    switch (r.type) {
      case "RegisterBroker":
        this.setBroker({
          brokerId: r.brokerId,
          brokerEpoch: r.brokerEpoch,
          incarnationId: r.incarnationId,
          rack: r.rack,
          fenced: r.fenced,
          inControlledShutdown: r.inControlledShutdown,
        });
        break;
      case "UnregisterBroker":
        this.existingBroker(r);
        this.brokers ??= new Map(this.base.brokers);
        this.brokers.delete(r.brokerId);
        this.changedBrokers.add(r.brokerId);
        break;
      case "FenceBroker":
        this.setBroker({ ...this.existingBroker(r), fenced: true });
        break;
      case "UnfenceBroker":
        this.setBroker({ ...this.existingBroker(r), fenced: false });
        break;
      case "BrokerRegistrationChange": {
        const reg = this.existingBroker(r);
        this.setBroker({
          ...reg,
          fenced: r.fenced ?? reg.fenced,
          inControlledShutdown: r.inControlledShutdown ?? reg.inControlledShutdown,
        });
        break;
      }
      case "Topic": {
        if (this.topic(r.topicId) !== undefined) conflict(r, `topic id ${r.topicId} already exists`);
        if (this.topicIdByName(r.name) !== undefined) conflict(r, `topic name ${r.name} already exists`);
        const { topics, names } = this.editTopics();
        const table = PartitionTable.empty().toBuilder();
        this.builders.set(r.topicId, { name: r.name, table });
        topics.set(r.topicId, { id: r.topicId, name: r.name, partitions: table });
        names.set(r.name, r.topicId);
        this.removedTopics.delete(r.topicId);
        break;
      }
      case "Partition":
        this.builder(r, r.topicId).put(r.partitionId, r.replicas, r.isr, r.leader, r.leaderEpoch, r.partitionEpoch);
        break;
      case "PartitionChange":
        this.builder(r, r.topicId).change(r.partitionId, r.leader, r.isr, r.replicas);
        break;
      case "RemoveTopic": {
        const t = this.topic(r.topicId);
        if (t === undefined) conflict(r, `unknown topic id ${r.topicId}`);
        const { topics, names } = this.editTopics();
        topics.delete(r.topicId);
        names.delete(t.name);
        this.builders.delete(r.topicId);
        this.removedTopics.add(r.topicId);
        // Kafka deletes a removed topic's dynamic configs with it.
        const key = configKey("topic", t.name);
        if ((this.configs ?? this.base.configs).has(key)) {
          this.configs ??= new Map(this.base.configs);
          this.configs.delete(key);
        }
        break;
      }
      case "Config": {
        this.configs ??= new Map(this.base.configs);
        const key = configKey(r.resourceType, r.resourceName);
        const entries = new Map(this.configs.get(key));
        if (r.value === null) entries.delete(r.name);
        else entries.set(r.name, r.value);
        if (entries.size === 0) this.configs.delete(key);
        else this.configs.set(key, entries);
        break;
      }
      case "FeatureLevel":
        this.features ??= new Map(this.base.features);
        if (r.featureLevel === 0) this.features.delete(r.name);
        else this.features.set(r.name, r.featureLevel);
        break;
      case "NoOp":
        break;
    }
    this.offsetNow = offset;
  }

  /** Publishes the new image. The delta must not be used afterwards. */
  apply(): MetadataImage {
    let topics = this.base.topics;
    let names = this.base.topicIdsByName;
    if (this.builders.size > 0 || this.topics !== null) {
      const editor = this.topics ?? this.base.topics.edit();
      for (const [id, b] of this.builders) editor.set(id, { id, name: b.name, partitions: b.table.freeze() });
      topics = editor.done(this.base.topics);
      if (this.names !== null) names = this.names.done(this.base.topicIdsByName);
    }
    return new MetadataImage(
      this.offsetNow,
      this.brokers ?? this.base.brokers,
      topics,
      names,
      this.configs ?? this.base.configs,
      this.features ?? this.base.features,
    );
  }
}

/**
 * Replays one record on an image, returning the new image (the input is untouched).
 * @param image - base image
 * @param record - record to apply
 * @param offset - the record's log offset, above `image.offset`
 * @throws MetadataError as {@link MetadataDelta.replay}
 */
export function replay(image: MetadataImage, record: MetadataRecord, offset: number): MetadataImage {
  const delta = new MetadataDelta(image);
  delta.replay(record, offset);
  return delta.apply();
}

/**
 * Replays a batch of records at consecutive offsets from `baseOffset`, all or nothing.
 * @throws MetadataError as {@link MetadataDelta.replay}; the input image is untouched
 */
export function replayBatch(image: MetadataImage, records: readonly MetadataRecord[], baseOffset: number): MetadataImage {
  const delta = new MetadataDelta(image);
  for (let i = 0; i < records.length; i++) delta.replay(records[i] as MetadataRecord, baseOffset + i);
  return delta.apply();
}
