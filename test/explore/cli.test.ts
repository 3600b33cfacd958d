import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/adapters/cli/main.js";
import { MUTANTS, loadPatched } from "../simulator/mutants.js";

let out: string[];
let err: string[];
let dir: string;

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  dir = mkdtempSync(path.join(tmpdir(), "quorate-explore-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const json = (): { ok: boolean; states: number; complete: boolean; violations: { invariant: string; path: unknown[] }[] } => JSON.parse(out.join(""));

describe("quorate explore", () => {
  it("reproduces the calibration counts with --json", async () => {
    const cases: [string[], number][] = [
      [["--model", "2pc", "--rms", "3"], 288],
      [["--model", "2pc", "--rms", "5", "--dfs"], 8_832],
      [["--model", "2pc", "--rms", "5", "--symmetry", "--dfs"], 665],
      [["--model", "linearizable-register", "--servers", "2", "--clients", "2"], 544],
      [["--model", "single-copy-register", "--servers", "1"], 93],
    ];
    for (const [args, states] of cases) {
      out = [];
      expect(await runCli(["explore", ...args, "--json"])).toBe(0);
      expect(json().states).toBe(states);
      expect(json().ok).toBe(true);
    }
  });

  it("exits 1 on a violation, writes a path file that --replay reproduces", async () => {
    const trace = path.join(dir, "path.json");
    expect(await runCli(["explore", "--model", "single-copy-register", "--servers", "2", "--json", "--path", trace])).toBe(1);
    expect(json().violations[0]!.invariant).toBe("linearizable");
    expect(JSON.parse(readFileSync(trace, "utf8")).path).toHaveLength(4);
    out = [];
    expect(await runCli(["explore", "--replay", trace])).toBe(1);
    expect(out.join("")).toContain("after step 4: linearizable");
    // A path that does not apply is bad input, not a crash.
    const file = JSON.parse(readFileSync(trace, "utf8"));
    file.path[0] = { type: "deliver", from: 9, to: 9, msg: {} };
    writeFileSync(trace, JSON.stringify(file));
    expect(await runCli(["explore", "--replay", trace])).toBe(2);
    expect(err.join("")).toContain("step 1");
  });

  it("exits 3 with a bounded, incomplete verdict when --max-states stops the search", async () => {
    expect(await runCli(["explore", "--model", "paxos", "--max-states", "500"])).toBe(3);
    expect(out.join("")).toContain("bounded, incomplete");
  });

  it("explores the Raft core within given bounds", async () => {
    expect(await runCli(["explore", "--system", "raft", "--nodes", "3", "--bounds", "max-term=1,max-log=1,max-crashes=0,max-in-flight=3", "--json"])).toBe(0);
    expect(json().complete).toBe(true);
    expect(json().states).toBeGreaterThan(100);
  });

  it("issues client reads with max-reads and checks them (linearizable-read)", async () => {
    expect(await runCli(["explore", "--system", "raft", "--bounds", "max-term=1,max-log=1,max-crashes=0,max-in-flight=3,max-reads=1", "--json"])).toBe(0);
    expect(json().complete).toBe(true);
    expect(json().states).toBe(6379);
  });

  it("narrows a Raft space with --storage async-raced and max-partitions (fewer states than the contract order and than no partition)", async () => {
    const run = async (storage: string, bounds: string): Promise<number> => {
      out = [];
      expect(await runCli(["explore", "--system", "raft", "--storage", storage, "--bounds", bounds, "--json"])).toBe(0);
      expect(json().complete).toBe(true);
      return json().states;
    };
    const crash = "max-term=1,max-log=0,max-crashes=1,max-in-flight=3";
    expect(await run("async-raced", crash)).toBeLessThan(await run("async-contract", crash));
    const small = "max-term=1,max-log=1,max-crashes=0,max-in-flight=3";
    expect(await run("sync", `${small},max-partitions=1`)).toBeGreaterThan(await run("sync", small));
  });

  it("explores the ZooKeeper ensemble (every invariant checked in every state)", async () => {
    expect(await runCli(["explore", "--system", "zk", "--nodes", "3", "--max-depth", "13", "--json"])).toBe(0);
    expect(json().ok).toBe(true);
    expect(json().states).toBeGreaterThan(100);
  });

  it("--workload and max-ticks reach the ZooKeeper system (a second client and a global clock add states)", async () => {
    const statesOf = async (...args: string[]): Promise<number> => {
      out = [];
      expect(await runCli(["explore", "--system", "zk", "--nodes", "3", "--max-depth", "16", ...args, "--json"]), args.join(" ")).toBe(0);
      expect(json().ok).toBe(true);
      return json().states;
    };
    const writes = await statesOf();
    expect(await statesOf("--workload", "sync-read")).toBeGreaterThan(writes);
    expect(await statesOf("--workload", "ephemeral", "--bounds", "max-ticks=1")).toBeGreaterThan(await statesOf("--workload", "ephemeral"));
  });

  it("exits 2 with a clear message on bad usage", async () => {
    for (const args of [
      ["--model", "nope"],
      ["--model", "2pc", "--system", "raft"],
      ["--system", "raft", "--bounds", "max-term=x"],
      ["--system", "raft", "--bounds", "speed=3"],
      ["--system", "raft", "--network", "ordered", "--symmetry"],
      ["--system", "zk", "--storage", "async-contract"],
      ["--system", "kraft", "--no-heartbeats"],
      ["--system", "kraft", "--bounds", "max-reads=1"],
      ["--system", "zk", "--bounds", "max-partitions=1"],
      ["--system", "raft", "--storage", "async-racy"],
      ["--system", "zk", "--lease-reads"],
      ["--system", "zk", "--workload", "nope"],
      ["--system", "raft", "--workload", "ephemeral"],
      ["--system", "raft", "--bounds", "max-ticks=1"],
      ["--system", "kraft", "--bounds", "max-ticks=1"],
      ["--system", "raft", "--lease-reads", "--no-heartbeats"],
      ["--system", "raft", "--bounds", "max-reads=1", "--symmetry"],
      ["--system", "raft", "--payload-bytes", "0"],
      ["--system", "kraft", "--storage", "async-contract"],
      ["--model", "2pc", "--rms", "99"],
      ["--model", "2pc", "--network", "carrier-pigeon"],
      ["--replay", path.join(dir, "missing.json")],
      ["--model", "2pc", "--trace", path.join(dir, "t.ndjson")],
      ["--system", "kraft", "--trace", path.join(dir, "t.ndjson")],
    ]) {
      err = [];
      expect(await runCli(["explore", ...args]), args.join(" ")).toBe(2);
      expect(err.join("")).toMatch(/quorate explore: .+/);
    }
  });

  it("--trace writes a real-core Raft path as an NDJSON trace that verify-trace passes", async () => {
    const trace = path.join(dir, "raft.ndjson");
    const bounds = "max-term=1,max-log=1,max-crashes=0,max-in-flight=3";
    expect(await runCli(["explore", "--system", "raft", "--nodes", "3", "--bounds", bounds, "--trace", trace])).toBe(0);
    expect(out.join("")).toContain(`path to "entry committed" written as a Raft trace to ${trace}`);
    const lines = readFileSync(trace, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toEqual({ type: "cluster", nodes: [1, 2, 3] });
    out = [];
    expect(await runCli(["verify-trace", trace, "--protocol", "raft", "--json"])).toBe(0);
    expect(JSON.parse(out.join("")).records).toBe(lines.length);
    // The trace is not a path file: --replay says which command reads it.
    err = [];
    expect(await runCli(["explore", "--replay", trace])).toBe(2);
    expect(err.join("")).toContain("verify-trace");
  });

  it("--trace of a planted mutant's counterexample: verify-trace reports the same invariant (exit 1)", async () => {
    const m = MUTANTS.find((x) => x.name === "forget-vote-on-restart")!;
    const patched = (await loadPatched(m, "explore-cli-trace", "src/adapters/cli/main.ts")) as { runCli: typeof runCli };
    const trace = path.join(dir, "mutant.ndjson");
    const args = ["explore", "--system", "raft", "--nodes", "3", "--bounds", "max-term=1,max-log=0,max-crashes=1,max-in-flight=4", "--first", "--json"];
    expect(await patched.runCli([...args, "--trace", trace])).toBe(1);
    expect(json().violations[0]!.invariant).toBe("single-vote");
    out = [];
    expect(await runCli(["verify-trace", trace, "--protocol", "raft", "--json"])).toBe(1);
    const verdict = JSON.parse(out.join("")) as { ok: boolean; violations: { invariant: string }[] };
    expect(verdict.violations.map((v) => v.invariant)).toContain("single-vote");
    // Control: the real core explored within the same bounds finds nothing; with no goal reachable within them
    // (max-log=0 leaves no room for a leader's no-op) there is no path to write, and it says so.
    out = [];
    err = [];
    const control = path.join(dir, "control.ndjson");
    expect(await runCli([...args, "--trace", control])).toBe(0);
    expect(json().ok).toBe(true);
    expect(err.join("")).toContain(`nothing written to ${control}`);
    expect(existsSync(control)).toBe(false);
  });
});
