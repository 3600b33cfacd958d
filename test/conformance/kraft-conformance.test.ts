/**
 * The KRaft quorum core conforms to spec/kraft.qnt (KIP-595 with KIP-996 pre-vote): spec traces, as vectors,
 * replay step by step on the core with no mismatch (abstraction function: src/adapters/conformance/kraft.ts).
 * Mutated copies of the core (under .cache/) fail, naming trace, step and variable.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { kraftVectorFromItf, replayKRaftVector, type KRaftVector } from "../../src/adapters/conformance/kraft.js";
import { packageRoot } from "../../src/adapters/conformance/quint.js";
import { generateTraces } from "../../src/adapters/conformance/traces.js";
import { describeMismatch } from "../../src/adapters/conformance/vector.js";
import { loadCoreMutant, QUINT_TIMEOUT_MS } from "./core-mutants.js";

const request = { protocol: "kraft" as const, seed: "20261125", traces: 40, steps: 70, dir: path.join(packageRoot, ".cache", "conformance", "kraft") };
let vectors: KRaftVector[] = [];

beforeAll(async () => {
  vectors = (await generateTraces(request)).map((t) => kraftVectorFromItf(t.trace, t.source));
}, QUINT_TIMEOUT_MS);

describe("KRaft core conformance to spec/kraft.qnt", () => {
  it("replays every spec trace step by step without a mismatch", () => {
    expect(vectors.length).toBe(request.traces);
    // The traces reach pre-votes, elections, replication, divergence and restarts.
    const actions = new Set(vectors.flatMap((v) => v.steps.map((s) => s.action)));
    for (const a of ["timeout", "handleVote", "handleVoteResponse", "handleBeginEpoch", "handleFetch", "handleFetchResponse", "clientRequest", "restart"]) expect(actions).toContain(a);
    const roles = new Set(vectors.flatMap((v) => v.steps.flatMap((s) => Object.values(s.state).map((n) => n.role))));
    for (const r of ["prospective", "candidate", "leader", "follower", "resigned"]) expect(roles).toContain(r);
    expect(vectors.some((v) => v.steps.some((s) => Object.values(s.state).some((n) => n.highWatermark >= 2)))).toBe(true);
    const failures = vectors.flatMap((v) => replayKRaftVector(v)).map(describeMismatch);
    expect(failures, `regenerate with ${vectors[0]?.source.command}`).toEqual([]);
  });

  it("reports a wrong expectation with trace, step and variable", () => {
    const v = vectors.find((x) => x.steps.some((s) => s.action === "handleFetchResponse"))!;
    const k = v.steps.findIndex((s) => s.action === "handleFetchResponse");
    const target = v.steps[k]!;
    const node = String((target.input as { node: number }).node);
    const broken: KRaftVector = {
      ...v,
      steps: v.steps.map((s, i) => (i !== k ? s : { ...s, state: { ...s.state, [node]: { ...s.state[node]!, highWatermark: 42 } } })),
    };
    const mm = replayKRaftVector(broken);
    expect(mm.map((m) => [m.step, m.variable])).toEqual([[target.step, `node ${node} highWatermark`]]);
    expect(describeMismatch(mm[0]!)).toContain(`kraft.qnt seed 20261125 trace ${v.source.trace} step ${target.step} (handleFetchResponse): node ${node} highWatermark`);
  });

  const mutants = [
    {
      name: "follower-grants-pre-vote",
      why: "KIP-996: a follower still hearing from its leader grants pre-votes, so a flaky voter can disrupt it",
      file: "election.ts",
      find: "return preVote && !r.hasFetchedFromLeader && upToDate;",
      replace: "return preVote && upToDate;",
    },
    {
      name: "vote-response-leader-ignored",
      why: "KIP-595: a node that knows no leader and hears of one in a vote response keeps campaigning",
      file: "election.ts",
      find: "if (res.leaderId >= 0 && res.leaderId !== s.config.id && leaderIdOf(s) === -1 && s.role.kind !== \"resigned\") {",
      replace: "if (false) {",
    },
    {
      name: "vote-ignores-log",
      why: "KIP-595: a vote granted without comparing (last epoch, end offset)",
      file: "election.ts",
      find: "const upToDate = isLogUpToDate(s, req.lastEpoch, req.lastEndOffset);",
      replace: "const upToDate = true;",
    },
  ];
  for (const m of mutants) {
    it(`a core mutant fails conformance: ${m.name} (${m.why})`, async () => {
      const core = await loadCoreMutant<Parameters<typeof replayKRaftVector>[1]>("kraft", m);
      const mismatches = vectors.flatMap((v) => replayKRaftVector(v, core));
      expect(mismatches.length, `mutant ${m.name} passed every trace`).toBeGreaterThan(0);
    });
  }
});
