/**
 * A broker as an observer of the metadata log: it replays committed batches into its own image and answers
 * "which broker leads partition p of topic t". Kafka: BrokerMetadataListener / MetadataLoader + MetadataCache.
 */
import { MetadataError, type MetadataErrorCode } from "./errors.js";
import { MetadataDelta } from "./image.js";
import { MetadataImage } from "./image.js";
import { NO_LEADER } from "./records.js";
import type { MetadataRecord } from "./records.js";
import { decodeSnapshot } from "./snapshot.js";

/** A broker's metadata state. */
export interface BrokerState {
  readonly nodeId: number;
  /** Image at the last committed offset replayed. */
  readonly image: MetadataImage;
}

/** Inputs to {@link brokerStep}. */
export type BrokerInput =
  /** A committed batch from the metadata log. */
  | { readonly type: "commit"; readonly baseOffset: number; readonly epoch: number; readonly records: readonly MetadataRecord[] }
  /** A snapshot fetched from the quorum (the broker was too far behind). */
  | { readonly type: "load-snapshot"; readonly snapshot: Uint8Array };

/** Outputs of {@link brokerStep}. */
export type BrokerOutput =
  /** A new image is live at `offset`; these topics changed or were removed (all of them after a snapshot). */
  | { readonly type: "published"; readonly offset: number; readonly changedTopicIds: readonly string[]; readonly removedTopicIds: readonly string[] }
  /** The input was rejected; the state is unchanged. */
  | { readonly type: "rejected"; readonly reason: MetadataErrorCode; readonly detail: string };

/**
 * A broker that has seen nothing yet.
 * @param nodeId - the broker's id
 */
export function initBroker(nodeId: number): BrokerState {
  return { nodeId, image: MetadataImage.EMPTY };
}

function fail(state: BrokerState, error: unknown): { state: BrokerState; outputs: BrokerOutput[] } {
  /* c8 ignore next */
  if (!(error instanceof MetadataError)) throw error;
  return { state, outputs: [{ type: "rejected", reason: error.code, detail: error.message }] };
}

/**
 * Applies one committed batch or snapshot.
 * @returns the next state and a `published` output, or an `error` output with the state unchanged
 */
export function brokerStep(state: BrokerState, input: BrokerInput): { state: BrokerState; outputs: BrokerOutput[] } {
  if (input.type === "load-snapshot") {
    try {
      const image = decodeSnapshot(input.snapshot);
      if (image.offset <= state.image.offset) {
        throw new MetadataError("OFFSET_REGRESSION", `snapshot at offset ${image.offset} is not newer than ${state.image.offset}`);
      }
      const changed = [...image.topics.entries()].map(([id]) => id);
      const removed = [...state.image.topics.entries()].map(([id]) => id).filter((id) => !image.topics.has(id));
      return { state: { ...state, image }, outputs: [{ type: "published", offset: image.offset, changedTopicIds: changed, removedTopicIds: removed }] };
    } catch (e) {
      return fail(state, e);
    }
  }
  if (input.type !== "commit" || !Array.isArray(input.records) || input.records.length === 0) {
    return fail(state, new MetadataError("INVALID_INPUT", "expected a commit with at least one record or a load-snapshot"));
  }
  try {
    const delta = new MetadataDelta(state.image);
    for (let i = 0; i < input.records.length; i++) delta.replay(input.records[i] as MetadataRecord, input.baseOffset + i);
    const image = delta.apply();
    return {
      state: { ...state, image },
      outputs: [{ type: "published", offset: image.offset, changedTopicIds: [...delta.changedTopicIds()], removedTopicIds: [...delta.removedTopicIds()] }],
    };
  } catch (e) {
    return fail(state, e);
  }
}

/** Answer to {@link leaderOf}. */
export type LeaderLookup =
  | { readonly errorCode: "NONE"; readonly leader: number; readonly leaderEpoch: number }
  | { readonly errorCode: "LEADER_NOT_AVAILABLE"; readonly leader: -1; readonly leaderEpoch: number }
  | { readonly errorCode: "UNKNOWN_TOPIC_OR_PARTITION"; readonly leader: -1; readonly leaderEpoch: -1 };

/**
 * Which broker leads partition `partition` of topic `topic`, per this image (what a Metadata request returns).
 * @param image - a broker's (or controller's) image
 * @param topic - topic name
 * @param partition - partition index
 */
export function leaderOf(image: MetadataImage, topic: string, partition: number): LeaderLookup {
  const t = image.topicByName(topic);
  if (t === undefined || !Number.isSafeInteger(partition) || partition < 0 || partition >= t.partitions.count) {
    return { errorCode: "UNKNOWN_TOPIC_OR_PARTITION", leader: -1, leaderEpoch: -1 };
  }
  const leader = t.partitions.leader(partition);
  const leaderEpoch = t.partitions.leaderEpoch(partition);
  return leader === NO_LEADER ? { errorCode: "LEADER_NOT_AVAILABLE", leader: -1, leaderEpoch } : { errorCode: "NONE", leader, leaderEpoch };
}
