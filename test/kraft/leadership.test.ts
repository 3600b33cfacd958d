// KIP-595 §"BeginQuorumEpoch", §"EndQuorumEpoch", check-quorum, graceful resignation and restarts.
import { describe, expect, it } from "vitest";
import { epoch, leader, role } from "../../src/core/kraft/index.js";
import type { BeginQuorumEpochRequest, EndQuorumEpochRequest } from "../../src/core/kraft/index.js";
import { Cluster } from "./cluster.js";
import { feed, logOf, msg, node, of, qs, sent, ticks, tickUntil } from "./helpers.js";

function newLeader(voters = [1, 2, 3]) {
  let s = node(1, voters, { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] });
  for (const v of voters.slice(1, Math.floor(voters.length / 2) + 1)) {
    s = msg(s, { type: "vote-response", from: v, to: 1, error: "none", epoch: 2, leaderId: -1, preVote: false, granted: true }).state;
  }
  return feed(s, { type: "persisted", endOffset: 1, epoch: 2 }).state;
}

describe("BeginQuorumEpoch", () => {
  it("is resent every half fetch timeout to voters that have not acknowledged", () => {
    const l = newLeader();
    const r = ticks(l, 20); // 1000 ms = fetch timeout / 2
    expect(sent(r.outputs, "begin-quorum-epoch").map((m) => m.to)).toEqual([2, 3]);
    const acked = msg(l, { type: "begin-quorum-epoch-response", from: 2, to: 1, error: "none", epoch: 2, leaderId: 1 }).state;
    const fetched = msg(acked, { type: "fetch", from: 3, to: 1, epoch: 2, replicaDirectoryId: "dir-3", fetchOffset: 0, lastFetchedEpoch: 0 }).state;
    expect(sent(ticks(fetched, 20).outputs, "begin-quorum-epoch")).toHaveLength(0);
    expect(sent(ticks(acked, 19).outputs, "begin-quorum-epoch")).toHaveLength(0);
    expect(sent(ticks(acked, 20).outputs, "begin-quorum-epoch").map((m) => m.to)).toEqual([3]);
  });

  it("makes a voter follow the new leader, persisting the leader id", () => {
    const v = node(2, [1, 2, 3], { quorumState: qs(1), entries: [] });
    const req: BeginQuorumEpochRequest = { type: "begin-quorum-epoch", from: 1, to: 2, epoch: 2, leaderId: 1, voterDirectoryId: "dir-2" };
    const r = msg(v, req);
    expect([role(r.state), epoch(r.state), leader(r.state)]).toEqual(["follower", 2, 1]);
    expect(of(r.outputs, "persist")[0]!.quorumState).toEqual({ epoch: 2, leaderId: 1, votedId: -1, votedDirectoryId: "" });
    expect(sent(r.outputs, "fetch")).toHaveLength(1);
    expect(sent(r.outputs, "begin-quorum-epoch-response")[0]).toMatchObject({ error: "none" });
  });
});

describe("check-quorum", () => {
  it("a leader resigns when a majority has not fetched within 1.5 × fetch timeout, not earlier", () => {
    const l = newLeader();
    expect(role(ticks(l, 59).state)).toBe("leader");
    const r = ticks(l, 60); // 3000 ms
    expect(role(r.state)).toBe("resigned");
    expect(sent(r.outputs, "end-quorum-epoch").map((m) => m.to).sort()).toEqual([2, 3]);
  });

  it("fetches from a majority keep it leading", () => {
    let l = newLeader();
    for (let i = 0; i < 10; i++) {
      l = ticks(l, 20).state;
      l = msg(l, { type: "fetch", from: 2, to: 1, epoch: 2, replicaDirectoryId: "dir-2", fetchOffset: 1, lastFetchedEpoch: 2 }).state;
    }
    expect(role(l)).toBe("leader");
  });

  it("an isolated leader steps down and a new one is elected in a higher epoch", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 21 });
    const old = c.electLeader();
    c.dropIf = (m) => m.from === old || m.to === old;
    c.runUntil(() => role(c.node(old)) === "resigned");
    c.runUntil(() => c.leaders().some((l) => l !== old));
    const fresh = c.leaders().find((l) => l !== old)!;
    expect(epoch(c.node(fresh))).toBeGreaterThan(epoch(c.node(old)) - 1);
    expect(c.leaders()).not.toContain(old);
  });

  it("a lone voter never resigns for lack of fetches", () => {
    const l = tickUntil(node(1, [1]), (s) => role(s) === "leader").state;
    expect(role(ticks(l, 500).state)).toBe("leader");
  });
});

describe("graceful resignation (EndQuorumEpoch)", () => {
  it("names the other voters as preferred successors, most caught up first", () => {
    let l = newLeader([1, 2, 3, 4]);
    l = feed(l, { type: "append", records: [new Uint8Array([1]), new Uint8Array([2])] }, { type: "persisted", endOffset: 3, epoch: 2 }).state;
    l = msg(l, { type: "fetch", from: 3, to: 1, epoch: 2, replicaDirectoryId: "dir-3", fetchOffset: 3, lastFetchedEpoch: 2 }).state;
    l = msg(l, { type: "fetch", from: 4, to: 1, epoch: 2, replicaDirectoryId: "dir-4", fetchOffset: 2, lastFetchedEpoch: 2 }).state;
    const r = feed(l, { type: "resign" });
    expect(role(r.state)).toBe("resigned");
    const eqe = sent(r.outputs, "end-quorum-epoch") as EndQuorumEpochRequest[];
    expect(eqe).toHaveLength(3);
    expect(eqe[0]!.preferredSuccessors.map((k) => k.id)).toEqual([3, 4, 2]);
    expect(of(r.outputs, "persist")).toHaveLength(0); // Resigned lives in memory only
  });

  it("the first preferred successor starts its pre-vote at once; later ones back off exponentially", () => {
    const follower = (id: number) => ticks(node(id, [1, 2, 3, 4], { quorumState: qs(2, 1), entries: [] }), 1).state;
    const eqe = (to: number): EndQuorumEpochRequest => ({ type: "end-quorum-epoch", from: 1, to, epoch: 2, leaderId: 1, preferredSuccessors: [3, 4, 2].map((id) => ({ id, directoryId: `dir-${id}` })) });
    const first = msg(follower(3), eqe(3)).state;
    expect(role(ticks(first, 1).state)).toBe("prospective");
    const second = msg(follower(4), eqe(4)).state;
    expect(role(ticks(second, 1).state)).toBe("follower");
    expect(tickUntil(second, (s) => role(s) === "prospective").ticks).toBe(2); // 100 ms
    const third = msg(follower(2), eqe(2)).state;
    expect(tickUntil(third, (s) => role(s) === "prospective").ticks).toBe(4); // 200 ms
  });

  it("a resigned leader retries EndQuorumEpoch until acknowledged, then bumps the epoch after its election timeout", () => {
    // Unanswered requests are resent after the request timeout (2000 ms), so use a long election timeout here.
    const slow = { ...newLeader(), config: { ...newLeader().config, electionTimeoutMs: 5000 } };
    const r = feed(slow, { type: "resign" });
    const acked = msg(r.state, { type: "end-quorum-epoch-response", from: 2, to: 1, error: "none", epoch: 2, leaderId: -1 });
    const later = ticks(acked.state, 40);
    expect(sent(later.outputs, "end-quorum-epoch").map((m) => m.to)).toEqual([3]);
    const u = tickUntil(acked.state, (s) => role(s) !== "resigned");
    expect([role(u.state), epoch(u.state)]).toEqual(["unattached", 3]);
  });

  it("a graceful handoff elects a successor faster than a crash does", () => {
    const measure = (graceful: boolean) => {
      const c = new Cluster({ voters: [1, 2, 3], seed: 4 });
      const l = c.electLeader();
      c.run(10);
      if (graceful) c.input(l, { type: "resign" });
      else c.crash(l);
      return c.runUntil(() => c.leaders().some((x) => x !== l));
    };
    expect(measure(true)).toBeLessThan(measure(false));
  });

  it("resigning when not leader is refused", () => {
    const r = feed(node(2, [1, 2, 3]), { type: "resign" });
    expect(of(r.outputs, "rejected")[0]!.reason).toBe("not-leader");
  });
});

describe("restart (Kafka's QuorumState.initialize)", () => {
  it("a former leader comes back Resigned, a follower comes back following", () => {
    expect(role(node(1, [1, 2, 3], { quorumState: qs(4, 1, 1), entries: logOf([4]) }))).toBe("resigned");
    expect(role(node(2, [1, 2, 3], { quorumState: qs(4, 1), entries: logOf([4]) }))).toBe("follower");
    expect(role(node(2, [1, 2, 3], { quorumState: qs(4, -1, 3), entries: [] }))).toBe("unattached");
  });

  it("a crashed cluster recovers its committed log from storage", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 13 });
    const l = c.electLeader();
    c.propose(l, "a", "b");
    c.run(10);
    for (const id of c.ids) c.crash(id);
    for (const id of c.ids) c.restart(id);
    const l2 = c.electLeader();
    c.propose(l2, "c");
    c.run(10);
    for (const id of c.ids) expect(c.delivered.get(id)!.filter((e) => e.kind === "data").map((e) => new TextDecoder().decode((e as { data: Uint8Array }).data))).toEqual(["a", "b", "c"]);
  });
});
