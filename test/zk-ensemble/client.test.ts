// The replicated service through its client: writes through the Raft log (zxid = Raft index) seen by every
// replica, per-session order, sequentially consistent local reads vs sync and linearizable reads, multi,
// watches (callbacks, async iterators, re-armed after a reconnect), session states and expiry.
import { describe, expect, it } from "vitest";
import { EnsembleClient, EnsembleCluster, ZkMultiError } from "../../src/adapters/zk-ensemble/index.js";
import * as raft from "../../src/core/raft/index.js";
import type { WatchEvent } from "../../src/core/zk/index.js";
import { Code, ZkError, fromUtf8 } from "../../src/core/zk/index.js";
import { appliedIndex, replicaTree, treeDigest } from "../../src/core/zk-ensemble/index.js";

const text = (d: Uint8Array | null) => (d === null ? null : fromUtf8(d));

function follower(cluster: EnsembleCluster): number {
  return cluster.ids.find((id) => id !== cluster.leader())!;
}

/** Every live replica that applied as far as the leader holds the same tree. */
function expectConverged(cluster: EnsembleCluster): void {
  const leader = cluster.replica(cluster.leader()!)!;
  for (const id of cluster.ids) {
    const r = cluster.replica(id);
    if (r === undefined || appliedIndex(r) !== appliedIndex(leader)) continue;
    expect(treeDigest(replicaTree(r)), `replica ${id}`).toBe(treeDigest(replicaTree(leader)));
  }
}

describe("writes go through the Raft log", () => {
  it("a write on one replica is read on every other, with zxid = the Raft index of its entry", async () => {
    const cluster = EnsembleCluster.started({ replicas: 3, seed: 3 });
    const a = await EnsembleClient.connect(cluster, { replica: follower(cluster) });
    const created = await a.create("/app", "v1", { stat: true });
    const leader = cluster.replica(cluster.leader()!)!;
    const entry = raft.entryAt(leader.raft, created.zxid);
    expect(entry?.kind).toBe("normal");
    expect(created.stat?.czxid).toBe(created.zxid);
    for (const id of cluster.ids) {
      const b = await EnsembleClient.connect(cluster, { replica: id });
      const got = await b.getData("/app");
      expect(text(got.data)).toBe("v1");
      expect(got.stat.czxid).toBe(created.zxid);
    }
    expectConverged(cluster);
  });

  it("conditional setData and delete follow ZooKeeper's version rules", async () => {
    const cluster = EnsembleCluster.started({ seed: 4 });
    const c = await EnsembleClient.connect(cluster);
    await c.create("/n", "a");
    expect((await c.setData("/n", "b", 0)).stat.version).toBe(1);
    await expect(c.setData("/n", "c", 0)).rejects.toMatchObject({ code: Code.BADVERSION });
    await expect(c.delete("/n", 0)).rejects.toMatchObject({ code: Code.BADVERSION });
    await c.delete("/n", 1);
    expect((await c.exists("/n")).stat).toBeNull();
    await expect(c.getData("/missing")).rejects.toBeInstanceOf(ZkError);
  });

  it("a failed write still uses a zxid, as in ZooKeeper", async () => {
    const cluster = EnsembleCluster.started({ seed: 5 });
    const c = await EnsembleClient.connect(cluster);
    const first = await c.create("/a");
    const err = await c.create("/a").catch((e: ZkError) => e);
    expect(err).toBeInstanceOf(ZkError);
    expect((err as ZkError).codeName).toBe("NODEEXISTS");
    expect((err as ZkError).zxid).toBeGreaterThan(first.zxid);
  });

  it("sequential names come from the parent's creation count and never repeat", async () => {
    const cluster = EnsembleCluster.started({ seed: 6 });
    const a = await EnsembleClient.connect(cluster, { replica: 1 });
    const b = await EnsembleClient.connect(cluster, { replica: 2 });
    await a.create("/q");
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      names.push((await (i % 2 === 0 ? a : b).create("/q/item-", "", { mode: "PERSISTENT_SEQUENTIAL" })).path);
      if (i === 1) await a.delete(names[1]!);
    }
    expect(names).toEqual(["/q/item-0000000000", "/q/item-0000000001", "/q/item-0000000002", "/q/item-0000000003"]);
  });
});

describe("multi and the transaction builder", () => {
  it("applies all ops at one zxid, or none with ZooKeeper's per-op results", async () => {
    const cluster = EnsembleCluster.started({ seed: 7 });
    const c = await EnsembleClient.connect(cluster);
    const ok = await c.transaction().create("/m").create("/m/a", "x").setData("/m", "y").commit();
    expect(ok.results.map((r) => r.type)).toEqual(["create", "create", "setData"]);
    expect((await c.getData("/m/a")).stat.czxid).toBe(ok.zxid);
    const failed = await c.transaction().create("/m/b").check("/m", 7).create("/m/c").commit().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ZkMultiError);
    expect((failed as ZkMultiError).codeName).toBe("BADVERSION");
    expect((failed as ZkMultiError).results).toEqual([
      { type: "error", err: 0 },
      { type: "error", err: Code.BADVERSION },
      { type: "error", err: Code.RUNTIMEINCONSISTENCY },
    ]);
    expect((await c.exists("/m/b")).stat).toBeNull();
  });
});

describe("consistency of reads", () => {
  it("a lagging follower serves stale local reads; sync and linearizable reads are fresh", async () => {
    const cluster = EnsembleCluster.started({ seed: 8, delivery: "queue" });
    const leaderId = cluster.leader()!;
    const lagging = follower(cluster);
    const writerP = EnsembleClient.connect(cluster, { replica: leaderId });
    const readerP = EnsembleClient.connect(cluster, { replica: lagging });
    cluster.settle();
    const [writer, reader] = [await writerP, await readerP];
    const create = writer.create("/k", "old");
    cluster.settle();
    await create;
    // The leader's messages to the lagging follower are lost from now on (it can still talk to the leader).
    cluster.cut(leaderId, lagging);
    const w = writer.setData("/k", "new");
    cluster.settle();
    expect((await w).stat.version).toBe(1);
    const local = reader.getData("/k");
    cluster.settle();
    expect(text((await local).data)).toBe("old"); // sequentially consistent: behind, but never backwards
    cluster.heal();
    const lin = reader.getData("/k", { linearizable: true });
    const sync = reader.sync("/k").then(() => reader.getData("/k"));
    cluster.settle(); // the ReadIndex round's heartbeat brings the follower up to date, then its reads are served
    expect(text((await lin).data)).toBe("new");
    expect(text((await sync).data)).toBe("new");
  });

  it("a session's read waits behind its own earlier write (answers in order)", async () => {
    const cluster = EnsembleCluster.started({ seed: 9, delivery: "queue" });
    const p = EnsembleClient.connect(cluster, { replica: follower(cluster) });
    cluster.settle();
    const c = await p;
    const order: string[] = [];
    const w = c.create("/o", "mine").then(() => order.push("create"));
    const r = c.getData("/o").then((g) => order.push(`read ${text(g.data)}`));
    cluster.settle();
    await Promise.all([w, r]);
    expect(order).toEqual(["create", "read mine"]);
  });
});

describe("watches", () => {
  it("fire once on the replica the session is attached to, for writes made anywhere", async () => {
    const cluster = EnsembleCluster.started({ seed: 10 });
    const watcher = await EnsembleClient.connect(cluster, { replica: 1 });
    const writer = await EnsembleClient.connect(cluster, { replica: 3 });
    const seen: WatchEvent[] = [];
    await watcher.exists("/w", { watch: (e) => seen.push(e) });
    await writer.create("/w");
    await writer.setData("/w", "x");
    expect(seen.map((e) => `${e.type} ${e.path}`)).toEqual(["NodeCreated /w"]);
    await watcher.getChildren("/", { watch: (e) => seen.push(e) });
    await writer.create("/w2");
    expect(seen.at(-1)).toMatchObject({ type: "NodeChildrenChanged", path: "/" });
  });

  it("persistent recursive watches work as async iterators", async () => {
    const cluster = EnsembleCluster.started({ seed: 11 });
    const c = await EnsembleClient.connect(cluster, { replica: 2 });
    const writer = await EnsembleClient.connect(cluster, { replica: 1 });
    await writer.create("/tree");
    const events = await c.watch("/tree", { recursive: true });
    await writer.create("/tree/a");
    await writer.setData("/tree/a", "1");
    await writer.delete("/tree/a");
    const got: string[] = [];
    for await (const e of events) {
      got.push(`${e.type} ${e.path}`);
      if (got.length === 3) break;
    }
    expect(got).toEqual(["NodeCreated /tree/a", "NodeDataChanged /tree/a", "NodeDeleted /tree/a"]);
  });

  it("are re-armed after a reconnect, with the catch-up event for a change missed meanwhile", async () => {
    const cluster = EnsembleCluster.started({ seed: 12 });
    const leaderId = cluster.leader()!;
    const fol = follower(cluster);
    const c = await EnsembleClient.connect(cluster, { replica: fol, timeoutMs: 400 });
    const writer = await EnsembleClient.connect(cluster, { replica: leaderId });
    await writer.create("/r", "0");
    const seen: string[] = [];
    await c.getData("/r", { watch: (e) => seen.push(`${e.type} ${e.path}`) });
    const states: string[] = [];
    c.onState((s) => states.push(s));
    cluster.crash(fol);
    expect(c.state).toBe("suspended");
    await writer.setData("/r", "1"); // missed while suspended
    cluster.tick(1);
    await Promise.resolve();
    expect(states).toEqual(["suspended", "reconnected"]);
    expect(c.replica).not.toBe(fol);
    await c.sync();
    expect(seen).toEqual(["NodeDataChanged /r"]);
    cluster.restart(fol);
  });
});

describe("sessions", () => {
  it("a silent session expires: the leader commits its close, and its ephemerals vanish on every replica", async () => {
    const cluster = EnsembleCluster.started({ seed: 13 });
    const owner = await EnsembleClient.connect(cluster, { replica: follower(cluster), timeoutMs: 100 });
    const other = await EnsembleClient.connect(cluster);
    await owner.create("/eph", "", { mode: "EPHEMERAL" });
    const states: string[] = [];
    owner.onState((s) => states.push(s));
    cluster.tick(50);
    expect(owner.state).toBe("connected"); // pings keep it alive
    owner.setPinging(false);
    cluster.tick(30);
    expect(states).toEqual(["expired"]);
    for (const id of cluster.ids) expect(replicaTree(cluster.replica(id)!).nodes.has("/eph"), `replica ${id}`).toBe(false);
    expect((await other.exists("/eph", { linearizable: true })).stat).toBeNull();
    await expect(owner.getData("/")).rejects.toMatchObject({ code: Code.SESSIONEXPIRED });
  });

  it("close deletes the session's ephemerals in one transaction and reports closed", async () => {
    const cluster = EnsembleCluster.started({ seed: 14 });
    const c = await EnsembleClient.connect(cluster);
    await c.create("/e1", "", { mode: "EPHEMERAL" });
    await c.create("/e2-", "", { mode: "EPHEMERAL_SEQUENTIAL" });
    expect((await c.getEphemerals()).paths).toHaveLength(2);
    const states = c.states();
    await c.close();
    const got: string[] = [];
    for await (const s of states) got.push(s);
    expect(got).toEqual(["closed"]);
    const d = await EnsembleClient.connect(cluster);
    expect((await d.getChildren("/")).children).toEqual(["zookeeper"]);
  });

  it("survives the leader's crash: the session re-attaches elsewhere and writes go on", async () => {
    const cluster = EnsembleCluster.started({ seed: 15 });
    const leaderId = cluster.leader()!;
    const c = await EnsembleClient.connect(cluster, { replica: leaderId, timeoutMs: 400 });
    await c.create("/durable", "x", { mode: "EPHEMERAL" });
    cluster.crash(leaderId);
    cluster.tickUntil(() => cluster.leader() !== undefined && c.state === "reconnected", 500);
    await c.setData("/durable", "y");
    expect(text((await c.getData("/durable", { linearizable: true })).data)).toBe("y");
    cluster.restart(leaderId);
    cluster.tick(30);
    expectConverged(cluster);
  });

  it("a request above jute.maxbuffer closes the connection and leaves the tree untouched", async () => {
    const cluster = EnsembleCluster.started({ seed: 16 });
    const c = await EnsembleClient.connect(cluster);
    const big = new Uint8Array(1_048_576);
    await expect(c.create("/big", big)).rejects.toMatchObject({ code: Code.CONNECTIONLOSS });
    cluster.tick(1);
    expect(c.state).toBe("reconnected");
    expect((await c.exists("/big")).stat).toBeNull();
  });
});
