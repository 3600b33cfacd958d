// `npm run bench`: --help lists the suites, no suite says which to pick (exit 2), bad options are messages.
import { describe, expect, it } from "vitest";
import { SUITES, runBench } from "../../bench/suites.js";

async function bench(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runBench(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe("npm run bench", () => {
  it("--help lists every suite with its options and exits 0", async () => {
    const r = await bench(["--help"]);
    expect(r.code).toBe(0);
    const names = ["metadata", "raft", "zk-ensemble", "sim", "kraft", "kraft-failover", "linearizability", "lin-recorded", "zk", "contract", "zk-controller", "cluster", "cluster-tail", "explore", "storage", "zk-wire"];
    for (const name of names) expect(r.out).toContain(`  ${name}`);
    expect(r.out).toContain("[--seconds S]");
    expect(Object.keys(SUITES).sort()).toEqual([...names].sort());
  });

  it("with no suite (or only options) says which to pick and exits 2", async () => {
    for (const argv of [[], ["--json"]]) {
      const r = await bench(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toContain("bench: name a suite to run (one of metadata, raft,");
    }
  });

  it("an unknown suite exits 2; a suite's --help prints its options", async () => {
    const r = await bench(["warp"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown suite 'warp'");
    const help = await bench(["sim", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toBe("usage: npm run bench -- sim [--seconds S] [--seeds N] [--steps N] [--json]\n");
  });

  it("a suite's unknown option is a message and exit 2, not a stack trace", async () => {
    const r = await bench(["zk", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bench zk: Unknown option '--bogus'/);
    expect(r.err).toContain("usage: npm run bench -- zk [--ops N] [--repeat R]");
  });
});
