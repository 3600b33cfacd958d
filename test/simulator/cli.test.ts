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
    const r = await cli(simulateCmd, ["--system", "raft", "--nodes", "5", "--seed", "7", "--steps", "10000", "--faults", "drop,dup,reorder,partition,crash,drift", "--json"]);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(["ok", "seed", "steps", "violations", "stats", "replay"]);
    expect(o).toMatchObject({ ok: true, seed: 7, steps: 10000, violations: [] });
    const stats = o["stats"] as { elections: number; committed: number; committedBeforeHeal: number; clientOps: Record<string, number>; faults: Record<string, number> };
    expect(Object.keys(stats)).toEqual(["elections", "leaderChanges", "committed", "committedBeforeHeal", "clientOps", "faults", "messages", "deliveries", "ticks", "events"]);
    expect(Object.keys(stats.clientOps)).toEqual(["ok", "fail", "info"]);
    expect(Object.keys(stats.faults)).toEqual(["dropped", "duplicated", "reordered", "stalls", "partitions", "crashes", "restarts", "driftingClocks", "slowDisks"]);
    expect(stats.elections).toBeGreaterThan(0);
    expect(stats.committedBeforeHeal).toBeGreaterThan(0);
    expect(stats.committed).toBeGreaterThanOrEqual(stats.committedBeforeHeal);
    expect(stats.clientOps["ok"]).toBeGreaterThan(0);
    // The faults asked for happened; the one not asked for (disk) did not.
    for (const k of ["dropped", "duplicated", "reordered", "partitions", "crashes", "driftingClocks"]) expect(stats.faults[k], k).toBeGreaterThan(0);
    expect(stats.faults["slowDisks"]).toBe(0);
    expect(o["replay"]).toBe("npx --no-install quorate simulate --system raft --nodes 5 --seed 7 --steps 10000 --faults drop,dup,reorder,partition,crash,drift");
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
    // Booleans, so that a failure does not print the whole page (test/html draws it in Chromium).
    expect(page.includes('<canvas id="diagram"')).toBe(true);
    expect(/<script src=|<link |https?:\/\//.test(page)).toBe(false); // self-contained
    const data = JSON.parse(/<script id="diagram-data" type="application\/json">(.*?)<\/script>/s.exec(page)![1]!) as { nodes: unknown[]; msg: number[]; faults: unknown[]; kinds: { name: string; count: number }[] };
    expect(data.nodes).toHaveLength(5);
    const sends = text.split("\n").filter((l) => l.includes('"ev":"deliver"') || l.includes('"ev":"drop"')).length;
    expect(data.msg.length / 7).toBe(sends); // every delivered or dropped message, seven numbers each
    expect(data.kinds.find((k) => k.name === "append")!.count).toBeGreaterThan(0);
  });

  it("a campaign's stats are its seeds' stats summed, and name the seed that committed least", async () => {
    const camp = await cli(simulateCmd, ["--seeds", "3..5", "--steps", "4000", "--workers", "2", "--json"]);
    expect(camp.code).toBe(0);
    const o = JSON.parse(camp.out) as { ok: boolean; stats: Record<string, unknown>; leastCommitted: { seed: number; committedBeforeHeal: number } };
    const singles: Record<string, unknown>[] = [];
    for (const seed of ["3", "4", "5"]) {
      const r = await cli(simulateCmd, ["--seed", seed, "--steps", "4000", "--json"]);
      singles.push((JSON.parse(r.out) as { stats: Record<string, unknown> }).stats);
    }
    const sum = (get: (s: Record<string, unknown>) => number): number => singles.reduce((a, s) => a + get(s), 0);
    const stats = o.stats as { committed: number; committedBeforeHeal: number; elections: number; clientOps: { ok: number }; faults: { crashes: number; stalls: number } };
    expect(stats.committed).toBe(sum((s) => s["committed"] as number));
    expect(stats.committedBeforeHeal).toBe(sum((s) => s["committedBeforeHeal"] as number));
    expect(stats.elections).toBe(sum((s) => s["elections"] as number));
    expect(stats.clientOps.ok).toBe(sum((s) => (s["clientOps"] as { ok: number }).ok));
    expect(stats.faults.crashes).toBe(sum((s) => (s["faults"] as { crashes: number }).crashes));
    expect(stats.faults.stalls).toBe(sum((s) => (s["faults"] as { stalls: number }).stalls));
    const least = Math.min(...singles.map((s) => s["committedBeforeHeal"] as number));
    expect(o.leastCommitted.committedBeforeHeal).toBe(least);
    expect(singles[o.leastCommitted.seed - 3]!["committedBeforeHeal"]).toBe(least);
  });

  it("a run that commits nothing under faults proves nothing: it says so and exits 1, alone or in a campaign", async () => {
    const one = await cli(simulateCmd, ["--seed", "1", "--steps", "40", "--json"]);
    expect(one.code).toBe(1);
    const o = JSON.parse(one.out) as { ok: boolean; violations: { invariant: string; detail: string }[]; stats: { committedBeforeHeal: number; committed: number } };
    expect(o.ok).toBe(false);
    expect(o.stats.committedBeforeHeal).toBe(0);
    expect(o.stats.committed).toBeGreaterThan(0); // the liveness phase committed, which does not count
    expect(o.violations.map((v) => v.invariant)).toEqual(["progress"]);
    expect(o.violations[0]!.detail).toContain("nothing was committed in the 40 steps under faults");
    const text = await cli(simulateCmd, ["--seed", "1", "--steps", "40"]);
    expect(text.code).toBe(1);
    expect(text.out).toContain("the run proves nothing");
    const camp = await cli(simulateCmd, ["--seeds", "1..3", "--steps", "40", "--workers", "1", "--json"]);
    expect(camp.code).toBe(1);
    const c = JSON.parse(camp.out) as { ok: boolean; failed: { seed: number; violations: { invariant: string }[] }[] };
    expect(c.ok).toBe(false);
    expect(c.failed.map((f) => [f.seed, f.violations[0]!.invariant])).toEqual([[1, "progress"], [2, "progress"], [3, "progress"]]);
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
