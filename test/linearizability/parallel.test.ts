// Partitions on worker threads (compiled JS from dist/, built by `npm test` before vitest) agree with one thread.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkLinearizability, checkLinearizabilityParallel, modelByName, parseHistory } from "../../src/check/linearizability/index.js";
import { compiledWorkerPath } from "../../src/check/linearizability/pool.js";
import { ok } from "./helpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Histories of quorate's own simulator (test/data/histories/sim/, three keys; see test/data/README.md).
const simFile = (name: string) => parseHistory(readFileSync(path.resolve(repoRoot, "test/data/histories/sim", name), "utf8"), "json", name);

describe("checkLinearizabilityParallel", () => {
  it("finds the compiled worker (npm test builds dist/ first)", () => {
    expect(compiledWorkerPath()).toMatch(/dist\/check\/linearizability\/worker\.js$/);
  });

  it("agrees with the single-thread check on the simulator's kv histories, reporting every partition", async () => {
    for (const [name, expected] of [["raft-5n-dup-reorder-seed4.json", "linearizable"], ["raft-5n-faults-seed2.json", "linearizable"], ["raft-5n-stale-lease-seed4.json", "not-linearizable"]] as const) {
      const history = simFile(name);
      const parallel = await checkLinearizabilityParallel(history, "kv", "", { workers: 2 });
      expect(parallel.verdict, name).toBe(expected);
      expect(parallel.verdict).toBe(checkLinearizability(history, modelByName("kv", "")).verdict);
      expect(parallel.partitions).toHaveLength(3);
      expect(parallel.partitions.reduce((n, p) => n + p.history.length, 0)).toBe(history.length);
    }
  });

  it("maps the stuck op and prefix back to the original history", async () => {
    const history = [
      ok(0, "put", "a", "a", 0, 1, "k1"),
      ok(1, "put", "b", "b", 0, 1, "k2"),
      ok(2, "get", null, "b", 2, 3, "k2"),
      ok(3, "get", null, "zz", 2, 3, "k1"),
    ];
    const result = await checkLinearizabilityParallel(history, "kv", "", { workers: 2 });
    expect(result.verdict).toBe("not-linearizable");
    const failing = result.partitions.find((p) => p.verdict === "not-linearizable")!;
    expect(failing.originalIndex[failing.failure!.stuckOp]).toBe(3);
    expect(failing.failure!.longestPrefix.map((s) => failing.originalIndex[s.op])).toEqual([0]);
  });
});
