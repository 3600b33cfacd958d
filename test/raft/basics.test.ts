/** §5.1 Raft basics: terms as a logical clock, three roles, stale requests rejected. */
import { describe, expect, it } from "vitest";
import { assertInvariants, createRaft, type Message } from "../../src/core/raft/index.js";
import { Cluster, rejections, sends, checkedStep as step } from "./harness.js";

const cfg = (id: number) => ({ id, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: id });

describe("§5.1 Raft basics", () => {
  it("every node starts as a follower in term 0 with no leader and no vote", () => {
    const s = createRaft(cfg(1));
    expect([s.role, s.term, s.leader, s.vote]).toEqual(["follower", 0, 0, 0]);
  });

  for (const role of ["follower", "candidate", "leader"] as const) {
    it(`a ${role} that sees a larger term updates its term (persisted) and becomes follower`, () => {
      const c = new Cluster([1, 2, 3]);
      if (role !== "follower") {
        c.isolate(1);
        c.campaign(1);
        c.heal();
      }
      if (role === "leader") {
        c.node(1).electionElapsed = 0;
        c.campaign(1);
        c.campaign(1);
      }
      expect(c.node(1).role).toBe(role);
      const t = c.node(1).term;
      const m: Message = { type: "heartbeat", from: 2, to: 1, term: t + 3, commit: 0, context: 0 };
      const out = c.step(1, { type: "message", message: m });
      expect(c.node(1).role).toBe("follower");
      expect(c.node(1).term).toBe(t + 3);
      expect(c.node(1).leader).toBe(2);
      expect(out[0]).toMatchObject({ type: "persist", hardState: { term: t + 3, vote: 0 } });
    });
  }

  it("a request with a stale term is rejected and changes nothing", () => {
    const s = createRaft(cfg(2));
    s.term = 4;
    const out = step(s, { type: "message", message: { type: "vote", from: 1, to: 2, term: 3, lastIndex: 9, lastTerm: 3, transfer: false } }).outputs;
    expect(rejections(out)).toEqual(["stale-term"]);
    expect(sends(out)).toEqual([]);
    expect([s.term, s.vote]).toEqual([4, 0]);
    assertInvariants(s);
  });

  it("terms only grow, on every node, through a run with elections", () => {
    const c = new Cluster([1, 2, 3], { seed: 3 });
    const last = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      if (i === 20) c.isolate(c.leader() || 1);
      if (i === 40) c.heal();
      c.tickAll(1);
      for (const [id, s] of c.nodes) {
        expect(s.term).toBeGreaterThanOrEqual(last.get(id) ?? 0);
        last.set(id, s.term);
      }
    }
    expect(Math.max(...last.values())).toBeGreaterThan(1);
  });
});
