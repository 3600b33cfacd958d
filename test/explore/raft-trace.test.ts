import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import * as real from "../../src/check/explore/index.js";
import * as raft from "../../src/core/raft/index.js";
import { verifyRaftTrace } from "../../src/check/invariants/index.js";
import type { TraceRecord } from "../../src/check/invariants/index.js";
import { MUTANTS, loadPatched } from "../simulator/mutants.js";

type Explore = typeof real;

const schema = JSON.parse(readFileSync(path.join(__dirname, "../../schemas/raft-trace.schema.json"), "utf8")) as object;
const validate = new Ajv2020({ strict: false }).compile(schema);

const ndjson = (records: readonly TraceRecord[]): string => records.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** Every record of the trace validates against schemas/raft-trace.schema.json as a whole (its `oneOf`). */
function expectSchemaValid(records: readonly TraceRecord[]): void {
  for (const [k, r] of records.entries()) expect(validate(r), `record ${k + 1} ${JSON.stringify(r)}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

/**
 * A path the explorer finds on a planted mutant of the Raft core, written as an NDJSON Raft trace, is judged by
 * `verify-trace`'s checker (which knows nothing of the explorer) to break the same invariant; a path of the real
 * core passes. The bounds and storage modes are those of test/explore/raft-mutants.test.ts.
 */
const CASES = [
  { mutant: "forget-vote-on-restart", bounds: { maxTerm: 1, maxLog: 0, maxCrashes: 1, maxInFlight: 4 }, storage: "sync", invariant: "single-vote" },
  { mutant: "commit-goes-backwards", bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 4 }, storage: "sync", invariant: "commit-monotonic" },
  { mutant: "truncate-without-conflict", bounds: { maxTerm: 1, maxLog: 2, maxCrashes: 0, maxInFlight: 4 }, storage: "sync", invariant: "commit-durable-majority" },
  { mutant: "count-own-entry-before-persisted", bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 }, storage: "async-contract", invariant: "commit-durable-majority" },
  { mutant: "ack-entries-not-yet-durable", bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 }, storage: "async-contract", invariant: "commit-durable-majority" },
] as const;

describe("explorer paths as NDJSON Raft traces", () => {
  it.each(CASES.map((c) => [c.mutant, c] as const))("mutant %s: verify-trace flags the explorer's invariant", async (_name, c) => {
    const m = MUTANTS.find((x) => x.name === c.mutant)!;
    const patched = (await loadPatched(m, "explore-trace", "src/check/explore/index.ts")) as Explore;
    const target: real.Target = { system: "raft", nodes: 3, bounds: c.bounds, storage: c.storage };
    const r = patched.explore(patched.buildModel(target), { strategy: "bfs", stopAtFirstViolation: true, maxStates: 200_000 });
    const v = r.invariants.find((i) => i.violation !== undefined)?.violation;
    expect(v?.name, `mutant ${c.mutant} survived exploration`).toBe(c.invariant);
    const records = patched.raftTraceOfPath(target, v!.init, v!.path);
    expectSchemaValid(records);
    const verdict = verifyRaftTrace(ndjson(records));
    expect(verdict.ok).toBe(false);
    expect(verdict.violations.map((x) => x.invariant)).toContain(c.invariant);
    // The same path on the real core does not even replay, or replays to a trace that passes: the mutant is to blame.
    let control: TraceRecord[] | undefined;
    try {
      control = real.raftTraceOfPath(target, v!.init, v!.path);
    } catch (e) {
      expect(e).toBeInstanceOf(real.ReplayError);
    }
    if (control !== undefined) expect(verifyRaftTrace(ndjson(control)).violations).toEqual([]);
  });

  it("a real-core path that elects a leader and commits an entry passes verify-trace", () => {
    const target: real.Target = { system: "raft", nodes: 3, bounds: { maxTerm: 1, maxLog: 1, maxCrashes: 0, maxInFlight: 3 } };
    const r = real.explore(real.buildModel(target));
    const committed = r.goals.find((g) => g.name === "entry committed")?.example;
    expect(committed).toBeDefined();
    const records = real.raftTraceOfPath(target, committed!.init, committed!.path);
    expectSchemaValid(records);
    // Not vacuous: the trace shows a leader and a commit, and the checker read every record.
    expect(records.some((x) => x.type === "state" && x.role === "leader")).toBe(true);
    expect(records.some((x) => x.type === "state" && x.commit > 0)).toBe(true);
    expect(records.some((x) => x.type === "durable" && x.entries !== undefined && x.entries.length > 0)).toBe(true);
    const verdict = verifyRaftTrace(ndjson(records));
    expect(verdict.violations).toEqual([]);
    expect(verdict.records).toBe(records.length);
  });

  it("random walks of the real core with crashes, restarts and asynchronous storage give traces that pass", () => {
    // Seeded walks over the enabled actions; a failure names the seed, the storage mode and the path.
    const seen = { crash: 0, restart: 0, leader: 0, commit: 0, truncate: 0, drop: 0, preCandidate: 0 };
    const variants: Partial<real.Target>[] = [
      { storage: "sync" },
      { storage: "async-contract" },
      { storage: "async-strict" },
      { storage: "async-overtake", preVote: true },
      { network: "duplicating", lossy: true, payloadBytes: 2 },
    ];
    for (const variant of variants) {
      const storage = JSON.stringify(variant);
      const target: real.Target = { system: "raft", nodes: 3, bounds: { maxTerm: 3, maxLog: 3, maxCrashes: 2, maxInFlight: 6 }, ...variant };
      const model = real.buildModel(target);
      for (let seed = 1; seed <= 25; seed++) {
        let x = seed * 0x9e3779b1;
        const rand = (n: number): number => {
          x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6b43a9b5) | 0;
          return ((x >>> 0) % n) | 0;
        };
        let state = model.init()[0]!;
        const pathTaken: unknown[] = [];
        const enabled: unknown[] = [];
        for (let step = 0; step < 60; step++) {
          enabled.length = 0;
          model.actions(state, enabled);
          const candidates = enabled.map((a) => [a, model.next(state, a)] as const).filter(([, n]) => n !== undefined && model.within!(n));
          if (candidates.length === 0) break;
          const [a, n] = candidates[rand(candidates.length)]!;
          pathTaken.push(model.describe(a));
          state = n!;
        }
        const label = `variant ${storage}, seed ${seed}, path ${JSON.stringify(pathTaken)}`;
        expect(real.replayPath(model, 0, pathTaken), label).toEqual([]);
        const records = real.raftTraceOfPath(target, 0, pathTaken);
        expectSchemaValid(records);
        expect(verifyRaftTrace(ndjson(records)).violations, label).toEqual([]);
        for (const r of records) {
          if (r.type === "crash") seen.crash++;
          if (r.type === "restart") seen.restart++;
          if (r.type === "state" && r.role === "leader") seen.leader++;
          if (r.type === "state" && r.commit > 0) seen.commit++;
          if (r.type === "log" && r.entries.length === 0) seen.truncate++;
          if (r.type === "msg" && r.ev === "drop") seen.drop++;
          if (r.type === "state" && r.role === "pre-candidate") seen.preCandidate++;
        }
      }
    }
    // The walks reach what the trace must get right: crashes, restarts, elections and commits.
    console.log(`random walks: ${JSON.stringify(seen)}`);
    expect(seen.crash).toBeGreaterThan(0);
    expect(seen.restart).toBeGreaterThan(0);
    expect(seen.leader).toBeGreaterThan(0);
    expect(seen.commit).toBeGreaterThan(0);
    expect(seen.drop).toBeGreaterThan(0);
    expect(seen.preCandidate).toBeGreaterThan(0);
  });

  it("a real-core path where a follower's log is overwritten (a truncation) passes verify-trace", () => {
    // The explorer finds the shortest such path when "an entry is overwritten" is posed as a step invariant.
    const target: real.Target = { system: "raft", nodes: 3, bounds: { maxTerm: 2, maxLog: 1, maxCrashes: 0, maxInFlight: 6 } };
    const model = real.buildModel(target) as real.Model<real.RaftSystemState, unknown>;
    const overwritten: real.StepInvariant<real.RaftSystemState, unknown> = {
      name: "no entry overwritten",
      check(before, _a, after) {
        for (let i = 0; i < before.nodes.length; i++) {
          const b = before.nodes[i];
          const a = after.nodes[i];
          if (b === undefined || a === undefined) continue;
          for (let k = 1; k <= raft.lastIndex(b); k++) if (raft.termAt(a, k) !== raft.termAt(b, k)) return `node ${i + 1} lost entry ${k}`;
        }
        return undefined;
      },
    };
    const r = real.explore({ ...model, invariants: [], stepInvariants: [overwritten], goals: [] }, { stopAtFirstViolation: true, maxStates: 300_000 });
    const d = r.invariants.find((i) => i.violation !== undefined)?.violation;
    expect(d, "no truncation reachable within the bounds").toBeDefined();
    const records = real.raftTraceOfPath(target, d!.init, d!.path);
    expectSchemaValid(records);
    // The trace shows the overwrite: a log record that starts at or below an index the node already held.
    const held = new Map<number, number>();
    let rewrites = 0;
    for (const x of records) {
      if (x.type !== "log") continue;
      if (x.from <= (held.get(x.node) ?? 0)) rewrites++;
      held.set(x.node, x.from + x.entries.length - 1);
    }
    expect(rewrites).toBeGreaterThan(0);
    expect(verifyRaftTrace(ndjson(records)).violations).toEqual([]);
  });

  it("the schema check has teeth: a record the schema forbids is refused", () => {
    expect(validate({ type: "state", t: 0, node: 1, term: 0, role: "boss", vote: 0, commit: 0, applied: 0 })).toBe(false);
    expect(validate({ type: "log", t: 0, node: 1, from: 0, entries: [] })).toBe(false);
  });

  it("refuses targets other than --system raft with a typed error", () => {
    expect(() => real.raftTraceOfPath({ model: "2pc" }, 0, [])).toThrow(real.TargetError);
    expect(() => real.raftTraceOfPath({ system: "kraft" }, 0, [])).toThrow(/only --system raft/);
  });
});
