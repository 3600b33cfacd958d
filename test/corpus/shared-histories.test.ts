// Corpus: every third-party history with a known verdict (<corpus>/histories/expected.json) gets that verdict.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { checkLinearizability, checkLinearizabilityParallel, modelByName, parseHistory, parseManifest } from "../../src/check/linearizability/index.js";
import { run } from "../../src/adapters/cli/commands/check.js";
import { corpusPath } from "./corpus-dir.js";

const manifestPath = corpusPath("histories", "expected.json");
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

describe("shared kv histories on worker threads (compiled dist/)", () => {
  const kvFile = (name: string) => parseHistory(readFileSync(path.join(path.dirname(manifestPath), "kv", name), "utf8"), "kv-edn-lines", name);
  it("agrees with the single-thread check, reporting every partition", async () => {
    for (const [name, expected] of [["c10-ok.txt", "linearizable"], ["c10-bad.txt", "not-linearizable"], ["c50-bad.txt", "not-linearizable"]] as const) {
      const history = kvFile(name);
      const parallel = await checkLinearizabilityParallel(history, "kv", "", { workers: 2 });
      expect(parallel.verdict, name).toBe(expected);
      expect(parallel.verdict).toBe(checkLinearizability(history, modelByName("kv", "")).verdict);
      expect(parallel.partitions).toHaveLength(10);
      expect(parallel.partitions.reduce((n, p) => n + p.history.length, 0)).toBe(history.length);
    }
  });
});

describe("quorate check --manifest on the shared manifest", () => {
  it("exits 0: every verdict matches", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    try {
      expect(await run(["--manifest", manifestPath, "--json"])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(out.join(""));
    expect(report.mismatches).toBe(0);
    expect(report.results).toHaveLength(entries.length);
  });
});
