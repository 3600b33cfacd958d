/**
 * The TCP transport on real loopback sockets (free ports, bounded waits, everything closed after each test):
 * exchange, reconnection after a peer restarts, refused handshakes, garbage and oversized frames that close one
 * connection only, queues bounded by frames and bytes that drop and count, no backlog replayed to a peer that
 * was down.
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
/** An append carrying one entry of `bytes` bytes; `prevIndex` tells the appends apart. */
const append = (from: number, to: number, prevIndex: number, bytes: number): Message => ({ type: "append", from, to, term: 1, prevIndex, prevTerm: 1, commit: 0, entries: [{ index: prevIndex + 1, term: 1, kind: "normal", data: new Uint8Array(bytes) }] });

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const port = (dead.address() as net.AddressInfo).port;
  await new Promise((r) => dead.close(r));
  return port;
}
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

  it("flushAll writes what is queued at once, in that callback, not at its end", async () => {
    const a = await node(1);
    const b = await node(2);
    a.t.setPeer(2, here(b.t));
    await waitFor("a connection", () => a.t.isConnected(2));
    a.t.send(hb(1, 2, 0));
    a.t.send(hb(1, 2, 1));
    expect(a.t.stats()).toMatchObject({ sent: 0, writes: 0 }); // queued for the end of the callback
    a.t.flushAll();
    expect(a.t.stats()).toMatchObject({ sent: 2, writes: 1 });
    a.t.send(hb(1, 2, 2));
    await waitFor("3 messages", () => b.got.length === 3);
    expect(b.got.map((m) => (m as { commit: number }).commit)).toEqual([0, 1, 2]);
    expect(a.t.stats()).toMatchObject({ sent: 3, writes: 2 });
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

  it("keeps only the newest frames for a peer that is down, drops and counts the rest, and oversized ones", async () => {
    const port = await deadPort();
    const a = await node(1, { queueLimit: 10, unreachableLimit: 4, maxFrameBytes: 200 });
    a.t.setPeer(2, { host: "127.0.0.1", port });
    await waitFor("the first dial to fail", () => a.logs.some((l) => l.includes("ECONNREFUSED")));
    // To an unreachable peer a message is taken (true) and the oldest queued one makes room.
    for (let i = 0; i < 25; i++) expect(a.t.send(hb(1, 2, i))).toBe(true);
    expect(a.t.stats().dropped.unreachable).toBe(21);
    expect(a.t.stats().queued[2]).toMatchObject({ frames: 4 });
    const big: Message = { type: "append", from: 1, to: 2, term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: "normal", data: new Uint8Array(500) }] };
    expect(a.t.send(big)).toBe(false);
    expect(a.t.stats().dropped.oversized).toBe(1);
    expect(a.t.send(hb(1, 9, 0))).toBe(false);
    expect(a.t.stats().dropped.noPeer).toBe(1);
    // Once the peer comes up on that port, only the newest four arrive: no backlog is replayed.
    const b = await node(2, { port });
    await waitFor("the queued tail", () => b.got.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.got.map((m) => (m as { commit: number }).commit)).toEqual([21, 22, 23, 24]);
  });

  it("a connected peer's queue is bounded by bytes as well as frames: beyond either, new messages are dropped", async () => {
    const a = await node(1, { queueBytes: 100_000, queueLimit: 1000 });
    const b = await node(2);
    a.t.setPeer(2, here(b.t));
    await waitFor("a connection", () => a.t.isConnected(2));
    const frameBytes = encodeMessage("raft", append(1, 2, 0, 10_000)).length;
    // One callback's worth: nothing is written before it ends, so the queue alone decides.
    const taken = Array.from({ length: 30 }, (_, i) => a.t.send(append(1, 2, i, 10_000)));
    const fits = Math.floor(100_000 / frameBytes); // 9 frames of ~10 kB
    expect(taken).toEqual(Array.from({ length: 30 }, (_, i) => i < fits));
    expect(a.t.stats().dropped.queueFull).toBe(30 - fits);
    expect(a.t.stats().peakQueuedBytes).toBe(fits * frameBytes);
    await waitFor("the queued frames", () => b.got.length === fits);
    expect(b.got.map((m) => (m as { prevIndex: number }).prevIndex)).toEqual([...Array(fits).keys()]);
    expect(a.t.stats().queued[2]).toEqual({ frames: 0, bytes: 0 });
    // A frame larger than the byte bound still goes when the queue is empty (it is within the frame limit).
    expect(a.t.send(append(1, 2, 99, 200_000))).toBe(true);
    await waitFor("the large frame", () => b.got.length === fits + 1);
    // The frame count bounds too.
    const c = await node(3, { queueLimit: 5 });
    c.t.setPeer(2, here(b.t));
    await waitFor("c's connection", () => c.t.isConnected(2));
    const sent = Array.from({ length: 8 }, (_, i) => c.t.send(hb(3, 2, i)));
    expect(sent).toEqual([true, true, true, true, true, false, false, false]);
    expect(c.t.stats().dropped.queueFull).toBe(3);
  });

  it("a peer that stops reading while a writer keeps sending: the queue stays within its byte bound; when the connection is lost, the backlog is dropped, not replayed", async () => {
    const queueBytes = 1 << 20;
    // A listener that completes the handshake, then never reads again (a stalled or paused peer).
    const sockets: net.Socket[] = [];
    const stalled = net.createServer((s) => {
      sockets.push(s);
      s.once("data", () => {
        s.write(encodeControl({ type: "welcome", version: PROTOCOL_VERSION, clusterId: "test", nodeId: 2 }));
        s.pause();
      });
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => stalled.listen(0, "127.0.0.1", r));
    open.push({ close: () => new Promise((r) => { for (const s of sockets) s.destroy(); stalled.close(r); }) });
    const port = (stalled.address() as net.AddressInfo).port;
    const a = await node(1, { queueBytes, queueLimit: 100_000, unreachableLimit: 3 });
    a.t.setPeer(2, { host: "127.0.0.1", port });
    await waitFor("a connection", () => a.t.isConnected(2));
    // 64 MiB offered in 100 kB appends, 5 per turn of the event loop: far more than the kernel's socket buffers.
    let maxQueued = 0;
    for (let turn = 0; turn < 130; turn++) {
      for (let k = 0; k < 5; k++) a.t.send(append(1, 2, turn * 5 + k, 100_000));
      maxQueued = Math.max(maxQueued, a.t.stats().queued[2]!.bytes);
      await new Promise((r) => setImmediate(r));
    }
    const st = a.t.stats();
    expect(st.dropped.queueFull).toBeGreaterThan(0);
    expect(maxQueued).toBeGreaterThan(queueBytes / 2);
    expect(maxQueued).toBeLessThanOrEqual(queueBytes);
    expect(st.peakQueuedBytes).toBeLessThanOrEqual(queueBytes);
    expect(st.queued[2]!.frames).toBeGreaterThan(3);
    // The peer's connection is lost: what was queued is cut down to the unreachable tail and counted.
    for (const s of sockets) s.destroy();
    await waitFor("a to notice", () => !a.t.isConnected(2));
    const after = a.t.stats();
    expect(after.queued[2]!.frames).toBe(3);
    expect(after.dropped.unreachable).toBe(st.queued[2]!.frames - 3);
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
