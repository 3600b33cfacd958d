import { describe, expect, it } from "vitest";
import * as real from "../../src/check/explore/index.js";
import { MUTANTS, loadPatched } from "../simulator/mutants.js";

type Explore = typeof real;

/**
 * Teeth: the planted mutants of the Raft core (test/simulator/mutants.ts) must be found by exhaustive
 * exploration. Each runs breadth-first, so the path found is a shortest counterexample, within small bounds
 * (inside the documented ones: docs/explore.md) that keep the test fast; the depth is pinned so that a change
 * which makes the explorer miss the short path fails here. Control: the unpatched core explored to the same
 * depth within the same bounds breaks nothing.
 */
const CASES: readonly {
  readonly mutant: string;
  readonly bounds: real.RaftBounds;
  readonly storage: "sync" | "async-contract";
  readonly invariant: string;
  readonly depth: number;
}[] = [
  { mutant: "forget-vote-on-restart", bounds: { maxTerm: 1, maxLog: 0, maxCrashes: 1, maxInFlight: 4 }, storage: "sync", invariant: "single-vote", depth: 5 },
  { mutant: "commit-goes-backwards", bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 4 }, storage: "sync", invariant: "commit-monotonic", depth: 10 },
  { mutant: "truncate-without-conflict", bounds: { maxTerm: 1, maxLog: 2, maxCrashes: 0, maxInFlight: 4 }, storage: "sync", invariant: "commit-durable-majority", depth: 12 },
  { mutant: "count-own-entry-before-persisted", bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 }, storage: "async-contract", invariant: "commit-durable-majority", depth: 8 },
  { mutant: "ack-entries-not-yet-durable", bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 }, storage: "async-contract", invariant: "commit-durable-majority", depth: 13 },
];

function run(e: Explore, c: (typeof CASES)[number], options: real.ExploreOptions): real.ExploreResult<unknown> {
  const model = e.actorModel(e.raftSystem({ nodes: 3, bounds: c.bounds, storage: c.storage }));
  return e.explore(model as real.Model<unknown, unknown>, { strategy: "bfs", ...options });
}

describe("exhaustive exploration catches the Raft core's planted mutants", () => {
  it.each(CASES.map((c) => [c.mutant, c] as const))("%s", async (_name, c) => {
    const m = MUTANTS.find((x) => x.name === c.mutant)!;
    const patched = (await loadPatched(m, "explore", "src/check/explore/index.ts")) as Explore;
    const r = run(patched, c, { stopAtFirstViolation: true, maxStates: 200_000 });
    const v = r.invariants.find((i) => i.violation !== undefined)?.violation;
    console.log(`mutant ${c.mutant}: ${v === undefined ? "NOT FOUND" : `${v.name} after ${v.path.length} steps`} (${r.states} states, ${r.seconds.toFixed(1)} s)`);
    expect(v?.name, `mutant ${c.mutant} survived exploration`).toBe(c.invariant);
    expect(v!.path).toHaveLength(c.depth);
    // The path replays on the mutant to the same violation.
    const model = patched.actorModel(patched.raftSystem({ nodes: 3, bounds: c.bounds, storage: c.storage })) as real.Model<unknown, unknown>;
    expect(patched.replayPath(model, v!.init, v!.path).map((f) => f.invariant)).toContain(c.invariant);
    // Control: the real core, same bounds, explored one level deeper than the counterexample, breaks nothing.
    const control = run(real, c, { maxDepth: c.depth + 2 });
    expect(control.invariants.filter((i) => i.violation !== undefined).map((i) => i.name)).toEqual([]);
  });
});

describe("the real Raft core", () => {
  it("holds every invariant in every state of a small space (3 nodes, one term, one entry, one crash)", () => {
    const r = real.explore(real.actorModel(real.raftSystem({ nodes: 3, bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 1, maxInFlight: 3 } })) as real.Model<unknown, unknown>);
    expect(r.complete).toBe(true);
    expect(r.invariants.filter((i) => i.violation !== undefined).map((i) => i.name)).toEqual([]);
    expect(r.invariants.map((i) => i.name).sort()).toEqual(
      [
        "commit-current-term",
        "commit-durable-majority",
        "commit-monotonic",
        "election-safety",
        "leader-append-only",
        "leader-completeness",
        "log-matching",
        "node-state",
        "single-vote",
        "state-machine-safety",
      ].sort(),
    );
    // Leaders are elected and entries committed in this space: the invariants are not vacuous.
    expect(r.goals.map((g) => [g.name, g.example !== undefined])).toEqual([
      ["leader elected", true],
      ["entry committed", true],
    ]);
  });
});

describe("symmetry reduction over Raft node ids", () => {
  it("explores fewer states with the same verdict, and a mutant's shortest path still replays", async () => {
    const bounds = { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 };
    const model = (e: Explore) => e.actorModel(e.raftSystem({ nodes: 3, bounds })) as real.Model<unknown, unknown>;
    const plain = real.explore(model(real));
    const reduced = real.explore(model(real), { symmetry: true });
    expect(plain.ok && reduced.ok).toBe(true);
    // Three interchangeable nodes: up to 3! = 6 states per class.
    expect(reduced.states * 3).toBeLessThan(plain.states);
    expect(reduced.states * 6).toBeGreaterThanOrEqual(plain.states);
    const m = MUTANTS.find((x) => x.name === "commit-goes-backwards")!;
    const patched = (await loadPatched(m, "explore-symmetry", "src/check/explore/index.ts")) as Explore;
    const found = patched.explore(model(patched), { symmetry: true, stopAtFirstViolation: true });
    const v = found.invariants.find((i) => i.violation !== undefined)!.violation!;
    expect(v.name).toBe("commit-monotonic");
    expect(patched.replayPath(model(patched), v.init, v.path).map((f) => f.invariant)).toContain("commit-monotonic");
  });
});

describe("client reads in the explored Raft system", () => {
  // A leader that serves a ReadIndex read at once, without the heartbeat round confirming it still leads.
  const readWithoutRound = { name: "read-index-without-round", patches: [{ file: "read-only.ts", search: 'if (s.opts.readOnly === "lease-based") {', replace: "if (true) {" }] };
  const bounds: real.RaftBounds = { maxTerm: 2, maxLog: 2, maxCrashes: 0, maxInFlight: 3, maxReads: 1 };
  const model = (e: Explore, b: real.RaftBounds) => e.actorModel(e.raftSystem({ nodes: 3, bounds: b })) as real.Model<unknown, unknown>;

  it("without max-reads the space is the one the docs count; with one read the real core serves it linearizably", () => {
    const small = { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 };
    expect(real.explore(model(real, small)).states).toBe(2644);
    const r = real.explore(model(real, { ...small, maxReads: 1 }));
    expect(r.complete).toBe(true);
    expect(r.states).toBe(6379);
    expect(r.invariants.map((i) => i.name)).toContain("linearizable-read");
    expect(r.invariants.filter((i) => i.violation !== undefined).map((i) => i.name)).toEqual([]);
  });

  it("finds a stale read served by a deposed leader that skips ReadIndex's heartbeat round", async () => {
    const patched = (await loadPatched(readWithoutRound, "explore-reads", "src/check/explore/index.ts")) as Explore;
    const r = patched.explore(model(patched, bounds), { strategy: "bfs", stopAtFirstViolation: true, maxStates: 200_000 });
    const v = r.invariants.find((i) => i.violation !== undefined)?.violation;
    expect(v?.name).toBe("linearizable-read");
    expect(v!.path).toHaveLength(18);
    expect(v!.path[v!.path.length - 1]).toEqual({ type: "input", node: 1, input: { type: "read-index", requestId: 1 } });
    expect(patched.replayPath(model(patched, bounds), v!.init, v!.path).map((f) => f.invariant)).toContain("linearizable-read");
    // Control: the real core, same bounds, two levels deeper, serves every read linearizably.
    const control = real.explore(model(real, bounds), { strategy: "bfs", maxDepth: 20 });
    expect(control.invariants.filter((i) => i.violation !== undefined).map((i) => i.name)).toEqual([]);
  });
});
