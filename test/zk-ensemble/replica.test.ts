// The replica core at its edges: configuration and codec errors, connection refusals, malformed requests,
// connection-local requests, the reaper, snapshots (compaction, install on a lagging replica, restart) and
// request timeouts.
import { describe, expect, it } from "vitest";
import { EnsembleClient, EnsembleCluster } from "../../src/adapters/zk-ensemble/index.js";
import type { ConnectionHandler } from "../../src/adapters/zk-ensemble/index.js";
import * as raft from "../../src/core/raft/index.js";
import { Code, OPEN_ACL_UNSAFE, OpCode, createTree, utf8 } from "../../src/core/zk/index.js";
import {
  EnsembleCodecError,
  EnsembleConfigError,
  appliedIndex,
  connectedSessions,
  createReplica,
  decodeCommand,
  decodeFrame,
  decodeSnapshot,
  encodeFrame,
  encodeSnapshot,
  replicaId,
  replicaLeader,
  replicaNow,
  replicaTree,
  step,
  treeDigest,
} from "../../src/core/zk-ensemble/index.js";

type Heard = Parameters<ConnectionHandler>[0];

function listen(cluster: EnsembleCluster, replica: number, timeoutMs = 200, session?: { id: number; password: string; lastZxidSeen: number }) {
  const heard: Heard[] = [];
  const conn = cluster.newConn();
  cluster.connect(replica, conn, (o) => heard.push(o), timeoutMs, session);
  return { conn, heard, states: () => heard.filter((h) => h.type === "state").map((h) => (h as { state: string }).state) };
}

function converged(cluster: EnsembleCluster): void {
  const leader = cluster.replica(cluster.leader()!)!;
  for (const id of cluster.ids) {
    const r = cluster.replica(id)!;
    expect(appliedIndex(r), `replica ${id} applied`).toBe(appliedIndex(leader));
    expect(treeDigest(replicaTree(r)), `replica ${id}`).toBe(treeDigest(replicaTree(leader)));
  }
}

describe("configuration and codec errors are typed", () => {
  it("refuses out-of-range options, naming the field", () => {
    expect(() => createReplica({ id: 1, replicas: [1, 2, 3], seed: 1, tickMs: 0 })).toThrow(EnsembleConfigError);
    expect(() => createReplica({ id: 4, replicas: [1, 2, 3], seed: 1 })).toThrow(/replicas/);
    try {
      createReplica({ id: 1, replicas: [1], seed: 1, tickTimeMs: 1.5 });
    } catch (e) {
      expect(e).toMatchObject({ code: "E_ZK_ENSEMBLE_CONFIG", field: "tickTimeMs" });
    }
    const r = createReplica({ id: 1, replicas: [1], seed: 1 });
    expect(step(r, { type: "nope" } as never).outputs).toMatchObject([{ type: "rejected", reason: "malformed-input" }]);
    expect(replicaId(r)).toBe(1);
    expect(replicaLeader(r)).toBe(0);
    expect(replicaNow(r)).toBe(1_700_000_000_000);
  });

  it("refuses corrupt frames, commands and snapshots", () => {
    const frame = encodeFrame({ a: [1, utf8("xy"), null], b: { c: utf8("z") } });
    expect(decodeFrame(frame)).toEqual({ a: [1, utf8("xy"), null], b: { c: utf8("z") } });
    expect(() => decodeFrame(new Uint8Array(2))).toThrow(EnsembleCodecError);
    expect(() => decodeFrame(new Uint8Array([0, 0, 0, 9, 1]))).toThrow(/runs past/);
    expect(() => decodeFrame(frame.subarray(0, frame.length - 1))).toThrow(/runs past|truncated/);
    expect(() => decodeFrame(new Uint8Array([...frame, 0, 0]))).toThrow(/truncated/);
    expect(() => decodeFrame(new Uint8Array([0, 0, 0, 1, 0x7b]))).toThrow(/not JSON/);
    expect(() => decodeFrame(encodeFrame({ x: { $b: 5 } }))).toThrow(/out of range/);
    expect(() => decodeCommand(encodeFrame({ time: 1 }))).toThrow(EnsembleCodecError);
    expect(() => decodeSnapshot(encodeFrame({ v: 2 }))).toThrow(/version 1/);
  });

  it("round-trips a tree with every kind of node through a snapshot", () => {
    const cluster = EnsembleCluster.started({ seed: 31 });
    return (async () => {
      const c = await EnsembleClient.connect(cluster);
      await c.create("/p", "d");
      await c.create("/p/e", "x", { mode: "EPHEMERAL" });
      await c.create("/c", null, { mode: "CONTAINER" });
      await c.create("/t", "", { mode: "PERSISTENT_WITH_TTL", ttl: 5000 });
      const r = cluster.replica(1)!;
      const restored = decodeSnapshot(encodeSnapshot(r));
      expect(treeDigest(restored.tree)).toBe(treeDigest(replicaTree(r)));
      expect([...restored.tree.containers]).toEqual(["/c"]);
      expect([...restored.tree.ttls]).toEqual(["/t"]);
      expect([...restored.lastXid]).toEqual([...r.lastXid]);
      expect(treeDigest(decodeSnapshot(new Uint8Array(0)).tree)).toBe(treeDigest(createTree()));
    })();
  });
});

describe("connections", () => {
  it("refuses a connection id in use, a bad timeout, and connecting before any leader is known", () => {
    const fresh = new EnsembleCluster({ seed: 32 });
    const early = listen(fresh, 1);
    expect(early.states()).toEqual(["refused"]);
    fresh.tickUntil(() => fresh.leader() !== undefined);
    const a = listen(fresh, 1);
    expect(a.states()).toEqual(["connected"]);
    const again: Heard[] = [];
    fresh.connect(1, a.conn, (o) => again.push(o), 200);
    expect(again).toMatchObject([{ type: "state", state: "refused" }]);
    const bad = listen(fresh, 2, -5);
    expect(bad.states()).toEqual(["refused"]);
    fresh.crash(3);
    expect(listen(fresh, 3).states()).toEqual(["refused"]);
  });

  it("re-attaching: a wrong password is expired, a replica behind the client refuses, a second attach replaces the first", () => {
    const cluster = EnsembleCluster.started({ seed: 33 });
    const a = listen(cluster, 1);
    const s = (a.heard[0] as { session: { id: number; password: string } }).session;
    expect(listen(cluster, 2, 200, { id: s.id, password: "wrong", lastZxidSeen: 0 }).states()).toEqual(["expired"]);
    expect(listen(cluster, 2, 200, { id: s.id, password: s.password, lastZxidSeen: 1e9 }).states()).toEqual(["refused"]);
    const b = listen(cluster, 1, 200, { id: s.id, password: s.password, lastZxidSeen: 0 });
    expect(b.states()).toEqual(["reconnected"]);
    expect(a.states()).toEqual(["connected", "disconnected"]);
    expect(connectedSessions(cluster.replica(1)!)).toEqual([s.id]);
    cluster.ping(1, b.conn);
    cluster.disconnect(1, b.conn);
    expect(connectedSessions(cluster.replica(1)!)).toEqual([]);
  });

  it("answers requests on unknown connections and with non-increasing xids with clear errors", () => {
    const cluster = EnsembleCluster.started({ seed: 34 });
    const a = listen(cluster, 2);
    cluster.input(2, { type: "request", conn: 999, xid: 1, request: { type: "sync", path: "/" } });
    cluster.request(2, a.conn, 5, { type: "exists", path: "/", watch: false });
    cluster.request(2, a.conn, 5, { type: "exists", path: "/", watch: false });
    const replies = a.heard.filter((h) => h.type === "reply").map((h) => (h as { reply: { err: number } }).reply.err);
    expect(replies).toEqual([Code.OK, Code.BADARGUMENTS]);
  });

  it("serves connection-local requests: auth, whoAmI, watch checks and removal", async () => {
    const cluster = EnsembleCluster.started({ seed: 35 });
    const c = await EnsembleClient.connect(cluster, { replica: 2 });
    expect((await c.call({ type: "addAuth", scheme: "digest", auth: "u:p" })).err).toBe(Code.OK);
    const who = await c.call({ type: "whoAmI" });
    expect(who.body).toMatchObject({ kind: "whoAmI" });
    await c.exists("/w", { watch: true });
    expect((await c.call({ type: "checkWatches", path: "/w", watcherType: "DATA" })).err).toBe(Code.OK);
    await c.removeWatches("/w", "ANY");
    await expect(c.removeWatches("/w", "ANY")).rejects.toMatchObject({ code: Code.NOWATCHER });
    expect((await c.getEphemerals()).paths).toEqual([]);
  });

  it("closes the connection after AUTHFAILED and after UNIMPLEMENTED for a raw frame, as ZooKeeper does", () => {
    const cluster = EnsembleCluster.started({ seed: 35 });
    for (const [i, request] of [
      [1, { type: "addAuth", scheme: "nope", auth: "x" }],
      [2, { type: "raw", opcode: 999, body: new Uint8Array(0) }],
    ] as const) {
      const a = listen(cluster, 2);
      cluster.request(2, a.conn, 1, request);
      const heard = a.heard.map((h) => (h.type === "reply" ? `reply ${h.xid} ${(h.reply as { err: number }).err}` : h.type === "state" ? `state ${h.state}` : h.type));
      expect(heard, `case ${i}`).toEqual(["state connected", `reply 1 ${i === 1 ? Code.AUTHFAILED : Code.UNIMPLEMENTED}`, "state disconnected"]);
      expect(connectedSessions(cluster.replica(2)!)).toEqual([]);
    }
  });
});

describe("leader duties, snapshots and timeouts", () => {
  it("the leader's reaper deletes an emptied container through the log, on every replica", async () => {
    const cluster = EnsembleCluster.started({ seed: 36, replica: { reaperIntervalMs: 100 } });
    const c = await EnsembleClient.connect(cluster);
    await c.create("/box", null, { mode: "CONTAINER" });
    await c.create("/box/x");
    await c.delete("/box/x");
    cluster.tick(25);
    for (const id of cluster.ids) expect(replicaTree(cluster.replica(id)!).nodes.has("/box"), `replica ${id}`).toBe(false);
    converged(cluster);
  });

  it("compacts its log; a replica that was down catches up from an installed snapshot, and restarts from one", async () => {
    const cluster = EnsembleCluster.started({ seed: 37, replica: { snapshotEvery: 5 } });
    const leaderId = cluster.leader()!;
    const down = cluster.ids.find((id) => id !== leaderId)!;
    const c = await EnsembleClient.connect(cluster, { replica: leaderId, timeoutMs: 400 });
    const watcher = listen(cluster, down);
    cluster.crash(down);
    expect(watcher.states()).toEqual(["connected", "disconnected"]);
    for (let i = 0; i < 30; i++) await c.create(`/n${i}`, `${i}`);
    expect(raft.snapshotIndex(cluster.replica(leaderId)!.raft)).toBeGreaterThan(20);
    cluster.restart(down);
    cluster.tick(20);
    converged(cluster);
    // And a restart from its own (now compacted) disk rebuilds the same tree.
    cluster.crash(down);
    cluster.restart(down);
    cluster.tick(20);
    converged(cluster);
  });

  it("a forwarded write lost with its message times out: the connection closes, the client re-attaches", async () => {
    const cluster = EnsembleCluster.started({ seed: 38, delivery: "queue", replica: { requestTimeoutTicks: 5 } });
    const leaderId = cluster.leader()!;
    const fol = cluster.ids.find((id) => id !== leaderId)!;
    const p = EnsembleClient.connect(cluster, { replica: fol });
    cluster.settle();
    const c = await p;
    const w = c.create("/lost");
    while (cluster.inFlight > 0) cluster.dropOne(); // the forward to the leader is lost
    cluster.tick(7);
    await expect(w).rejects.toMatchObject({ code: Code.CONNECTIONLOSS });
    cluster.tick(1);
    cluster.settle();
    expect(c.state).toBe("reconnected");
  });

  it("a read index asked of a follower is refused, and the leader keeps touched sessions alive", () => {
    const cluster = EnsembleCluster.started({ seed: 39 });
    const leaderId = cluster.leader()!;
    const fol = cluster.ids.find((id) => id !== leaderId)!;
    const other = cluster.ids.find((id) => id !== leaderId && id !== fol)!;
    cluster.input(fol, { type: "message", message: { type: "read-index", from: other, to: fol, id: 1 } });
    cluster.input(fol, { type: "message", message: { type: "touch", from: other, to: 99, sessions: [1] } }); // misrouted: ignored
    const a = listen(cluster, fol, 100);
    for (let i = 0; i < 30; i++) {
      cluster.ping(fol, a.conn);
      cluster.tick(1);
    }
    expect(a.states()).toEqual(["connected"]);
  });
});

describe("the proposer's own commands", () => {
  it("apply exactly as the replicas that decode their entry bytes (the proposer skips decoding its own)", () => {
    // One replica stepped by hand: persist outputs are acknowledged at once, and the entry bytes kept.
    const r = createReplica({ id: 1, replicas: [1], seed: 5, batchProposals: true });
    const entries = new Map<number, Uint8Array>();
    const applied: { index: number; command: unknown }[] = [];
    const drive = (input: Parameters<typeof step>[1]): void => {
      for (const o of step(r, input).outputs) {
        if (o.type === "applied" && o.command !== undefined) applied.push({ index: o.index, command: o.command });
        if (o.type !== "persist") continue;
        for (const e of o.write.entries ?? []) entries.set(e.index, e.data);
        const last = o.write.entries?.at(-1);
        if (last !== undefined) drive({ type: "persisted", index: last.index, term: last.term });
      }
    };
    drive({ type: "timeout", timer: "election" });
    drive({ type: "connect", conn: 1, timeoutMs: 10_000 });
    drive({ type: "flush" });
    const data = new Uint8Array([1, 2, 3]);
    drive({ type: "request", conn: 1, xid: 1, request: { type: "create", opcode: OpCode.create, path: "/a", data, acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 } });
    drive({ type: "request", conn: 1, xid: 2, request: { type: "setData", path: "/a", data: new Uint8Array([9]), version: -1 } });
    drive({ type: "flush" });
    expect(applied.map((a) => a.index).length, "createSession, create and setData applied").toBe(3);
    for (const a of applied) expect(a.command, `entry ${a.index}`).toStrictEqual(decodeCommand(entries.get(a.index)!));
    expect(replicaTree(r).nodes.get("/a")?.data).toEqual(new Uint8Array([9]));
  });
});
