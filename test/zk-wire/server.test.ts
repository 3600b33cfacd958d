// The wire server at the byte level: handshake variants, session re-attach and expiry, bad input, ordering,
// four-letter words and slow readers. Each expectation below was checked against a real ZooKeeper 3.8.0 with the
// same bytes (tickTime 200, maxSessionTimeout 4000), session ids, passwords and zxid offsets aside.
import { afterEach, describe, expect, it } from "vitest";
import { Code } from "../../src/core/zk/index.js";
import { decodeWith } from "../../src/adapters/zk-wire/jute.js";
import { FrameSplitter } from "../../src/adapters/zk-wire/protocol.js";
import { ConnectResponseCodec, ReplyHeaderCodec, StatCodec } from "../../src/adapters/zk-wire/records.js";
import type { ZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { startZkWireServer } from "../../src/adapters/zk-wire/server.js";
import { concat, connectFrame, eventually, exchange, frames, requestFrame, startTestServer, testConfig } from "./harness.js";
import net from "node:net";

let server: ZkWireServer | undefined;
let logs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(overrides = {}) {
  ({ server, logs } = await startTestServer(overrides));
  return server;
}

function connectResponse(body: Uint8Array) {
  const d = decodeWith(body, ConnectResponseCodec.read);
  if (!d.ok) throw d.error;
  return d.value;
}
function header(body: Uint8Array) {
  const d = decodeWith(body, ReplyHeaderCodec.read);
  if (!d.ok) throw d.error;
  return d.value;
}

/** A raw connection that keeps reading frames. */
class Raw {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  closed = false;
  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.on("data", (c) => (this.data = Buffer.concat([this.data, c])));
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => (this.closed = true));
  }
  send(bytes: Uint8Array) {
    this.socket.write(bytes);
  }
  get bodies() {
    return frames(this.data).bodies;
  }
  async waitFrames(n: number, ms = 3000) {
    await eventually(() => this.bodies.length >= n, ms, `${n} frames`);
    return this.bodies;
  }
}

describe("zk-server: handshake and sessions", () => {
  it("echoes the readOnly byte only to clients that sent it, and clamps the timeout", async () => {
    const s = await start();
    const old = frames((await exchange(s.port, connectFrame(), 300)).data).bodies;
    expect(old).toHaveLength(1);
    expect(old[0]!.length).toBe(36);
    const r = connectResponse(old[0]!);
    expect(r.timeOut).toBe(4000);
    expect(r.readOnly).toBeUndefined();
    expect(r.sessionId).not.toBe(0n);
    expect(r.passwd!.length).toBe(16);
    const ro = frames((await exchange(s.port, connectFrame({ readOnly: true, timeOut: 1 }), 300)).data).bodies;
    expect(ro[0]!.length).toBe(37);
    expect(connectResponse(ro[0]!)).toMatchObject({ timeOut: 400, readOnly: false });
  });

  it("gives unguessable passwords: two fresh servers give session 1 different passwords", async () => {
    const a = await start();
    const first = connectResponse(frames((await exchange(a.port, connectFrame(), 300)).data).bodies[0]!);
    await a.close();
    const b = await start();
    const second = connectResponse(frames((await exchange(b.port, connectFrame(), 300)).data).bodies[0]!);
    expect(second.sessionId).toBe(first.sessionId);
    expect(Buffer.from(second.passwd!).equals(Buffer.from(first.passwd!))).toBe(false);
  });

  it("re-attaches a session with its password; a wrong password gets the expired reply and a close", async () => {
    const s = await start();
    const opened = connectResponse(frames((await exchange(s.port, connectFrame(), 300)).data).bodies[0]!);
    const again = await exchange(s.port, connectFrame({ sessionId: opened.sessionId, passwd: opened.passwd }), 300);
    expect(again.closed).toBe(false);
    expect(connectResponse(frames(again.data).bodies[0]!)).toMatchObject({ sessionId: opened.sessionId, timeOut: 4000 });
    const wrong = await exchange(s.port, connectFrame({ sessionId: opened.sessionId, passwd: new Uint8Array(16).fill(7) }));
    expect(wrong.closed).toBe(true);
    expect(connectResponse(frames(wrong.data).bodies[0]!)).toEqual({ protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: new Uint8Array(16) });
  });

  it("expires a silent session: the server closes its connection and a re-attach is told it expired", async () => {
    const s = await start();
    const raw = new Raw(s.port);
    raw.send(connectFrame({ timeOut: 400 }));
    const [body] = await raw.waitFrames(1);
    const opened = connectResponse(body!);
    expect(opened.timeOut).toBe(400);
    await eventually(() => raw.closed, 3000, "expiry to close the connection");
    const late = await exchange(s.port, connectFrame({ sessionId: opened.sessionId, passwd: opened.passwd }));
    expect(late.closed).toBe(true);
    expect(connectResponse(frames(late.data).bodies[0]!).timeOut).toBe(0);
  });

  it("refuses a client that has seen a later zxid: close without a reply", async () => {
    const s = await start();
    expect(await exchange(s.port, connectFrame({ lastZxidSeen: 1_000_000n }))).toEqual({ data: Buffer.alloc(0), closed: true });
  });
});

describe("zk-server: bad input", () => {
  it("closes on a malformed handshake and on a request before the handshake, silently", async () => {
    const s = await start();
    expect(await exchange(s.port, requestFrame(0, 1))).toEqual({ data: Buffer.alloc(0), closed: true });
    expect(await exchange(s.port, requestFrame(1, 4, (w) => w.ustring("/").bool(false)))).toEqual({ data: Buffer.alloc(0), closed: true });
  });

  it("answers an unknown opcode with UNIMPLEMENTED (zxid −1) and closes", async () => {
    const s = await start();
    const r = await exchange(s.port, concat(connectFrame(), requestFrame(1, 77)));
    expect(r.closed).toBe(true);
    expect(header(frames(r.data).bodies[1]!)).toEqual({ xid: 1, zxid: -1, err: Code.UNIMPLEMENTED });
  });

  it("answers a malformed read body MARSHALLINGERROR without a zxid, a malformed write body with one, and stays open", async () => {
    const s = await start();
    const r = await exchange(s.port, concat(connectFrame(), requestFrame(1, 4, (w) => w.int(5)), requestFrame(2, 5, (w) => w.int(5)), requestFrame(3, 14, (w) => w.int(77).bool(false).int(-1).int(-1).bool(true).int(-1))), 400);
    expect(r.closed).toBe(false);
    const [, read, write, multi] = frames(r.data).bodies;
    expect(header(read!)).toEqual({ xid: 1, zxid: 1, err: Code.MARSHALLINGERROR });
    expect(header(write!)).toEqual({ xid: 2, zxid: 2, err: Code.MARSHALLINGERROR });
    expect(header(multi!)).toEqual({ xid: 3, zxid: 3, err: Code.MARSHALLINGERROR });
  });

  it("answers AUTHFAILED for an unknown scheme and closes; sasl is OK with a null token", async () => {
    const s = await start();
    const r = await exchange(s.port, concat(connectFrame(), requestFrame(-4, 100, (w) => w.int(0).ustring("nosuch").buffer(Uint8Array.of(1)))));
    expect(r.closed).toBe(true);
    expect(header(frames(r.data).bodies[1]!)).toEqual({ xid: -4, zxid: 0, err: Code.AUTHFAILED });
    const sasl = await exchange(s.port, concat(connectFrame(), requestFrame(5, 102, (w) => w.buffer(new Uint8Array(3)))), 300);
    expect(sasl.closed).toBe(false);
    expect([...frames(sasl.data).bodies[1]!]).toEqual([0, 0, 0, 5, ...Array(8).fill(0), 0, 0, 0, 0, 255, 255, 255, 255]);
  });

  it("closes, unanswered, a connection that announces a frame above jute.maxbuffer; the session survives", async () => {
    const s = await start({ maxFrameBytes: 1000 });
    const raw = new Raw(s.port);
    raw.send(connectFrame());
    const opened = connectResponse((await raw.waitFrames(1))[0]!);
    raw.send(Uint8Array.of(0, 0, 3, 233)); // 1001
    await eventually(() => raw.closed, 2000, "the close");
    expect(raw.bodies).toHaveLength(1);
    const again = await exchange(s.port, connectFrame({ sessionId: opened.sessionId, passwd: opened.passwd }), 300);
    expect(connectResponse(frames(again.data).bodies[0]!).sessionId).toBe(opened.sessionId);
    expect(logs.some((l) => l.includes("jute.maxbuffer"))).toBe(true);
  });

  it("answers pipelined requests in xid order, pings with xid −2, and closes after closeSession", async () => {
    const s = await start();
    const reqs = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? requestFrame(i + 1, 1, (w) => w.ustring(`/n${i}`).buffer(null).int(1).int(31).ustring("world").ustring("anyone").int(0)) : requestFrame(i + 1, 3, (w) => w.ustring(`/n${i - 1}`).bool(false))));
    const r = await exchange(s.port, concat(connectFrame(), ...reqs, requestFrame(-2, 11), requestFrame(99, -11)));
    expect(r.closed).toBe(true);
    const replies = frames(r.data).bodies.slice(1).map(header);
    expect(replies.map((h) => h.xid)).toEqual([...Array.from({ length: 40 }, (_, i) => i + 1), -2, 99]);
    expect(replies.every((h) => h.err === 0)).toBe(true);
    expect(replies.at(-2)).toEqual({ xid: -2, zxid: 21, err: 0 });
    expect(replies.at(-1)).toEqual({ xid: 99, zxid: 22, err: 0 });
  });

  it("closes connections beyond maxClientCnxns from one address at once; others keep working", async () => {
    const s = await start({ maxClientCnxns: 2 });
    const a = new Raw(s.port);
    const b = new Raw(s.port);
    a.send(connectFrame());
    b.send(connectFrame());
    await a.waitFrames(1);
    await b.waitFrames(1);
    expect(await exchange(s.port, connectFrame())).toEqual({ data: Buffer.alloc(0), closed: true });
    expect(logs).toContain("zk-wire: too many connections from 127.0.0.1 - max is 2");
    a.socket.destroy();
    await eventually(() => s.connectionCount === 1, 2000, "the slot to free");
    expect(frames((await exchange(s.port, connectFrame(), 300)).data).bodies).toHaveLength(1);
    b.socket.destroy();
  });

  it("refuses TTL creates with UNIMPLEMENTED (a transaction) unless extendedTypesEnabled", async () => {
    const s = await start({ extendedTypesEnabled: false });
    const ttl = requestFrame(1, 21, (w) => w.ustring("/t").buffer(null).int(1).int(31).ustring("world").ustring("anyone").int(5).long(1000));
    const r = await exchange(s.port, concat(connectFrame(), ttl), 300);
    expect(header(frames(r.data).bodies[1]!)).toEqual({ xid: 1, zxid: 2, err: Code.UNIMPLEMENTED });
  });

  it("checks a create in ZooKeeper's order without extended types: createTTL with a non-TTL mode is BADARGUMENTS", async () => {
    // As a real ZooKeeper 3.8.0 answered (test/data/zk/q02-create-validation-no-ttl.json): the TTL check applies
    // only to TTL modes; a PERSISTENT mode with ttl ≥ 0 fails validateTTL.
    const s = await start({ extendedTypesEnabled: false });
    const ttl = requestFrame(1, 21, (w) => w.ustring("/t").buffer(null).int(1).int(31).ustring("world").ustring("anyone").int(0).long(1000));
    const r = await exchange(s.port, concat(connectFrame(), ttl), 300);
    expect(header(frames(r.data).bodies[1]!)).toEqual({ xid: 1, zxid: 2, err: Code.BADARGUMENTS });
  });

  it("stops reading from a client that does not read its replies, serves the others, and drops it past the limit", async () => {
    const s = await start();
    await s.close();
    server = await startZkWireServer({ config: testConfig(), pauseAboveBytes: 1024 * 1024, dropAboveBytes: 64 * 1024 * 1024, log: (l) => logs.push(l) });
    const big = new Uint8Array(100_000);
    const setup = await exchange(server.port, concat(connectFrame(), requestFrame(1, 1, (w) => w.ustring("/big").buffer(big).int(1).int(31).ustring("world").ustring("anyone").int(0))), 300);
    expect(header(frames(setup.data).bodies[1]!).err).toBe(0);
    const stuck = net.connect(server.port, "127.0.0.1");
    stuck.on("error", () => undefined);
    let stuckClosed = false;
    stuck.on("close", () => (stuckClosed = true));
    stuck.pause(); // never reads
    stuck.write(connectFrame());
    const getData = requestFrame(1, 4, (w) => w.ustring("/big").bool(false));
    for (let i = 0; i < 200; i++) stuck.write(getData);
    // Another client is served meanwhile.
    const other = await exchange(server.port, concat(connectFrame(), requestFrame(1, 3, (w) => w.ustring("/big").bool(false))), 500);
    const stat = frames(other.data).bodies[1]!;
    expect(header(stat).err).toBe(0);
    expect(decodeWith(stat.subarray(16), StatCodec.read)).toMatchObject({ ok: true, value: { dataLength: 100_000 } });
    await eventually(() => logs.some((l) => l.includes("pausing reads")), 5000, "the stuck client to be paused");
    expect(stuckClosed).toBe(false);
    // Once it reads again, it gets every reply in order.
    const replies: { xid: number; err: number; length: number }[] = [];
    const splitter = new FrameSplitter(1 << 30);
    stuck.on("data", (c: Buffer) => {
      splitter.push(c);
      for (let e = splitter.next(false); e?.kind === "frame"; e = splitter.next(false)) replies.push({ ...header(e.body), length: e.body.length });
    });
    stuck.resume();
    await eventually(() => replies.length === 201, 20_000, "all 200 replies after the client resumed reading");
    expect(replies.slice(1).every((r) => r.xid === 1 && r.err === 0 && r.length > 100_000)).toBe(true);
    stuck.destroy();
  });
});

describe("zk-server: four-letter words", () => {
  it("answers ruok, srvr, stat, mntr, conf and envi when enabled", async () => {
    const s = await start();
    const word = async (w: string) => {
      const r = await exchange(s.port, new TextEncoder().encode(w));
      expect(r.closed).toBe(true);
      return r.data.toString();
    };
    expect(await word("ruok")).toBe("imok");
    const srvr = await word("srvr");
    expect(srvr).toMatch(/^Zookeeper version: 3\.8\.0-quorate.*\nLatency min\/avg\/max: 0\/0\.0\/0\nReceived: \d+\nSent: \d+\nConnections: \d+\nOutstanding: 0\nZxid: 0x0\nMode: standalone\nNode count: 5\n$/);
    expect(await word("stat")).toContain("Clients:\n");
    const mntr = await word("mntr");
    expect(mntr).toContain("zk_server_state\tstandalone\n");
    expect(mntr).toContain("zk_znode_count\t5\n");
    expect(mntr).toContain("zk_approximate_data_size\t44\n");
    expect(await word("conf")).toContain("tickTime=200\nminSessionTimeout=400\nmaxSessionTimeout=4000\n");
    expect(await word("envi")).toMatch(/^Environment:\nzookeeper\.version=3\.8\.0-quorate/);
  });

  it("answers only srvr by default, and says why for the others", async () => {
    const s = await start({ fourLetterWords: new Set(["srvr"]) });
    const r = await exchange(s.port, new TextEncoder().encode("ruok"));
    expect(r.data.toString()).toBe("ruok is not executed because it is not in the whitelist.\n");
    expect((await exchange(s.port, new TextEncoder().encode("srvr"))).data.toString()).toContain("Mode: standalone\n");
  });
});
