/** Random valid records survive encode → decode unchanged; random byte corruption yields a typed error or a valid record, never anything else. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetadataError, decodeBatch, encodeBatch, validateRecord } from "../../src/core/metadata/index.js";
import type { MetadataRecord } from "../../src/core/metadata/index.js";

const brokerId = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const epoch = fc.maxSafeNat();
const str = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" });
const brokers = fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 });
const topicName = fc.stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,20}$/);

const partition = brokers.chain((replicas) =>
  fc.record({
    type: fc.constant("Partition" as const),
    topicId: str,
    partitionId: fc.nat(100000),
    replicas: fc.constant(replicas),
    isr: fc.subarray(replicas, { minLength: 1 }),
    leaderEpoch: fc.nat(2 ** 31 - 1),
    partitionEpoch: fc.nat(2 ** 31 - 1),
  }).chain((p) => fc.constantFrom(-1, ...p.isr).map((leader) => ({ ...p, leader }))),
);

const record: fc.Arbitrary<MetadataRecord> = fc.oneof(
  fc.record({ type: fc.constant("RegisterBroker" as const), brokerId, incarnationId: str, brokerEpoch: epoch, rack: fc.option(str, { nil: null }), fenced: fc.boolean(), inControlledShutdown: fc.boolean() }),
  fc.record({ type: fc.constantFrom("UnregisterBroker" as const, "FenceBroker" as const, "UnfenceBroker" as const), brokerId, brokerEpoch: epoch }),
  fc.record({ type: fc.constant("BrokerRegistrationChange" as const), brokerId, brokerEpoch: epoch, fenced: fc.option(fc.boolean(), { nil: null }), inControlledShutdown: fc.option(fc.boolean(), { nil: null }) }),
  fc.record({ type: fc.constant("Topic" as const), name: topicName, topicId: str }),
  partition,
  fc.record({ type: fc.constant("PartitionChange" as const), topicId: str, partitionId: fc.nat(100000), leader: fc.integer({ min: -2, max: 1000 }), isr: fc.option(brokers, { nil: null }), replicas: fc.constant(null) }),
  fc.record({ type: fc.constant("RemoveTopic" as const), topicId: str }),
  fc.record({ type: fc.constant("Config" as const), resourceType: fc.constantFrom("topic" as const, "broker" as const), resourceName: str, name: str, value: fc.option(fc.string(), { nil: null }) }),
  fc.record({ type: fc.constant("FeatureLevel" as const), name: str, featureLevel: fc.nat(32767) }),
  fc.constant({ type: "NoOp" as const }),
);

describe("metadata codec properties", () => {
  it("encode → decode is the identity on valid record batches", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        expect(decodeBatch(encodeBatch(records))).toEqual(records);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it("a corrupted batch decodes to valid records or fails with a typed error", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (records, at, byte) => {
        const bytes = encodeBatch(records);
        bytes[at % bytes.length] = byte;
        try {
          for (const r of decodeBatch(bytes)) validateRecord(r);
        } catch (e) {
          expect(e).toBeInstanceOf(MetadataError);
          expect(["MALFORMED_RECORD", "INVALID_RECORD"]).toContain((e as MetadataError).code);
        }
      }),
      { numRuns: 500, seed: 43 },
    );
  });
});
