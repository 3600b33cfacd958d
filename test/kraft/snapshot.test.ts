// KIP-630: snapshots, the snapshot id in Fetch responses, FetchSnapshot in chunks, loading on followers.
import { describe, expect, it } from "vitest";
import { highWatermark, role, snapshot, startOffset, endOffset, epochAt } from "../../src/core/kraft/index.js";
import type { FetchSnapshotResponse, FetchResponse } from "../../src/core/kraft/index.js";
import { Cluster, text } from "./cluster.js";
import { feed, logOf, msg, node, of, qs, sent, ticks } from "./helpers.js";

function clusterWithSnapshot(chunk = 3) {
  const c = new Cluster({ voters: [1, 2, 3], seed: 17, config: { snapshotChunkBytes: chunk } });
  const l = c.electLeader();
  const lagging = c.ids.find((i) => i !== l)!;
  c.crash(lagging);
  for (let i = 0; i < 6; i++) c.propose(l, `r${i}`);
  c.run(10);
  const hw = highWatermark(c.node(l));
  c.input(l, { type: "applied", offset: hw });
  c.input(l, { type: "create-snapshot", endOffset: hw, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) });
  return { c, l, lagging, hw };
}

describe("creating snapshots", () => {
  it("a snapshot id is (end offset, epoch of its last record) and compacts the log", () => {
    const { c, l, hw } = clusterWithSnapshot();
    const snap = snapshot(c.node(l))!;
    expect(snap.id).toEqual({ endOffset: hw, epoch: epochAt(c.node(l), hw - 1) });
    expect(startOffset(c.node(l))).toBe(hw);
    expect(snap.voters.map((v) => v.id)).toEqual([1, 2, 3]);
    expect(c.storage.get(l)!.entries.every((e) => e.offset >= hw)).toBe(true);
  });

  it("refuses a snapshot beyond the high watermark or the applied offset", () => {
    const { c, l, hw } = clusterWithSnapshot();
    c.propose(l, "more");
    const beyond = c.input(l, { type: "create-snapshot", endOffset: hw + 5, data: new Uint8Array(1) });
    expect(of(beyond, "rejected")[0]!.reason).toBe("bad-offset");
    const notNewer = c.input(l, { type: "create-snapshot", endOffset: hw, data: new Uint8Array(1) });
    expect(of(notNewer, "rejected")[0]!.reason).toBe("bad-offset");
    const s = feed(node(1, [1]), { type: "create-snapshot", endOffset: 1, data: "x" as unknown as Uint8Array });
    expect(of(s.outputs, "rejected")[0]!.reason).toBe("invalid-input");
  });
});

describe("a lagging follower loads the leader's snapshot", () => {
  it("gets the snapshot id from Fetch, downloads it in chunks with FetchSnapshot, then fetches after it", () => {
    const { c, l, lagging, hw } = clusterWithSnapshot(3);
    c.restart(lagging);
    c.runUntil(() => role(c.node(lagging)) === "follower" && highWatermark(c.node(lagging)) >= hw, 200);
    c.run(10);
    const sentByLeader = c.outputs.get(l)!.flatMap((o) => (o.type === "send" ? [o.message] : []));
    const withSnapshotId = sentByLeader.filter((m): m is FetchResponse => m.type === "fetch-response" && m.to === lagging && m.snapshotId !== undefined);
    expect(withSnapshotId[0]!.snapshotId).toEqual(snapshot(c.node(l))!.id);
    const chunks = sentByLeader.filter((m): m is FetchSnapshotResponse => m.type === "fetch-snapshot-response" && m.to === lagging);
    expect(chunks.map((m) => m.position)).toEqual([0, 3, 6, 9]);
    expect(snapshot(c.node(lagging))!.data).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(startOffset(c.node(lagging))).toBe(hw);
    expect(endOffset(c.node(lagging))).toBe(endOffset(c.node(l)));
    const outs = c.outputs.get(lagging)!;
    const loadAt = outs.findIndex((o) => o.type === "load-snapshot");
    expect(loadAt).toBeGreaterThanOrEqual(0);
    expect(of(outs.slice(loadAt), "commit").flatMap((o) => o.entries).every((e) => e.offset >= hw)).toBe(true);
  });

  it("keeps replicating after the snapshot and agrees with the leader", () => {
    const { c, l, lagging } = clusterWithSnapshot(4);
    c.restart(lagging);
    c.run(40);
    c.propose(l, "after");
    c.run(20);
    expect(c.delivered.get(lagging)!.filter((e) => e.kind === "data").map(text)).toEqual(["after"]);
    expect(highWatermark(c.node(lagging))).toBe(highWatermark(c.node(l)));
  });

  it("a restart loads the snapshot first", () => {
    const { c, l } = clusterWithSnapshot();
    c.crash(l);
    c.restart(l);
    const r = c.input(l, { type: "tick" });
    expect(of(r, "load-snapshot")).toHaveLength(1);
  });
});

describe("FetchSnapshot edge cases", () => {
  const leaderWithSnapshot = () => {
    let s = ticks(node(1, [1]), 40).state;
    s = feed(s, { type: "append", records: [new Uint8Array([7])] }, { type: "persisted", endOffset: 2, epoch: 1 }, { type: "applied", offset: 2 }).state;
    return feed(s, { type: "create-snapshot", endOffset: 2, data: new Uint8Array([1, 2, 3]) }).state;
  };

  it("an unknown snapshot id gets snapshot-not-found, a position past the end position-out-of-range", () => {
    const s = leaderWithSnapshot();
    expect(snapshot(s)!.id).toEqual({ endOffset: 2, epoch: 1 });
    const base = { type: "fetch-snapshot" as const, from: 5, to: 1, epoch: 1, replicaDirectoryId: "dir-5" };
    const missing = msg(s, { ...base, snapshotId: { endOffset: 1, epoch: 1 }, position: 0 });
    expect((sent(missing.outputs)[0] as FetchSnapshotResponse).error).toBe("snapshot-not-found");
    const past = msg(s, { ...base, snapshotId: { endOffset: 2, epoch: 1 }, position: 9 });
    expect((sent(past.outputs)[0] as FetchSnapshotResponse).error).toBe("position-out-of-range");
    expect(of(past.outputs, "rejected")[0]!.reason).toBe("bad-offset");
  });

  it("a follower drops a download the leader no longer has and goes back to Fetch", () => {
    let f = ticks(node(2, [1, 2], { quorumState: qs(1, 1), entries: [] }), 1).state;
    f = msg(f, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 1, leaderId: 1, highWatermark: 2, fetchOffset: 0, lastFetchedEpoch: 0, records: [], snapshotId: { endOffset: 2, epoch: 1 } }).state;
    expect(f.role.kind === "follower" && f.role.fetchingSnapshot !== null).toBe(true);
    const r = msg(f, { type: "fetch-snapshot-response", from: 1, to: 2, error: "snapshot-not-found", epoch: 1, leaderId: 1, snapshotId: { endOffset: 2, epoch: 1 }, size: 0, position: 0, bytes: new Uint8Array(0), voters: [] });
    expect(sent(r.outputs, "fetch")).toHaveLength(1);
    const bogus = msg(f, { type: "fetch-snapshot-response", from: 1, to: 2, error: "none", epoch: 1, leaderId: 1, snapshotId: { endOffset: 2, epoch: 1 }, size: 2, position: 0, bytes: new Uint8Array(5), voters: [{ id: 1, directoryId: "dir-1" }] });
    expect(of(bogus.outputs, "rejected")[0]!.reason).toBe("invalid-message");
    expect(snapshot(bogus.state)).toBeNull();
  });

  it("a follower with stale records past the snapshot drops them when loading it", () => {
    let f = ticks(node(2, [1, 2], { quorumState: qs(3, 1), entries: logOf([1, 1, 1, 1]) }), 1).state;
    f = msg(f, { type: "fetch-response", from: 1, to: 2, error: "none", epoch: 3, leaderId: 1, highWatermark: 2, fetchOffset: 4, lastFetchedEpoch: 1, records: [], snapshotId: { endOffset: 2, epoch: 2 } }).state;
    const r = msg(f, { type: "fetch-snapshot-response", from: 1, to: 2, error: "none", epoch: 3, leaderId: 1, snapshotId: { endOffset: 2, epoch: 2 }, size: 1, position: 0, bytes: new Uint8Array([9]), voters: [{ id: 1, directoryId: "dir-1" }, { id: 2, directoryId: "dir-2" }] });
    expect(of(r.outputs, "persist")[0]).toMatchObject({ truncateTo: 0, snapshot: { id: { endOffset: 2, epoch: 2 } } });
    expect([startOffset(r.state), endOffset(r.state)]).toEqual([2, 2]);
    expect((sent(r.outputs, "fetch")[0] as { fetchOffset: number; lastFetchedEpoch: number })).toMatchObject({ fetchOffset: 2, lastFetchedEpoch: 2 });
  });
});
