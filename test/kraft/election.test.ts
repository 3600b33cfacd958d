// KIP-595 §"Leader Election" and KIP-996 §"Pre-Vote": states, timers, vote granting, persistence order.
import { describe, expect, it } from "vitest";
import { createKRaft, epoch, leader, role, votedId, entryAt, epochStartOffset } from "../../src/core/kraft/index.js";
import type { VoteRequest, VoteResponse } from "../../src/core/kraft/index.js";
import { feed, logOf, msg, node, of, qs, sent, ticks, tickUntil } from "./helpers.js";

const vote = (from: number, to: number, ep: number, lastEpoch: number, lastEndOffset: number, preVote = false): VoteRequest => ({
  type: "vote", from, to, epoch: ep, preVote, candidateDirectoryId: `dir-${from}`, voterDirectoryId: `dir-${to}`, lastEpoch, lastEndOffset,
});
const voteRes = (from: number, to: number, ep: number, granted: boolean, preVote: boolean, leaderId = -1): VoteResponse => ({
  type: "vote-response", from, to, error: "none", epoch: ep, leaderId, preVote, granted,
});

describe("initial state", () => {
  it("a fresh voter is unattached at epoch 0 with no vote and no leader", () => {
    const s = node(1, [1, 2, 3]);
    expect([role(s), epoch(s), leader(s), votedId(s)]).toEqual(["unattached", 0, -1, -1]);
  });

  it("the election timeout is randomized in [T, 2T) and seeded", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const r = tickUntil(createKRaft({ id: 1, voters: [1, 2, 3], seed }), (s) => role(s) === "prospective");
      expect(r.ticks).toBeGreaterThanOrEqual(20); // 1000 ms / 50 ms per tick
      expect(r.ticks).toBeLessThan(41);
      seen.add(r.ticks);
    }
    expect(seen.size).toBeGreaterThan(5);
    const a = tickUntil(createKRaft({ id: 1, voters: [1, 2, 3], seed: 9 }), (s) => role(s) === "prospective").ticks;
    const b = tickUntil(createKRaft({ id: 1, voters: [1, 2, 3], seed: 9 }), (s) => role(s) === "prospective").ticks;
    expect(a).toBe(b);
  });
});

describe("KIP-996 pre-vote (Prospective)", () => {
  it("keeps the epoch, persists nothing and sends pre-votes to the other voters", () => {
    const r = tickUntil(node(1, [1, 2, 3]), (s) => role(s) === "prospective");
    expect(epoch(r.state)).toBe(0);
    expect(of(r.outputs, "persist")).toHaveLength(0);
    const votes = sent(r.outputs, "vote") as VoteRequest[];
    expect(votes.map((v) => [v.to, v.preVote, v.epoch])).toEqual([[2, true, 0], [3, true, 0]]);
  });

  it("a majority of pre-vote grants makes a Candidate in epoch + 1, persisted before its vote requests", () => {
    const p = tickUntil(node(1, [1, 2, 3]), (s) => role(s) === "prospective").state;
    const r = msg(p, voteRes(2, 1, 0, true, true));
    expect(role(r.state)).toBe("candidate");
    expect(epoch(r.state)).toBe(1);
    const persistAt = r.outputs.findIndex((o) => o.type === "persist" && o.quorumState?.votedId === 1 && o.quorumState.epoch === 1);
    const firstVote = r.outputs.findIndex((o) => o.type === "send" && o.message.type === "vote");
    expect(persistAt).toBeGreaterThanOrEqual(0);
    expect(persistAt).toBeLessThan(firstVote);
    expect((sent(r.outputs, "vote") as VoteRequest[]).every((v) => !v.preVote && v.epoch === 1)).toBe(true);
  });

  it("a majority of pre-vote rejections sends a prospective back to unattached", () => {
    const p = tickUntil(node(1, [1, 2, 3]), (s) => role(s) === "prospective").state;
    const r = feed(p, { type: "message", message: voteRes(2, 1, 0, false, true) }, { type: "message", message: voteRes(3, 1, 0, false, true) });
    expect(role(r.state)).toBe("unattached");
    expect(epoch(r.state)).toBe(0);
  });

  it("a prospective that knew a leader goes back to following it after losing", () => {
    const f = node(1, [1, 2, 3], { quorumState: qs(4, 2), entries: [] });
    expect(role(f)).toBe("follower");
    const p = tickUntil(f, (s) => role(s) === "prospective").state;
    expect(leader(p)).toBe(2);
    const r = feed(p, { type: "message", message: voteRes(2, 1, 4, false, true, 2) }, { type: "message", message: voteRes(3, 1, 4, false, true, 2) });
    expect([role(r.state), leader(r.state), epoch(r.state)]).toEqual(["follower", 2, 4]);
  });

  it("a prospective's election timeout without a decision also loses", () => {
    const p = tickUntil(node(1, [1, 2, 3]), (s) => role(s) === "prospective").state;
    const r = tickUntil(p, (s) => role(s) !== "prospective");
    expect(role(r.state)).toBe("unattached");
    expect(r.ticks).toBeGreaterThanOrEqual(20);
  });

  it("a pre-vote request in the receiver's epoch neither bumps it nor records a vote", () => {
    const s = node(2, [1, 2, 3], { quorumState: qs(3), entries: [] });
    const r = msg(s, vote(1, 2, 3, 0, 0, true));
    expect(epoch(r.state)).toBe(3);
    expect(votedId(r.state)).toBe(-1);
    expect(of(r.outputs, "persist")).toHaveLength(0);
    expect((sent(r.outputs, "vote-response")[0] as VoteResponse).granted).toBe(true);
  });

  it("a pre-vote request of a higher epoch moves the receiver to that epoch (Kafka's handleVoteRequest), without a vote", () => {
    const s = node(2, [1, 2, 3], { quorumState: qs(3), entries: [] });
    const r = msg(s, vote(1, 2, 7, 0, 0, true));
    expect([role(r.state), epoch(r.state), votedId(r.state)]).toEqual(["unattached", 7, -1]);
    expect(of(r.outputs, "persist")[0]!.quorumState).toEqual({ epoch: 7, leaderId: -1, votedId: -1, votedDirectoryId: "" });
    const res = sent(r.outputs, "vote-response")[0] as VoteResponse;
    expect([res.epoch, res.granted]).toEqual([7, true]);
  });

  it("seed 236: a leader hears a lagging prospective of a higher epoch and steps down, so the epochs converge", () => {
    // Node 1 reached epoch 3 as a candidate whose vote requests were lost, then fell back to Prospective: it only
    // sends pre-votes and ignores every answer of a lower epoch. The leader of epoch 2 had its acknowledgement
    // long ago, so it sends node 1 nothing. Before the fix the leader answered in epoch 2 and both stayed put.
    let l = node(2, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 2, votedDirectoryId: "dir-2" }, entries: logOf([1, 1]) });
    l = msg(l, voteRes(3, 2, 2, true, false)).state;
    l = feed(l, { type: "persisted", endOffset: 3, epoch: 2 }).state;
    expect([role(l), epoch(l)]).toEqual(["leader", 2]);
    const r = msg(l, vote(1, 2, 3, 1, 1, true)); // behind: (epoch 1, end offset 1)
    expect([role(r.state), epoch(r.state), leader(r.state)]).toEqual(["unattached", 3, -1]);
    const res = sent(r.outputs, "vote-response")[0] as VoteResponse;
    expect([res.epoch, res.granted]).toEqual([3, false]); // the lagging log still gets no vote
  });

  it("a follower that has fetched from its leader refuses pre-votes; one that has not grants them", () => {
    const f = node(2, [1, 2, 3], { quorumState: qs(1, 1), entries: logOf([1]) });
    const fresh = msg(f, vote(3, 2, 1, 1, 1, true));
    expect((sent(fresh.outputs, "vote-response")[0] as VoteResponse).granted).toBe(true);
    expect(sent(ticks(f, 1).outputs, "fetch")).toHaveLength(1); // a restarted follower fetches on its first tick
    const fetched = msg(ticks(f, 1).state, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 1, leaderId: 1, highWatermark: -1, fetchOffset: 1, lastFetchedEpoch: 1, records: [] }).state;
    const r = msg(fetched, vote(3, 2, 1, 1, 1, true));
    expect((sent(r.outputs, "vote-response")[0] as VoteResponse).granted).toBe(false);
  });
});

describe("KIP-595 Vote", () => {
  const voter = (epochs: number[]) => node(2, [1, 2, 3], { quorumState: qs(5), entries: logOf(epochs) });

  it("grants iff the candidate's (last epoch, end offset) is at least ours", () => {
    const ours = voter([1, 1, 3]); // last epoch 3, end offset 3
    const granted = (lastEpoch: number, end: number) =>
      (sent(msg(ours, vote(1, 2, 6, lastEpoch, end)).outputs, "vote-response")[0] as VoteResponse).granted;
    expect(granted(3, 3)).toBe(true); // equal
    expect(granted(3, 4)).toBe(true); // longer
    expect(granted(4, 1)).toBe(true); // newer last epoch, shorter log
    expect(granted(3, 2)).toBe(false); // shorter
    expect(granted(2, 9)).toBe(false); // older last epoch, longer log
  });

  it("a vote moves the voter to the candidate's epoch and persists the vote before answering", () => {
    const r = msg(voter([1]), vote(1, 2, 6, 1, 1));
    expect([role(r.state), epoch(r.state), votedId(r.state)]).toEqual(["unattached", 6, 1]);
    const persists = of(r.outputs, "persist");
    expect(persists.at(-1)!.quorumState).toEqual({ epoch: 6, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" });
    expect(r.outputs.findIndex((o) => o.type === "persist" && o.quorumState?.votedId === 1)).toBeLessThan(r.outputs.findIndex((o) => o.type === "send"));
  });

  it("votes once per epoch: a second candidate in the same epoch is refused, the same one again is granted", () => {
    const v = msg(voter([1]), vote(1, 2, 6, 1, 1)).state;
    expect((sent(msg(v, vote(3, 2, 6, 1, 9)).outputs, "vote-response")[0] as VoteResponse).granted).toBe(false);
    expect((sent(msg(v, vote(1, 2, 6, 1, 1)).outputs, "vote-response")[0] as VoteResponse).granted).toBe(true);
  });

  it("a restarted voter remembers its vote", () => {
    const v = node(2, [1, 2, 3], { quorumState: { epoch: 6, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] });
    expect(votedId(v)).toBe(1);
    expect((sent(msg(v, vote(3, 2, 6, 0, 0)).outputs, "vote-response")[0] as VoteResponse).granted).toBe(false);
  });

  it("a candidate winning a majority becomes leader and appends a LeaderChange control record", () => {
    const c = node(1, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: logOf([1, 1]) });
    expect(role(c)).toBe("candidate");
    const r = msg(c, voteRes(3, 1, 2, true, false));
    expect(role(r.state)).toBe("leader");
    expect(epochStartOffset(r.state)).toBe(2);
    const lc = entryAt(r.state, 2)!;
    expect(lc).toMatchObject({ kind: "leader-change", epoch: 2, leaderId: 1, grantingVoters: [1, 3] });
    expect(sent(r.outputs, "begin-quorum-epoch").map((m) => m.to)).toEqual([2, 3]);
  });

  it("a candidate rejected by a majority backs off, then retries through a pre-vote", () => {
    const c = node(1, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] });
    const r = feed(c, { type: "message", message: voteRes(2, 1, 2, false, false) }, { type: "message", message: voteRes(3, 1, 2, false, false) });
    expect(role(r.state)).toBe("candidate");
    const after = tickUntil(r.state, (s) => role(s) !== "candidate");
    expect(role(after.state)).toBe("prospective");
    expect(after.ticks).toBeLessThanOrEqual(20); // backoff ≤ 1000 ms
    expect(epoch(after.state)).toBe(2);
  });

  it("a candidate whose election times out becomes prospective", () => {
    const c = node(1, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] });
    const r = tickUntil(c, (s) => role(s) !== "candidate");
    expect(role(r.state)).toBe("prospective");
    expect(r.ticks).toBeGreaterThanOrEqual(20);
  });

  it("a candidate resends vote requests to voters that have not answered", () => {
    const c = node(1, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] }, { electionTimeoutMs: 5000 });
    const r = msg(c, voteRes(2, 1, 2, false, false));
    const later = ticks(r.state, 45);
    expect(sent(later.outputs, "vote").map((m) => m.to)).toContain(3);
    expect(sent(later.outputs, "vote").map((m) => m.to)).not.toContain(2);
  });

  it("a single-voter quorum elects itself", () => {
    const r = tickUntil(node(1, [1]), (s) => role(s) === "leader");
    expect(epoch(r.state)).toBe(1);
  });

  it("observers never start elections", () => {
    const r = ticks(node(4, [1, 2, 3]), 300);
    expect(role(r.state)).toBe("unattached");
    expect(sent(r.outputs, "vote")).toHaveLength(0);
    expect(sent(r.outputs, "fetch").length).toBeGreaterThan(0); // it polls the bootstrap voters instead
  });

  it("an observer refuses to vote", () => {
    const r = msg(node(4, [1, 2, 3]), { ...vote(1, 4, 1, 0, 0), voterDirectoryId: "" });
    expect((sent(r.outputs, "vote-response")[0] as VoteResponse).granted).toBe(false);
  });

  it("a higher epoch in a vote response moves a candidate to that epoch", () => {
    const c = node(1, [1, 2, 3], { quorumState: { epoch: 2, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: [] });
    const r = msg(c, voteRes(2, 1, 9, false, false, 3));
    expect([role(r.state), epoch(r.state), leader(r.state)]).toEqual(["follower", 9, 3]);
    const u = msg(c, voteRes(2, 1, 9, false, false));
    expect([role(u.state), epoch(u.state)]).toEqual(["unattached", 9]);
  });
});
