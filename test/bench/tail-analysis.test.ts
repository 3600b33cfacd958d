import { describe, expect, it } from "vitest";
import { parseGcLine, placeGcLines, tailGroups } from "../../bench/tail-analysis.js";

describe("cluster-tail analysis", () => {
  it("parses V8 --trace-gc lines and nothing else", () => {
    expect(parseGcLine("[26249:0x2f1445a0]       25 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 1.05 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ")).toEqual({ isolateMs: 25, kind: "Scavenge", durationMs: 1.05 });
    expect(parseGcLine("[26257:0x2ba30ce0]     4047 ms: Mark-Compact (reduce) 3.1 (4.0) -> 2.6 (5.0) MB, 4.58 / 0.00 ms  (average mu = 1.000) testing")).toEqual({ isolateMs: 4047, kind: "Mark-Compact (reduce)", durationMs: 4.58 });
    expect(parseGcLine("node 1: leader in term 1")).toBeUndefined();
  });

  it("places pauses by the line that arrived with the least delay", () => {
    const lines = [
      { isolateMs: 100, kind: "Scavenge", durationMs: 2 },
      { isolateMs: 300, kind: "Scavenge", durationMs: 1 },
    ];
    // The isolate started at 10,000; the first line arrived 5 ms late, the second 1 ms late: the start is taken
    // as 10,001, and each pause ends at that plus its stamp.
    const placed = placeGcLines(2, lines, [10_105, 10_301]);
    expect(placed).toEqual([
      { node: 2, kind: "Scavenge", startMs: 10_101 - 2, durationMs: 2 },
      { node: 2, kind: "Scavenge", startMs: 10_301 - 1, durationMs: 1 },
    ]);
  });

  it("charges a pause to the puts it overlaps, and only to them", () => {
    // 100 puts of 1 ms back to back, but put 99 takes 20 ms and a 5 ms pause falls inside it.
    const puts = Array.from({ length: 100 }, (_, i) => ({ startMs: i * 10, latencyMs: i === 99 ? 20 : 1 }));
    const [fast, p95, p99] = tailGroups(puts, [{ node: 1, kind: "Scavenge", startMs: 995, durationMs: 5 }]);
    expect(fast).toMatchObject({ puts: 0 }); // every other put is exactly the median: none is below it
    expect(p95).toMatchObject({ puts: 100, withGc: 0.01, meanGcMsPerPut: 0.05 });
    expect(p99).toEqual({ name: "p99 and above", puts: 1, meanLatencyMs: 20, withGc: 1, meanGcMsPerPut: 5 });
  });

  it("does not charge a pause outside the put, beyond the slack", () => {
    const puts = [
      { startMs: 0, latencyMs: 1 },
      { startMs: 100, latencyMs: 10 },
    ];
    const groups = tailGroups(puts, [{ node: 1, kind: "Scavenge", startMs: 50, durationMs: 3 }]);
    expect(groups.every((g) => g.withGc === 0)).toBe(true);
  });
});
