import { describe, expect, it } from "vitest";
import * as real from "../../src/check/explore/index.js";
import { MUTANTS, loadPatched } from "../simulator/mutants.js";
import { RAFT_EXPLORED_INVARIANTS } from "../support/explored-invariants.js";
import { walkSelectors, type Selectors } from "../support/explore-walk.js";

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
    expect(r.invariants.map((i) => i.name).sort()).toEqual([...RAFT_EXPLORED_INVARIANTS].sort());
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
  const readWithoutRound = { name: "read-index-without-round", patches: [{ file: "read-only.ts", search: 'if (s.opts.readOnly === "lease-based" && leaseHeld(s)) {', replace: "if (true) {" }] };
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

/**
 * Lease reads (`--lease-reads`): timers run on a global clock (a `tick` ticks every node: no drift) and the
 * network may lose messages. The paths below are pinned as selectors (each picks the one enabled action whose
 * description contains every part); a breadth-first search from the initial state reaches only depth 18 in
 * 1.5 M states here, so the explorer searches from a state on the path (docs/explore.md). The real core serves
 * lease reads by §6.4.1; three mutants each bring back a stale read: no lease check and no check-quorum
 * (`lease-read-without-check-quorum`, test/simulator/mutants.ts), etcd's check-quorum lease (the core before the
 * fix) and a lease counted from when answers arrive.
 */
describe("lease reads under a global clock", () => {
  const bounds: real.RaftBounds = { maxTerm: 2, maxLog: 2, maxCrashes: 0, maxInFlight: 4, maxReads: 1 };
  const leaseModel = (e: Explore) => e.actorModel(e.raftSystem({ nodes: 3, bounds, readOnly: "lease-based", lossy: true })) as real.Model<unknown, unknown>;
  /** Node 1 leads term 1 and commits its no-op (ticks 1–2); ticks 3–5 pass with node 1's messages lost (its
   * check-quorum at tick 4 passes on the acknowledgements of tick 2; node 3 last hears it at tick 3); node 2
   * campaigns at tick 5 and node 3, out of its lease, votes for it; node 2 commits its no-op at index 2. */
  const deposed: Selectors = [
  ["tick"],
  ["tick"],
  ["deliver", "\"to\":2", "\"vote\""],
  ["deliver", "\"to\":3", "\"vote\""],
  ["deliver", "\"to\":1", "vote-response", "\"from\":2"],
  ["deliver", "\"to\":1", "vote-response", "\"from\":3"],
  ["deliver", "\"to\":2", "append"],
  ["deliver", "\"to\":3", "append"],
  ["deliver", "\"to\":1", "append-response", "\"from\":2"],
  ["deliver", "\"to\":1", "append-response", "\"from\":3"],
  ["drop", "\"to\":2", "append"],
  ["drop", "\"to\":3", "append"],
  ["tick"],
  ["drop", "\"to\":2"],
  ["deliver", "\"to\":3", "heartbeat"],
  ["drop", "\"to\":1"],
  ["tick"],
  ["drop", "\"to\":2"],
  ["drop", "\"to\":3"],
  ["tick"],
  ["drop", "\"to\":2", "heartbeat"],
  ["drop", "\"to\":3", "heartbeat"],
  ["deliver", "\"to\":3", "\"vote\""],
  ["drop", "\"to\":1", "\"vote\""],
  ["deliver", "\"to\":2", "vote-response"],
  ["deliver", "\"to\":3", "append"],
  ["deliver", "\"to\":2", "append-response"]
  ];
  const walk = walkSelectors;
  const readAt1 = ["input", "read-index", '"node":1'];
  const startingAt = (model: real.Model<unknown, unknown>, state: unknown): real.Model<unknown, unknown> => ({ ...model, init: () => [state] });

  /** etcd's lease, as the core served it before the fix: at once whenever it leads, trusting check-quorum. */
  const leaseFromCheckQuorum = { name: "lease-from-check-quorum", patches: [{ file: "read-only.ts", search: 'if (s.opts.readOnly === "lease-based" && leaseHeld(s)) {', replace: 'if (s.opts.readOnly === "lease-based") {' }] };
  /** A lease from when acknowledgements arrive: an answer counts as one to the leader's latest round. */
  const leaseFromReceipt = { name: "lease-from-receipt", patches: [{ file: "replication.ts", search: "if (m.context > acked) s.reads.acked.set(m.from, m.context);", replace: "if (m.context > acked) s.reads.acked.set(m.from, s.reads.round);" }] };
  const violations = (r: real.ExploreResult<unknown>) => r.invariants.filter((i) => i.violation !== undefined).map((i) => i.name);

  it("lease-read-without-check-quorum: the old leader never steps down and serves a stale read after its lease", async () => {
    const m = MUTANTS.find((x) => x.name === "lease-read-without-check-quorum")!;
    const patched = (await loadPatched(m, "explore-lease", "src/check/explore/index.ts")) as Explore;
    // Node 2's appends to node 1 and 3 lost, tick 6: node 1's check-quorum finds no acknowledgement since tick 4.
    const afterCheck: Selectors = [...deposed, ["drop", '"from":2', '"to":1', "append"], ["drop", '"from":2', '"to":3', "append"], ["tick"]];
    const onMutant = walk(leaseModel(patched), [...afterCheck, readAt1]);
    expect(onMutant.stoppedAt).toBeUndefined();
    expect(patched.replayPath(leaseModel(patched), 0, onMutant.path).map((v) => [v.step, v.invariant])).toEqual([[31, "linearizable-read"]]);
    // The real core stepped down at tick 6: node 1 is no longer offered the read.
    const onReal = walk(leaseModel(real), [...afterCheck, readAt1]);
    expect(onReal.stoppedAt).toBe(31);
    expect(real.replayPath(leaseModel(real), 0, onReal.path)).toEqual([]);
    // The explorer finds it from the state after tick 6; the real core from its state there breaks nothing.
    const found = patched.explore(startingAt(leaseModel(patched), walk(leaseModel(patched), afterCheck).state), { strategy: "bfs", stopAtFirstViolation: true });
    const v = found.invariants.find((i) => i.violation !== undefined)?.violation;
    expect(v?.name).toBe("linearizable-read");
    expect(v!.path).toEqual([{ type: "input", node: 1, input: { type: "read-index", requestId: 1 } }]);
    const control = real.explore(startingAt(leaseModel(real), walk(leaseModel(real), afterCheck).state), { strategy: "bfs", maxDepth: 4 });
    expect(violations(control)).toEqual([]);
  });

  // Where the explorer found the real core's lease stale before the fix (etcd's lease, renewed at the check-quorum
  // tick from answers received since the last check): node 1's check at tick 4 passed on the answers of tick 2, so
  // it served lease reads until its next check at tick 6, while node 3, which last heard it at tick 3, could vote
  // again from tick 5. Under §6.4.1 (electionTick 2: a lease of 1 tick from the send) node 1's lease from its
  // round of tick 3 — answered by no one — never started; the answers of tick 2 held it through tick 2 only.
  it("§6.4.1 lease starts when the heartbeat was sent: no stale read where etcd's check-quorum lease served one", async () => {
    const r = walk(leaseModel(real), [...deposed, readAt1]);
    expect(r.stoppedAt).toBeUndefined();
    expect(real.replayPath(leaseModel(real), 0, r.path)).toEqual([]);
    // Node 1 still leads term 1 but holds no lease: the read waits for a heartbeat round (committed index 2 then).
    expect((r.state as real.RaftSystemState).history!.pending).toEqual([[1, 2]]);
    const prefix = (e: Explore) => startingAt(leaseModel(e), walk(leaseModel(e), deposed.slice(0, 20)).state);
    const control = real.explore(prefix(real), { strategy: "bfs", maxDepth: 8 });
    expect(violations(control)).toEqual([]);
    // Teeth: etcd's lease (the core before the fix) serves the stale read on the path at step 28, and the explorer
    // finds one from the state after tick 5 (node 2 campaigning) in 6 steps.
    const patched = (await loadPatched(leaseFromCheckQuorum, "explore-lease", "src/check/explore/index.ts")) as Explore;
    expect(patched.replayPath(leaseModel(patched), 0, walk(leaseModel(patched), [...deposed, readAt1]).path).map((v) => [v.step, v.invariant])).toEqual([[28, "linearizable-read"]]);
    const found = patched.explore(prefix(patched), { strategy: "bfs", stopAtFirstViolation: true });
    const v = found.invariants.find((i) => i.violation !== undefined)?.violation;
    expect(v?.name).toBe("linearizable-read");
    expect(v!.path).toHaveLength(6);
  });

  // The same path, but node 3's answer to node 1's heartbeat of tick 3 is not lost: it arrives after tick 5, when
  // node 2 has been elected with node 3's vote and committed. Sent at tick 3, it gives node 1 a lease for tick 3
  // only; counted from its arrival (the mutant) it would cover tick 5, when node 3 was free to vote again.
  it("§6.4.1 lease starts when the heartbeat was sent, not when the answer arrived: a late answer renews nothing (lease-from-receipt caught)", async () => {
    const late: Selectors = [...deposed.slice(0, 15), ...deposed.slice(16), ["deliver", '"to":1', "heartbeat-response"]];
    const r = walk(leaseModel(real), [...late, readAt1]);
    expect(r.stoppedAt).toBeUndefined();
    expect(real.replayPath(leaseModel(real), 0, r.path)).toEqual([]);
    expect((r.state as real.RaftSystemState).history!.pending).toEqual([[1, 2]]);
    const prefix = (e: Explore) => startingAt(leaseModel(e), walk(leaseModel(e), late.slice(0, 20)).state);
    const control = real.explore(prefix(real), { strategy: "bfs", maxDepth: 8 });
    expect(violations(control)).toEqual([]);
    const patched = (await loadPatched(leaseFromReceipt, "explore-lease", "src/check/explore/index.ts")) as Explore;
    expect(patched.replayPath(leaseModel(patched), 0, walk(leaseModel(patched), [...late, readAt1]).path).map((v) => [v.step, v.invariant])).toEqual([[28, "linearizable-read"]]);
    const found = patched.explore(prefix(patched), { strategy: "bfs", stopAtFirstViolation: true });
    const v = found.invariants.find((i) => i.violation !== undefined)?.violation;
    expect(v?.name).toBe("linearizable-read");
    expect(v!.path).toHaveLength(6);
  });
});
