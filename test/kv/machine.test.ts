/** The pure KV machine and the etcd JSON translation, against hand-written etcd v3 behaviour. */
import { describe, expect, it } from "vitest";
import { KvMachine, KvRequestError, KvSnapshotError, decodeCommand, encodeCommand, parseKvRequest, responseJson, KvCommandError } from "../../src/adapters/kv/index.js";

const h = { clusterId: "c", memberId: 1, revision: 0, term: 2 };
const b = (s: string): string => Buffer.from(s).toString("base64");

describe("KvMachine", () => {
  it("counts revisions, versions and create revisions like etcd", () => {
    const m = new KvMachine();
    expect(m.apply({ id: "1", type: "put", key: "a", value: "x" }).revision).toBe(1);
    expect(m.apply({ id: "2", type: "put", key: "a", value: "y" }).revision).toBe(2);
    expect(m.apply({ id: "3", type: "put", key: "b", value: "z" }).revision).toBe(3);
    expect(m.range({ key: "a" }).kvs).toEqual([{ key: "a", value: "y", createRevision: 1, modRevision: 2, version: 2 }]);
    // A delete of nothing changes nothing, not even the revision.
    expect(m.apply({ id: "4", type: "delete", key: "q" })).toEqual({ id: "4", revision: 3, result: { type: "delete", deleted: 0 } });
    expect(m.apply({ id: "5", type: "delete", key: "a", rangeEnd: "\0" }).result).toEqual({ type: "delete", deleted: 2 });
    expect(m.revision).toBe(4);
    m.apply({ id: "6", type: "put", key: "a", value: "again" });
    expect(m.range({ key: "a" }).kvs[0]).toMatchObject({ createRevision: 5, version: 1 });
  });

  it("ranges in byte order with limit and count", () => {
    const m = new KvMachine();
    for (const k of ["b", "a", "\u00ff", "c"]) m.apply({ id: k, type: "put", key: k, value: "v" });
    expect(m.range({ key: "a", rangeEnd: "c" }).kvs.map((kv) => kv.key)).toEqual(["a", "b"]);
    expect(m.range({ key: "a", rangeEnd: "\0", limit: 2 })).toMatchObject({ count: 4, more: true });
    expect(m.range({ key: "b", rangeEnd: "\0" }).kvs.map((kv) => kv.key)).toEqual(["b", "c", "\u00ff"]);
  });

  it("txn compares on value (a missing key never matches) and mod_revision (0 when missing); one revision per txn", () => {
    const m = new KvMachine();
    const cas = (id: string, from: string, to: string) =>
      m.apply({ id, type: "txn", compare: [{ key: "k", result: "EQUAL", target: "VALUE", value: from }], success: [{ type: "put", key: "k", value: to }, { type: "put", key: "j", value: to }], failure: [{ type: "range", range: { key: "k" } }] });
    expect(cas("1", "", "a").result).toMatchObject({ succeeded: false });
    expect(m.revision).toBe(0);
    expect(m.apply({ id: "2", type: "txn", compare: [{ key: "k", result: "EQUAL", target: "MOD", number: 0 }], success: [{ type: "put", key: "k", value: "a" }], failure: [] }).result).toMatchObject({ succeeded: true });
    const r = cas("3", "a", "b");
    expect(r).toMatchObject({ revision: 2, result: { succeeded: true } });
    expect(m.range({ key: "j" }).kvs[0]).toMatchObject({ value: "b", modRevision: 2 });
    expect(cas("4", "a", "c").result).toMatchObject({ succeeded: false, responses: [{ type: "range", kvs: [{ value: "b" }] }] });
  });

  it("snapshots and restores the whole store", () => {
    const m = new KvMachine();
    m.apply({ id: "1", type: "put", key: "a", value: "\u0000\u00ff" });
    const n = new KvMachine();
    n.restore(m.snapshot());
    expect(n.revision).toBe(1);
    expect(n.range({ key: "a" }).kvs).toEqual(m.range({ key: "a" }).kvs);
  });

  it("restoring data that is not a store's snapshot is a typed error and leaves the store unchanged", () => {
    const m = new KvMachine();
    m.apply({ id: "1", type: "put", key: "a", value: "1" });
    for (const bad of ["{", "null", JSON.stringify({ rev: 1 }), JSON.stringify({ rev: 1, kvs: [{ key: "a" }] }), JSON.stringify({ rev: "x", kvs: [] })]) {
      expect(() => m.restore(new TextEncoder().encode(bad)), bad).toThrow(KvSnapshotError);
    }
    expect(m.revision).toBe(1);
    expect(m.range({ key: "a" }).kvs.map((kv) => kv.value)).toEqual(["1"]);
  });

  it("commands round-trip through the log encoding and garbage is a typed error", () => {
    const c = { id: "x", type: "put", key: "k", value: "v" } as const;
    expect(decodeCommand(encodeCommand(c))).toEqual(c);
    expect(() => decodeCommand(new Uint8Array([0xff, 1]))).toThrow(KvCommandError);
    expect(() => decodeCommand(new TextEncoder().encode('{"type":"drop"}'))).toThrow(KvCommandError);
  });
});

describe("etcd JSON gateway translation", () => {
  it("parses base64 keys, enum names and numbers, int64 strings", () => {
    expect(parseKvRequest("/v3/kv/put", JSON.stringify({ key: b("k"), value: b("v") }))).toEqual({ kind: "write", op: { type: "put", key: "k", value: "v", prevKv: false } });
    const t = parseKvRequest("/v3/kv/txn", JSON.stringify({ compare: [{ key: b("k"), target: "MOD", mod_revision: "7" }, { key: b("k"), result: 3, target: 3, value: b("v") }], success: [{ request_range: { key: b("k") } }] }));
    expect(t).toMatchObject({ kind: "txn", compare: [{ result: "EQUAL", target: "MOD", number: 7 }, { result: "NOT_EQUAL", target: "VALUE", value: "v" }], success: [{ type: "range" }], failure: [] });
  });

  it("refuses malformed bodies with a typed error", () => {
    for (const [path, body] of [
      ["/v3/kv/put", "{"],
      ["/v3/kv/put", "[]"],
      ["/v3/kv/put", "{}"],
      ["/v3/kv/put", JSON.stringify({ key: "not base64!" })],
      ["/v3/kv/range", JSON.stringify({ key: b("k"), limit: -1 })],
      ["/v3/kv/txn", JSON.stringify({ compare: [{ key: b("k"), target: "LEASE" }] })],
      ["/v3/kv/txn", JSON.stringify({ success: [{}] })],
      ["/v3/kv/txn", JSON.stringify({ success: "x" })],
    ] as const)
      expect(() => parseKvRequest(path, body), `${path} ${body}`).toThrow(KvRequestError);
  });

  it("formats responses as etcd's gateway does (int64 strings, zero fields omitted)", () => {
    const kv = { key: "k", value: "v", createRevision: 1, modRevision: 3, version: 2 };
    expect(responseJson({ type: "range", kvs: [kv], count: 1, more: false }, { ...h, revision: 3 })).toEqual({
      header: { cluster_id: "c", member_id: "1", revision: "3", raft_term: "2" },
      kvs: [{ key: b("k"), value: b("v"), create_revision: "1", mod_revision: "3", version: "2" }],
      count: "1",
    });
    expect(responseJson({ type: "range", kvs: [], count: 0, more: false }, h)).toEqual({ header: { cluster_id: "c", member_id: "1", revision: "0", raft_term: "2" } });
    expect(responseJson({ type: "txn", succeeded: false, responses: [{ type: "put" }] }, h)).toEqual({ header: expect.any(Object), responses: [{ response_put: { header: expect.any(Object) } }] });
  });
});
