// Proposal batching (`batchProposals`): a leader holds the commands of one driver turn and proposes them on
// `flush` as one Raft proposal — one log write and one append per follower — instead of one each. The
// linearizability test runs whole histories with batching leaders; this pins the mechanics.
import { describe, expect, it } from "vitest";
import { EnsembleClient, EnsembleCluster } from "../../src/adapters/zk-ensemble/index.js";
import * as raft from "../../src/core/raft/index.js";
import { utf8 } from "../../src/core/zk/index.js";
import { cloneReplica, fingerprintReplica, queuedProposals, replicaTree, step, type ReplicaOutput, type ReplicaState } from "../../src/core/zk-ensemble/index.js";

/** A started queue-mode cluster with three sessions on the leader, each owning a node. */
async function leaderWithSessions(batchProposals: boolean): Promise<{ cluster: EnsembleCluster; leader: number }> {
  const cluster = EnsembleCluster.started({ seed: 3, delivery: "queue", replica: { batchProposals } });
  const leader = cluster.leader()!;
  for (let i = 0; i < 3; i++) {
    const p = EnsembleClient.connect(cluster, { replica: leader });
    cluster.settle();
    const c = await p;
    const created = c.create(`/n${i}`, "x");
    cluster.settle();
    await created;
  }
  return { cluster, leader };
}

/** Steps a copy of the leader with one setData from each of its connected sessions. */
function threeWrites(r: ReplicaState): ReplicaOutput[] {
  const outputs: ReplicaOutput[] = [];
  let i = 0;
  for (const c of [...r.conns.values()].filter((x) => x.sessionId !== 0)) {
    outputs.push(...step(r, { type: "request", conn: c.id, xid: c.lastXid + 1, request: { type: "setData", path: `/n${i++}`, data: utf8("y"), version: -1 } }).outputs);
  }
  return outputs;
}

const persists = (os: readonly ReplicaOutput[]) => os.filter((o) => o.type === "persist");
const appends = (os: readonly ReplicaOutput[]) =>
  os.flatMap((o) => (o.type === "send" && o.message.type === "raft" && o.message.message.type === "append" ? [o.message.message] : []));

describe("a batching leader proposes one turn's commands together", () => {
  it("holds the commands until flush, then writes them in one persist and one append per follower", async () => {
    const { cluster, leader } = await leaderWithSessions(true);
    const r = cloneReplica(cluster.replica(leader)!);
    const last = raft.lastIndex(r.raft);
    const held = threeWrites(r);
    expect(persists(held)).toEqual([]);
    expect(appends(held)).toEqual([]);
    expect(queuedProposals(r)).toBe(3);
    const flushed = step(r, { type: "flush" }).outputs;
    expect(queuedProposals(r)).toBe(0);
    const written = persists(flushed).flatMap((o) => (o.type === "persist" ? (o.write.entries ?? []) : []));
    expect(written.map((e) => e.index)).toEqual([last + 1, last + 2, last + 3]);
    expect(persists(flushed)).toHaveLength(1);
    expect(appends(flushed).map((m) => [m.to, m.entries.length])).toEqual(
      cluster.ids.filter((id) => id !== leader).map((id) => [id, 3]),
    );
    // A second flush has nothing to propose.
    expect(step(r, { type: "flush" }).outputs).toEqual([]);
  });

  it("without batching every command is its own proposal", async () => {
    const { cluster, leader } = await leaderWithSessions(false);
    const r = cloneReplica(cluster.replica(leader)!);
    const outputs = threeWrites(r);
    expect(queuedProposals(r)).toBe(0);
    expect(persists(outputs)).toHaveLength(3);
    expect(appends(outputs)).toHaveLength(3 * (cluster.ids.length - 1));
  });

  it("a held batch is part of the state: clones and fingerprints see it", async () => {
    const { cluster, leader } = await leaderWithSessions(true);
    const r = cloneReplica(cluster.replica(leader)!);
    const before = fingerprintReplica(r);
    threeWrites(r);
    const copy = cloneReplica(r);
    expect(fingerprintReplica(r)).not.toBe(before);
    expect(fingerprintReplica(copy)).toBe(fingerprintReplica(r));
    step(r, { type: "flush" });
    expect(queuedProposals(copy), "flushing the original leaves the copy's batch").toBe(3);
  });

  it("a leader that steps down drops its held batch; the writes take effect only through a new proposal", async () => {
    const { cluster, leader } = await leaderWithSessions(true);
    const r = cloneReplica(cluster.replica(leader)!);
    threeWrites(r);
    const other = cluster.ids.find((id) => id !== leader)!;
    const term = raft.term(r.raft) + 1;
    // A heartbeat of a newer term's leader: this replica becomes its follower.
    step(r, { type: "message", message: { type: "raft", from: other, to: r.id, message: { type: "heartbeat", from: other, to: r.id, term, commit: 0, context: 0 } as raft.Message } });
    expect(raft.role(r.raft)).toBe("follower");
    expect(queuedProposals(r)).toBe(0);
    expect(r.proposed.size).toBe(0);
    expect(step(r, { type: "flush" }).outputs.filter((o) => o.type === "persist" && (o.write.entries?.length ?? 0) > 0)).toEqual([]);
  });

  it("a batch Raft refuses is forgotten: its commands can be proposed again", async () => {
    const { cluster, leader } = await leaderWithSessions(true);
    const r = cloneReplica(cluster.replica(leader)!);
    threeWrites(r);
    expect(r.proposed.size).toBe(3);
    // Raft alone steps down (a newer term's heartbeat reaches the Raft node, not yet the replica's role change):
    // the flush's proposal is refused.
    const other = cluster.ids.find((id) => id !== leader)!;
    const heartbeat = { type: "heartbeat", from: other, to: r.id, term: raft.term(r.raft) + 1, commit: 0, context: 0 } as raft.Message;
    r.raft = raft.step(r.raft, { type: "message", message: heartbeat }).state;
    const flushed = step(r, { type: "flush" }).outputs;
    expect(persists(flushed).filter((o) => o.type === "persist" && (o.write.entries?.length ?? 0) > 0)).toEqual([]);
    expect(r.proposed.size, "the refused commands are no longer marked proposed").toBe(0);
    expect(queuedProposals(r)).toBe(0);
  });

  it("a batching cluster serves clients (sync delivery flushes after each input's work)", async () => {
    const cluster = EnsembleCluster.started({ seed: 5, replica: { batchProposals: true } });
    const clients = await Promise.all(cluster.ids.map((replica) => EnsembleClient.connect(cluster, { replica })));
    await Promise.all(clients.map((c, i) => c.create(`/c${i}`, `v${i}`)));
    for (const id of cluster.ids) {
      expect([...replicaTree(cluster.replica(id)!).nodes.keys()].filter((p) => p.startsWith("/c")).sort()).toEqual(["/c0", "/c1", "/c2"]);
    }
  });
});
