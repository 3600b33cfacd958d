import { describe, expect, it } from "vitest";
import {
  MetadataError,
  brokerStep,
  currentImage,
  encodeSnapshot,
  imageEquals,
  initBroker,
  initController,
  isActive,
  leaderOf,
  replayBatch,
  step,
  takeSnapshot,
  MetadataImage,
} from "../../src/core/metadata/index.js";
import type { ControllerInput, ControllerState, MetadataRecord } from "../../src/core/metadata/index.js";
import { Harness } from "./harness.js";

function rejected(state: ControllerState, input: ControllerInput): string {
  const r = step(state, input);
  expect(r.state).toBe(state); // state intact: the very same object
  expect(r.outputs.length).toBe(1);
  const o = r.outputs[0];
  if (o?.type !== "rejected") throw new Error(`expected a rejected output, got ${JSON.stringify(o)}`);
  expect(o.detail.length).toBeGreaterThan(0);
  return o.reason;
}

function activeHarness(): Harness {
  const h = new Harness(2);
  h.elect(0);
  h.startBrokers([0, 1]);
  h.createTopic("t", 2, 2);
  return h;
}

describe("controller: bad inputs get a typed error and leave the state intact", () => {
  it("rejects out-of-range configs", () => {
    for (const bad of [{ tickMs: 0 }, { sessionTimeoutMs: 1000, heartbeatIntervalMs: 2000 }, { nodeId: -1 }, { metadataVersion: 0 }, { seed: 0.5 }, { uncleanLeaderElection: "yes" as unknown as boolean }, { maxPartitionsPerTopic: -4 }]) {
      expect(() => initController(bad)).toThrow(MetadataError);
      try {
        initController(bad);
      } catch (e) {
        expect((e as MetadataError).code).toBe("INVALID_CONFIG");
      }
    }
  });

  it("rejects committed batches that regress, are empty, malformed or contradict the image", () => {
    const h = activeHarness();
    const c = h.controllers[1] as ControllerState; // a standby
    const at = c.committed.offset + 1;
    expect(rejected(c, { type: "commit", baseOffset: c.committed.offset, epoch: 1, records: [{ type: "NoOp" }] })).toBe("OFFSET_REGRESSION");
    expect(rejected(c, { type: "commit", baseOffset: at, epoch: 1, records: [] })).toBe("INVALID_INPUT");
    expect(rejected(c, { type: "commit", baseOffset: at, epoch: -1, records: [{ type: "NoOp" }] })).toBe("INVALID_INPUT");
    expect(rejected(c, { type: "commit", baseOffset: at, epoch: 1, records: [{ type: "Partition", topicId: "x" } as unknown as MetadataRecord] })).toBe("INVALID_RECORD");
    expect(rejected(c, { type: "commit", baseOffset: at, epoch: 1, records: [{ type: "NoOp" }, { type: "FenceBroker", brokerId: 77, brokerEpoch: 1 }] })).toBe("REPLAY_CONFLICT");
    // The same checks hold on the active controller.
    const a = h.active;
    expect(rejected(a, { type: "commit", baseOffset: a.committed.offset + 1, epoch: h.epoch, records: [{ type: "FenceBroker", brokerId: 77, brokerEpoch: 1 }] })).toBe("REPLAY_CONFLICT");
  });

  it("rejects stale leadership changes and snapshots", () => {
    const h = activeHarness();
    const a = h.active;
    expect(rejected(a, { type: "became-leader", epoch: h.epoch, nextOffset: h.logEnd + 5 })).toBe("INVALID_INPUT");
    expect(rejected(a, { type: "became-leader", epoch: 0, nextOffset: h.logEnd + 5 })).toBe("INVALID_INPUT");
    expect(rejected(a, { type: "lost-leadership", epoch: 0 })).toBe("INVALID_INPUT");
    expect(rejected(a, { type: "load-snapshot", snapshot: takeSnapshot(a) })).toBe("INVALID_INPUT");
    const s = h.controllers[1] as ControllerState;
    expect(rejected(s, { type: "became-leader", epoch: h.epoch + 1, nextOffset: s.committed.offset })).toBe("INVALID_INPUT");
    expect(rejected(s, { type: "load-snapshot", snapshot: takeSnapshot(s) })).toBe("OFFSET_REGRESSION");
    expect(rejected(s, { type: "load-snapshot", snapshot: Uint8Array.of(1, 2, 3) })).toBe("MALFORMED_SNAPSHOT");
    expect(rejected(s, { kind: "bogus" } as unknown as ControllerInput)).toBe("INVALID_INPUT");
    expect(rejected(a, { type: "request", id: 1.5, request: { type: "UnregisterBroker", brokerId: 0 } })).toBe("INVALID_INPUT");
  });

  it("answers unknown and malformed requests with INVALID_REQUEST without writing", () => {
    const h = activeHarness();
    const a = h.active;
    const cases: unknown[] = [
      { type: "Bogus" },
      null,
      { type: "CreateTopics", topics: "x" },
      { type: "DeleteTopics", names: 3 },
      { type: "AlterConfigs", resources: {} },
      { type: "AlterPartition", brokerId: 0, brokerEpoch: h.epochOf(0), topics: null },
      { type: "AlterPartition", brokerId: "0", brokerEpoch: h.epochOf(0), topics: [] },
      { type: "BrokerHeartbeat", brokerId: 0, brokerEpoch: h.epochOf(0), currentMetadataOffset: 1, wantFence: "no", wantShutDown: false },
    ];
    for (const request of cases) {
      const r = step(a, { type: "request", id: 5, request: request as never });
      expect(r.outputs).toHaveLength(1);
      expect(r.outputs[0]).toMatchObject({ type: "reply", id: 5 });
      const resp = (r.outputs[0] as { response: { errorCode: string } }).response;
      expect(resp.errorCode).toBe("INVALID_REQUEST");
      expect(r.state.active?.speculative).toBe(a.active?.speculative);
      expect(r.state.active?.pending).toBe(a.active?.pending);
    }
    // Per-item garbage inside otherwise valid requests.
    const r = step(a, { type: "request", id: 6, request: { type: "AlterPartition", brokerId: 0, brokerEpoch: h.epochOf(0), topics: [{ topicId: 5, partitions: "x" }, null] } as never });
    expect(r.outputs[0]).toMatchObject({ type: "reply", response: { errorCode: "NONE", topics: [{ topicId: "", partitions: [] }, { topicId: "", partitions: [] }] } });
    const d = step(a, { type: "request", id: 7, request: { type: "DeleteTopics", names: [5] } as never });
    expect(d.outputs[0]).toMatchObject({ response: { topics: [{ name: "5", errorCode: "UNKNOWN_TOPIC_OR_PARTITION" }] } });
    const c = step(a, { type: "request", id: 8, request: { type: "CreateTopics", topics: [null] } as never });
    expect(c.outputs[0]).toMatchObject({ response: { topics: [{ name: "", errorCode: "INVALID_TOPIC_EXCEPTION" }] } });
  });

  it("currentImage and isActive reflect the role", () => {
    const h = activeHarness();
    expect(isActive(h.active)).toBe(true);
    expect(isActive(h.controllers[1] as ControllerState)).toBe(false);
    const id = h.send({ type: "CreateTopics", topics: [{ name: "spec", numPartitions: 1, replicationFactor: 1 }] });
    expect(h.replies.has(id)).toBe(false);
    expect(currentImage(h.active).topicByName("spec")).toBeDefined();
    expect(h.active.committed.topicByName("spec")).toBeUndefined();
    expect(currentImage(h.controllers[1] as ControllerState).topicByName("spec")).toBeUndefined();
    // A snapshot never contains uncommitted records.
    expect(imageEquals(h.active.committed, h.controllers[1]!.committed)).toBe(true);
    h.commit();
    expect(h.replies.get(id)).toMatchObject({ errorCode: "NONE" });
  });

  it("a commit of foreign records at our offsets while active renounces (rollback)", () => {
    const h = activeHarness();
    const a = h.active;
    const withPending = step(a, { type: "request", id: 9, request: { type: "CreateTopics", topics: [{ name: "mine", numPartitions: 1, replicationFactor: 1 }] } });
    const pendingBase = withPending.state.active?.pending[0]?.baseOffset as number;
    const r = step(withPending.state, { type: "commit", baseOffset: pendingBase, epoch: h.epoch + 1, records: [{ type: "NoOp" }] });
    expect(r.state.active).toBeNull();
    expect(r.outputs).toContainEqual(expect.objectContaining({ type: "reply", id: 9, response: expect.objectContaining({ errorCode: "NOT_CONTROLLER" }) }));
    expect(r.state.committed.topicByName("mine")).toBeUndefined();
    expect(r.state.epoch).toBe(h.epoch + 1);
  });
});

describe("standby controllers and snapshots", () => {
  it("a lagging standby loads a snapshot, then follows the log and matches the active controller", () => {
    const h = activeHarness();
    const snap = takeSnapshot(h.active);
    let late = initController({ nodeId: 5 });
    late = step(late, { type: "load-snapshot", snapshot: snap }).state;
    expect(imageEquals(late.committed, h.active.committed)).toBe(true);
    const from = h.committedLog.length;
    h.createTopic("later", 3, 2);
    for (const b of h.committedLog.slice(from)) late = step(late, { type: "commit", baseOffset: b.baseOffset, epoch: b.epoch, records: b.records }).state;
    expect(imageEquals(late.committed, h.active.committed)).toBe(true);
    // It can take over with the whole image in memory.
    const r = step(late, { type: "became-leader", epoch: h.epoch + 1, nextOffset: h.logEnd + 1 });
    expect(r.state.active?.speculative).toBe(late.committed);
    expect(r.outputs).toEqual([]); // metadata.version already set: no bootstrap record
  });
});

describe("brokers follow the log", () => {
  it("replay committed batches and answer leaderOf; reject bad input with state intact", () => {
    const recs: MetadataRecord[] = [
      { type: "RegisterBroker", brokerId: 4, incarnationId: "i", brokerEpoch: 0, rack: null, fenced: false, inControlledShutdown: false },
      { type: "Topic", name: "t", topicId: "T" },
      { type: "Partition", topicId: "T", partitionId: 0, replicas: [4], isr: [4], leader: 4, leaderEpoch: 3, partitionEpoch: 0 },
      { type: "Partition", topicId: "T", partitionId: 1, replicas: [4], isr: [4], leader: -1, leaderEpoch: 2, partitionEpoch: 0 },
    ];
    let b = initBroker(4);
    const r = brokerStep(b, { type: "commit", baseOffset: 0, epoch: 1, records: recs });
    expect(r.outputs).toEqual([{ type: "published", offset: 3, changedTopicIds: ["T"], removedTopicIds: [] }]);
    b = r.state;
    expect(leaderOf(b.image, "t", 0)).toEqual({ errorCode: "NONE", leader: 4, leaderEpoch: 3 });
    expect(leaderOf(b.image, "t", 1)).toEqual({ errorCode: "LEADER_NOT_AVAILABLE", leader: -1, leaderEpoch: 2 });
    expect(leaderOf(b.image, "t", 2).errorCode).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(leaderOf(b.image, "u", 0).errorCode).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    for (const input of [
      { type: "commit", baseOffset: 3, epoch: 1, records: [{ type: "NoOp" }] },
      { type: "commit", baseOffset: 4, epoch: 1, records: [] },
      { type: "commit", baseOffset: 4, epoch: 1, records: [{ type: "RemoveTopic", topicId: "nope" }] },
      { type: "load-snapshot", snapshot: Uint8Array.of(0) },
      { type: "load-snapshot", snapshot: encodeSnapshot(b.image) },
      { kind: "other" },
    ] as const) {
      const bad = brokerStep(b, input as never);
      expect(bad.state).toBe(b);
      expect(bad.outputs[0]?.type).toBe("rejected");
    }
    // Snapshot load reports removed topics.
    const later = replayBatch(MetadataImage.EMPTY, [{ type: "Topic", name: "n", topicId: "N" }, { type: "NoOp" }, { type: "NoOp" }, { type: "NoOp" }, { type: "NoOp" }], 0);
    const s = brokerStep(b, { type: "load-snapshot", snapshot: encodeSnapshot(later) });
    expect(s.outputs).toEqual([{ type: "published", offset: 4, changedTopicIds: ["N"], removedTopicIds: ["T"] }]);
  });
});

describe("records committed from before the claim", () => {
  it("update the speculative image and give newly seen brokers a full session", () => {
    // A controller that claims with metadata.version already set writes nothing at first (no pending batch), so a
    // late batch from before its claim can arrive.
    let d = initController();
    d = step(d, { type: "commit", baseOffset: 0, epoch: 1, records: [{ type: "FeatureLevel", name: "metadata.version", featureLevel: 21 }] }).state;
    d = step(d, { type: "became-leader", epoch: 2, nextOffset: 10 }).state;
    expect(d.active?.pending).toEqual([]);
    const r = step(d, { type: "commit", baseOffset: 5, epoch: 1, records: [{ type: "RegisterBroker", brokerId: 3, incarnationId: "x", brokerEpoch: 5, rack: null, fenced: false, inControlledShutdown: false }] });
    expect(r.state.active?.speculative.broker(3)).toBeDefined();
    expect(r.state.active?.heartbeats.get(3)?.lastContactMs).toBe(r.state.nowMs);
    // One tick later the broker is still unfenced: its session started when the controller learned of it.
    const t = step(r.state, { type: "tick" });
    expect(t.outputs.filter((o) => o.type === "append" && o.records.some((x) => x.type === "FenceBroker"))).toEqual([]);
  });
});
