// The pure half of scripts/record-histories.ts: seeded plans, and EDN that the checker reads back as written.
import { describe, expect, it } from "vitest";
import { parseJepsenEdn } from "../../src/check/linearizability/formats/jepsen-edn.js";
import { ednHistory, planOp } from "../../scripts/recording/workload.js";
import type { HistoryEvent } from "../../scripts/recording/workload.js";
import { seededRandom } from "../support/seeded-random.js";

describe("history recorder workload", () => {
  it("plans the same ops from the same seed, and other ops from another", () => {
    const plan = (seed: number): unknown[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, (_, i) => planOp(i % 2 === 0 ? "register" : "kv", random, 3, i));
    };
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
    const ops = plan(7) as { f: string }[];
    expect(new Set(ops.map((o) => o.f))).toEqual(new Set(["read", "write", "cas", "get", "put", "append"]));
  });

  it("writes one op map per line that the checker reads back as the ops recorded", () => {
    const events: HistoryEvent[] = [
      { type: "invoke", f: "cas", value: [1, 3], process: 0, time: 10 },
      { type: "invoke", f: "get", key: "k1", value: null, process: 1, time: 20 },
      { type: "info", f: "pause", value: "etcd", process: "nemesis", time: 25 },
      { type: "ok", f: "cas", value: [1, 3], process: 0, time: 30 },
      { type: "ok", f: "get", key: "k1", value: "p1.0 a2.3", process: 1, time: 40 },
      { type: "invoke", f: "write", value: 4, process: 2, time: 50 },
      { type: "info", f: "write", value: 4, process: 2, time: 60, error: "timeout" },
    ];
    const text = ednHistory("a test history", events);
    expect(text.split("\n")[0]).toBe("; a test history");
    expect(text.trimEnd().split("\n")).toHaveLength(1 + events.length);
    const ops = parseJepsenEdn(text, "t.edn");
    expect(ops.map((o) => [o.process, o.input, o.output, o.call, o.return])).toEqual([
      [0, { f: "cas", value: [1, 3] }, { type: "ok", value: [1, 3] }, 0, 2],
      [1, { f: "get", key: "k1", value: "p1.0 a2.3" }, { type: "ok", value: "p1.0 a2.3" }, 1, 3],
      [2, { f: "write", value: 4 }, undefined, 4, Infinity],
    ]);
  });
});
