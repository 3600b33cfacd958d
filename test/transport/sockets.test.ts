/**
 * The TCP transport on real loopback sockets (free ports, bounded waits, everything closed after each test):
 * exchange, reconnection after a peer restarts, refused handshakes, garbage and oversized frames that close one
 * connection only, bounded queues that drop and count.
 */
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, Transport, encodeControl, encodeMessage, type TransportOptions } from "../../src/adapters/transport/index.js";
import type { Message } from "../../src/core/raft/types.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const t of open.splice(0).reverse()) await t.close();
});

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Node {
  t: Transport<"raft">;
  got: Message[];
  logs: string[];
}

async function node(id: number, extra: Partial<TransportOptions<"raft">> = {}): Promise<Node> {
  const got: Message[] = [];
  const logs: string[] = [];
  const t = await Transport.start<"raft">({ family: "raft", clusterId: "test", nodeId: id, onMessage: (m) => got.push(m), log: (l) => logs.push(l), backoffInitialMs: 20, backoffMaxMs: 200, ...extra });
  open.push(t);
  return { t, got, logs };
}

const hb = (from: number, to: number, commit: number): Message => ({ type: "heartbeat", from, to, term: 1, commit, context: 0 });
const here = (t: Transport<"raft">) => ({ host: "127.0.0.1", port: t.port });

/** A raw client socket that collects what it receives. */
async function raw(port: number): Promise<{ s: net.Socket; data: () => Buffer; closed: () => boolean }> {
  const s = net.connect({ host: "127.0.0.1", port });
  open.push({ close: () => s.destroy() });
  const chunks: Buffer[] = [];
  let closed = false;
  s.on("data", (c) => chunks.push(c));
  s.on("close", () => (closed = true));
  s.on("error", () => undefined);
  await new Promise((r) => s.once("connect", r));
  return { s, data: () => Buffer.concat(chunks), closed: () => closed };
}

describe("TCP transport on loopback", () => {
  it("listens on 127.0.0.1 by default", async () => {
    const a = await node(1);
    expect((a.t as unknown as { server: net.Server }).server.address()).toMatchObject({ address: "127.0.0.1" });
  });

  it("two transports exchange messages both ways, in order", async () => {
    const a = await node(1);
    const b = await node(2);
    a.t.setPeer(2, here(b.t));
    b.t.setPeer(1, here(a.t));
    for (let i = 0; i < 100; i++) {
      a.t.send(hb(1, 2, i));
      b.t.send(hb(2, 1, i));
    }
    await waitFor("both sides to receive 100 messages", () => a.got.length === 100 && b.got.length === 100);
    expect(b.got.map((m) => (m as { commit: number }).commit)).toEqual([...Array(100).keys()]);
    expect(a.got[0]).toEqual(hb(2, 1, 0));
    expect(a.t.stats().sent).toBe(100);
  });

  it("the messages sent by one callback leave in one write, in order", async () => {
    const a = await node(1);
    const b = await node(2);
    a.t.setPeer(2, here(b.t));
    await waitFor("a connection", () => a.t.isConnected(2));
    for (let i = 0; i < 50; i++) a.t.send(hb(1, 2, i));
    await waitFor("50 messages", () => b.got.length === 50);
    expect(b.got.map((m) => (m as { commit: number }).commit)).toEqual([...Array(50).keys()]);
    expect(a.t.stats()).toMatchObject({ sent: 50, writes: 1 });
    a.t.send(hb(1, 2, 50));
    await waitFor("one more", () => b.got.length === 51);
    expect(a.t.stats()).toMatchObject({ sent: 51, writes: 2 });
  });

  it("reconnects after the peer restarts on the same port", async () => {
    const a = await node(1);
    const b = await node(2);
    const port = b.t.port;
    a.t.setPeer(2, { host: "127.0.0.1", port });
    a.t.send(hb(1, 2, 1));
    await waitFor("the first message", () => b.got.length === 1);
    await b.t.close();
    await waitFor("a to notice", () => !a.t.isConnected(2));
    const b2 = await node(2, { port });
    a.t.send(hb(1, 2, 2));
    await waitFor("the message after the restart", () => b2.got.length === 1);
    expect(b2.got[0]).toEqual(hb(1, 2, 2));
    expect(a.t.stats().connects).toBe(2);
  });

  it("refuses a peer of another cluster, and both sides log why", async () => {
    const a = await node(1);
    const b = await node(2, { clusterId: "other" });
    a.t.setPeer(2, here(b.t));
    a.t.send(hb(1, 2, 1));
    await waitFor("the refusal", () => a.t.stats().refusedByPeer > 0);
    expect(b.got).toEqual([]);
    expect(b.t.stats().refused).toBeGreaterThan(0);
    expect(b.logs.join("\n")).toMatch(/refused connection from node 1 .*cluster id 'test', ours is 'other'/);
    expect(a.logs.join("\n")).toMatch(/peer 2 at 127\.0\.0\.1:\d+ refused us: cluster id 'test', ours is 'other'/);
  });

  it("refuses another protocol version or family with a refuse frame, then closes", async () => {
    const b = await node(2);
    for (const [hello, why] of [
      [{ type: "hello", version: PROTOCOL_VERSION + 1, family: "raft", clusterId: "test", from: 1, to: 2 }, /protocol version 2, ours is 1/],
      [{ type: "hello", version: PROTOCOL_VERSION, family: "kraft", clusterId: "test", from: 1, to: 2 }, /protocol family kraft, ours is raft/],
      [{ type: "hello", version: PROTOCOL_VERSION, family: "raft", clusterId: "test", from: 1, to: 3 }, /it wants node 3, this is node 2/],
    ] as const) {
      const c = await raw(b.t.port);
      c.s.write(encodeControl(hello));
      await waitFor("the connection to close", c.closed);
      expect(c.data().subarray(5).toString("latin1")).toMatch(why);
    }
    // A refused peer that sends a good hello right after is not let in.
    const c = await raw(b.t.port);
    c.s.write(encodeControl({ type: "hello", version: PROTOCOL_VERSION + 1, family: "raft", clusterId: "test", from: 1, to: 2 }));
    c.s.write(encodeControl({ type: "hello", version: PROTOCOL_VERSION, family: "raft", clusterId: "test", from: 1, to: 2 }));
    await waitFor("the connection to close", c.closed);
    expect(b.t.stats().accepted).toBe(0);
    expect(b.t.stats().refused).toBe(4);
    expect(b.logs.filter((l) => l.startsWith("refused connection")).length).toBe(4);
  });

  it("a garbage or oversized frame closes that connection only; the transport keeps serving others", async () => {
    const b = await node(2, { maxFrameBytes: 4096 });
    const a = await node(1);
    a.t.setPeer(2, here(b.t));
    a.t.send(hb(1, 2, 1));
    await waitFor("the healthy peer's message", () => b.got.length === 1);
    const hello = encodeControl({ type: "hello", version: PROTOCOL_VERSION, family: "raft", clusterId: "test", from: 3, to: 2 });
    // 1. Garbage before the handshake.
    const g = await raw(b.t.port);
    g.s.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await waitFor("garbage connection to close", g.closed);
    // 2. An oversized frame after a good handshake.
    const o = await raw(b.t.port);
    o.s.write(hello);
    o.s.write(Uint8Array.of(0x00, 0x10, 0x00, 0x00, 3));
    await waitFor("oversized connection to close", o.closed);
    // 3. An undecodable message after a good handshake.
    const u = await raw(b.t.port);
    u.s.write(hello);
    u.s.write(Uint8Array.of(0, 0, 0, 3, 3, 250, 1));
    await waitFor("undecodable connection to close", u.closed);
    // 4. A message that lies about its sender.
    const l = await raw(b.t.port);
    l.s.write(hello);
    l.s.write(encodeMessage("raft", hb(1, 2, 99)));
    await waitFor("lying connection to close", l.closed);
    expect(b.t.stats().badFrames).toBe(4);
    expect(b.logs.join("\n")).toMatch(/exceeds the limit of 4096/);
    // The healthy connection was untouched.
    a.t.send(hb(1, 2, 2));
    await waitFor("the healthy peer's second message", () => b.got.length === 2);
    expect(b.got.map((m) => (m as { commit: number }).commit)).toEqual([1, 2]);
  });

  it("drops and counts messages beyond the queue limit while the peer is down, and oversized ones", async () => {
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as net.AddressInfo).port;
    await new Promise((r) => dead.close(r)); // a port nobody listens on
    const a = await node(1, { queueLimit: 10, maxFrameBytes: 200 });
    a.t.setPeer(2, { host: "127.0.0.1", port });
    let accepted = 0;
    for (let i = 0; i < 25; i++) if (a.t.send(hb(1, 2, i))) accepted++;
    expect(accepted).toBe(10);
    expect(a.t.stats().dropped.queueFull).toBe(15);
    const big: Message = { type: "append", from: 1, to: 2, term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: "normal", data: new Uint8Array(500) }] };
    // Queue is full anyway; to count the size check, a fresh peer entry:
    a.t.setPeer(3, { host: "127.0.0.1", port });
    expect(a.t.send({ ...big, to: 3 })).toBe(false);
    expect(a.t.stats().dropped.oversized).toBe(1);
    expect(a.t.send(hb(1, 9, 0))).toBe(false);
    expect(a.t.stats().dropped.noPeer).toBe(1);
    // Once the peer comes up on that port, the queued messages flow.
    const b = await node(2, { port });
    await waitFor("the queued messages", () => b.got.length === 10);
    expect(b.got.map((m) => (m as { commit: number }).commit)).toEqual([...Array(10).keys()]);
  });
});

describe("TCP transport housekeeping", () => {
  it("closes an accepted connection that sends no handshake in time", async () => {
    const b = await node(2, { handshakeTimeoutMs: 100 });
    const c = await raw(b.t.port);
    await waitFor("the silent connection to close", c.closed, 5000);
    expect(b.logs.join("\n")).toMatch(/no handshake within 100 ms/);
  });

  it("moving a peer to a new address redials there", async () => {
    const a = await node(1);
    const b = await node(2);
    a.t.setPeer(2, here(b.t));
    a.t.send(hb(1, 2, 1));
    await waitFor("the first message", () => b.got.length === 1);
    const b2 = await node(2);
    a.t.setPeer(2, here(b2.t));
    await waitFor("a reconnection to the new address", () => a.t.stats().connects === 2);
    a.t.send(hb(1, 2, 2));
    await waitFor("the message at the new address", () => b2.got.length === 1);
  });
});
