// KIP-595 §"Fetch": pull replication, the fetch offset as acknowledgement, divergence and truncation,
// the high watermark, the fetch purgatory, observers.
import { describe, expect, it } from "vitest";
import { endOffset, entryAt, epoch, highWatermark, leader, role, step, endOffsetForEpoch, validateOffsetAndEpoch } from "../../src/core/kraft/index.js";
import type { FetchRequest, FetchResponse } from "../../src/core/kraft/index.js";
import { appendEntries, emptyLog } from "../../src/core/kraft/log.js";
import { Cluster, text } from "./cluster.js";
import { enc, feed, logOf, msg, node, of, qs, sent, ticks } from "./helpers.js";

const fetch = (from: number, to: number, ep: number, fetchOffset: number, lastFetchedEpoch: number): FetchRequest => ({
  type: "fetch", from, to, epoch: ep, replicaDirectoryId: `dir-${from}`, fetchOffset, lastFetchedEpoch,
});

/** A leader of epoch `ep` over `epochs` (its LeaderChange appended at the end), all durable. */
function leaderWith(epochs: number[], ep: number, voters = [1, 2, 3]) {
  const c = node(1, voters, { quorumState: { epoch: ep, leaderId: -1, votedId: 1, votedDirectoryId: "dir-1" }, entries: logOf(epochs) });
  let s = c;
  for (const v of voters.slice(1, Math.floor(voters.length / 2) + 1)) {
    s = msg(s, { type: "vote-response", from: v, to: 1, error: "none", epoch: ep, leaderId: -1, preVote: false, granted: true }).state;
  }
  if (role(s) !== "leader") s = ticks(s, 1).state; // a lone voter wins on its first tick
  expect(role(s)).toBe("leader");
  return feed(s, { type: "persisted", endOffset: endOffset(s), epoch: ep }).state;
}

describe("log epochs (Kafka's endOffsetForEpoch / validateOffsetAndEpoch)", () => {
  const log = appendEntries(emptyLog(), logOf([1, 1, 3, 3, 5]));
  it("maps an epoch to the largest epoch ≤ it and that epoch's end offset", () => {
    expect(endOffsetForEpoch(log, 1)).toEqual({ epoch: 1, endOffset: 2 });
    expect(endOffsetForEpoch(log, 2)).toEqual({ epoch: 1, endOffset: 2 });
    expect(endOffsetForEpoch(log, 3)).toEqual({ epoch: 3, endOffset: 4 });
    expect(endOffsetForEpoch(log, 9)).toEqual({ epoch: 5, endOffset: 5 });
    expect(endOffsetForEpoch(log, 0)).toEqual({ epoch: 0, endOffset: 0 });
  });
  it("classifies fetch positions as valid, diverging or needing a snapshot", () => {
    expect(validateOffsetAndEpoch(log, 0, 0, null)).toEqual({ kind: "valid" });
    expect(validateOffsetAndEpoch(log, 4, 3, null)).toEqual({ kind: "valid" });
    expect(validateOffsetAndEpoch(log, 5, 4, null)).toEqual({ kind: "diverging", divergingEpoch: { epoch: 3, endOffset: 4 } });
    expect(validateOffsetAndEpoch(log, 6, 5, null)).toEqual({ kind: "diverging", divergingEpoch: { epoch: 5, endOffset: 5 } });
    const compacted = appendEntries(emptyLog(10, 3), logOf([3, 4], 10));
    const snap = { endOffset: 10, epoch: 3 };
    expect(validateOffsetAndEpoch(compacted, 4, 1, snap)).toEqual({ kind: "snapshot", snapshotId: snap });
    expect(validateOffsetAndEpoch(compacted, 10, 2, snap)).toEqual({ kind: "snapshot", snapshotId: snap });
    expect(validateOffsetAndEpoch(compacted, 10, 3, snap)).toEqual({ kind: "valid" });
    expect(validateOffsetAndEpoch(compacted, 11, 3, snap)).toEqual({ kind: "valid" });
  });
});

describe("Fetch: pull replication", () => {
  it("the fetch offset is the acknowledgement: a follower fetches again only after its append is durable", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 3, autoPersist: false });
    c.runUntil(() => c.leaders().length === 1 && c.ids.every((i) => c.node(i).durableEnd === c.endOf(i) || (c.ack(i), false)));
    const l = c.leader();
    const f = c.ids.find((i) => i !== l)!;
    c.run(5);
    c.ids.forEach((i) => c.ack(i));
    c.run(3);
    c.propose(l, "x");
    c.ack(l);
    c.drainOutputs(f);
    c.run(2); // follower receives "x" but its storage has not acknowledged it
    const outs = c.drainOutputs(f);
    expect(of(outs, "persist").some((p) => p.entries?.some((e) => e.kind === "data"))).toBe(true);
    const fetches = sent(outs, "fetch") as FetchRequest[];
    expect(fetches.every((m) => m.fetchOffset < c.endOf(f))).toBe(true);
    const acked = c.ack(f);
    expect((sent(acked, "fetch") as FetchRequest[]).map((m) => m.fetchOffset)).toEqual([c.endOf(f)]);
  });

  it("the leader counts its own records only once they are durable", () => {
    let s = leaderWith([], 1, [1]);
    expect(highWatermark(s)).toBe(1);
    s = feed(s, { type: "append", records: [enc("a")] }).state;
    expect(highWatermark(s)).toBe(1);
    s = feed(s, { type: "persisted", endOffset: 2, epoch: 1 }).state;
    expect(highWatermark(s)).toBe(2);
    // Three voters: one follower holds "a" durably, the leader does not yet — not a majority.
    let t = leaderWith([], 1, [1, 2, 3]);
    t = feed(t, { type: "append", records: [enc("a")] }).state;
    t = msg(t, fetch(2, 1, 1, 2, 1)).state;
    expect(highWatermark(t)).toBe(1);
    t = feed(t, { type: "persisted", endOffset: 2, epoch: 1 }).state;
    expect(highWatermark(t)).toBe(2);
  });

  it("the high watermark is the median of the voters' acknowledged end offsets", () => {
    let s = leaderWith([1, 1, 1, 1], 2, [1, 2, 3, 4, 5]); // LeaderChange at 4, end 5
    s = feed(s, { type: "append", records: [enc("a"), enc("b"), enc("c")] }, { type: "persisted", endOffset: 8, epoch: 2 }).state;
    s = msg(s, fetch(2, 1, 2, 8, 2)).state;
    expect(highWatermark(s)).toBe(0); // leader 8, voter 2 at 8: two of five
    s = msg(s, fetch(3, 1, 2, 6, 2)).state;
    expect(highWatermark(s)).toBe(6); // 8, 8, 6 → median of five is the third largest
    s = msg(s, fetch(4, 1, 2, 7, 2)).state;
    expect(highWatermark(s)).toBe(7);
  });

  it("a new leader's high watermark moves only past its epoch start offset (its LeaderChange record)", () => {
    let s = leaderWith([1, 1, 1], 2); // epoch start 3
    s = msg(s, fetch(2, 1, 2, 3, 1)).state; // voter 2 has everything before the LeaderChange
    expect(highWatermark(s)).toBe(0);
    const r = msg(s, fetch(2, 1, 2, 4, 2));
    expect(highWatermark(r.state)).toBe(4);
    expect(of(r.outputs, "commit").at(-1)!.entries.map((e) => e.offset)).toEqual([0, 1, 2, 3]);
  });

  it("the high watermark never decreases", () => {
    let s = leaderWith([], 1);
    s = feed(s, { type: "append", records: [enc("a"), enc("b")] }, { type: "persisted", endOffset: 3, epoch: 1 }).state;
    s = msg(s, fetch(2, 1, 1, 3, 1)).state;
    expect(highWatermark(s)).toBe(3);
    s = msg(s, fetch(3, 1, 1, 1, 1)).state;
    s = msg(s, fetch(2, 1, 1, 1, 1)).state; // acknowledgements cannot go back, but a lower fetch must not lower the HW
    expect(highWatermark(s)).toBe(3);
  });

  it("a follower's high watermark is min(leader HW, its log end)", () => {
    const f0 = ticks(node(2, [1, 2, 3], { quorumState: qs(1, 1), entries: logOf([1]) }), 1).state;
    const res: FetchResponse = { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 1, leaderId: 1, highWatermark: 3, fetchOffset: 1, lastFetchedEpoch: 1, records: logOf([1], 1) };
    const r = msg(f0, res);
    expect(highWatermark(r.state)).toBe(2);
    expect(of(r.outputs, "commit").at(-1)!.highWatermark).toBe(2);
  });

  it("an idle fetch is parked and answered when records arrive, or when the wait expires", () => {
    let s = leaderWith([], 1);
    s = msg(s, fetch(2, 1, 1, 1, 1)).state;
    const idle = msg(s, fetch(2, 1, 1, 1, 1));
    expect(sent(idle.outputs, "fetch-response")).toHaveLength(0);
    const appended = feed(idle.state, { type: "append", records: [enc("x")] });
    const res = sent(appended.outputs, "fetch-response") as FetchResponse[];
    expect(res.map((m) => m.records.map((e) => e.offset))).toEqual([[1]]);
    const expired = ticks(idle.state, 10); // 500 ms
    expect(sent(expired.outputs, "fetch-response")).toHaveLength(1);
  });

  it("responses carry at most maxFetchRecords records", () => {
    let s = leaderWith([], 1, [1, 2, 3]);
    s = feed(s, { type: "append", records: Array.from({ length: 5 }, (_, i) => enc(`r${i}`)) }).state;
    const small = step({ ...s, config: { ...s.config, maxFetchRecords: 2 } }, { type: "message", message: fetch(2, 1, 1, 0, 0) });
    expect((sent(small.outputs, "fetch-response")[0] as FetchResponse).records).toHaveLength(2);
  });
});

describe("divergence and truncation", () => {
  it("one round trip per diverging epoch, then the follower catches up", () => {
    // Leader (epoch 5): epochs 1 1 3 3 | LeaderChange(5). Follower: 1 1 2 2 4 4 4 (stale leaders of 2 and 4).
    let l = leaderWith([1, 1, 3, 3], 5);
    let f = ticks(node(2, [1, 2, 3], { quorumState: qs(5, 1), entries: logOf([1, 1, 2, 2, 4, 4, 4]) }), 1).state;
    let roundTrips = 0;
    // Drive the exchange explicitly: each follower Fetch goes to the leader, each response back.
    let request: FetchRequest = { type: "fetch", from: 2, to: 1, epoch: 5, replicaDirectoryId: "dir-2", fetchOffset: 7, lastFetchedEpoch: 4 };
    const truncations: number[] = [];
    while (roundTrips < 10) {
      const lr = msg(l, request);
      l = lr.state;
      const res = sent(lr.outputs, "fetch-response")[0] as FetchResponse | undefined;
      if (res === undefined) break; // parked: caught up
      roundTrips++;
      const fr = msg(f, res);
      const acked = feed(fr.state, { type: "persisted", endOffset: endOffset(fr.state), epoch: entryAt(fr.state, endOffset(fr.state) - 1)?.epoch ?? 0 });
      f = acked.state;
      for (const p of of(fr.outputs, "persist")) if (p.truncateTo !== undefined) truncations.push(p.truncateTo);
      const next = [...sent(fr.outputs, "fetch"), ...sent(acked.outputs, "fetch")] as FetchRequest[];
      if (next.length === 0) break;
      request = next[0]!;
    }
    expect(roundTrips).toBe(4); // two diverging epochs, the records, then the new high watermark (KIP-1166)
    expect(truncations).toEqual([4, 2]); // epoch 4 diverges at 4 (end of epoch 3 on the leader is 4, ours of ≤3 is 4), then epoch 2 at 2
    expect([...Array(endOffset(f)).keys()].map((o) => entryAt(f, o)!.epoch)).toEqual([1, 1, 3, 3, 5]);
  });

  it("truncating below the high watermark is refused with a typed rejection, leaving the state as it was", () => {
    const f = ticks(node(2, [1, 2, 3], { quorumState: qs(3, 1), entries: logOf([1, 1, 2, 2]) }), 1).state;
    const withHw = msg(f, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 3, leaderId: 1, highWatermark: 4, fetchOffset: 4, lastFetchedEpoch: 2, records: [] }).state;
    expect(highWatermark(withHw)).toBe(4);
    const bad: FetchResponse = { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 3, leaderId: 1, highWatermark: 4, fetchOffset: 4, lastFetchedEpoch: 2, records: [], divergingEpoch: { epoch: 1, endOffset: 2 } };
    const before = JSON.stringify({ hw: highWatermark(withHw), end: endOffset(withHw), role: withHw.role });
    const r = step(withHw, { type: "message", message: bad });
    expect(r.state).toBe(withHw);
    expect(r.outputs).toMatchObject([{ type: "rejected", reason: "truncate-below-high-watermark" }]);
    expect(JSON.stringify({ hw: highWatermark(withHw), end: endOffset(withHw), role: withHw.role })).toBe(before);
  });

  it("stale or duplicated fetch responses are ignored", () => {
    const f = ticks(node(2, [1, 2, 3], { quorumState: qs(3, 1), entries: logOf([1, 1]) }), 1).state;
    const stale: FetchResponse = { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 3, leaderId: 1, highWatermark: -1, fetchOffset: 1, lastFetchedEpoch: 1, records: [], divergingEpoch: { epoch: 0, endOffset: 0 } };
    const r = msg(f, stale);
    expect(endOffset(r.state)).toBe(2);
    expect(of(r.outputs, "persist")).toHaveLength(0);
  });
});

describe("cluster replication", () => {
  it("every node delivers the same committed records in order, observers included", () => {
    const c = new Cluster({ voters: [1, 2, 3], observers: [4], seed: 11 });
    const l = c.electLeader();
    for (let i = 0; i < 5; i++) c.propose(l, `m${i}`);
    c.run(30);
    for (const id of c.ids) expect(c.delivered.get(id)!.filter((e) => e.kind === "data").map(text)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(role(c.node(4))).toBe("follower");
    expect(leader(c.node(4))).toBe(l);
  });

  it("a deposed leader's uncommitted records are truncated when it rejoins", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 5 });
    const old = c.electLeader();
    c.propose(old, "committed");
    c.run(5);
    c.dropIf = (m) => m.from === old || m.to === old;
    c.propose(old, "lost");
    c.runUntil(() => c.leaders().some((l) => l !== old));
    const fresh = c.leaders().find((l) => l !== old)!;
    c.propose(fresh, "kept");
    c.dropIf = () => false;
    c.runUntil(() => role(c.node(old)) === "follower" && epoch(c.node(old)) === epoch(c.node(fresh)));
    c.run(20);
    expect(of(c.outputs.get(old)!, "persist").some((p) => p.truncateTo !== undefined)).toBe(true);
    for (const id of c.ids) {
      const data = c.delivered.get(id)!.filter((e) => e.kind === "data").map(text);
      expect(data).toEqual(["committed", "kept"]);
    }
  });

  it("an observer whose leader disappears rediscovers the new one through the voters", () => {
    const c = new Cluster({ voters: [1, 2, 3], observers: [4], seed: 8 });
    const l = c.electLeader();
    c.run(10);
    c.crash(l);
    c.runUntil(() => c.leaders().length === 1 && leader(c.node(4)) === c.leader() && role(c.node(4)) === "follower");
    expect(of(c.outputs.get(4)!, "role-change").map((o) => o.role).every((r) => r === "follower" || r === "unattached")).toBe(true);
  });
});

describe("KIP-1166: the fetcher's high watermark", () => {
  it("a leader answers at once a caught-up follower whose high watermark is stale, and parks one that is current", () => {
    let s = leaderWith([], 1);
    s = msg(s, { ...fetch(2, 1, 1, 1, 1), highWatermark: 0 }).state; // acknowledges the LeaderChange: HW 1
    expect(highWatermark(s)).toBe(1);
    const stale = msg(s, { ...fetch(2, 1, 1, 1, 1), highWatermark: 0 });
    expect((sent(stale.outputs, "fetch-response")[0] as FetchResponse).highWatermark).toBe(1);
    const current = msg(s, { ...fetch(2, 1, 1, 1, 1), highWatermark: 1 });
    expect(sent(current.outputs, "fetch-response")).toHaveLength(0);
  });
});
