import { describe, expect, it } from "vitest";
import { actorModel } from "../../src/check/explore/actors.js";
import { abdServer } from "../../src/check/explore/models/abd.js";
import { paxosServer, type PaxosState, type PaxosMsg } from "../../src/check/explore/models/paxos.js";
import { registerSystem, type ServerProtocol } from "../../src/check/explore/models/register.js";
import { singleCopyServer } from "../../src/check/explore/models/single-copy-register.js";
import { twoPhaseCommit } from "../../src/check/explore/models/two-phase-commit.js";
import { explore } from "../../src/check/explore/search.js";

// The unique-state counts Stateright asserts for its examples (stateright/stateright, examples/*.rs): the
// explorer's network semantics and counting rules must reproduce them exactly.
describe("calibration against Stateright's asserted counts", () => {
  it("two-phase commit: 288 states with 3 RMs (BFS), 8,832 with 5 (DFS), 665 with 5 and symmetry (DFS)", () => {
    const three = explore(twoPhaseCommit(3), { strategy: "bfs" });
    expect(three.states).toBe(288);
    const five = explore(twoPhaseCommit(5), { strategy: "dfs" });
    expect(five.states).toBe(8_832);
    const symmetric = explore(twoPhaseCommit(5), { strategy: "dfs", symmetry: true });
    expect(symmetric.states).toBe(665);
    for (const r of [three, five, symmetric]) {
      expect(r.ok).toBe(true);
      expect(r.complete).toBe(true);
      expect(r.goals.map((g) => g.example !== undefined)).toEqual([true, true]);
    }
    // The shortest abort agreement with 3 RMs: every RM chooses to abort.
    expect(three.goals[0]!.example!.path).toEqual(["rm-choose-to-abort(0)", "rm-choose-to-abort(1)", "rm-choose-to-abort(2)"]);
  });

  it("single-decree Paxos, 3 servers and 2 clients, unordered non-duplicating: 16,668 states, BFS and DFS", () => {
    for (const strategy of ["bfs", "dfs"] as const) {
      const r = explore(actorModel(registerSystem(paxosServer, { servers: 3, clients: 2 })), { strategy });
      expect(r.states).toBe(16_668);
      expect(r.ok).toBe(true);
      // Stateright's shortest "value chosen" example has 8 deliveries.
      expect(r.goals[0]!.example!.path).toHaveLength(8);
    }
  });

  it("linearizable register (ABD), 2 servers and 2 clients: 544 states, BFS and DFS", () => {
    for (const strategy of ["bfs", "dfs"] as const) {
      const r = explore(actorModel(registerSystem(abdServer, { servers: 2, clients: 2 })), { strategy });
      expect(r.states).toBe(544);
      expect(r.ok).toBe(true);
      expect(r.goals[0]!.example!.path).toHaveLength(11);
    }
  });

  it("single-copy register: 93 states with one server; with two a 4-step linearizability counterexample", () => {
    const one = explore(actorModel(registerSystem(singleCopyServer, { servers: 1, clients: 2 })), { strategy: "dfs" });
    expect(one.states).toBe(93);
    expect(one.ok).toBe(true);
    // Stateright's DFS example for "value chosen", step for step.
    expect(one.goals[0]!.example!.path).toEqual([
      { type: "deliver", from: 2, to: 0, msg: { type: "put", req: 2, value: "B" } },
      { type: "deliver", from: 0, to: 2, msg: { type: "put-ok", req: 2 } },
      { type: "deliver", from: 2, to: 0, msg: { type: "get", req: 4 } },
    ]);
    const two = explore(actorModel(registerSystem(singleCopyServer, { servers: 2, clients: 2 })), { strategy: "bfs" });
    expect(two.ok).toBe(false);
    const v = two.invariants.find((i) => i.name === "linearizable")!.violation!;
    // A write acknowledged by one server, then a read of the initial value from the other.
    expect(v.path).toHaveLength(4);
    expect(v.path.map((p) => (p as { msg: { type: string } }).msg.type)).toEqual(["put", "put-ok", "get", "get-ok"]);
    expect((v.path[3] as { msg: { value: string } }).msg.value).toBe("\0");
  });
});

describe("the explorer has teeth: broken protocols are caught", () => {
  it("Paxos whose leader ignores previously accepted proposals loses linearizability", () => {
    const broken: ServerProtocol<PaxosState, PaxosMsg> = {
      ...paxosServer,
      name: "paxos-mutant",
      onMsg(id, peers, s, src, msg) {
        const r = paxosServer.onMsg(id, peers, s, src, msg);
        // Mutant: in phase 2 propose the client's own value even when a quorum reported an accepted one.
        if (msg.type === "internal" && msg.msg.type === "prepared" && r.state?.accepted !== undefined && r.state.accepted !== s.accepted && s.proposal !== undefined) {
          const own = s.proposal;
          const ballot = r.state.accepted[0];
          return {
            state: { ...r.state, proposal: own, accepted: [ballot, own] },
            sends: r.sends.map(([to, m]) => [to, m.type === "internal" && m.msg.type === "accept" ? { type: "internal", msg: { ...m.msg, proposal: own } } : m] as const),
          };
        }
        return r;
      },
    };
    const r = explore(actorModel(registerSystem(broken, { servers: 3, clients: 2 })), { strategy: "bfs" });
    expect(r.ok).toBe(false);
    expect(r.invariants[0]!.violation!.name).toBe("linearizable");
  });

  it("two-phase commit whose TM may commit before every RM prepared is inconsistent", () => {
    const good = twoPhaseCommit(3);
    const broken = {
      ...good,
      actions(s: Parameters<typeof good.actions>[0], out: Parameters<typeof good.actions>[1]) {
        good.actions(s, out);
        if (s.tm === 0 && !out.some((a) => a.type === "tm-commit")) out.push({ type: "tm-commit" });
      },
    };
    const r = explore(broken, { strategy: "bfs" });
    expect(r.ok).toBe(false);
    const v = r.invariants[0]!.violation!;
    expect(v.name).toBe("consistent");
    // Shortest: commit at once, one RM receives it, another chooses to abort.
    expect(v.path).toHaveLength(3);
  });
});
