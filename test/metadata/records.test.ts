import { describe, expect, it } from "vitest";
import {
  ByteReader,
  ByteWriter,
  decodeBatch,
  decodeRecord,
  encodeBatch,
  encodeRecord,
  isValidTopicName,
  validateRecord,
} from "../../src/core/metadata/index.js";
import type { MetadataRecord } from "../../src/core/metadata/index.js";
import { codeOf } from "./errors.js";

/** One of each record type, with edge values (negative leaders, nulls, non-ASCII strings, large epochs). */
export const SAMPLE_RECORDS: MetadataRecord[] = [
  { type: "RegisterBroker", brokerId: 2147483647, incarnationId: "inc-é🙂", brokerEpoch: 2 ** 53 - 1, rack: "rack-a", fenced: true, inControlledShutdown: false },
  { type: "RegisterBroker", brokerId: 0, incarnationId: "x", brokerEpoch: 0, rack: null, fenced: false, inControlledShutdown: true },
  { type: "UnregisterBroker", brokerId: 3, brokerEpoch: 17 },
  { type: "Topic", name: "orders.v1_x-y", topicId: "AAAAAAAAAAAAAAAAAAAAAA" },
  { type: "Partition", topicId: "t", partitionId: 5, replicas: [3, 1, 2], isr: [1, 3], leader: 1, leaderEpoch: 7, partitionEpoch: 9 },
  { type: "Partition", topicId: "t", partitionId: 0, replicas: [300000], isr: [300000], leader: -1, leaderEpoch: 0, partitionEpoch: 0 },
  { type: "PartitionChange", topicId: "t", partitionId: 1, leader: -2, isr: [1], replicas: null },
  { type: "PartitionChange", topicId: "t", partitionId: 1, leader: -1, isr: null, replicas: [4, 5] },
  { type: "PartitionChange", topicId: "t", partitionId: 1, leader: 4, isr: [4], replicas: [4, 5] },
  { type: "FenceBroker", brokerId: 1, brokerEpoch: 5 },
  { type: "UnfenceBroker", brokerId: 1, brokerEpoch: 5 },
  { type: "BrokerRegistrationChange", brokerId: 1, brokerEpoch: 5, fenced: null, inControlledShutdown: true },
  { type: "BrokerRegistrationChange", brokerId: 1, brokerEpoch: 5, fenced: false, inControlledShutdown: null },
  { type: "RemoveTopic", topicId: "t" },
  { type: "Config", resourceType: "topic", resourceName: "orders", name: "retention.ms", value: "1000" },
  { type: "Config", resourceType: "cluster", resourceName: "", name: "x", value: null },
  { type: "Config", resourceType: "broker", resourceName: "1", name: "y", value: "" },
  { type: "FeatureLevel", name: "metadata.version", featureLevel: 21 },
  { type: "NoOp" },
];


describe("record codec", () => {
  it("round-trips every record type", () => {
    for (const r of SAMPLE_RECORDS) expect(decodeRecord(encodeRecord(r))).toEqual(r);
    expect(decodeBatch(encodeBatch(SAMPLE_RECORDS))).toEqual(SAMPLE_RECORDS);
  });

  it("is compact: a 3-replica Partition record with a 22-character topic id fits in 40 bytes", () => {
    const bytes = encodeRecord({ type: "Partition", topicId: "AAAAAAAAAAAAAAAAAAAAAA", partitionId: 1234, replicas: [41, 42, 43], isr: [41, 42, 43], leader: 41, leaderEpoch: 3, partitionEpoch: 4 });
    expect(bytes.length).toBeLessThanOrEqual(40);
  });

  it("rejects truncated bytes at every cut point with MALFORMED_RECORD", () => {
    for (const r of SAMPLE_RECORDS) {
      const bytes = encodeRecord(r);
      for (let cut = 0; cut < bytes.length; cut++) expect(codeOf(() => decodeRecord(bytes.subarray(0, cut)))).toBe("MALFORMED_RECORD");
    }
  });

  it("rejects unknown tags, trailing bytes, bad flags, bad UTF-8, overlong varints", () => {
    expect(codeOf(() => decodeRecord(Uint8Array.of(99)))).toBe("MALFORMED_RECORD");
    expect(codeOf(() => decodeRecord(Uint8Array.of(11, 0)))).toBe("MALFORMED_RECORD");
    const reg = encodeRecord(SAMPLE_RECORDS[1] as MetadataRecord);
    const badFlag = reg.slice();
    badFlag[badFlag.length - 1] = 7;
    expect(codeOf(() => decodeRecord(badFlag))).toBe("MALFORMED_RECORD");
    const rbc = encodeRecord(SAMPLE_RECORDS[11] as MetadataRecord);
    const badOpt = rbc.slice();
    badOpt[badOpt.length - 1] = 3;
    expect(codeOf(() => decodeRecord(badOpt))).toBe("MALFORMED_RECORD");
    // RemoveTopic with a 2-byte string that is not UTF-8 (0xff 0xfe), long enough to skip the ASCII fast path.
    const utf = new Uint8Array([8, 70, ...new Array<number>(68).fill(0xff), 0xfe]);
    expect(codeOf(() => decodeRecord(utf))).toBe("MALFORMED_RECORD");
    expect(codeOf(() => decodeRecord(Uint8Array.of(8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)))).toBe("MALFORMED_RECORD");
    expect(codeOf(() => decodeRecord(Uint8Array.of(8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)))).toBe("MALFORMED_RECORD");
    // PartitionChange with a leader varint above 32 bits.
    expect(codeOf(() => decodeRecord(Uint8Array.of(4, 1, 116, 0, 0x80, 0x80, 0x80, 0x80, 0x20, 0, 0)))).toBe("MALFORMED_RECORD");
    // Partition whose replica list claims 256 entries.
    expect(codeOf(() => decodeRecord(Uint8Array.of(3, 1, 116, 0, 0x80, 0x02)))).toBe("MALFORMED_RECORD");
    // Config with an unknown resource type.
    expect(codeOf(() => decodeRecord(Uint8Array.of(9, 5, 0, 1, 120, 0)))).toBe("MALFORMED_RECORD");
    // Batch claiming more records than bytes, and a batch with trailing bytes.
    expect(codeOf(() => decodeBatch(Uint8Array.of(100, 11)))).toBe("MALFORMED_RECORD");
    expect(codeOf(() => decodeBatch(Uint8Array.of(1, 11, 11)))).toBe("MALFORMED_RECORD");
  });

  it("rejects well-formed bytes carrying invalid fields with INVALID_RECORD", () => {
    // Partition whose leader is not in the ISR.
    const w = new ByteWriter(4);
    w.u8(3);
    w.string("t");
    w.varUint(0);
    w.varUint(1);
    w.varUint(1);
    w.varUint(1);
    w.varUint(2);
    w.varInt(2);
    w.varUint(0);
    w.varUint(0);
    expect(codeOf(() => decodeRecord(w.finish()))).toBe("INVALID_RECORD");
  });

  it("ByteReader reads what ByteWriter wrote, growing the buffer as needed", () => {
    const w = new ByteWriter(1);
    for (let i = 0; i < 1000; i++) w.varUint(i * 1_000_003);
    w.varInt(-2);
    w.string("x".repeat(300));
    const r = new ByteReader(w.finish(), "MALFORMED_RECORD");
    for (let i = 0; i < 1000; i++) expect(r.varUint()).toBe(i * 1_000_003);
    expect(r.varInt()).toBe(-2);
    expect(r.string()).toBe("x".repeat(300));
    expect(r.done).toBe(true);
    expect(w.length).toBeGreaterThan(1000);
  });
});

describe("record validation", () => {
  const bad: [string, unknown][] = [
    ["null", null],
    ["unknown type", { type: "Bogus" }],
    ["negative broker id", { type: "FenceBroker", brokerId: -1, brokerEpoch: 1 }],
    ["fractional epoch", { type: "FenceBroker", brokerId: 1, brokerEpoch: 1.5 }],
    ["empty incarnation", { type: "RegisterBroker", brokerId: 1, incarnationId: "", brokerEpoch: 1, rack: null, fenced: true, inControlledShutdown: false }],
    ["empty rack", { type: "RegisterBroker", brokerId: 1, incarnationId: "i", brokerEpoch: 1, rack: "", fenced: true, inControlledShutdown: false }],
    ["non-boolean fenced", { type: "RegisterBroker", brokerId: 1, incarnationId: "i", brokerEpoch: 1, rack: null, fenced: 1, inControlledShutdown: false }],
    ["bad optional flag", { type: "BrokerRegistrationChange", brokerId: 1, brokerEpoch: 1, fenced: "yes", inControlledShutdown: null }],
    ["illegal topic name", { type: "Topic", name: "a b", topicId: "x" }],
    ["dot topic name", { type: "Topic", name: "..", topicId: "x" }],
    ["empty topic id", { type: "Topic", name: "a", topicId: "" }],
    ["negative partition", { type: "Partition", topicId: "t", partitionId: -1, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }],
    ["duplicate replica", { type: "Partition", topicId: "t", partitionId: 0, replicas: [1, 1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }],
    ["empty replicas", { type: "Partition", topicId: "t", partitionId: 0, replicas: [], isr: [], leader: -1, leaderEpoch: 0, partitionEpoch: 0 }],
    ["isr outside replicas", { type: "Partition", topicId: "t", partitionId: 0, replicas: [1], isr: [2], leader: -1, leaderEpoch: 0, partitionEpoch: 0 }],
    ["leader -2 in Partition", { type: "Partition", topicId: "t", partitionId: 0, replicas: [1], isr: [1], leader: -2, leaderEpoch: 0, partitionEpoch: 0 }],
    ["negative leader epoch", { type: "Partition", topicId: "t", partitionId: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: -1, partitionEpoch: 0 }],
    ["negative partition epoch", { type: "Partition", topicId: "t", partitionId: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: -1 }],
    ["replicas not an array", { type: "Partition", topicId: "t", partitionId: 0, replicas: 1, isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }],
    ["too many replicas", { type: "Partition", topicId: "t", partitionId: 0, replicas: Array.from({ length: 256 }, (_, i) => i), isr: [0], leader: 0, leaderEpoch: 0, partitionEpoch: 0 }],
    ["leader -3 in change", { type: "PartitionChange", topicId: "t", partitionId: 0, leader: -3, isr: null, replicas: null }],
    ["change isr outside replicas", { type: "PartitionChange", topicId: "t", partitionId: 0, leader: -2, isr: [3], replicas: [1] }],
    ["empty change isr", { type: "PartitionChange", topicId: "t", partitionId: 0, leader: -2, isr: [], replicas: null }],
    ["bad resource type", { type: "Config", resourceType: "group", resourceName: "g", name: "n", value: "v" }],
    ["empty topic resource", { type: "Config", resourceType: "topic", resourceName: "", name: "n", value: "v" }],
    ["non-string value", { type: "Config", resourceType: "cluster", resourceName: "", name: "n", value: 3 }],
    ["feature level too high", { type: "FeatureLevel", name: "f", featureLevel: 40000 }],
    ["empty remove topic id", { type: "RemoveTopic", topicId: "" }],
    ["huge string", { type: "RemoveTopic", topicId: "x".repeat(40000) }],
  ];
  for (const [why, rec] of bad) {
    it(`rejects ${why} with INVALID_RECORD`, () => {
      expect(codeOf(() => validateRecord(rec))).toBe("INVALID_RECORD");
      if (typeof rec === "object" && rec !== null && (rec as { type: string }).type !== "Bogus") {
        expect(codeOf(() => encodeRecord(rec as MetadataRecord))).toBe("INVALID_RECORD");
      }
    });
  }
  it("accepts legal topic names and rejects illegal ones", () => {
    expect(isValidTopicName("a.b_c-D9")).toBe(true);
    expect(isValidTopicName("x".repeat(249))).toBe(true);
    expect(isValidTopicName("x".repeat(250))).toBe(false);
    expect(isValidTopicName(".")).toBe(false);
    expect(isValidTopicName("")).toBe(false);
  });
});
