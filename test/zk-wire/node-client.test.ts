// node-zookeeper-client (the npm client; no readOnly byte in its handshake) against quorate's wire server.
import { afterEach, describe, expect, it } from "vitest";
import type { ZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { startZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { eventually, startTestServer, testConfig } from "./harness.js";
import type { NzkEvent } from "./nzk.js";
import { CreateMode, EventType, Nzk, codeOf } from "./nzk.js";

let server: ZkWireServer | undefined;
const clients: Nzk[] = [];

async function connect(sessionTimeout = 4000): Promise<Nzk> {
  const c = await Nzk.connect(server!.port, sessionTimeout);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.raw.close();
  await server?.close();
  server = undefined;
});

describe("node-zookeeper-client against quorate zk-server", () => {
  it("connects with a negotiated timeout clamped to [min, max] and answers on the system nodes", async () => {
    ({ server } = await startTestServer());
    const a = await connect(100_000);
    expect(a.sessionTimeout).toBe(4000); // maxSessionTimeout of the test config
    const b = await connect(10);
    expect(b.sessionTimeout).toBe(400);
    expect(a.sessionId).not.toBe(b.sessionId);
    const [children] = await a.getChildren("/");
    expect(children).toEqual(["zookeeper"]);
    const [zk] = await a.getChildren("/zookeeper");
    expect(zk).toEqual(["config", "quota"]);
  });

  it("creates every mode, reads and writes with versions, lists children", async () => {
    ({ server } = await startTestServer());
    const c = await connect();
    expect(await c.create("/app", Buffer.from("v0"))).toBe("/app");
    expect(await c.create("/app/e", Buffer.from("x"), CreateMode.EPHEMERAL)).toBe("/app/e");
    expect(await c.create("/app/s-", undefined, CreateMode.PERSISTENT_SEQUENTIAL)).toBe("/app/s-0000000001");
    expect(await c.create("/app/es-", undefined, CreateMode.EPHEMERAL_SEQUENTIAL)).toBe("/app/es-0000000002");
    await expect(c.create("/app")).rejects.toSatisfy((e) => codeOf(e) === -110); // NODEEXISTS
    await expect(c.create("/missing/x")).rejects.toSatisfy((e) => codeOf(e) === -101); // NONODE
    await expect(c.create("/app/e/child")).rejects.toSatisfy((e) => codeOf(e) === -108); // NOCHILDRENFOREPHEMERALS

    const [data, stat] = await c.getData("/app");
    expect(data?.toString()).toBe("v0");
    expect(stat.version).toBe(0);
    expect(stat.numChildren).toBe(3);
    const [, eStat] = await c.getData("/app/e");
    expect(eStat.ephemeralOwner.toString("hex")).toBe(c.sessionId);

    expect((await c.setData("/app", Buffer.from("v1"), 0)).version).toBe(1);
    await expect(c.setData("/app", Buffer.from("v2"), 0)).rejects.toSatisfy((e) => codeOf(e) === -103); // BADVERSION
    expect((await c.setData("/app", Buffer.from("v2"), -1)).version).toBe(2);
    expect((await c.getData("/app"))[0]?.toString()).toBe("v2");

    const [kids] = await c.getChildren("/app");
    expect(kids.sort()).toEqual(["e", "es-0000000002", "s-0000000001"]);
    await expect(c.remove("/app", -1)).rejects.toSatisfy((e) => codeOf(e) === -111); // NOTEMPTY
    await expect(c.remove("/app/s-0000000001", 5)).rejects.toSatisfy((e) => codeOf(e) === -103);
    await c.remove("/app/s-0000000001", 0);
    expect(await c.exists("/app/s-0000000001")).toBeNull();
    const [acl] = await c.getACL("/app");
    expect(acl).toEqual([{ permission: 31, id: { scheme: "world", id: "anyone" } }]);
  });

  it("delivers data, child and exists watches once each", async () => {
    ({ server } = await startTestServer());
    const watcher = await connect();
    const writer = await connect();
    await writer.create("/w", Buffer.from("a"));
    const events: NzkEvent[] = [];
    const record = (e: NzkEvent) => events.push({ type: e.type, name: e.name, path: e.path });
    await watcher.getData("/w", record);
    await watcher.getChildren("/w", record);
    expect(await watcher.exists("/w/new", record)).toBeNull();

    await writer.setData("/w", Buffer.from("b"));
    await writer.create("/w/new");
    await eventually(() => events.length >= 3, 3000, "three watch events");
    await writer.setData("/w", Buffer.from("c")); // one-shot: the data watch already fired
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([
      { type: EventType.NODE_DATA_CHANGED, name: "NODE_DATA_CHANGED", path: "/w" },
      { type: EventType.NODE_CREATED, name: "NODE_CREATED", path: "/w/new" },
      { type: EventType.NODE_CHILDREN_CHANGED, name: "NODE_CHILDREN_CHANGED", path: "/w" },
    ]);
  });

  it("removes a session's ephemerals when it closes, and notifies watchers", async () => {
    ({ server } = await startTestServer());
    const owner = await connect();
    const other = await connect();
    await owner.create("/eph", undefined, CreateMode.EPHEMERAL);
    const events: NzkEvent[] = [];
    expect(await other.exists("/eph", (e) => events.push(e))).not.toBeNull();
    await owner.close();
    await eventually(() => events.length === 1, 3000, "NodeDeleted");
    expect(events[0]!.type).toBe(EventType.NODE_DELETED);
    expect(await other.exists("/eph")).toBeNull();
  });

  it("expires a session whose client stops pinging and removes its ephemerals", async () => {
    ({ server } = await startTestServer());
    const owner = await connect(400);
    const other = await connect();
    await owner.create("/short", undefined, CreateMode.EPHEMERAL);
    // Silence the client: destroy its socket without closeSession and stop it from reconnecting.
    owner.raw.connectionManager.close = () => undefined;
    owner.raw.connectionManager.socket.pause();
    owner.raw.connectionManager.socket.write = () => true;
    await eventually(() => server!.connectionCount === 1, 5000, "the silent connection to be closed by expiry");
    expect(await other.exists("/short")).toBeNull();
    owner.raw.connectionManager.socket.destroy();
  });

  it("runs transactions atomically and reports the failing op", async () => {
    ({ server } = await startTestServer());
    const c = await connect();
    await c.create("/t");
    const results = await c.transaction((t) => t.create("/t/a").setData("/t", Buffer.from("x"), 0).check("/t", 1).create("/t/b"));
    expect(results.map((r: { type: number }) => r.type)).toEqual([1, 5, 13, 1]);
    expect(results[0].path).toBe("/t/a");
    await expect(c.transaction((t) => t.create("/t/c").remove("/t/missing", -1))).rejects.toSatisfy((e) => codeOf(e) === -101);
    expect(await c.exists("/t/c")).toBeNull(); // rolled back
    const [kids] = await c.getChildren("/t");
    expect(kids.sort()).toEqual(["a", "b"]);
  });

  it("re-attaches its session and re-arms watches after the server restarts on the same port", async () => {
    const first = await startTestServer();
    server = first.server;
    const port = server.port;
    const backend = server.backend;
    const c = await connect(4000);
    const session = c.sessionId;
    await c.create("/r", Buffer.from("1"));
    await c.create("/r-eph", undefined, CreateMode.EPHEMERAL);
    const events: NzkEvent[] = [];
    await c.getData("/r", (e) => events.push(e));
    await server.close();
    await eventually(() => c.states.includes("DISCONNECTED"), 3000, "the client to notice the restart");
    server = await startZkWireServer({ config: testConfig({ clientPort: port }), backend });
    await eventually(() => c.states.filter((s) => s === "SYNC_CONNECTED").length >= 2, 5000, "the client to reconnect");
    expect(c.sessionId).toBe(session);
    expect(await c.exists("/r-eph")).not.toBeNull(); // same session: its ephemeral survived
    const writer = await connect();
    await writer.setData("/r", Buffer.from("2"));
    await eventually(() => events.length === 1, 3000, "the re-armed data watch (setWatches)");
    expect(events[0]!.path).toBe("/r");
  });
});
