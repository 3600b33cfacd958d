import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run as demo } from "../../src/adapters/cli/commands/demo.js";
import { run as simulateCmd } from "../../src/adapters/cli/commands/simulate.js";
import { verifyRaftTrace } from "../../src/check/invariants/index.js";

async function cli(cmd: (argv: readonly string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await cmd(argv);
    return { code, out: out.mock.calls.map((c) => String(c[0])).join(""), err: err.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "quorate-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("quorate simulate", () => {
  it("--json prints the agreed object and exits 0 when every invariant held", async () => {
    const r = await cli(simulateCmd, ["--system", "raft", "--nodes", "5", "--seed", "7", "--steps", "3000", "--faults", "drop,dup,reorder,partition,crash,drift", "--json"]);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(["ok", "seed", "steps", "violations", "stats", "replay"]);
    expect(o).toMatchObject({ ok: true, seed: 7, steps: 3000, violations: [] });
    const stats = o["stats"] as Record<string, number>;
    for (const k of ["elections", "leaderChanges", "committed", "messages", "dropped", "crashes"]) expect(typeof stats[k]).toBe("number");
    expect(stats["elections"]).toBeGreaterThan(0);
    expect(o["replay"]).toBe("npx --no-install quorate simulate --system raft --nodes 5 --seed 7 --steps 3000 --faults drop,dup,reorder,partition,crash,drift");
  });

  it("the same arguments give the same output", async () => {
    const a = await cli(simulateCmd, ["--seed", "3", "--steps", "2000", "--json"]);
    const b = await cli(simulateCmd, ["--seed", "3", "--steps", "2000", "--json"]);
    expect(a.out).toBe(b.out);
  });

  it("exits 2 with a message naming the bad argument", async () => {
    const cases: [string[], string][] = [
      [["--nodes", "0"], "--nodes"],
      [["--nodes", "five"], "--nodes"],
      [["--steps", "-3"], "--steps"],
      [["--faults", "drop,flood"], "--faults"],
      [["--system", "paxos"], "--system"],
      [["--seeds", "9..2"], "--seeds"],
      [["--seeds", "1-5"], "--seeds"],
      [["--seeds", "1..8", "--shard", "3/2"], "--shard"],
      [["--shard", "1/2"], "--shard"],
      [["--seeds", "1..4", "--trace", "x.ndjson"], "--trace"],
      [["--seed", "1", "--seeds", "1..2"], "--seed"],
      [["--bogus"], "--bogus"],
      [["--send-order", "loose"], "--send-order"],
    ];
    for (const [argv, name] of cases) {
      const r = await cli(simulateCmd, argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err, argv.join(" ")).toContain(name);
    }
  });

  it("--trace writes an NDJSON trace that verify-trace accepts, and --html a space-time diagram", async () => {
    const trace = path.join(dir, "t.ndjson");
    const html = path.join(dir, "t.html");
    const r = await cli(simulateCmd, ["--seed", "5", "--steps", "3000", "--trace", trace, "--html", html]);
    expect(r.code).toBe(0);
    const text = readFileSync(trace, "utf8");
    const verdict = verifyRaftTrace(text);
    expect(verdict.ok).toBe(true);
    expect(verdict.records).toBeGreaterThan(1000);
    const page = readFileSync(html, "utf8");
    // Booleans, so that a failure does not print the whole page.
    expect(page.includes("<svg")).toBe(true);
    expect(page.includes(">node 5</text>")).toBe(true);
    expect(/<line [^>]*marker-end/.test(page)).toBe(true); // delivered messages
    expect(page.includes('class="drop"')).toBe(true); // dropped ones
    expect(/★ t\d+/.test(page)).toBe(true); // a leader's term label
  });

  it("--seeds runs a campaign on worker threads; --shard takes one slice", async () => {
    const r = await cli(simulateCmd, ["--seeds", "1..12", "--shard", "2/3", "--steps", "1500", "--workers", "2", "--json"]);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as { ok: boolean; seeds: { from: number; to: number; count: number }; failed: unknown[] };
    expect(o).toMatchObject({ ok: true, seeds: { from: 5, to: 8, count: 4 }, failed: [] });
  });
});

describe("quorate demo", () => {
  it("runs the embedded default, reports elections, commits and every invariant, exits 0", async () => {
    const r = await cli(demo, []);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/node \d elected leader of term 1/);
    expect(r.out).toMatch(/commit index reached \d+/);
    expect(r.out).toContain("fault: crash");
    expect(r.out).toContain("✓ election-safety");
    expect(r.out).toContain("✓ liveness");
    expect(r.out).not.toContain("✗");
    expect(r.out.trim().endsWith("every invariant held")).toBe(true);
    const again = await cli(demo, []);
    expect(again.out).toBe(r.out);
  });

  it("names a bad --seed", async () => {
    const r = await cli(demo, ["--seed", "x"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--seed");
  });
});
