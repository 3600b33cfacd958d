// Jute codec properties: decode(encode(x)) = x for every record, and garbage never throws out of a decoder.
// Seeded; replay a failure with: ZKWIRE_SEED=<seed> npx vitest run test/zk-wire/codec.test.ts --coverage=false
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Acl, CreateOpcode, MultiOp, OpResult, Stat } from "../../src/core/zk/index.js";
import { JuteReader, JuteWriter, decodeWith, encodeWith } from "../../src/adapters/zk-wire/jute.js";
import type { Codec } from "../../src/adapters/zk-wire/records.js";
import * as R from "../../src/adapters/zk-wire/records.js";
import type { ClientRequest } from "../../src/core/zk/index.js";
import { FrameSplitter, decodeReplyBody, decodeRequest, encodeNotification, encodeReply, encodeRequest, splitRequest } from "../../src/adapters/zk-wire/protocol.js";

const seed = process.env.ZKWIRE_SEED === undefined ? 20261205 : Number(process.env.ZKWIRE_SEED);
const params = { numRuns: 200, seed };

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const long = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const safeLong = fc.maxSafeInteger().filter((n) => n >= -(2 ** 53) + 1);
const str = fc.string({ unit: "grapheme", maxLength: 12 });
const bytes = fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 24 }));
const strings = fc.array(str, { maxLength: 4 });
const acl: fc.Arbitrary<Acl> = fc.record({ perms: int32, scheme: str, id: str });
const acls = fc.array(acl, { maxLength: 3 });
const stat: fc.Arbitrary<Stat> = fc.record({
  czxid: safeLong,
  mzxid: safeLong,
  ctime: safeLong,
  mtime: safeLong,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: safeLong,
  dataLength: int32,
  numChildren: int32,
  pzxid: safeLong,
});
const createOpcode = fc.constantFrom<CreateOpcode>(1, 15, 19, 21);
const createReq = (opcode: fc.Arbitrary<CreateOpcode>) =>
  fc.record({ opcode, path: str, data: bytes, acl: acls, flags: int32, ttl: safeLong }).map((c) => ({
    type: "create" as const,
    ...c,
    ttl: c.opcode === 21 ? c.ttl : -1,
  }));
const multiOp: fc.Arbitrary<MultiOp> = fc.oneof(
  createReq(createOpcode),
  fc.record({ path: str, version: int32 }).map((d) => ({ type: "delete" as const, ...d })),
  fc.record({ path: str, version: int32 }).map((d) => ({ type: "check" as const, ...d })),
  fc.record({ path: str, data: bytes, version: int32 }).map((d) => ({ type: "setData" as const, ...d })),
  str.map((path) => ({ type: "getData" as const, path })),
  str.map((path) => ({ type: "getChildren" as const, path })),
);
const opResult: fc.Arbitrary<OpResult> = fc.oneof(
  str.map((path) => ({ type: "create" as const, path })),
  fc.record({ path: str, stat }).map((r) => ({ type: "create2" as const, ...r })),
  fc.constant({ type: "delete" as const }),
  fc.constant({ type: "check" as const }),
  stat.map((s) => ({ type: "setData" as const, stat: s })),
  fc.record({ data: bytes, stat }).map((r) => ({ type: "getData" as const, ...r })),
  strings.map((children) => ({ type: "getChildren" as const, children })),
  int32.map((err) => ({ type: "error" as const, err })),
);
const watchLists = { relativeZxid: long, data: strings, exist: strings, child: strings };

const entry = <T>(name: string, codec: Codec<T>, arb: fc.Arbitrary<T>) => [name, codec, arb] as unknown as [string, Codec<unknown>, fc.Arbitrary<unknown>];
// Every record codec with a generator of its values.
const cases: [string, Codec<unknown>, fc.Arbitrary<unknown>][] = [
  entry("Stat", R.StatCodec, stat),
  entry("ACL", R.AclCodec, acl),
  entry("ConnectRequest (no readOnly)", R.ConnectRequestCodec, fc.record({ protocolVersion: int32, lastZxidSeen: long, timeOut: int32, sessionId: long, passwd: bytes })),
  entry("ConnectRequest (readOnly)", R.ConnectRequestCodec, fc.record({ protocolVersion: int32, lastZxidSeen: long, timeOut: int32, sessionId: long, passwd: bytes, readOnly: fc.boolean() })),
  entry("ConnectResponse (no readOnly)", R.ConnectResponseCodec, fc.record({ protocolVersion: int32, timeOut: int32, sessionId: long, passwd: bytes })),
  entry("ConnectResponse (readOnly)", R.ConnectResponseCodec, fc.record({ protocolVersion: int32, timeOut: int32, sessionId: long, passwd: bytes, readOnly: fc.boolean() })),
  entry("RequestHeader", R.RequestHeaderCodec, fc.record({ xid: int32, type: int32 })),
  entry("ReplyHeader", R.ReplyHeaderCodec, fc.record({ xid: int32, zxid: safeLong, err: int32 })),
  entry("MultiHeader", R.MultiHeaderCodec, fc.record({ type: int32, done: fc.boolean(), err: int32 })),
  entry("AuthPacket", R.AuthPacketCodec, fc.record({ type: int32, scheme: str, auth: bytes })),
  entry("SetWatches", R.SetWatchesCodec, fc.record(watchLists)),
  entry("SetWatches2", R.SetWatches2Codec, fc.record({ ...watchLists, persistent: strings, persistentRecursive: strings })),
  entry("WatcherEvent", R.WatcherEventCodec, fc.record({ type: int32, state: int32, path: str })),
  entry("GetACL/Sync/GetAllChildrenNumber/GetEphemerals request, Create/Sync response", R.PathCodec, str),
  entry("GetData/Exists/GetChildren/GetChildren2 request", R.PathWatchCodec, fc.record({ path: str, watch: fc.boolean() })),
  entry("Delete/CheckVersion request", R.PathVersionCodec, fc.record({ path: str, version: int32 })),
  entry("AddWatch/CheckWatches/RemoveWatches request", R.PathIntCodec, fc.record({ path: str, value: int32 })),
  entry("SetData request", R.SetDataCodec, fc.record({ path: str, data: bytes, version: int32 })),
  entry("SetACL request", R.SetAclCodec, fc.record({ path: str, acl: acls, version: int32 })),
  entry("Create request", R.createCodec(1), createReq(fc.constant<CreateOpcode>(1))),
  entry("Create2 request", R.createCodec(15), createReq(fc.constant<CreateOpcode>(15))),
  entry("CreateContainer request", R.createCodec(19), createReq(fc.constant<CreateOpcode>(19))),
  entry("CreateTTL request", R.createCodec(21), createReq(fc.constant<CreateOpcode>(21))),
  entry("Multi/MultiRead request", R.MultiRequestCodec, fc.array(multiOp, { maxLength: 5 })),
  entry("Multi response", R.MultiResponseCodec, fc.array(opResult, { maxLength: 5 })),
  entry("Create2 response", R.Create2ResponseCodec, fc.record({ path: str, stat })),
  entry("GetData response", R.DataResponseCodec, fc.record({ data: bytes, stat })),
  entry("GetChildren response", R.ChildrenResponseCodec, fc.record({ children: strings })),
  entry("GetChildren2 response", R.Children2ResponseCodec, fc.record({ children: strings, stat })),
  entry("GetACL response", R.AclResponseCodec, fc.record({ acl: acls, stat })),
  entry("GetAllChildrenNumber/Error response", R.IntCodec, int32),
  entry("GetEphemerals response", R.StringsCodec, strings),
  entry("WhoAmI response", R.WhoAmICodec, fc.array(fc.record({ scheme: str, user: str }), { maxLength: 3 })),
];

describe("jute records: decode(encode(x)) = x", () => {
  for (const [name, codec, arb] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(arb, (x) => {
          const encoded = encodeWith((w) => codec.write(w, x));
          const decoded = decodeWith(encoded, (r) => {
            const v = codec.read(r);
            expect(r.remaining).toBe(0);
            return v;
          });
          expect(decoded).toEqual({ ok: true, value: x });
        }),
        params,
      );
    });
  }
});

describe("jute decoders never throw on garbage", () => {
  for (const [name, codec, arb] of cases) {
    it(`${name}: random bytes and mutated encodings give a value or a typed error`, () => {
      const mutated = fc.tuple(arb, fc.nat(), fc.nat(255), fc.nat(64)).map(([x, pos, byte, cut]) => {
        const b = encodeWith((w) => codec.write(w, x));
        if (b.length > 0) b[pos % b.length] = byte;
        return b.subarray(0, Math.max(0, b.length - (cut % (b.length + 1))));
      });
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (garbage) => {
          const d = decodeWith(garbage, codec.read);
          if (!d.ok) {
            expect(d.error.name).toBe("JuteError");
            expect(["truncated", "invalid"]).toContain(d.error.reason);
          }
        }),
        params,
      );
    });
  }

  it("decodeRequest never throws for any opcode and body", () => {
    const opcodes = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 17, 18, 19, 21, 22, 100, 101, 103, 104, 105, 106, 107, -11), int32);
    fc.assert(
      fc.property(opcodes, fc.uint8Array({ maxLength: 80 }), (opcode, body) => {
        const req = decodeRequest(opcode, body);
        expect(typeof req.type).toBe("string");
      }),
      params,
    );
  });
});

const clientRequest: fc.Arbitrary<ClientRequest> = fc.oneof(
  createReq(createOpcode),
  fc.record({ path: str, version: int32 }).map((d) => ({ type: "delete" as const, ...d })),
  fc.record({ path: str, data: bytes, version: int32 }).map((d) => ({ type: "setData" as const, ...d })),
  fc.record({ path: str, acl: acls, version: int32 }).map((d) => ({ type: "setACL" as const, ...d })),
  fc.record({ path: str, watch: fc.boolean(), type: fc.constantFrom("exists" as const, "getData" as const) }),
  fc.record({ path: str, watch: fc.boolean(), withStat: fc.boolean() }).map((d) => ({ type: "getChildren" as const, ...d })),
  fc.record({ path: str, type: fc.constantFrom("getACL" as const, "sync" as const, "getAllChildrenNumber" as const) }),
  str.map((prefix) => ({ type: "getEphemerals" as const, prefix })),
  fc.constantFrom({ type: "whoAmI" as const }, { type: "closeSession" as const }),
  fc.record({ type: fc.constantFrom("multi" as const, "multiRead" as const), ops: fc.array(multiOp, { maxLength: 4 }) }),
  fc.record({ type: fc.constantFrom("checkWatches" as const, "removeWatches" as const), path: str, watcherType: fc.constantFrom("CHILDREN" as const, "DATA" as const, "ANY" as const) }),
  fc.record({ path: str, recursive: fc.boolean() }).map((d) => ({ type: "addWatch" as const, ...d })),
  fc.record({ relativeZxid: safeLong, data: strings, exist: strings, child: strings, persistent: strings, persistentRecursive: strings, v2: fc.boolean() }).map(({ relativeZxid, v2, ...l }) => ({
    type: "setWatches" as const,
    relativeZxid,
    lists: v2 ? l : { ...l, persistent: [], persistentRecursive: [] },
    version: v2 ? (2 as const) : (1 as const),
  })),
  fc.record({ scheme: str, auth: fc.string({ maxLength: 12 }) }).map((d) => ({ type: "addAuth" as const, ...d })),
);

describe("requests and replies", () => {
  it("decodeRequest(encodeRequest(r)) = r for every request a client sends", () => {
    fc.assert(
      fc.property(clientRequest, (req) => {
        const { opcode, body } = encodeRequest(req);
        expect(decodeRequest(opcode, body)).toEqual(req);
      }),
      params,
    );
  });

  it("decodeReplyBody reads what encodeReply wrote", () => {
    const s = { czxid: 1, mzxid: 2, ctime: 3, mtime: 4, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8, dataLength: 9, numChildren: 10, pzxid: 11 };
    const cases: [number, import("../../src/core/zk/index.js").ReplyBody][] = [
      [1, { kind: "create", path: "/a" }],
      [15, { kind: "create2", path: "/a", stat: s }],
      [3, { kind: "stat", stat: s }],
      [4, { kind: "data", data: Uint8Array.of(1), stat: s }],
      [8, { kind: "children", children: ["a"] }],
      [12, { kind: "children", children: ["a"], stat: s }],
      [6, { kind: "acl", acl: [{ perms: 31, scheme: "world", id: "anyone" }], stat: s }],
      [9, { kind: "path", path: "/" }],
      [14, { kind: "multi", results: [{ type: "check" }, { type: "error", err: -101 }] }],
      [103, { kind: "ephemerals", paths: ["/e"] }],
      [104, { kind: "number", number: 3 }],
      [107, { kind: "whoAmI", clientInfo: [{ scheme: "ip", user: "127.0.0.1" }] }],
    ];
    for (const [opcode, body] of cases) {
      const frame = encodeReply(1, { err: 0, zxid: 2, body });
      expect(decodeReplyBody(opcode, 0, frame.subarray(20))).toEqual({ ok: true, value: body });
    }
    expect(decodeReplyBody(4, -101, new Uint8Array(0))).toEqual({ ok: true, value: undefined });
    expect(decodeReplyBody(4, 0, Uint8Array.of(0, 0))).toMatchObject({ ok: false });
  });
});

describe("jute primitives", () => {
  it("encodes big-endian with the layouts of zookeeper.jute", () => {
    const w = new JuteWriter(1);
    w.int(0x01020304).long(-2n).bool(true).buffer(null).ustring("é").vector(null, () => undefined);
    expect([...w.bytes()]).toEqual([1, 2, 3, 4, 255, 255, 255, 255, 255, 255, 255, 254, 1, 255, 255, 255, 255, 0, 0, 0, 2, 0xc3, 0xa9, 255, 255, 255, 255]);
  });

  it("writes a long given as a number as DataView.setBigInt64 writes it (safe integers, either sign; a writer growing from nothing)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(safeLong, fc.constantFrom(0, -0, -1, 2 ** 32, -(2 ** 32), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1)), { maxLength: 6 }), (values) => {
        const w = new JuteWriter(1);
        const expected = new Uint8Array(8 * values.length);
        values.forEach((v, i) => {
          w.long(v);
          new DataView(expected.buffer).setBigInt64(8 * i, BigInt(v));
        });
        expect(w.bytes()).toEqual(expected);
      }),
      params,
    );
  });

  it("a finished frame is a plain Uint8Array holding exactly the bytes written, whatever memory it shares", () => {
    const a = encodeReply(7, { err: 0, zxid: 5, body: { kind: "path", path: "/a" } });
    const b = encodeReply(8, { err: 0, zxid: 6, body: { kind: "path", path: "/b" } });
    expect(a.constructor).toBe(Uint8Array);
    expect([...a]).toEqual([0, 0, 0, 22, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0x2f, 0x61]);
    expect([...b.subarray(0, 8)]).toEqual([0, 0, 0, 22, 0, 0, 0, 8]);
    // A copy taken with bytes() does not change when the writer's memory is reused.
    const w = new JuteWriter(16).int(1);
    const copy = w.bytes();
    w.patchInt(0, 2);
    expect([...copy]).toEqual([0, 0, 0, 1]);
  });

  it("reports truncation and impossible lengths as typed errors", () => {
    expect(decodeWith(Uint8Array.of(0, 0, 0), (r) => r.int())).toMatchObject({ ok: false, error: { reason: "truncated", offset: 0 } });
    expect(decodeWith(Uint8Array.of(255, 255, 255, 254), (r) => r.buffer())).toMatchObject({ ok: false, error: { reason: "invalid" } });
    expect(decodeWith(Uint8Array.of(0, 0, 0, 9, 1), (r) => r.buffer())).toMatchObject({ ok: false, error: { reason: "truncated", offset: 4 } });
    // A vector claiming two billion elements is refused before allocating.
    expect(decodeWith(Uint8Array.of(0x7f, 255, 255, 255), (r) => r.strings())).toMatchObject({ ok: false, error: { reason: "truncated" } });
    expect(new JuteReader(Uint8Array.of(2)).bool()).toBe(true);
    expect(() => new JuteWriter().int(2 ** 31)).toThrow(RangeError);
  });

  it("a ConnectRequest without the readOnly byte is what node-zookeeper-client sends (44 bytes with a 16-byte password)", () => {
    const c = { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: new Uint8Array(16) };
    expect(encodeWith((w) => R.ConnectRequestCodec.write(w, c)).length).toBe(44);
    expect(encodeWith((w) => R.ConnectRequestCodec.write(w, { ...c, readOnly: false })).length).toBe(45);
  });
});

describe("protocol", () => {
  it("decodes request bodies into the core's requests", () => {
    const getData = encodeWith((w) => R.PathWatchCodec.write(w, { path: "/a", watch: true }));
    expect(decodeRequest(4, getData)).toEqual({ type: "getData", path: "/a", watch: true });
    expect(decodeRequest(12, getData)).toEqual({ type: "getChildren", path: "/a", watch: true, withStat: true });
    expect(decodeRequest(8, getData)).toEqual({ type: "getChildren", path: "/a", watch: true, withStat: false });
    expect(decodeRequest(106, encodeWith((w) => R.PathIntCodec.write(w, { path: "/a", value: 1 })))).toEqual({ type: "addWatch", path: "/a", recursive: true });
    expect(decodeRequest(106, encodeWith((w) => R.PathIntCodec.write(w, { path: "/a", value: 7 })))).toMatchObject({ type: "undecodable", reason: "malformed" });
    expect(decodeRequest(17, encodeWith((w) => R.PathIntCodec.write(w, { path: "/a", value: 2 })))).toEqual({ type: "checkWatches", path: "/a", watcherType: "DATA" });
    expect(decodeRequest(18, encodeWith((w) => R.PathIntCodec.write(w, { path: "/a", value: 0 })))).toMatchObject({ type: "undecodable" });
    expect(decodeRequest(100, encodeWith((w) => R.AuthPacketCodec.write(w, { type: 0, scheme: "digest", auth: new TextEncoder().encode("u:p") })))).toEqual({
      type: "addAuth",
      scheme: "digest",
      auth: "u:p",
    });
    expect(decodeRequest(4, Uint8Array.of(0, 0, 0, 5, 47))).toMatchObject({ type: "undecodable", reason: "malformed", opcode: 4 });
    expect(decodeRequest(102, new Uint8Array())).toMatchObject({ type: "undecodable", reason: "unsupported" });
    // Trailing bytes are ignored, as jute does.
    expect(decodeRequest(9, Uint8Array.of(0, 0, 0, 1, 47, 9, 9))).toEqual({ type: "sync", path: "/" });
  });

  it("encodes replies and notifications as ZooKeeper does", () => {
    expect([...encodeReply(7, { err: -101, zxid: 5 })]).toEqual([0, 0, 0, 16, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 5, 255, 255, 255, 0x9b]);
    const n = encodeNotification("NodeChildrenChanged", "/a");
    // length 30: header xid −1, zxid −1, err 0; type 4, state 3 (SyncConnected), path "/a"
    expect([...n]).toEqual([0, 0, 0, 30, 255, 255, 255, 255, ...Array(8).fill(255), 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 2, 47, 97]);
  });

  it("splits frames across chunk boundaries, spots four-letter words only before the handshake, and refuses oversized lengths", () => {
    const s = new FrameSplitter(10);
    s.push(Uint8Array.of(0, 0, 0, 2, 7));
    expect(s.next(false)).toBeUndefined();
    s.push(Uint8Array.of(8, 0, 0, 0, 0, 0));
    expect(s.next(false)).toEqual({ kind: "frame", body: Uint8Array.of(7, 8) });
    expect(s.next(false)).toEqual({ kind: "frame", body: new Uint8Array() });
    expect(s.next(false)).toBeUndefined();
    expect(s.buffered).toBe(1);
    const w = new FrameSplitter(10);
    w.push(new TextEncoder().encode("ruok"));
    expect(w.next(true)).toEqual({ kind: "fourLetterWord", word: "ruok" });
    const after = new FrameSplitter(1 << 30);
    after.push(new TextEncoder().encode("ruok"));
    expect(after.next(false)).toEqual({ kind: "oversized", length: 0x72756f6b });
    const big = new FrameSplitter(10);
    big.push(Uint8Array.of(0, 0, 0, 11));
    expect(big.next(false)).toEqual({ kind: "oversized", length: 11 });
    expect(big.next(false)).toBeUndefined();
    const neg = new FrameSplitter(10);
    neg.push(Uint8Array.of(255, 0, 0, 0));
    expect(neg.next(false)).toMatchObject({ kind: "oversized" });
    expect(splitRequest(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 4, 9))).toEqual({ ok: true, value: { xid: 1, opcode: 4, body: Uint8Array.of(9) } });
    expect(splitRequest(Uint8Array.of(0, 0))).toMatchObject({ ok: false });
  });
});
