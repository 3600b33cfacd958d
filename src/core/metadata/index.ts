/**
 * The KRaft metadata layer: the metadata log's records, the immutable {@link MetadataImage} they build, the quorum
 * controller as a pure state machine ({@link step}), brokers that follow the log ({@link brokerStep}), snapshots
 * and the metadata invariants. It sits on any replicated log: feed it committed batches and leadership changes,
 * append the batches it outputs. See docs/metadata.md for the mapping to Kafka's classes.
 * @packageDocumentation
 */
export { MetadataError } from "./errors.js";
export type { MetadataErrorCode } from "./errors.js";
export { MAX_REPLICAS, NO_LEADER, NO_LEADER_CHANGE, RECORD_TYPES, isValidTopicName, validateRecord } from "./records.js";
export type {
  BrokerRegistrationChangeRecord,
  ConfigRecord,
  ConfigResourceType,
  FeatureLevelRecord,
  FenceBrokerRecord,
  MetadataRecord,
  NoOpRecord,
  PartitionChangeRecord,
  PartitionRecord,
  RegisterBrokerRecord,
  RemoveTopicRecord,
  TopicRecord,
  UnfenceBrokerRecord,
  UnregisterBrokerRecord,
} from "./records.js";
export { ByteReader, ByteWriter, decodeBatch, decodeRecord, encodeBatch, encodeRecord, readRecord, writeRecord } from "./codec.js";
export { MetadataDelta, MetadataImage, configKey, replay, replayBatch } from "./image.js";
export type { BrokerRegistration, TopicImage } from "./image.js";
export { PartitionTable, PartitionTableBuilder } from "./partitions.js";
export type { PartitionView } from "./partitions.js";
export { PersistentMap, PersistentMapEditor } from "./pmap.js";
export { decodeSnapshot, encodeSnapshot, imageDiff, imageEquals } from "./snapshot.js";
export { electLeader, partitionChangeFor } from "./election.js";
export type { LeaderAcceptor } from "./election.js";
export { nextInt, placeReplicas } from "./placement.js";
export type { PrngState } from "./placement.js";
export {
  DEFAULT_CONTROLLER_CONFIG,
  METADATA_VERSION,
  UNCLEAN_LEADER_ELECTION,
  currentImage,
  initController,
  isActive,
  step,
  takeSnapshot,
} from "./controller.js";
export type { ActiveState, ControllerConfig, ControllerInput, ControllerOutput, ControllerState, HeartbeatState, PendingBatch, StepResult } from "./controller.js";
export type * from "./requests.js";
export { brokerStep, initBroker, leaderOf } from "./broker.js";
export type { BrokerInput, BrokerOutput, BrokerState, LeaderLookup } from "./broker.js";
/** @deprecated The metadata invariants live in `quorate/check` (`invariants.metadata`); kept for the public API. */
export { checkImage, fencedBrokersLeadNothing, imagesAgree, leaderEpochsMonotonic, leadersInIsrAndUnfenced } from "../../check/invariants/metadata.js";
export type { Violation } from "../../check/invariants/metadata.js";
export { assembleEntry, frameBatch } from "./framing.js";
export type { AssembledBatch, BatchAssembler } from "./framing.js";
export { metadataCore, cloneController, fingerprintController, fingerprintImage } from "./core.js";
