// KIP-853: AddRaftVoter / RemoveRaftVoter, one change at a time, effective when appended.
import { describe, expect, it } from "vitest";
import { highWatermark, isVoter, role, voters, committedVoters, endOffset, epoch } from "../../src/core/kraft/index.js";
import type { Message, VoterChangeResponse } from "../../src/core/kraft/index.js";
import { Cluster } from "./cluster.js";
import { msg, node, of, sent } from "./helpers.js";

const ADMIN = 99;
const add = (to: number, id: number): Message => ({ type: "add-raft-voter", from: ADMIN, to, voter: { id, directoryId: `dir-${id}` } });
const remove = (to: number, id: number): Message => ({ type: "remove-raft-voter", from: ADMIN, to, voter: { id, directoryId: `dir-${id}` } });
const answers = (c: Cluster, l: number): VoterChangeResponse[] =>
  c.outputs.get(l)!.flatMap((o) => (o.type === "send" && o.message.to === ADMIN && (o.message.type === "add-raft-voter-response" || o.message.type === "remove-raft-voter-response") ? [o.message] : []));

function ready(observers: number[] = [4]) {
  const c = new Cluster({ voters: [1, 2, 3], observers, seed: 31 });
  const l = c.electLeader();
  c.run(20);
  return { c, l };
}

describe("AddRaftVoter", () => {
  it("adds a caught-up observer: the voter set changes on append and the answer waits for the commit", () => {
    const { c, l } = ready();
    const outs = c.input(l, { type: "message", message: add(l, 4) });
    expect(voters(c.node(l)).map((v) => v.id)).toEqual([1, 2, 3, 4]); // in effect once appended
    expect(committedVoters(c.node(l)).map((v) => v.id)).toEqual([1, 2, 3]);
    expect(sent(outs).filter((m) => m.to === ADMIN)).toHaveLength(0);
    c.run(10);
    expect(answers(c, l).map((m) => m.error)).toEqual(["none"]);
    for (const id of c.ids) expect(voters(c.node(id)).map((v) => v.id)).toEqual([1, 2, 3, 4]);
    expect(isVoter(c.node(4))).toBe(true);
  });

  it("the new voter takes part in elections", () => {
    const { c, l } = ready();
    c.input(l, { type: "message", message: add(l, 4) });
    c.run(10);
    c.crash(l);
    const others = c.ids.filter((i) => i !== l && i !== 4);
    c.crash(others[0]!);
    // 4 voters, two down: no majority without node 4's vote... and with it we still need 3 of 4.
    c.run(150);
    expect(c.leaders()).toHaveLength(0);
    c.restart(others[0]!);
    c.runUntil(() => c.leaders().length === 1);
    expect(c.outputs.get(4)!.some((o) => o.type === "send" && o.message.type === "vote-response")).toBe(true);
  });

  it("refuses a replica that has not caught up, a duplicate, and a second change while one is pending", () => {
    const { c, l } = ready([4]);
    c.input(l, { type: "message", message: add(l, 7) }); // never fetched: not caught up
    c.input(l, { type: "message", message: add(l, 2) });
    c.input(l, { type: "message", message: add(l, 4) });
    c.input(l, { type: "message", message: remove(l, 2) });
    expect(answers(c, l).map((m) => m.error)).toEqual(["request-timed-out", "duplicate-voter", "request-timed-out"]);
    expect(of(c.outputs.get(l)!, "rejected").filter((r) => r.reason === "voter-change-refused")).toHaveLength(3);
    expect(voters(c.node(l)).map((v) => v.id)).toEqual([1, 2, 3, 4]);
  });

  it("refuses before the leader has committed in its epoch, and on a non-leader", () => {
    let s = node(1, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] });
    s = msg(s, { type: "vote-response", from: 2, to: 1, error: "none", epoch: 2, leaderId: -1, preVote: false, granted: true }).state;
    expect(role(s)).toBe("leader");
    const early = msg(s, add(1, 4));
    expect((sent(early.outputs)[0] as VoterChangeResponse).error).toBe("request-timed-out");
    const follower = msg(node(2, [1, 2, 3]), add(2, 4));
    expect((sent(follower.outputs)[0] as VoterChangeResponse).error).toBe("not-leader-or-follower");
    const noDir = msg(s, { type: "add-raft-voter", from: ADMIN, to: 1, voter: { id: 4, directoryId: "" } });
    expect((sent(noDir.outputs)[0] as VoterChangeResponse).error).toBe("request-timed-out");
  });
});

describe("RemoveRaftVoter", () => {
  it("removes a follower; the quorum shrinks", () => {
    const { c, l } = ready();
    const victim = c.ids.find((i) => i !== l && i !== 4)!;
    c.input(l, { type: "message", message: remove(l, victim) });
    c.run(10);
    expect(answers(c, l).map((m) => m.error)).toEqual(["none"]);
    expect(voters(c.node(l)).map((v) => v.id)).not.toContain(victim);
    expect(isVoter(c.node(victim))).toBe(false);
    // The removed replica is an observer now: it never starts an election.
    c.dropIf = (m) => m.from === victim || m.to === victim;
    c.run(200);
    expect(c.outputs.get(victim)!.some((o) => o.type === "role-change" && (o.role === "prospective" || o.role === "candidate"))).toBe(false);
  });

  it("a removed leader keeps leading until the removal commits, then resigns", () => {
    const { c, l } = ready();
    const end = endOffset(c.node(l));
    c.input(l, { type: "message", message: remove(l, l) });
    expect(role(c.node(l))).toBe("leader");
    c.runUntil(() => role(c.node(l)) !== "leader");
    expect(role(c.node(l))).toBe("resigned");
    expect(highWatermark(c.node(l))).toBeGreaterThan(end);
    expect(answers(c, l).map((m) => m.error)).toEqual(["none"]);
    const next = c.runUntil(() => c.leaders().some((x) => x !== l)) >= 0 ? c.leaders().find((x) => x !== l)! : -1;
    expect(voters(c.node(next)).map((v) => v.id)).not.toContain(l);
    expect(epoch(c.node(next))).toBeGreaterThan(1);
  });

  it("refuses an unknown voter and the last voter", () => {
    const { c, l } = ready();
    c.input(l, { type: "message", message: remove(l, 42) });
    expect(answers(c, l).map((m) => m.error)).toEqual(["voter-not-found"]);
    const solo = new Cluster({ voters: [1], seed: 2 });
    solo.electLeader();
    solo.run(5);
    solo.input(1, { type: "message", message: remove(1, 1) });
    expect(answers(solo, 1).map((m) => m.error)).toEqual(["invalid-request"]);
  });

  it("a leader that loses leadership with a change pending answers not-leader", () => {
    const { c, l } = ready();
    const victim = c.ids.find((i) => i !== l && i !== 4)!;
    c.dropIf = (m) => m.from === l || m.to === l;
    c.input(l, { type: "message", message: remove(l, victim) });
    c.runUntil(() => role(c.node(l)) !== "leader");
    expect(answers(c, l).map((m) => m.error)).toEqual(["not-leader-or-follower"]);
  });

  it("an uncommitted voter set is reverted by truncation", () => {
    const { c, l } = ready();
    const victim = c.ids.find((i) => i !== l && i !== 4)!;
    c.dropIf = (m) => m.from === l || m.to === l;
    c.input(l, { type: "message", message: remove(l, victim) });
    expect(voters(c.node(l)).map((v) => v.id)).not.toContain(victim);
    c.runUntil(() => c.leaders().some((x) => x !== l));
    c.dropIf = () => false;
    c.runUntil(() => role(c.node(l)) === "follower" && voters(c.node(l)).some((v) => v.id === victim));
    expect(voters(c.node(l)).map((v) => v.id).sort()).toEqual([1, 2, 3]);
  });
});

describe("uncommitted removal of the leader (Raft dissertation §4.2.2)", () => {
  it("a leader that removed itself and lost leadership before the commit still takes part, so the quorum recovers", () => {
    // Two voters {1, 2}; leader removes itself; the VotersRecord reaches nobody; the leader restarts.
    const c = new Cluster({ voters: [1, 2], seed: 44 });
    const l = c.electLeader();
    c.run(10);
    const other = c.ids.find((i) => i !== l)!;
    c.dropIf = (m) => m.from === l || m.to === l;
    c.input(l, { type: "message", message: remove(l, l) });
    expect(voters(c.node(l)).map((v) => v.id)).toEqual([other]);
    c.crash(l);
    c.restart(l);
    c.dropIf = () => false;
    // The other voter still has {1, 2} and needs l's vote; l's log is longer, so only l can win — it must try.
    c.runUntil(() => c.leaders().length === 1 && c.ids.every((i) => highWatermark(c.node(i)) >= endOffset(c.node(c.leader()))), 1000);
    c.runUntil(() => c.leaders().length === 1 && c.leader() === other, 1000);
    expect(voters(c.node(other)).map((v) => v.id)).toEqual([other]);
  });
});
