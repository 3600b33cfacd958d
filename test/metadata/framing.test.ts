import { describe, expect, it } from "vitest";
import { assembleEntry, frameBatch } from "../../src/core/metadata/index.js";
import type { BatchAssembler, MetadataRecord } from "../../src/core/metadata/index.js";
import { codeOf } from "./errors.js";

const batch: MetadataRecord[] = [
  { type: "Topic", name: "t", topicId: "T" },
  { type: "Partition", topicId: "T", partitionId: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 },
  { type: "NoOp" },
];


describe("batch framing over a record-per-entry log", () => {
  it("hands over a batch only when its last entry commits", () => {
    const frames = frameBatch(batch);
    expect(frames).toHaveLength(3);
    let s: BatchAssembler | null = null;
    const r0 = assembleEntry(s, 10, 2, frames[0]!);
    expect(r0.batch).toBeNull();
    s = r0.state;
    const r1 = assembleEntry(s, 11, 2, frames[1]!);
    expect(r1.batch).toBeNull();
    const r2 = assembleEntry(r1.state, 12, 2, frames[2]!);
    expect(r2.batch).toEqual({ baseOffset: 10, epoch: 2, records: batch });
    expect(r2.state).toBeNull();
    expect(r2.discarded).toBe(0);
  });

  it("discards a head whose tail was truncated away, when the next batch starts", () => {
    const a = frameBatch(batch);
    const b = frameBatch([{ type: "NoOp" }]);
    const r0 = assembleEntry(null, 10, 2, a[0]!);
    const r1 = assembleEntry(r0.state, 12, 3, b[0]!);
    expect(r1.discarded).toBe(1);
    expect(r1.batch).toEqual({ baseOffset: 12, epoch: 3, records: [{ type: "NoOp" }] });
  });

  it("rejects entries out of sequence and corrupt frames with typed errors", () => {
    const a = frameBatch(batch);
    const r0 = assembleEntry(null, 10, 2, a[0]!);
    expect(codeOf(() => assembleEntry(r0.state, 12, 2, a[1]!))).toBe("MALFORMED_RECORD"); // offset gap
    expect(codeOf(() => assembleEntry(r0.state, 11, 3, a[1]!))).toBe("MALFORMED_RECORD"); // epoch change
    expect(codeOf(() => assembleEntry(r0.state, 11, 2, a[2]!))).toBe("MALFORMED_RECORD"); // skipped index
    expect(codeOf(() => assembleEntry(null, 11, 2, a[1]!))).toBe("MALFORMED_RECORD"); // no open batch
    expect(codeOf(() => assembleEntry(null, 0, 0, Uint8Array.of(0, 0, 11)))).toBe("MALFORMED_RECORD"); // count 0
    expect(codeOf(() => assembleEntry(null, 0, 0, Uint8Array.of(3, 2, 11)))).toBe("MALFORMED_RECORD"); // index ≥ count
    expect(codeOf(() => assembleEntry(null, 0, 0, Uint8Array.of(0, 1, 11, 0)))).toBe("MALFORMED_RECORD"); // trailing
    expect(codeOf(() => assembleEntry(null, 0, 0, Uint8Array.of(0, 1, 77)))).toBe("MALFORMED_RECORD"); // bad tag
  });
});
