/**
 * The Raft core conforms to spec/raft.qnt: spec traces, turned into vectors, replay on the core with no
 * mismatch (through the abstraction function documented in src/adapters/conformance/raft.ts). And the check
 * has teeth: mutated copies of the core (under .cache/, the source untouched) fail it, naming trace, step and
 * variable.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { raftVectorFromItf, replayRaftVector, type RaftVector } from "../../src/adapters/conformance/raft.js";
import { packageRoot } from "../../src/adapters/conformance/quint.js";
import { generateTraces } from "../../src/adapters/conformance/traces.js";
import { describeMismatch } from "../../src/adapters/conformance/vector.js";
import { loadCoreMutant, QUINT_TIMEOUT_MS } from "./core-mutants.js";

const request = { protocol: "raft" as const, seed: "20261125", traces: 40, steps: 40, dir: path.join(packageRoot, ".cache", "conformance", "raft") };
let vectors: RaftVector[] = [];

beforeAll(async () => {
  vectors = (await generateTraces(request)).map((t) => raftVectorFromItf(t.trace, t.source));
}, QUINT_TIMEOUT_MS);

describe("Raft core conformance to spec/raft.qnt", () => {
  it("replays every spec trace step by step without a mismatch", () => {
    expect(vectors.length).toBe(request.traces);
    const steps = vectors.reduce((n, v) => n + v.steps.length, 0);
    expect(steps).toBeGreaterThan(request.traces * 10);
    // The traces reach elections, replication and restarts (else "no mismatch" would say little).
    const actions = new Set(vectors.flatMap((v) => v.steps.map((s) => s.action)));
    for (const a of ["timeout", "handleVote", "handleVoteResponse", "clientRequest", "handleAppend", "handleAppendResponse", "restart"]) expect(actions).toContain(a);
    expect(vectors.some((v) => v.steps.some((s) => Object.values(s.state).some((n) => n.commit > 1)))).toBe(true);
    const failures = vectors.flatMap((v) => replayRaftVector(v)).map(describeMismatch);
    expect(failures, `replay: ${request.dir}; regenerate with ${vectors[0]?.source.command}`).toEqual([]);
  });

  it("reports a wrong expectation with trace, step and variable", () => {
    const v = vectors.find((x) => x.steps.some((s) => s.action === "handleAppend"))!;
    const k = v.steps.findIndex((s) => s.action === "handleAppend");
    const target = v.steps[k]!;
    const node = String((target.input as { node: number }).node);
    const broken: RaftVector = {
      ...v,
      steps: v.steps.map((s, i) => (i !== k ? s : { ...s, state: { ...s.state, [node]: { ...s.state[node]!, term: s.state[node]!.term + 7 } } })),
    };
    const mm = replayRaftVector(broken);
    expect(mm).toHaveLength(1);
    expect(mm[0]!.step).toBe(target.step);
    expect(mm[0]!.variable).toBe(`node ${node} term`);
    expect(describeMismatch(mm[0]!)).toContain(`raft.qnt seed 20261125 trace ${v.source.trace} step ${target.step} (handleAppend): node ${node} term`);
  });

  const mutants = [
    {
      name: "vote-ignores-log",
      why: "§5.4.1: granting a vote without the up-to-date check",
      file: "step.ts",
      find: "if (canVote && isUpToDate(s.log, m.lastIndex, m.lastTerm)) {",
      replace: "if (canVote) {",
      variable: /vote|sent vote-response/,
    },
    {
      name: "vote-not-persisted",
      why: "Figure 2: the vote missing from the persisted hard state, so a restart forgets it",
      file: "step.ts",
      find: "p.hardState = { term: s.term, vote: s.vote, commit: log.committed };",
      replace: "p.hardState = { term: s.term, vote: 0, commit: log.committed };",
      variable: /vote/,
    },
    {
      name: "truncate-on-every-append",
      why: "§5.3: truncating after prevIndex even when the entries match, so a stale append erases newer entries",
      file: "log.ts",
      find: "export function findConflict(",
      replace: "export function findConflict_unused(",
      append: "\nexport function findConflict(log: RaftLog, ents: readonly Entry[]): number { return ents.length === 0 ? 0 : Math.max(ents[0]!.index, log.committed + 1); }\n",
      variable: /log|commit|sent append-response/,
    },
  ];
  for (const m of mutants) {
    it(`a core mutant fails conformance: ${m.name} (${m.why})`, async () => {
      const core = await loadCoreMutant("raft", m);
      const mismatches = vectors.flatMap((v) => replayRaftVector(v, core));
      expect(mismatches.length, `mutant ${m.name} passed every trace`).toBeGreaterThan(0);
      expect(mismatches.some((x) => m.variable.test(x.variable)), mismatches.map(describeMismatch).join("\n")).toBe(true);
    });
  }
});
