import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/adapters/conformance/quint.js";
import * as real from "../../src/check/explore/index.js";
import { loadCoreMutant } from "../conformance/core-mutants.js";
import { RAFT_EXPLORED_INVARIANTS } from "../support/explored-invariants.js";

type Explore = typeof real;

/**
 * The replicated ZooKeeper service explored as a 3-replica system (src/check/explore/systems/zk.ts): Raft's
 * invariants on each replica's Raft node and `zk-tree-equal` hold in every state within small bounds, the
 * client's session and write happen, and a planted nondeterministic apply is found (breadth-first, so by a
 * shortest path) as two replicas with different trees at one applied index. Bounds and counts: docs/explore.md.
 */
function run(e: Explore, bounds: real.ZkBounds, options: real.ExploreOptions): real.ExploreResult<unknown> {
  return e.explore(e.actorModel(e.zkSystem({ nodes: 3, bounds })) as real.Model<unknown, unknown>, { strategy: "bfs", ...options });
}

/** The default bounds of `quorate explore --system zk` (the whole space: 150,971 states, minutes; docs/explore.md). */
const SMALL: real.ZkBounds = { maxTerm: 1, maxLog: 3, maxCrashes: 0, maxInFlight: 3 };

/** The mutant's shortest counterexample within SMALL (breadth-first). */
const LOCAL_CLOCK_DEPTH = 18;

const INVARIANTS = [...RAFT_EXPLORED_INVARIANTS, "zk-tree-equal"].sort();

describe("exploring the ZooKeeper ensemble (3 replicas)", () => {
  it("every invariant holds in every state up to two steps past the mutant's depth; a session is created and /a written", () => {
    // Control for the mutant below: the real core, same bounds, explored to depth LOCAL_CLOCK_DEPTH + 2.
    const r = run(real, SMALL, { maxDepth: LOCAL_CLOCK_DEPTH + 2 });
    console.log(`zk ${JSON.stringify(SMALL)} to depth ${LOCAL_CLOCK_DEPTH + 2}: ${r.states} states, ${r.transitions} transitions, ${r.seconds.toFixed(1)} s`);
    expect(r.invariants.map((i) => i.name).sort()).toEqual(INVARIANTS);
    for (const i of r.invariants) expect(i.violation?.detail, i.name).toBeUndefined();
    // Pinned: a change that hides the short paths (or stops the client) fails here.
    expect(r.goals.map((g) => [g.name, g.example?.path.length])).toEqual([
      ["leader elected", 7],
      ["session created", 12],
      ["znode written", 17],
    ]);
  });

  it("a crash and a restart from disk keep every invariant (max-crashes=1, first 20,000 states)", () => {
    const r = run(real, { ...SMALL, maxCrashes: 1 }, { maxStates: 20_000 });
    expect(r.states).toBe(20_000);
    expect(r.ok).toBe(true);
  });

  it("teeth: a replica that stamps a write with its own clock, not the leader's, diverges from the others", async () => {
    await loadCoreMutant("zk-ensemble", {
      name: "apply-with-local-clock",
      file: "apply.ts",
      find: "time: cmd.time,",
      replace: "time: s.now,",
    });
    const patched = (await import(path.join(packageRoot, ".cache", "core-mutants", "zk-ensemble-apply-with-local-clock", "src", "check", "explore", "index.ts"))) as Explore;
    const r = run(patched, SMALL, { stopAtFirstViolation: true });
    const v = r.invariants.find((i) => i.violation !== undefined);
    console.log(`zk-ensemble mutant apply-with-local-clock: ${v === undefined ? "NOT FOUND" : `${v.name} after ${v.violation!.path.length} steps`} (${r.states} states, ${r.seconds.toFixed(1)} s)`);
    expect(v?.name).toBe("zk-tree-equal");
    expect(v!.violation!.path.length).toBe(LOCAL_CLOCK_DEPTH);
    // The path replays on the mutant to the same violation.
    const model = patched.actorModel(patched.zkSystem({ nodes: 3, bounds: SMALL })) as real.Model<unknown, unknown>;
    expect(patched.replayPath(model, v!.violation!.init, v!.violation!.path).map((f) => f.invariant)).toContain("zk-tree-equal");
  });
});
