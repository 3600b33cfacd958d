import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/adapters/conformance/quint.js";
import * as real from "../../src/check/explore/index.js";
import { loadCoreMutant, type CorePatch } from "../conformance/core-mutants.js";

type Explore = typeof real;

/**
 * The ZooKeeper ensemble's opt-in dimensions (src/check/explore/systems/zk.ts): workloads with an ephemeral
 * and a session close, a global clock that lets the leader expire sessions, sequential creates, and a second
 * client whose write a `sync` + read at another replica must see. Each planted mutant of the zk-ensemble (or
 * zk) core is found breadth-first — its shortest path pinned — and the real core explored under the same bounds
 * to two steps past that depth breaks nothing. Bounds, counts and times: docs/explore.md.
 */
function run(e: Explore, o: { bounds: real.ZkBounds; workload: real.ZkWorkload }, options: real.ExploreOptions): real.ExploreResult<unknown> {
  return e.explore(e.actorModel(e.zkSystem({ nodes: 3, ...o })) as real.Model<unknown, unknown>, { strategy: "bfs", ...options });
}

async function mutant(core: "zk" | "zk-ensemble", p: CorePatch): Promise<Explore> {
  await loadCoreMutant(core, p);
  return (await import(path.join(packageRoot, ".cache", "core-mutants", `${core}-${p.name}`, "src", "check", "explore", "index.ts"))) as Explore;
}

/** The first violation of a breadth-first search that stops at it, replayed on the same model. */
function firstViolation(e: Explore, o: { bounds: real.ZkBounds; workload: real.ZkWorkload }, label: string): { name: string; steps: number } {
  const r = run(e, o, { stopAtFirstViolation: true });
  const v = r.invariants.find((i) => i.violation !== undefined);
  console.log(`zk mutant ${label}: ${v === undefined ? "NOT FOUND" : `${v.name} after ${v.violation!.path.length} steps`} (${r.states} states, ${r.seconds.toFixed(1)} s)`);
  expect(v, `${label} not found`).toBeDefined();
  const model = e.actorModel(e.zkSystem({ nodes: 3, ...o })) as real.Model<unknown, unknown>;
  expect(e.replayPath(model, v!.violation!.init, v!.violation!.path).map((f) => f.invariant)).toContain(v!.name);
  return { name: v!.name, steps: v!.violation!.path.length };
}

/** Every invariant holds on the real core to `depth`; the goals reached, with their shortest paths. */
function control(o: { bounds: real.ZkBounds; workload: real.ZkWorkload }, depth: number): [string, number | undefined][] {
  const r = run(real, o, { maxDepth: depth });
  console.log(`zk ${o.workload} ${JSON.stringify(o.bounds)} to depth ${depth}: ${r.states} states, ${r.transitions} transitions, ${r.seconds.toFixed(1)} s`);
  expect(r.invariants.map((i) => i.name)).toEqual(expect.arrayContaining(["zk-tree-equal", "zk-ephemeral-outlived", "zk-sequential-unique", "zk-sync-read"]));
  for (const i of r.invariants) expect(i.violation?.detail, i.name).toBeUndefined();
  return r.goals.map((g) => [g.name, g.example?.path.length]);
}

const BASE: real.ZkBounds = { maxTerm: 1, maxLog: 4, maxCrashes: 0, maxInFlight: 3 };
const EPHEMERAL = { bounds: BASE, workload: "ephemeral" as const };
const EXPIRY = { bounds: { ...BASE, maxTicks: 1 }, workload: "ephemeral" as const };
const SYNC_READ = { bounds: { ...BASE, maxLog: 4 }, workload: "sync-read" as const };

/** The mutants' shortest counterexamples (breadth-first, within the bounds above). */
const DEPTH = { ephemeralKept: 22, localExpiry: 33, syncLocal: 20 };

/** States the breadth-first search for `follower-expires-locally` needs; the real core's first this-many hold. */
const LOCAL_EXPIRY_STATES = 205_000;

describe("exploring the ZooKeeper ensemble's client workloads (3 replicas)", () => {
  it("ephemeral + close: every invariant holds to two steps past the mutant's depth; the ephemeral is written", { timeout: 300_000 }, () => {
    expect(control(EPHEMERAL, DEPTH.ephemeralKept + 2)).toEqual([
      ["leader elected", 7],
      ["session created", 12],
      ["znode written", 17],
    ]);
  });

  it("sync + read with a second client's write: every invariant holds to two steps past the mutant's depth", { timeout: 300_000 }, () => {
    expect(control(SYNC_READ, DEPTH.syncLocal + 2)).toEqual([
      ["leader elected", 7],
      ["session created", 12],
      ["znode written", 17],
    ]);
  });

  it("ephemeral + close + expiry (max-ticks=1): the real core's first states, as many as the mutant's search, hold", { timeout: 900_000 }, () => {
    const r = run(real, EXPIRY, { maxStates: LOCAL_EXPIRY_STATES });
    console.log(`zk ephemeral ${JSON.stringify(EXPIRY.bounds)} first ${r.states} states: depth ${r.maxDepth}, ${r.seconds.toFixed(1)} s`);
    expect(r.states).toBe(LOCAL_EXPIRY_STATES);
    for (const i of r.invariants) expect(i.violation?.detail, i.name).toBeUndefined();
  });

  it("sequential creates: every invariant holds to depth 24; both names are created", { timeout: 300_000 }, () => {
    expect(control({ bounds: BASE, workload: "sequential" }, 24)).toEqual([
      ["leader elected", 7],
      ["session created", 12],
      ["znode written", 17],
    ]);
  });

  it("teeth: a session close that keeps the session's ephemerals (zk core) is found as zk-ephemeral-outlived", { timeout: 300_000 }, async () => {
    const e = await mutant("zk", { name: "close-keeps-ephemerals", file: "apply.ts", find: "for (const path of paths) removeNode(ctx, path, parentOf(path)!);", replace: "void paths;" });
    expect(firstViolation(e, EPHEMERAL, "close-keeps-ephemerals")).toEqual({ name: "zk-ephemeral-outlived", steps: DEPTH.ephemeralKept });
  });

  it("teeth: a follower that expires sessions on its own clock, outside the log, is found", { timeout: 900_000 }, async () => {
    const e = await mutant("zk-ensemble", {
      name: "follower-expires-locally",
      file: "replica.ts",
      find: 'raftStep(s, { type: "tick" });',
      replace: 'raftStep(s, { type: "tick" });\n  expireOnOwnClock(s);',
      append: `
import { writableTree } from "./tree-share.js";
function expireOnOwnClock(s: ReplicaState): void {
  if (isLeader(s)) return;
  // A follower starts the clock of every session it knows at its previous tick, and drops it from its tree when due.
  for (const rec of s.tree.sessions.values()) if (!s.tracker.sessions.has(rec.id)) trackSession(s.tracker, rec.id, rec.timeoutMs, s.now - s.settings.tickMs);
  for (const id of expireSessions(s.tracker, s.now)) {
    writableTree(s).sessions.delete(id);
    s.tracker.sessions.delete(id);
  }
}
`,
    });
    expect(firstViolation(e, EXPIRY, "follower-expires-locally")).toEqual({ name: "zk-ephemeral-outlived", steps: DEPTH.localExpiry });
  });

  it("teeth: a sync a follower answers at its own applied index, without the leader, is found as zk-sync-read", { timeout: 300_000 }, async () => {
    const e = await mutant("zk-ensemble", {
      name: "sync-without-leader",
      file: "replica.ts",
      find: 'else if (s.knownLeader !== 0) send(s, { type: "read-index", from: s.id, to: s.knownLeader, id });',
      replace: "else if (s.knownLeader !== 0) readIndexAnswered(s, id, s.applied);",
    });
    expect(firstViolation(e, SYNC_READ, "sync-without-leader")).toEqual({ name: "zk-sync-read", steps: DEPTH.syncLocal });
  });
});
