/** Leadership transfer (§3.10 of the dissertation) and linearizable reads (§6.4: ReadIndex and leases). */
import { describe, expect, it } from "vitest";
import type { Message, Output } from "../../src/core/raft/index.js";
import { Cluster, rejections, sends } from "./harness.js";

const readyOf = (outs: readonly Output[]) => outs.flatMap((o) => (o.type === "read-ready" ? [[o.requestId, o.index]] : []));

describe("leadership transfer", () => {
  it("transfers to a caught-up follower with TimeoutNow; it wins at once, even with pre-vote and check-quorum", () => {
    const c = new Cluster([1, 2, 3], { preVote: true, checkQuorum: true });
    c.campaign(1);
    c.propose(1, "a");
    const out = c.step(1, { type: "transfer-leadership", to: 2 });
    expect(sends(out)).toMatchObject([{ type: "timeout-now", to: 2 }]);
    c.deliver();
    expect(c.node(2).role).toBe("leader");
    expect(c.node(1).role).toBe("follower");
    expect(c.node(1).leader).toBe(2);
    c.propose(2, "b");
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(["a", "b"]);
  });

  it("catches a lagging target up before sending TimeoutNow", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    c.propose(1, ["a", "b", "c"]);
    c.heal();
    const out = c.step(1, { type: "transfer-leadership", to: 3 });
    expect(sends(out).map((m) => m.type)).toEqual(["append"]);
    c.deliver();
    expect(c.node(3).role).toBe("leader");
    expect(c.appliedData(3)).toEqual(["a", "b", "c"]);
  });

  it("refuses proposals while transferring and aborts after an election timeout without success", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    c.step(1, { type: "transfer-leadership", to: 3 });
    c.deliver();
    expect(rejections(c.step(1, { type: "propose", data: new Uint8Array([1]) }))).toEqual(["transfer-in-progress"]);
    expect(rejections(c.step(1, { type: "conf-change", change: { changes: [{ type: "add-learner", node: 4 }] } }))).toEqual(["transfer-in-progress"]);
    c.tick(1, 10);
    c.deliver();
    expect(c.node(1).leadTransferee).toBe(0);
    expect(rejections(c.step(1, { type: "propose", data: new Uint8Array([1]) }))).toEqual([]);
  });

  it("rejects a transfer to itself, to a non-member, and on a follower", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    expect(rejections(c.step(1, { type: "transfer-leadership", to: 1 }))).toEqual(["malformed-input"]);
    expect(rejections(c.step(1, { type: "transfer-leadership", to: 9 }))).toEqual(["malformed-input"]);
    expect(rejections(c.step(2, { type: "transfer-leadership", to: 3 }))).toEqual(["not-leader"]);
    // Asking twice for the same target is a no-op.
    c.isolate(3);
    c.step(1, { type: "transfer-leadership", to: 3 });
    expect(c.step(1, { type: "transfer-leadership", to: 3 })).toEqual([]);
  });
});

describe("ReadIndex (safe)", () => {
  it("a read is released at the commit index after a quorum acknowledged a heartbeat round", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "a");
    const out = c.step(1, { type: "read-index", requestId: "r1" });
    expect(readyOf(out)).toEqual([]);
    expect(sends(out).map((m) => m.type)).toEqual(["heartbeat", "heartbeat"]);
    c.deliver();
    expect(readyOf(c.outputs.get(1)!)).toEqual([["r1", 2]]);
  });

  it("without a quorum of acknowledgements the read is never released (a deposed leader cannot serve stale data)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    c.step(1, { type: "read-index", requestId: 7 });
    c.tickAll(3);
    expect(readyOf(c.outputs.get(1)!)).toEqual([]);
  });

  it("is held until the leader commits an entry of its own term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    // Node 2 wins term 2 but its empty entry does not reach anyone yet.
    c.drop = (m) => m.type === "append";
    c.campaign(2);
    const s2 = c.node(2);
    expect(s2.role).toBe("leader");
    expect(s2.log.committed).toBe(1);
    c.step(2, { type: "read-index", requestId: "w" });
    c.deliver();
    expect(s2.reads.waiting).toEqual(["w"]);
    expect(readyOf(c.outputs.get(2)!)).toEqual([]);
    c.heal();
    c.tick(2);
    c.deliver();
    expect(s2.log.committed).toBe(2);
    expect(readyOf(c.outputs.get(2)!)).toEqual([["w", 2]]);
  });

  it("a read held for the first commit of the term is refused once when leadership is lost", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.drop = (m) => m.type === "append"; // node 2's empty entry of term 2 reaches no one: nothing commits
    c.campaign(2);
    c.step(2, { type: "read-index", requestId: "w" });
    const vote = (term: number): Message => ({ type: "vote", from: 3, to: 2, term, lastIndex: 9, lastTerm: 9, transfer: false });
    const lost = c.step(2, { type: "message", message: vote(9) });
    expect(lost.filter((o) => o.type === "rejected")).toMatchObject([{ reason: "not-leader", requestId: "w" }]);
    expect(c.step(2, { type: "message", message: vote(10) }).filter((o) => o.type === "rejected")).toEqual([]);
  });

  it("a held read, once served, is not refused when leadership is lost later", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.drop = (m) => m.type === "append";
    c.campaign(2);
    c.step(2, { type: "read-index", requestId: "w" });
    c.heal();
    c.tick(2);
    c.deliver();
    expect(readyOf(c.outputs.get(2)!)).toEqual([["w", 2]]);
    const out = c.step(2, { type: "message", message: { type: "vote", from: 3, to: 2, term: 9, lastIndex: 9, lastTerm: 9, transfer: false } });
    expect(out.filter((o) => o.type === "rejected")).toEqual([]);
  });

  it("the only voter needs no heartbeat round for a read, even with a learner to replicate to", () => {
    const c = new Cluster([1, 2], { learners: [2] }, [1]);
    c.campaign(1);
    const out = c.step(1, { type: "read-index", requestId: "x" });
    expect(readyOf(out)).toEqual([["x", 1]]);
    expect(sends(out)).toEqual([]);
  });

  it("a single-node leader serves reads without a round trip", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    expect(readyOf(c.step(1, { type: "read-index", requestId: "x" }))).toEqual([["x", 1]]);
  });

  it("reads on a follower are refused with a leader hint; pending reads fail when leadership is lost", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const r = c.step(2, { type: "read-index", requestId: "f" });
    expect(r).toMatchObject([{ type: "rejected", reason: "not-leader", leaderHint: 1, requestId: "f" }]);
    c.isolate(1);
    c.step(1, { type: "read-index", requestId: "lost" });
    const out = c.step(1, { type: "message", message: { type: "vote", from: 2, to: 1, term: 9, lastIndex: 9, lastTerm: 9, transfer: false } });
    expect(out).toContainEqual(expect.objectContaining({ type: "rejected", reason: "not-leader", requestId: "lost" }));
  });

  it("heartbeats on tick retransmit the latest read round", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    c.step(1, { type: "read-index", requestId: "late" });
    c.queue.length = 0;
    c.heal();
    c.tick(1);
    c.deliver();
    expect(readyOf(c.outputs.get(1)!)).toEqual([["late", 1]]);
  });
});

describe("lease reads (§6.4.1)", () => {
  const leaseCluster = () => new Cluster([1, 2, 3], { checkQuorum: true, readOnly: "lease-based" });
  const read = (c: Cluster, id: string) => c.step(1, { type: "read-index", requestId: id });

  it("a new leader holds no lease until a quorum acknowledges a heartbeat of its term: its first read takes a round", () => {
    const c = leaseCluster();
    c.campaign(1); // elected, its no-op committed by append responses (appends do not renew the lease)
    const first = read(c, "first");
    expect(readyOf(first)).toEqual([]);
    expect(sends(first).map((m) => [m.type, m.to])).toEqual([["heartbeat", 2], ["heartbeat", 3]]);
    c.deliver();
    expect(readyOf(c.outputs.get(1)!)).toEqual([["first", 1]]);
    // That round, sent now and acknowledged by both followers, is a lease: the next read is served at once.
    const second = read(c, "second");
    expect(readyOf(second)).toEqual([["second", 1]]);
    expect(sends(second)).toEqual([]);
  });

  it("§6.4.1 lease starts when the heartbeat was sent, not when its acknowledgement arrived", () => {
    // electionTick 10: a follower that heard the leader at its time t refuses votes until 10 of its own ticks
    // later, and its first tick may come right after it heard: the lease lasts electionTick − 1 = 9 ticks from the
    // SEND. Timeline (node 1's ticks since it was elected):
    //   t=1  heartbeat round 1 sent; both followers answer, the answers are held in the network;
    //   t=2–4 node 1 is cut off (its later heartbeats are lost);
    //   t=5  the answers to round 1 arrive: lease until t = 1 + 9 − 1 = 9 (a lease from receipt would run to 13);
    //   t=9  a read is served at once;  t=10 the lease is over: the read waits for a round that never returns.
    const c = leaseCluster();
    c.campaign(1);
    c.step(1, { type: "tick" }); // t=1
    expect(c.queue.map((m) => [m.type, m.to])).toEqual([["heartbeat", 2], ["heartbeat", 3]]);
    for (const m of c.queue.splice(0)) c.step(m.to, { type: "message", message: m });
    const held = c.queue.splice(0);
    expect(held.map((m) => [m.type, m.from])).toEqual([["heartbeat-response", 2], ["heartbeat-response", 3]]);
    c.isolate(1);
    c.tick(1, 3); // t=4
    expect(readyOf(read(c, "t4"))).toEqual([]); // no acknowledgement yet: a round (lost)
    c.tick(1); // t=5
    for (const m of held) c.step(1, { type: "message", message: m });
    // The t=4 read waits for its own round (sent at t=4, lost): an answer to an earlier round does not release it.
    expect(readyOf(c.outputs.get(1)!)).toEqual([]);
    expect(readyOf(read(c, "t5"))).toEqual([["t5", 1]]);
    c.tick(1, 4); // t=9
    expect(readyOf(read(c, "t9"))).toEqual([["t9", 1]]);
    c.tick(1); // t=10: check-quorum passes (answers arrived at t=5), but the lease from round 1 is over
    expect(c.node(1).role).toBe("leader");
    const late = read(c, "t10");
    expect(readyOf(late)).toEqual([]);
    expect(sends(late).map((m) => m.type)).toEqual(["heartbeat", "heartbeat"]); // a round, lost: node 1 is cut off
    c.deliver();
    expect(readyOf(c.outputs.get(1)!).map(([id]) => id)).toEqual(["t5", "t9"]);
  });

  it("§6.4.1 the lease is one tick shorter than the election timeout: the nodes' ticks are not in phase", () => {
    // Real time in tick periods P. Node 1 sends round 1 at its tick 1, just before its tick 2 (at 2P − ε); the
    // followers hear it at once and tick just after: their 10th tick (electionTick) comes at about 11P − ε, when
    // node 1 has ticked 9 more times (its tick 10 at 10P). Node 3 may vote from then on, so node 2 is elected and
    // commits before node 1's tick 11 — while node 1 is at tick 10 = 1 + electionTick − 1: outside its lease.
    const c = leaseCluster();
    c.campaign(1);
    c.step(1, { type: "tick" }); // node 1's tick 1: round 1
    c.deliver(); // answered by both
    expect(readyOf(read(c, "t1"))).toEqual([["t1", 1]]);
    c.isolate(1);
    c.tick(1, 8); // node 1's tick 9 (its heartbeats lost), at 9P: still in its lease
    expect(readyOf(read(c, "t9"))).toEqual([["t9", 1]]);
    for (const id of [2, 3]) for (let i = 0; i < 10; i++) c.step(id, { type: "tick" }); // the followers' 10 ticks
    c.queue.length = 0; // whatever campaign their timers started is lost; node 2 campaigns now
    c.step(2, { type: "timeout", timer: "election" });
    c.deliver();
    expect(c.node(2).role).toBe("leader");
    c.propose(2, "x");
    expect(c.appliedData(2)).toEqual(["x"]);
    c.tick(1); // node 1's tick 10, at 10P; node 2 may have committed x before its tick 11: no lease
    expect(c.node(1).role).toBe("leader");
    expect(readyOf(read(c, "t10"))).toEqual([]);
  });

  it("after TimeoutNow the leader holds no lease for the rest of its term (the target's vote bypasses the followers' lease)", () => {
    const c = leaseCluster();
    c.campaign(1);
    read(c, "warm");
    c.deliver();
    expect(readyOf(read(c, "leased"))).toEqual([["leased", 1]]);
    c.drop = (m) => m.type === "timeout-now";
    expect(sends(c.step(1, { type: "transfer-leadership", to: 2 })).map((m) => m.type)).toEqual(["timeout-now"]);
    c.heal();
    const after = read(c, "after");
    expect(readyOf(after)).toEqual([]);
    expect(sends(after).map((m) => m.type)).toEqual(["heartbeat", "heartbeat"]);
    c.deliver();
    // The ReadIndex round confirms it still led when the read arrived; it does not restore the lease.
    expect(readyOf(c.outputs.get(1)!).at(-1)).toEqual(["after", 1]);
    expect(readyOf(read(c, "again"))).toEqual([]);
  });

  it("§6.4.1 a follower restarted within the lease refuses votes until its election timer has run once", () => {
    // Node 3 answered node 1's round, then crashed and restarted knowing no leader. Were it to vote for node 2
    // at once, node 2 could be elected with it and commit while node 1 still serves reads under a lease that
    // counts on node 3's promise.
    for (const readOnly of ["lease-based", "safe"] as const) {
      const c = new Cluster([1, 2, 3], { checkQuorum: true, readOnly });
      c.campaign(1);
      read(c, "warm");
      c.deliver();
      if (readOnly === "lease-based") expect(readyOf(read(c, "leased"))).toEqual([["leased", 1]]);
      c.restart(3);
      c.isolate(1);
      const votes = c.step(2, { type: "timeout", timer: "election" });
      const request = sends(votes).find((m) => m.to === 3)!;
      const answer = c.step(3, { type: "message", message: request });
      if (readOnly === "lease-based") {
        expect(rejections(answer)).toEqual(["in-lease"]);
        expect(sends(answer)).toEqual([]);
        // Its promise lasts until its timer has run out (electionTick 10), then it votes again.
        const retry = { ...request, term: request.term + 1 };
        c.tick(3, 9);
        expect(rejections(c.step(3, { type: "message", message: retry }))).toEqual(["in-lease"]);
        c.tick(3);
        expect(c.node(3).role).toBe("follower");
        expect(sends(c.step(3, { type: "message", message: retry }))).toMatchObject([{ type: "vote-response", reject: false }]);
      } else {
        // With ReadIndex no lease counts on the promise: the restarted node votes at once (etcd's rule).
        expect(sends(answer)).toMatchObject([{ type: "vote-response", reject: false }]);
      }
    }
  });

  it("are refused by configuration without check-quorum", () => {
    expect(() => new Cluster([1], { readOnly: "lease-based" })).toThrow(/checkQuorum/);
  });
});
