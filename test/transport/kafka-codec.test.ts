/** The transport's Kafka families: KRaft-mode node messages and ZooKeeper-mode broker messages round-trip; bad bodies are typed errors. */
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../src/adapters/codec/bytes.js";
import { decodeMessage, encodeMessage } from "../../src/adapters/transport/index.js";
import type { NodeMessage } from "../../src/core/kraft-node/index.js";
import type { ZkKafkaMessage } from "../../src/adapters/codec/kafka.js";

function body(frame: Uint8Array): Uint8Array {
  return frame.subarray(5); // u32 length + u8 frame type
}

/** A zk-kafka message body with a hand-written JSON part (what a broken or hostile peer could send). */
function rawZk(kind: number, json: string): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(kind);
  w.varUint(1);
  w.varUint(2);
  w.string(json);
  return w.finish();
}

describe("transport family kafka / zk-kafka", () => {
  it("round-trips a KRaft-mode node's controller request and response and a quorum message", () => {
    const msgs: NodeMessage[] = [
      { kind: "controller-request", from: 4, to: 1, id: 7, request: { type: "BrokerHeartbeat", brokerId: 4, brokerEpoch: 12, currentMetadataOffset: 30, wantFence: false, wantShutDown: false } },
      { kind: "controller-response", from: 1, to: 4, id: 7, response: { type: "BrokerHeartbeat", errorCode: "NONE", isCaughtUp: true, isFenced: false, shouldShutDown: false } },
      { kind: "quorum", from: 2, to: 1, message: { type: "vote", from: 2, to: 1, epoch: 3, preVote: false, candidateDirectoryId: "", voterDirectoryId: "", lastEpoch: 1, lastEndOffset: 9 } },
    ];
    for (const m of msgs) {
      const d = decodeMessage("kafka", body(encodeMessage("kafka", m)));
      expect(d.ok && d.value).toEqual(m);
    }
  });

  it("round-trips every ZooKeeper-mode broker message", () => {
    const state = { topic: "t0", partition: 3, replicas: [1, 2, 3], leader: 2, leaderEpoch: 4, isr: [2, 3], controllerEpoch: 5 };
    const msgs: ZkKafkaMessage[] = [
      { kind: "broker-request", from: 1, to: 2, request: { kind: "LeaderAndIsr", controllerId: 1, controllerEpoch: 5, partitions: [state] } },
      { kind: "broker-request", from: 1, to: 2, request: { kind: "UpdateMetadata", controllerId: 1, controllerEpoch: 5, liveBrokers: [1, 2], partitions: [state] } },
      { kind: "broker-request", from: 1, to: 2, request: { kind: "StopReplica", controllerId: 1, controllerEpoch: 5, partitions: [{ topic: "t0", partition: 3 }] } },
      { kind: "broker-response", from: 2, to: 1, requestKind: "LeaderAndIsr", error: "NONE" },
      { kind: "controlled-shutdown", from: 2, to: 1, correlationId: 9 },
      { kind: "controlled-shutdown-reply", from: 1, to: 2, correlationId: 9, remaining: 0 },
    ];
    for (const m of msgs) {
      const d = decodeMessage("zk-kafka", body(encodeMessage("zk-kafka", m)));
      expect(d.ok && d.value).toEqual(m);
    }
  });

  it("refuses malformed broker messages with a typed error naming the problem", () => {
    for (const [kind, json, want] of [
      [0, "not json", /not JSON/],
      [0, "[]", /not an object/],
      [0, '{"request":{"kind":"Explode","controllerId":1,"controllerEpoch":1,"partitions":[]}}', /unknown kind/],
      [0, '{"request":{"kind":"LeaderAndIsr","controllerId":1,"controllerEpoch":1,"partitions":[{"topic":"t","partition":0,"replicas":"x"}]}}', /partition state needs/],
      [0, '{"request":{"kind":"UpdateMetadata","controllerId":1,"controllerEpoch":1,"partitions":[]}}', /liveBrokers/],
      [1, '{"requestKind":"LeaderAndIsr"}', /requestKind and error/],
      [2, '{"correlationId":1.5}', /correlationId must be an integer/],
      [9, "{}", /unknown zk-mode message kind tag 9/],
    ] as const) {
      const d = decodeMessage("zk-kafka", rawZk(kind, json));
      expect(d.ok, json).toBe(false);
      if (!d.ok) expect(d.error.message).toMatch(want);
    }
  });
});
