import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/adapters/conformance/quint.js";
import * as real from "../../src/check/explore/index.js";
import { loadCoreMutant } from "../conformance/core-mutants.js";

type Explore = typeof real;

/**
 * The KRaft core explored as a 3-voter system (src/check/explore/systems/kraft.ts): every invariant of
 * src/check/invariants/kraft.ts holds within small bounds, and a planted double vote is found by the explorer
 * (breadth-first, so by a shortest path) as two leaders of one epoch. Bounds and counts: docs/explore.md.
 */
function run(e: Explore, bounds: real.KRaftBounds, options: real.ExploreOptions): real.ExploreResult<unknown> {
  return e.explore(e.actorModel(e.kraftSystem({ nodes: 3, bounds })) as real.Model<unknown, unknown>, { strategy: "bfs", ...options });
}

/** The shortest double-vote counterexample (breadth-first, max-in-flight=5). */
const DOUBLE_VOTE_DEPTH = 16;

const SMALL: real.KRaftBounds = { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 };

describe("exploring the KRaft core (3 voters)", () => {
  it("every invariant holds in the first 20,000 states breadth-first, and a leader is elected", () => {
    const r = run(real, SMALL, { maxStates: 20_000 });
    expect(r.states).toBe(20_000);
    for (const i of r.invariants) expect(i.violation?.detail, i.name).toBeUndefined();
    expect(r.invariants.map((i) => i.name).sort()).toEqual(["kraft-committed-never-diverges", "kraft-epoch-monotonic", "kraft-high-watermark-majority", "kraft-high-watermark-monotonic", "kraft-one-leader-per-epoch"]);
    const elected = r.goals.find((g) => g.name === "leader elected")!;
    expect(elected.example?.path.length).toBe(7); // pinned: a change that hides the short election fails here
  });

  it("a crash and a restart from disk keep every invariant (max-crashes=1, first 20,000 states)", () => {
    const r = run(real, { ...SMALL, maxCrashes: 1 }, { maxStates: 20_000 });
    expect(r.ok).toBe(true);
    expect(r.invariants.length).toBe(5);
  });

  it("teeth: a voter that votes twice in one epoch gives two leaders of the epoch", async () => {
    await loadCoreMutant("kraft", {
      name: "vote-twice-in-epoch",
      file: "election.ts",
      find: "if (r.votedKey !== null) return r.votedKey.id === candidate.id && (r.votedKey.directoryId === \"\" || r.votedKey.directoryId === candidate.directoryId);",
      replace: "if (r.votedKey !== null) return upToDate;",
    });
    const patched = (await import(path.join(packageRoot, ".cache", "core-mutants", "kraft-vote-twice-in-epoch", "src", "check", "explore", "index.ts"))) as Explore;
    const r = run(patched, { ...SMALL, maxInFlight: 5 }, { maxStates: 400_000, stopAtFirstViolation: true });
    const v = r.invariants.find((i) => i.violation !== undefined);
    console.log(`kraft mutant vote-twice-in-epoch: ${v === undefined ? "NOT FOUND" : `${v.name} after ${v.violation!.path.length} steps`} (${r.states} states, ${r.seconds.toFixed(1)} s)`);
    expect(v?.name).toBe("kraft-one-leader-per-epoch");
    expect(v!.violation!.path.length).toBe(DOUBLE_VOTE_DEPTH);
  }, 240_000); // ~45 s of search on a loaded 2-core machine: the default 60 s is too close
});
