/** §5.2 Leader election and §5.4.1 Election restriction. */
import { describe, expect, it } from "vitest";
import { assertInvariants, createRaft, type Message, type Output, type RaftState } from "../../src/core/raft/index.js";
import { Cluster, nodeWithLog, sends, checkedStep as step } from "./harness.js";

const cfg = (id: number, extra: object = {}) => ({ id, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: id, ...extra });

function stepOk(s: RaftState, m: Message): Output[] {
  const r = step(s, { type: "message", message: m });
  assertInvariants(r.state);
  return r.outputs;
}

const voteReq = (from: number, to: number, term: number, lastIndex = 0, lastTerm = 0): Message => ({
  type: "vote",
  from,
  to,
  term,
  lastIndex,
  lastTerm,
  transfer: false,
});

describe("§5.2 leader election", () => {
  it("a follower whose election timeout elapses becomes candidate, votes for itself and asks every voter", () => {
    const s = createRaft(cfg(1));
    let outputs: Output[] = [];
    for (let i = 0; i < 20 && s.role === "follower"; i++) outputs = step(s, { type: "tick" }).outputs;
    expect(s.role).toBe("candidate");
    expect(s.term).toBe(1);
    expect(s.vote).toBe(1);
    const reqs = sends(outputs);
    expect(reqs.map((m) => [m.type, m.to, m.term])).toEqual([
      ["vote", 2, 1],
      ["vote", 3, 1],
    ]);
  });

  it("a candidate with a majority of votes becomes leader; the others follow it", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    expect(c.node(1).role).toBe("leader");
    expect([c.node(2).leader, c.node(3).leader]).toEqual([1, 1]);
    expect([c.node(2).term, c.node(3).term]).toEqual([1, 1]);
  });

  it("each node grants at most one vote per term", () => {
    const s = createRaft(cfg(2));
    const first = sends(stepOk(s, voteReq(1, 2, 1)));
    expect(first).toMatchObject([{ type: "vote-response", to: 1, reject: false }]);
    const second = sends(stepOk(s, voteReq(3, 2, 1)));
    expect(second).toMatchObject([{ type: "vote-response", to: 3, reject: true }]);
    // Asking again (a retransmission) by the one it voted for is granted again.
    expect(sends(stepOk(s, voteReq(1, 2, 1)))).toMatchObject([{ reject: false }]);
    // A new term frees the vote.
    expect(sends(stepOk(s, voteReq(3, 2, 2)))).toMatchObject([{ to: 3, reject: false, term: 2 }]);
  });

  it("the vote is persisted before the reply is sent (persist output precedes the send)", () => {
    const s = createRaft(cfg(2));
    const outputs = stepOk(s, voteReq(1, 2, 1));
    const p = outputs.findIndex((o) => o.type === "persist");
    const r = outputs.findIndex((o) => o.type === "send");
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(r);
    expect(outputs[p]).toMatchObject({ hardState: { term: 1, vote: 1 } });
  });

  it("a candidate's own vote is persisted before its vote requests go out", () => {
    const s = createRaft(cfg(1));
    s.electionElapsed = s.randomizedElectionTimeout - 1;
    const outputs = step(s, { type: "tick" }).outputs;
    expect(outputs[0]).toMatchObject({ type: "persist", hardState: { term: 1, vote: 1 } });
    expect(outputs.slice(1).every((o) => o.type !== "persist")).toBe(true);
  });

  it("election timeouts are randomized in [electionTick, 2·electionTick) and reproducible from the seed", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const a = createRaft({ ...cfg(1), seed });
      const b = createRaft({ ...cfg(1), seed });
      expect(a.randomizedElectionTimeout).toBe(b.randomizedElectionTimeout);
      expect(a.randomizedElectionTimeout).toBeGreaterThanOrEqual(10);
      expect(a.randomizedElectionTimeout).toBeLessThan(20);
      seen.add(a.randomizedElectionTimeout);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it("a candidate that sees a majority reject returns to follower", () => {
    const s = createRaft(cfg(1));
    s.electionElapsed = s.randomizedElectionTimeout - 1;
    step(s, { type: "tick" });
    stepOk(s, { type: "vote-response", from: 2, to: 1, term: 1, reject: true });
    expect(s.role).toBe("candidate");
    stepOk(s, { type: "vote-response", from: 3, to: 1, term: 1, reject: true });
    expect(s.role).toBe("follower");
    expect(s.term).toBe(1);
  });

  it("a candidate that hears from a leader of its term steps down and follows it", () => {
    const s = createRaft(cfg(1));
    s.electionElapsed = s.randomizedElectionTimeout - 1;
    step(s, { type: "tick" });
    stepOk(s, { type: "heartbeat", from: 2, to: 1, term: 1, commit: 0, context: 0 });
    expect(s.role).toBe("follower");
    expect(s.leader).toBe(2);
  });

  it("any node seeing a higher term adopts it and becomes follower (leader included)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const outputs = c.step(1, { type: "message", message: voteReq(2, 1, 5, 100, 100) });
    expect(c.node(1).role).toBe("follower");
    expect(c.node(1).term).toBe(5);
    expect(outputs.some((o) => o.type === "role-change" && o.role === "follower")).toBe(true);
  });

  it("split votes resolve: with every node ticking, exactly one leader emerges, for many seeds", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const c = new Cluster([1, 2, 3, 4, 5], { seed });
      for (const [id, s] of c.nodes) s.rng = (seed * 131 + id * 7) >>> 0 || 1;
      c.tickAll(60);
      const leaders = [...c.nodes.values()].filter((s) => s.role === "leader");
      expect(leaders.length, `seed ${seed}`).toBe(1);
      const t = leaders[0]!.term;
      for (const s of c.nodes.values()) expect(s.term).toBe(t);
    }
  });

  it("learners never campaign", () => {
    const s = createRaft({ id: 4, voters: [1, 2, 3], learners: [4], electionTick: 10, heartbeatTick: 1, seed: 1 });
    for (let i = 0; i < 100; i++) step(s, { type: "tick" });
    expect(s.role).toBe("follower");
    expect(s.term).toBe(0);
  });
});

describe("§5.4.1 election restriction", () => {
  it("a voter refuses a candidate whose log is less up to date (lower last term)", () => {
    const s = nodeWithLog(cfg(2), [1, 2], 2);
    expect(sends(stepOk(s, voteReq(1, 2, 3, 5, 1)))).toMatchObject([{ reject: true }]);
    expect(s.vote).toBe(0);
  });

  it("…or the same last term but a shorter log", () => {
    const s = nodeWithLog(cfg(2), [1, 2, 2], 2);
    expect(sends(stepOk(s, voteReq(1, 2, 3, 2, 2)))).toMatchObject([{ reject: true }]);
    expect(sends(stepOk(s, voteReq(3, 2, 3, 3, 2)))).toMatchObject([{ reject: false }]);
  });

  it("a node with a stale log cannot be elected; one with the longest log can", () => {
    const c = new Cluster([1, 2, 3]);
    c.load(1, [1], 1);
    c.load(2, [1, 1], 1);
    c.load(3, [1, 1], 1);
    c.campaign(1);
    expect(c.node(1).role).not.toBe("leader");
    c.campaign(2);
    expect(c.node(2).role).toBe("leader");
  });
});

describe("what a new leader assumes", () => {
  it("a re-elected leader does not trust what it knew of followers' logs in an earlier term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "a");
    expect(c.node(1).tracker.progress.get(2)!.match).toBe(2);
    c.campaign(2);
    c.drop = (m) => m.type === "append-response"; // node 1 hears nothing from its followers this time
    c.campaign(1);
    const s = c.node(1);
    expect([s.role, s.term]).toEqual(["leader", 3]);
    for (const id of [2, 3]) expect(s.tracker.progress.get(id)).toMatchObject({ match: 0, next: 4, state: "probe" });
  });

  it("with check-quorum, a new leader that hears from no follower steps down after one election timeout", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.drop = (m) => m.to === 1 && (m.type === "append-response" || m.type === "heartbeat-response");
    c.campaign(1);
    expect(c.node(1).role).toBe("leader");
    c.tick(1, 9);
    expect(c.node(1).role).toBe("leader");
    c.tick(1);
    expect(c.node(1).role).toBe("follower");
  });

  it("a learner told to campaign (TimeoutNow) does not: it has no vote", () => {
    const s = createRaft({ id: 4, voters: [1, 2, 3], learners: [4], electionTick: 10, heartbeatTick: 1, seed: 4 });
    const out = stepOk(s, { type: "timeout-now", from: 1, to: 4, term: 1 });
    expect([s.role, s.term]).toEqual(["follower", 1]);
    expect(sends(out)).toEqual([]);
  });

  it("a single voter with pre-vote wins its own pre-vote, then the election of term 1", () => {
    const c = new Cluster([1], { preVote: true });
    c.campaign(1);
    expect([c.node(1).role, c.node(1).term, c.node(1).vote]).toEqual(["leader", 1, 1]);
  });

  it("an ordinary election's vote requests do not claim a leadership transfer (which would bypass leases)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const votes = sends(c.outputs.get(1)!).filter((m) => m.type === "vote");
    expect(votes.map((m) => [m.to, m.type === "vote" && m.transfer])).toEqual([
      [2, false],
      [3, false],
    ]);
  });
});
