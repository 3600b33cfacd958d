// Every history the project made itself (test/data/histories/expected.json: hand-written cases and simulator
// recordings; see test/data/README.md) gets its known verdict, and every model has cases on both sides.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkLinearizability, modelByName, parseHistory, parseManifest } from "../../src/check/linearizability/index.js";

const manifestPath = path.resolve(import.meta.dirname, "../data/histories/expected.json");
const entries = parseManifest(readFileSync(manifestPath, "utf8"), manifestPath);

describe("the project's histories (test/data/histories/expected.json)", () => {
  it("covers every model with a linearizable and a non-linearizable history", () => {
    const models = ["register", "cas-register", "knossos-cas-register", "kv", "kv-unpartitioned", "multi-register", "knossos-multi-register", "mutex", "set", "queue", "znode"];
    for (const model of models) {
      const verdicts = new Set(entries.filter((e) => e.model === model).map((e) => e.expected));
      expect([...verdicts].sort(), model).toEqual(["linearizable", "not-linearizable"]);
    }
    expect(entries.filter((e) => e.file.startsWith("sim/")).length).toBeGreaterThanOrEqual(4);
  });

  for (const entry of entries) {
    it(`${entry.file} (${entry.model}) is ${entry.expected}`, () => {
      const file = path.resolve(path.dirname(manifestPath), entry.file);
      const history = parseHistory(readFileSync(file, "utf8"), entry.format, entry.file);
      expect(history.length).toBeGreaterThan(0);
      const result = checkLinearizability(history, modelByName(entry.model, entry.initial), { timeoutMs: 30_000 });
      expect(result.verdict).toBe(entry.expected);
      if (result.verdict === "not-linearizable") {
        const failing = result.partitions.find((p) => p.verdict === "not-linearizable")!;
        expect(failing.history[failing.failure!.stuckOp]).toBeDefined();
      }
    });
  }
});
