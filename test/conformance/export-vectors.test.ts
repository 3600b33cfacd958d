/**
 * `quorate export-vectors`: writes spec-generated vectors as JSON plus the format README; the written files
 * (read back as plain JSON, as another implementation would) replay on quorate's core without a mismatch.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/export-vectors.js";
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
  });

  it("writes zk vectors and the README; read back as JSON they replay on the tree core", async () => {
    const r = await cli(["--protocol", "zk", "--out", out, "--traces", "3", "--steps", "15", "--seed", "7"]);
    expect(r.stderr).toBe("");
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
