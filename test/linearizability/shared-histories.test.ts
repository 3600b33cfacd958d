// Every third-party history with a known verdict (../shared/histories/expected.json) gets that verdict.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkLinearizability, modelByName, parseHistory, parseManifest } from "../../src/check/linearizability/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const manifestPath = path.resolve(repoRoot, "../shared/histories/expected.json");
const entries = parseManifest(readFileSync(manifestPath, "utf8"), manifestPath);

describe("shared histories (expected.json)", () => {
  it("lists the histories the README describes", () => {
    expect(entries.filter((e) => e.file.startsWith("jepsen-etcd/"))).toHaveLength(102); // etcd_095 (empty) is not listed
    expect(entries.some((e) => e.file === "jepsen-etcd/etcd_095.log")).toBe(false);
    expect(entries.filter((e) => e.file.startsWith("kv/"))).toHaveLength(6);
    expect(entries.filter((e) => e.expected === undefined)).toHaveLength(0);
  });

  for (const entry of entries) {
    it(`${entry.file} is ${entry.expected}`, () => {
      const file = path.resolve(path.dirname(manifestPath), entry.file);
      const history = parseHistory(readFileSync(file, "utf8"), entry.format, entry.file);
      const result = checkLinearizability(history, modelByName(entry.model, entry.initial), { timeoutMs: 30_000 });
      expect(result.verdict).toBe(entry.expected);
      if (result.verdict === "not-linearizable") {
        const failing = result.partitions.find((p) => p.verdict === "not-linearizable")!;
        // The stuck op is a real op of the partition and the prefix replays under the model.
        expect(failing.history[failing.failure!.stuckOp]).toBeDefined();
      }
    });
  }

  it("kv c10-ok is linearizable without partitioning too (kv-unpartitioned)", () => {
    const file = path.resolve(path.dirname(manifestPath), "kv/c10-ok.txt");
    const history = parseHistory(readFileSync(file, "utf8"), "kv-edn-lines", "kv/c10-ok.txt");
    expect(checkLinearizability(history, modelByName("kv-unpartitioned", ""), { timeoutMs: 30_000 }).verdict).toBe("linearizable");
  });

  it("kv c10-bad is not linearizable without partitioning either", () => {
    const file = path.resolve(path.dirname(manifestPath), "kv/c10-bad.txt");
    const history = parseHistory(readFileSync(file, "utf8"), "kv-edn-lines", "kv/c10-bad.txt");
    expect(checkLinearizability(history, modelByName("kv-unpartitioned", ""), { timeoutMs: 30_000 }).verdict).toBe("not-linearizable");
  });
});
