// The in-process service and the typed client: sessions on a simulated clock, expiry, reconnects, the frame
// limit, the reaper, watches as callbacks, the transaction builder, bad input.
import { describe, expect, it } from "vitest";
import type { WatchEvent } from "../../src/core/zk/index.js";
import { Code, ZkError, assertTreeInvariants, utf8 } from "../../src/adapters/../core/zk/index.js";
import { ZkClient, ZkMultiError, createRequest } from "../../src/adapters/zk/client.js";
import { NotModelledError, ZkService } from "../../src/adapters/zk/service.js";

const rejectsWith = async (p: Promise<unknown>, code: number) => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ZkError);
  expect((e as ZkError).code).toBe(code);
  return e as ZkError;
};

describe("ZkService", () => {
  it("validates its configuration and inputs", () => {
    expect(() => new ZkService({ tickTimeMs: 0 })).toThrow(/tickTimeMs must be a positive integer/);
    expect(() => new ZkService({ startTimeMs: -1 })).toThrow(/startTimeMs/);
    const s = new ZkService();
    expect(() => s.advance(-1)).toThrow(RangeError);
    expect(() => s.advance(1.5)).toThrow(RangeError);
    expect(() => s.openSession(-5)).toThrow(/timeout must be a non-negative integer/);
  });

  it("opens sessions as transactions with negotiated timeouts and keeps pinging sessions alive", () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 100);
    const b = ZkClient.connect(s, 100_000);
    expect([a.timeoutMs, b.timeoutMs, s.lastZxid]).toEqual([400, 4000, 2]);
    s.advance(60_000);
    expect(s.isSessionAlive(a.sessionId) && s.isSessionAlive(b.sessionId)).toBe(true);
    expect(s.lastZxid).toBe(2);
  });

  it("expires a silent session through the log, deleting its ephemerals and notifying watchers", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 400);
    const b = ZkClient.connect(s, 4000);
    const states: string[] = [];
    a.onState((st) => states.push(st));
    await a.create("/e", "x", { mode: "EPHEMERAL" });
    const events: WatchEvent[] = [];
    await b.exists("/e", (e) => events.push(e));
    a.setPinging(false);
    s.advance(399);
    expect(s.isSessionAlive(a.sessionId)).toBe(true);
    s.advance(600);
    expect(s.isSessionAlive(a.sessionId)).toBe(false);
    expect(events).toEqual([{ type: "NodeDeleted", state: "SyncConnected", path: "/e" }]);
    expect(states).toEqual(["expired"]);
    await rejectsWith(a.exists("/"), Code.SESSIONEXPIRED);
    await rejectsWith(a.reconnect(), Code.SESSIONEXPIRED);
    assertTreeInvariants(s.tree);
  });

  it("a disconnected session keeps its ephemerals until it expires; reconnecting keeps it and drops watches", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 1000);
    const b = ZkClient.connect(s, 4000);
    await a.create("/e", null, { mode: "EPHEMERAL" });
    await a.getData("/e", true);
    a.disconnect();
    expect(s.isConnected(a.sessionId)).toBe(false);
    await rejectsWith(a.getData("/e"), Code.CONNECTIONLOSS);
    await b.setData("/e", "changed");
    expect(await a.reconnect()).toEqual({ timeoutMs: 1000 });
    expect((await a.getEphemerals()).paths).toEqual(["/e"]);
    await rejectsWith(a.checkWatches("/e", "DATA"), Code.NOWATCHER);
    a.disconnect();
    s.advance(2000);
    expect((await b.exists("/e")).stat).toBeNull();
    // The client cannot know its session died while it had no connection: CONNECTIONLOSS until it re-attaches.
    await rejectsWith(a.exists("/"), Code.CONNECTIONLOSS);
    await rejectsWith(a.reconnect(), Code.SESSIONEXPIRED);
    await rejectsWith(a.exists("/"), Code.SESSIONEXPIRED);
    expect(s.reattach(b.sessionId, "wrong password").err).toBe(Code.SESSIONEXPIRED);
    expect(s.reattach(12345, "x").err).toBe(Code.SESSIONEXPIRED);
  });

  it("closes the connection, unanswered, for a request frame above jute.maxbuffer; the tree is untouched", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    await a.create("/big", new Uint8Array(10));
    const before = s.lastZxid;
    const e = await rejectsWith(a.setData("/big", new Uint8Array(1_048_552)), Code.CONNECTIONLOSS);
    expect(e.message).toMatch(/exceeds jute.maxbuffer/);
    expect(e.zxid).toBeUndefined();
    expect(s.lastZxid).toBe(before);
    await rejectsWith(a.exists("/big"), Code.CONNECTIONLOSS);
    await a.reconnect();
    expect((await a.setData("/big", new Uint8Array(1_048_551))).stat.dataLength).toBe(1_048_551);
  });

  it("answers unknown opcodes with UNIMPLEMENTED and drops the connection; refuses reconfig; AUTHFAILED for unknown schemes", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    expect(a.send({ type: "raw", opcode: 77, body: new Uint8Array(0) })).toEqual({ err: Code.UNIMPLEMENTED, zxid: -1 });
    expect(s.isConnected(a.sessionId)).toBe(false);
    await a.reconnect();
    const reconfig = new Uint8Array(20).fill(0xff);
    expect(a.send({ type: "raw", opcode: 16, body: reconfig })).toEqual({ err: Code.RECONFIGDISABLED, zxid: 2 });
    expect(() => a.send({ type: "raw", opcode: 16, body: new Uint8Array(3) })).toThrow(NotModelledError);
    expect(() => a.send({ type: "raw", opcode: 16, body: Uint8Array.of(0, 0, 0, 9, 0, 0, 0, 0) })).toThrow(NotModelledError);
    // Other raw bodies are decoded by the wire codec: a bad read body is MARSHALLINGERROR without a zxid, a bad
    // write body an error transaction with one; an opcode the service does not serve is still NotModelledError.
    expect(a.send({ type: "raw", opcode: 4, body: new Uint8Array(0) })).toEqual({ err: Code.MARSHALLINGERROR, zxid: 2 });
    expect(a.send({ type: "raw", opcode: 5, body: new Uint8Array(3) })).toEqual({ err: Code.MARSHALLINGERROR, zxid: 3 });
    expect(a.send({ type: "raw", opcode: 3, body: Uint8Array.of(0, 0, 0, 1, 47, 0) })).toMatchObject({ err: Code.OK, zxid: 3, body: { kind: "stat" } });
    expect(() => a.send({ type: "raw", opcode: 102, body: new Uint8Array(0) })).toThrow(/not served/);
    await rejectsWith(a.addAuth("nosuch", "x"), Code.AUTHFAILED);
    expect(s.isConnected(a.sessionId)).toBe(false);
    await a.reconnect();
    await a.addAuth("ip", "whatever");
    await a.addAuth("digest", "u:p");
    await a.addAuth("digest", "u:p");
    expect((await a.whoAmI()).clientInfo).toEqual([{ scheme: "ip", user: "127.0.0.1" }, { scheme: "digest", user: "u" }]);
    expect(s.ping(a.sessionId)).toEqual({ err: 0, zxid: s.lastZxid });
  });

  it("reaps containers and TTL nodes on its own clock, each in its own transaction", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    await a.create("/c", "", { mode: "CONTAINER" });
    await a.create("/c/x");
    await a.create("/t", "", { mode: "PERSISTENT_WITH_TTL", ttl: 100 });
    await a.delete("/c/x");
    const z = s.lastZxid;
    s.advance(1000);
    expect(s.lastZxid).toBe(z + 2);
    expect((await a.getChildren("/")).children).toEqual(["zookeeper"]);
  });
});

describe("ZkClient", () => {
  it("creates every mode and reads back Stat, data and children", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    expect(await a.create("/p", "data")).toEqual({ path: "/p", zxid: 2 });
    expect((await a.create("/p/s-", null, { mode: "PERSISTENT_SEQUENTIAL", stat: true })).path).toBe("/p/s-0000000000");
    expect((await a.create("/p/t-", utf8("x"), { mode: "PERSISTENT_SEQUENTIAL_WITH_TTL", ttl: 5000 })).stat?.ephemeralOwner).toBe(0);
    expect((await a.create("/e", undefined, { mode: "EPHEMERAL" })).path).toBe("/e");
    await rejectsWith(a.create("/x", "", { mode: "BOGUS" as never }), Code.BADARGUMENTS);
    expect(() => createRequest("/x", "", { mode: "NOPE" as never })).toThrow(ZkError);
    const got = await a.getData("/p");
    expect(new TextDecoder().decode(got.data!)).toBe("data");
    expect((await a.getChildren("/p", false, { stat: true })).stat?.numChildren).toBe(2);
    expect((await a.getChildren("/p")).stat).toBeUndefined();
    expect((await a.exists("/nope")).stat).toBeNull();
    await rejectsWith(a.exists("/a\u0000"), Code.BADARGUMENTS);
    await rejectsWith(a.getData("/nope"), Code.NONODE);
    await rejectsWith(a.create("/p"), Code.NODEEXISTS);
    await rejectsWith(a.delete("/p"), Code.NOTEMPTY);
    expect((await a.setData("/p", "v2", 0)).stat.version).toBe(1);
    expect((await a.setACL("/p", [{ perms: 31, scheme: "world", id: "anyone" }])).stat.aversion).toBe(1);
    expect((await a.getACL("/p")).acl).toHaveLength(1);
    expect((await a.sync("/p")).path).toBe("/p");
    expect((await a.getAllChildrenNumber("/p")).number).toBe(2);
    expect((await a.getEphemerals()).paths).toEqual(["/e"]);
    expect((await a.multiRead([{ type: "getData", path: "/p" }])).results[0]).toMatchObject({ type: "getData" });
    expect(a.lastZxidSeen).toBe(s.lastZxid);
    expect((await a.close()).zxid).toBe(s.lastZxid);
    await rejectsWith(a.exists("/"), Code.SESSIONEXPIRED);
  });

  it("delivers watch callbacks once, persistent callbacks every time, and every event to onEvent", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    const b = ZkClient.connect(s, 4000);
    const seen: string[] = [];
    const log = (tag: string) => (e: WatchEvent) => seen.push(`${tag}:${e.type}:${e.path}`);
    const all: WatchEvent[] = [];
    const stop = b.onEvent((e) => all.push(e));
    await a.create("/n", "0");
    await b.getData("/n", log("data"));
    await b.getChildren("/n", log("child"));
    await b.exists("/later", log("exist"));
    await b.addWatch("/n", "PERSISTENT", log("pers"));
    await b.addWatch("/", "PERSISTENT_RECURSIVE", log("rec"));
    await a.setData("/n", "1");
    await a.create("/n/c");
    await a.create("/later");
    await a.delete("/n/c");
    stop();
    await a.setData("/n", "2");
    expect(seen).toEqual([
      "data:NodeDataChanged:/n",
      "pers:NodeDataChanged:/n",
      "rec:NodeDataChanged:/n",
      "rec:NodeCreated:/n/c",
      "child:NodeChildrenChanged:/n",
      "pers:NodeChildrenChanged:/n",
      "exist:NodeCreated:/later",
      "rec:NodeCreated:/later",
      "rec:NodeDeleted:/n/c",
      "pers:NodeChildrenChanged:/n",
      "pers:NodeDataChanged:/n",
      "rec:NodeDataChanged:/n",
    ]);
    expect(all.length).toBe(6);
    await b.removeWatches("/n", "ANY");
    await rejectsWith(b.removeWatches("/n", "ANY"), Code.NOWATCHER);
    await b.getData("/n", true);
    await b.checkWatches("/n", "DATA");
    await b.removeWatches("/n", "DATA");
    await b.getChildren("/n", log("c2"));
    await b.removeWatches("/n", "CHILDREN");
    await a.delete("/later");
    expect(seen.at(-1)).toBe("rec:NodeDeleted:/later");
    // removeWatches ANY also dropped the persistent watch (server side) and its callback (client side).
    const n = seen.length;
    await a.setData("/n", "3");
    expect(seen.slice(n)).toEqual(["rec:NodeDataChanged:/n"]);
  });

  it("re-registers watches with setWatches after a reconnect", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    const b = ZkClient.connect(s, 4000);
    await a.create("/d", "0");
    const seen = a.lastZxidSeen;
    a.disconnect();
    await b.setData("/d", "1");
    await a.reconnect();
    const events: string[] = [];
    a.onEvent((e) => events.push(`${e.type} ${e.path}`));
    await a.setWatches(seen, { data: ["/d"] });
    await a.setWatches(s.lastZxid, { data: ["/d"] }, 1);
    await b.setData("/d", "2");
    expect(events).toEqual(["NodeDataChanged /d", "NodeDataChanged /d"]);
  });

  it("transactions: atomic, one zxid; a failure rejects with ZooKeeper's per-op results", async () => {
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    const ok = await a.transaction().create("/m", "1").create("/m/s-", "", { mode: "EPHEMERAL_SEQUENTIAL" }).setData("/m", "2").check("/m", 1).commit();
    expect(ok.results.map((r) => r.type)).toEqual(["create", "create", "setData", "check"]);
    const before = s.lastZxid;
    const e = await rejectsWith(a.transaction().create("/x").delete("/missing").setData("/m", "3").commit(), Code.NONODE);
    expect(e).toBeInstanceOf(ZkMultiError);
    expect((e as ZkMultiError).results).toEqual([{ type: "error", err: 0 }, { type: "error", err: Code.NONODE }, { type: "error", err: Code.RUNTIMEINCONSISTENCY }]);
    expect(s.lastZxid).toBe(before + 1);
    expect((await a.exists("/x")).stat).toBeNull();
    await rejectsWith(a.multi([{ type: "getData", path: "/m" }]), Code.MARSHALLINGERROR);
  });
});

describe("wire-level creates through the raw entry point", () => {
  it("decodes create bodies by opcode: the opcode decides the node kind; a short body is MARSHALLINGERROR and still a transaction", async () => {
    const { encodeCreateBody, decodeCreateBody } = await import("../../src/core/zk/index.js");
    const s = new ZkService();
    const a = ZkClient.connect(s, 4000);
    const plain = createRequest("/k", "x");
    expect(decodeCreateBody(1, encodeCreateBody(plain, false))).toEqual(plain);
    const ttl = createRequest("/t", null, { mode: "PERSISTENT_WITH_TTL", ttl: 2 ** 33 + 5 });
    expect(decodeCreateBody(21, encodeCreateBody(ttl, true))).toEqual(ttl);
    // From a Buffer (the wire server's chunks): the data is a copy, not a view keeping the whole chunk alive.
    const chunk = Buffer.alloc(8192);
    const body = encodeCreateBody(plain, false);
    chunk.set(body);
    const fromChunk = decodeCreateBody(1, chunk.subarray(0, body.length));
    expect(fromChunk).toEqual(plain);
    expect(fromChunk!.data!.buffer.byteLength).toBe(1);
    expect(a.send({ type: "raw", opcode: 19, body: encodeCreateBody(plain, false) })).toMatchObject({ err: 0, body: { kind: "create2", path: "/k" } });
    expect(s.tree.containers.has("/k")).toBe(true);
    const z = s.lastZxid;
    expect(a.send({ type: "raw", opcode: 21, body: encodeCreateBody(createRequest("/n", "x"), false) })).toEqual({ err: Code.MARSHALLINGERROR, zxid: z + 1 });
    expect(a.send({ type: "raw", opcode: 15, body: encodeCreateBody(ttl, true) })).toEqual({ err: Code.BADARGUMENTS, zxid: z + 2 });
    for (const cut of [0, 3, 9, 14, 20, 30]) expect(decodeCreateBody(1, encodeCreateBody(plain, false).subarray(0, cut))).toBeUndefined();
    expect(decodeCreateBody(1, Uint8Array.of(0, 0, 0, 1, 0x2f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff))).toBeUndefined();
    expect(a.send({ type: "raw", opcode: 11, body: new Uint8Array(0) })).toEqual({ err: 0, zxid: s.lastZxid });
    expect(a.send({ type: "raw", opcode: -11, body: new Uint8Array(0) })).toEqual({ err: 0, zxid: z + 3 });
    expect(s.isSessionAlive(a.sessionId)).toBe(false);
  });
});
