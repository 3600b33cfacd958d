/**
 * `quorate export-vectors`: writes spec-generated vectors as JSON plus the format README; the written files
 * (read back as plain JSON, as another implementation would) replay on quorate's core without a mismatch.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/export-vectors.js";
import { EXPORT_BATCH, batchSeed, estimateExportBytes } from "../../src/adapters/conformance/export.js";
import { describeMismatch } from "../../src/adapters/conformance/vector.js";
import { replayZkVector, type ZkVector } from "../../src/adapters/conformance/zk.js";
import { QUINT_TIMEOUT_MS } from "./core-mutants.js";

const out = mkdtempSync(path.join(os.tmpdir(), "quorate-export-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const o = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await run(argv);
    return { code, stdout: o.mock.calls.map((c) => String(c[0])).join(""), stderr: e.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("quorate export-vectors", () => {
  it("refuses bad arguments with exit 2 and a message naming the option", async () => {
    expect((await cli(["--protocol", "paxos", "--out", out])).stderr).toContain("--protocol must be one of raft, kraft, zk, got 'paxos'");
    expect((await cli(["--protocol", "raft"])).code).toBe(2);
    const r = await cli(["--protocol", "zk", "--out", out, "--traces", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--traces must be between 1 and 1000");
    expect((await cli(["--protocol", "zk", "--out", out, "--seed", "abc"])).stderr).toContain("--seed must be");
    expect((await cli(["--bogus"])).code).toBe(2);
    expect((await cli(["--protocol", "zk", "--out", out, "--steps", "5", "--steps", "6"])).stderr).toContain("--steps is given more than once");
  });

  it("refuses an --out that is a file or a directory holding files (exit 2), before running Quint", async () => {
    const full = mkdtempSync(path.join(os.tmpdir(), "quorate-export-full-"));
    try {
      writeFileSync(path.join(full, "old.json"), "{}");
      const r = await cli(["--protocol", "zk", "--out", full, "--traces", "1", "--steps", "1"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--out ${full} already holds 1 file(s) (e.g. old.json)`);
      const file = path.join(full, "old.json");
      const f = await cli(["--protocol", "zk", "--out", file, "--traces", "1", "--steps", "1"]);
      expect(f.code).toBe(2);
      expect(f.stderr).toContain(`--out ${file} exists and is not a directory`);
    } finally {
      rmSync(full, { recursive: true, force: true });
    }
  });

  it("estimates the size before starting: grows with traces and steps, per protocol", () => {
    // Measured: 100 zk vectors of 200 steps (default seed) averaged 133,920 bytes.
    expect(estimateExportBytes("zk", 1, 200)).toBeGreaterThan(110_000);
    expect(estimateExportBytes("zk", 1, 200)).toBeLessThan(160_000);
    expect(estimateExportBytes("zk", 1000, 200)).toBe(1000 * estimateExportBytes("zk", 1, 200));
    expect(estimateExportBytes("raft", 10, 40)).toBeGreaterThan(estimateExportBytes("zk", 10, 40));
  });

  it("batches Quint runs past EXPORT_BATCH traces: numbered on, each batch's seed recorded in its vectors", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "quorate-export-batch-"));
    try {
      const traces = EXPORT_BATCH + 2;
      const r = await cli(["--protocol", "zk", "--out", dir, "--traces", String(traces), "--steps", "2", "--seed", "11"]);
      expect(r.code).toBe(0);
      const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
      expect(files).toEqual(Array.from({ length: traces }, (_, k) => `zk-11-${String(k).padStart(3, "0")}.json`));
      const source = (k: number) => (JSON.parse(readFileSync(path.join(dir, files[k]!), "utf8")) as ZkVector).source;
      expect(source(0)).toMatchObject({ seed: "11", trace: 0 });
      expect(source(EXPORT_BATCH)).toMatchObject({ seed: batchSeed("11", 1), trace: 0 });
      expect(source(EXPORT_BATCH + 1).command).toContain(`--seed=${batchSeed("11", 1)} --max-samples=2 --n-traces=2`);
      expect(batchSeed("11", 1)).not.toBe("11");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 2 * QUINT_TIMEOUT_MS);

  it("writes zk vectors and the README; read back as JSON they replay on the tree core", async () => {
    const r = await cli(["--protocol", "zk", "--out", out, "--traces", "3", "--steps", "15", "--seed", "7"]);
    expect(r.stderr).toMatch(new RegExp(`^quorate export-vectors: 3 zk vectors of up to 15 steps into ${out.replace(/[.*+?^\${}()|[\]\\]/g, "\\$&")}: about 0\\.\\d MB\n$`));
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["README.md", "zk-7-000.json", "zk-7-001.json", "zk-7-002.json"]);
    expect(readFileSync(path.join(out, "README.md"), "utf8")).toContain("quorate-vectors/1");
    for (const f of files.filter((x) => x.endsWith(".json"))) {
      const v = JSON.parse(readFileSync(path.join(out, f), "utf8")) as ZkVector;
      expect(v.format).toBe("quorate-vectors/1");
      expect(v.protocol).toBe("zk");
      expect(v.steps.length).toBe(15);
      expect(v.steps[0]!.state.zxid).toBe(1);
      expect(replayZkVector(v).map(describeMismatch)).toEqual([]);
    }
  }, QUINT_TIMEOUT_MS);
});
