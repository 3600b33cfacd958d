/** The log module on its own: what truncation does to the durable watermark, and conflicts near a snapshot. */
import { describe, expect, it } from "vitest";
import { findConflict, newLog, truncateFrom } from "../../src/core/raft/log.js";
import { entriesOfTerms } from "./harness.js";

describe("truncating the log", () => {
  it("never makes entries durable that storage has not acknowledged", () => {
    const log = newLog(0, 0, entriesOfTerms([1, 1, 1, 1, 1]), undefined);
    log.stable = 2; // entries 3–5 are still being written
    truncateFrom(log, 5);
    expect(log.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(log.stable).toBe(2);
  });

  it("lowers the durable watermark below the first entry removed", () => {
    const log = newLog(0, 0, entriesOfTerms([1, 1, 1, 1, 1]), undefined);
    expect(log.stable).toBe(5);
    truncateFrom(log, 5);
    expect(log.stable).toBe(4);
    truncateFrom(log, 3);
    expect(log.stable).toBe(2);
  });
});

describe("finding the first conflict", () => {
  it("entries at or below the snapshot are taken as matching: they are committed", () => {
    // Snapshot at (5, term 2); the log holds entries 6–7 of term 3.
    const log = newLog(5, 2, entriesOfTerms([3, 3], 6), undefined);
    expect(findConflict(log, entriesOfTerms([1, 2, 2, 3, 3], 3))).toBe(0);
    expect(findConflict(log, entriesOfTerms([1, 2, 2, 3, 3, 3], 3))).toBe(8);
    expect(findConflict(log, entriesOfTerms([1, 2, 2, 3, 4], 3))).toBe(7);
  });
});
