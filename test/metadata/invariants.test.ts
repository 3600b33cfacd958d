import { describe, expect, it } from "vitest";
import {
  MetadataImage,
  PartitionTable,
  checkImage,
  fencedBrokersLeadNothing,
  imagesAgree,
  leaderEpochsMonotonic,
  leadersInIsrAndUnfenced,
  replay,
  replayBatch,
} from "../../src/core/metadata/index.js";
import type { MetadataRecord } from "../../src/core/metadata/index.js";

const base = replayBatch(MetadataImage.EMPTY, [
  { type: "RegisterBroker", brokerId: 1, incarnationId: "a", brokerEpoch: 0, rack: null, fenced: false, inControlledShutdown: false },
  { type: "RegisterBroker", brokerId: 2, incarnationId: "b", brokerEpoch: 1, rack: null, fenced: false, inControlledShutdown: false },
  { type: "Topic", name: "t", topicId: "T" },
  { type: "Partition", topicId: "T", partitionId: 0, replicas: [1, 2], isr: [1, 2], leader: 1, leaderEpoch: 4, partitionEpoch: 6 },
  { type: "Partition", topicId: "T", partitionId: 1, replicas: [2, 1], isr: [2, 1], leader: 2, leaderEpoch: 0, partitionEpoch: 0 },
], 0);
const next = (img: MetadataImage, r: MetadataRecord): MetadataImage => replay(img, r, img.offset + 1);

describe("metadata invariants (each proven to fire)", () => {
  it("hold on a healthy image", () => {
    expect(checkImage(base)).toEqual([]);
    expect(leaderEpochsMonotonic(base, next(base, { type: "PartitionChange", topicId: "T", partitionId: 0, leader: 2, isr: null, replicas: null }))).toEqual([]);
  });

  it("leader-in-isr-and-unfenced fires for a fenced, an unregistered, and an out-of-ISR leader", () => {
    // Mutant controller: fences broker 1 without moving its leadership first.
    const fenced = next(base, { type: "FenceBroker", brokerId: 1, brokerEpoch: 0 });
    expect(leadersInIsrAndUnfenced(fenced)).toEqual([expect.objectContaining({ invariant: "leader-in-isr-and-unfenced", message: expect.stringMatching(/t-0: leader 1 is fenced/) })]);
    expect(fencedBrokersLeadNothing(fenced)).toEqual([expect.objectContaining({ invariant: "fenced-broker-leads-nothing" })]);
    expect(checkImage(fenced)).toHaveLength(2);
    const gone = next(base, { type: "UnregisterBroker", brokerId: 2, brokerEpoch: 1 });
    expect(leadersInIsrAndUnfenced(gone)[0]?.message).toMatch(/t-1: leader 2 is not registered/);
    // Replay refuses a leader outside the ISR, so build one from raw rows as a corrupt store would.
    const t = base.topicById("T")!;
    const rows = t.partitions.rows.slice();
    rows[4 + t.partitions.stride] = 2; // partition 0's first ISR slot: ISR becomes [2, 2]; leader 1 outside it
    const editor = base.topics.edit();
    editor.set("T", { ...t, partitions: PartitionTable.fromRows(rows, t.partitions.count, t.partitions.stride) });
    const corrupt = new MetadataImage(base.offset, base.brokers, editor.done(base.topics), base.topicIdsByName, base.configs, base.features);
    expect(leadersInIsrAndUnfenced(corrupt)[0]?.message).toMatch(/t-0: leader 1 is not in the isr/);
  });

  it("leader-epoch-monotonic fires when an epoch goes back or a leader changes without a new epoch", () => {
    const regressed = next(base, { type: "Partition", topicId: "T", partitionId: 0, replicas: [1, 2], isr: [1, 2], leader: 1, leaderEpoch: 3, partitionEpoch: 6 });
    expect(leaderEpochsMonotonic(base, regressed)).toEqual([expect.objectContaining({ invariant: "leader-epoch-monotonic" })]);
    const sameEpoch = next(base, { type: "Partition", topicId: "T", partitionId: 0, replicas: [1, 2], isr: [1, 2], leader: 2, leaderEpoch: 4, partitionEpoch: 7 });
    expect(leaderEpochsMonotonic(base, sameEpoch)).toHaveLength(1);
    const pe = next(base, { type: "Partition", topicId: "T", partitionId: 0, replicas: [1, 2], isr: [1, 2], leader: 1, leaderEpoch: 4, partitionEpoch: 5 });
    expect(leaderEpochsMonotonic(base, pe)).toHaveLength(1);
    // A removed topic is not compared.
    expect(leaderEpochsMonotonic(base, next(base, { type: "RemoveTopic", topicId: "T" }))).toEqual([]);
  });

  it("images-agree fires for different images at the same offset and ignores different offsets", () => {
    const a = next(base, { type: "NoOp" });
    const b = next(base, { type: "FenceBroker", brokerId: 2, brokerEpoch: 1 });
    expect(imagesAgree(a, b)).toEqual([expect.objectContaining({ invariant: "images-agree", message: expect.stringMatching(/broker 2 fenced/) })]);
    expect(imagesAgree(a, a)).toEqual([]);
    expect(imagesAgree(base, b)).toEqual([]);
  });
});
