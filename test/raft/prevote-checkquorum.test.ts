/** §9.6 of the dissertation: pre-vote and check-quorum (leader stickiness and stepping down). */
import { describe, expect, it } from "vitest";
import { createRaft, type Message } from "../../src/core/raft/index.js";
import { Cluster, rejections, sends, checkedStep as step } from "./harness.js";

describe("pre-vote", () => {
  it("a partitioned node does not inflate its term, so it cannot disrupt the leader when it rejoins", () => {
    const c = new Cluster([1, 2, 3], { preVote: true });
    c.campaign(1);
    c.isolate(3);
    c.tick(3, 100);
    c.deliver();
    expect(c.node(3).term).toBe(1);
    expect(c.node(3).role).toBe("pre-candidate");
    c.heal();
    c.tickAll(3);
    expect(c.node(1).role).toBe("leader");
    expect(c.node(1).term).toBe(1);
  });

  it("without pre-vote the same partition forces a new election when the node rejoins", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    c.tick(3, 100);
    c.deliver();
    expect(c.node(3).term).toBeGreaterThan(1);
    c.heal();
    c.tickAll(30);
    expect(c.node(1).term).toBeGreaterThan(1);
  });

  it("a pre-candidate that wins the pre-vote runs a real election and wins it", () => {
    const c = new Cluster([1, 2, 3], { preVote: true });
    c.campaign(2);
    expect(c.node(2).role).toBe("leader");
    expect(c.node(2).term).toBe(1);
  });

  it("a pre-vote is granted without changing the voter's term or vote", () => {
    const s = createRaft({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2, preVote: true });
    const m: Message = { type: "pre-vote", from: 1, to: 2, term: 1, lastIndex: 0, lastTerm: 0, transfer: false };
    const out = step(s, { type: "message", message: m }).outputs;
    expect(sends(out)).toMatchObject([{ type: "pre-vote-response", term: 1, reject: false }]);
    expect(s.term).toBe(0);
    expect(s.vote).toBe(0);
    expect(out.some((o) => o.type === "persist")).toBe(false);
  });

  it("a stale pre-vote is rejected with the current term", () => {
    const s = createRaft({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2, preVote: true });
    s.term = 5;
    const out = step(s, { type: "message", message: { type: "pre-vote", from: 1, to: 2, term: 3, lastIndex: 0, lastTerm: 0, transfer: false } }).outputs;
    expect(sends(out)).toMatchObject([{ type: "pre-vote-response", term: 5, reject: true }]);
    expect(rejections(out)).toEqual(["stale-term"]);
  });

  it("a pre-candidate ignores a grant from an older pre-vote round, and loses when a majority rejects", () => {
    const s = createRaft({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 1, preVote: true });
    s.electionElapsed = s.randomizedElectionTimeout - 1;
    step(s, { type: "tick" });
    expect(s.role).toBe("pre-candidate");
    s.term = 2; // as if it had followed a leader of term 2 and pre-campaigned again
    step(s, { type: "message", message: { type: "pre-vote-response", from: 2, to: 1, term: 2, reject: false } });
    expect(s.role).toBe("pre-candidate");
    expect(s.tracker.votes.has(2)).toBe(false);
    step(s, { type: "message", message: { type: "pre-vote-response", from: 2, to: 1, term: 2, reject: true } });
    step(s, { type: "message", message: { type: "pre-vote-response", from: 3, to: 1, term: 2, reject: true } });
    expect(s.role).toBe("follower");
    expect(s.term).toBe(2);
  });
});

describe("check-quorum", () => {
  it("a leader that cannot hear from a majority steps down within an election timeout", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.campaign(1);
    c.isolate(1);
    for (let i = 0; i < 25 && c.node(1).role === "leader"; i++) {
      c.tick(1);
      c.deliver();
    }
    expect(c.node(1).role).toBe("follower");
  });

  it("a leader in contact with a majority stays leader", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 50; i++) {
      c.tick(1);
      c.deliver();
    }
    expect(c.node(1).role).toBe("leader");
  });

  it("followers that heard from the leader within the election timeout refuse votes (leader lease)", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.campaign(1);
    c.tickAll(1);
    const out = c.step(2, { type: "message", message: { type: "vote", from: 3, to: 2, term: 9, lastIndex: 99, lastTerm: 9, transfer: false } });
    expect(rejections(out)).toEqual(["in-lease"]);
    expect(c.node(2).term).toBe(1);
    expect(c.node(2).leader).toBe(1);
  });

  it("a follower past the election timeout without a leader grants votes again", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.campaign(1);
    c.node(2).electionElapsed = 10;
    const out = c.step(2, { type: "message", message: { type: "vote", from: 3, to: 2, term: 9, lastIndex: 99, lastTerm: 9, transfer: false } });
    expect(sends(out)).toMatchObject([{ type: "vote-response", reject: false }]);
  });

  it("a stale leader hearing a higher term from a follower's answer steps down", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, preVote: true });
    c.campaign(1);
    c.node(2).term = 5; // as if it had moved on while node 1 was cut off
    c.node(2).leader = 0;
    c.tickAll(1);
    expect(c.node(1).role).toBe("follower");
    expect(c.node(1).term).toBe(5);
  });
});
