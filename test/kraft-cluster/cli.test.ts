/**
 * `quorate simulate --system kraft`: random fault runs with the same JSON contract as `--system raft`, and the
 * scenarios' CLI (JSON shape, exit codes, argument errors).
 */
import { describe, expect, it, vi } from "vitest";
import { run as simulateCmd } from "../../src/adapters/cli/commands/simulate.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await simulateCmd(argv);
    return { code, out: out.mock.calls.map((c) => String(c[0])).join(""), err: err.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("quorate simulate --system kraft (random faults)", () => {
  it("one seed: the raft JSON contract, elections and commits happened, every invariant held, replayable", async () => {
    const argv = ["--system", "kraft", "--nodes", "6", "--seed", "5", "--steps", "4000", "--faults", "all", "--json"];
    const r = await cli(argv);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(["ok", "seed", "steps", "violations", "stats", "replay"]);
    expect(o).toMatchObject({ ok: true, seed: 5, steps: 4000, violations: [] });
    const stats = o["stats"] as { elections: number; committed: number; faults: Record<string, number> };
    expect(stats.elections).toBeGreaterThan(0);
    expect(stats.committed).toBeGreaterThan(10);
    expect(stats.faults["crashes"]! + stats.faults["partitions"]!).toBeGreaterThan(0);
    expect(o["replay"]).toBe("npx --no-install quorate simulate --system kraft --nodes 6 --seed 5 --steps 4000 --faults all");
    expect((await cli(argv)).out).toBe(r.out);
  });

  for (const order of ["strict", "contract"]) {
    it(`many seeds on worker threads (compiled dist/), send order ${order}: every seed holds every invariant`, async () => {
      const r = await cli(["--system", "kraft", "--nodes", "5", "--seeds", "1..6", "--steps", "3000", "--faults", "all", "--send-order", order, "--workers", "2", "--json"]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const o = JSON.parse(r.out) as { ok: boolean; seeds: { count: number }; failed: unknown[] };
      expect(o.ok).toBe(true);
      expect(o.seeds.count).toBe(6);
      expect(o.failed).toEqual([]);
    });
  }

  it("all-combined clusters (3 nodes) and dedicated controllers with more brokers (7 nodes)", async () => {
    for (const [nodes, seed] of [["3", "2"], ["7", "3"]] as const) {
      const r = await cli(["--system", "kraft", "--nodes", nodes, "--seed", seed, "--steps", "3000", "--json"]);
      expect(JSON.parse(r.out)).toMatchObject({ ok: true, violations: [] });
      expect(r.code).toBe(0);
    }
  });
});

describe("quorate simulate --system kraft --scenario", () => {
  it("--json prints ok, scenario, events with simulated times, metrics", async () => {
    const r = await cli(["--system", "kraft", "--scenario", "broker-failure", "--partitions", "20", "--json"]);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as { ok: boolean; scenario: string; events: { t_ms: number; what: string }[]; metrics: Record<string, number> };
    expect(o.ok).toBe(true);
    expect(o.scenario).toBe("broker-failure");
    expect(o.events.length).toBeGreaterThan(5);
    for (const e of o.events) {
      expect(Number.isInteger(e.t_ms)).toBe(true);
      expect(typeof e.what).toBe("string");
    }
    expect(Object.keys(o.metrics).sort()).toEqual(["clientSeesLeaderMs", "detectMs", "newLeaderMs"]);
  });

  it("the text form narrates a timeline and lists expectations", async () => {
    const r = await cli(["--system", "kraft", "--scenario", "network-partition", "--partitions", "10", "--seed", "2"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scenario network-partition/);
    expect(r.out).toMatch(/\d+ ms {2}network partition: \{\d\} cut off from the rest/);
    expect(r.out).toMatch(/\[ok\] the cut-off controller resigned through check-quorum/);
  });

  it("bad arguments exit 2 with a message naming the argument", async () => {
    const cases: [string[], RegExp][] = [
      [["--scenario", "broker-failure"], /--scenario needs --system kraft/],
      [["--system", "kraft", "--scenario", "meteor"], /--scenario must be one of broker-failure, controller-failover, network-partition/],
      [["--system", "kraft", "--scenario", "broker-failure", "--partitions", "0"], /--partitions must be in 1\.\.1000000/],
      [["--system", "kraft", "--partitions", "10"], /--partitions does not apply to a single run \(--seed\) \(only to a KRaft scenario \(--scenario\)\)/],
    ];
    for (const [argv, msg] of cases) {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
