// Unit tests of the ZooKeeper core: paths, bytes, ACLs, the tree, transactions, reads, sessions, reaper, frames.
// Expected values are ZooKeeper 3.8's (codes, Stat fields, order of checks), written out by hand.
import { describe, expect, it } from "vitest";
import type { Acl, AuthId, CreateRequest, Reply, Transaction, WriteRequest, ZkTree } from "../../src/core/zk/index.js";
import {
  Code,
  OPEN_ACL_UNSAFE,
  ZkError,
  aclAllows,
  applyTransaction,
  assertTreeInvariants,
  authIdFor,
  clientInfo,
  cloneTree,
  codeName,
  createSessionTracker,
  createTree,
  dataEquals,
  digestId,
  expireSessions,
  fitsFrameLimit,
  fixupAcl,
  fromBase64,
  fromUtf8,
  getNode,
  isKnownAuthScheme,
  isValidPath,
  negotiateTimeout,
  nextBoundary,
  parentOf,
  pathAndParents,
  pathProblem,
  read,
  reapCandidates,
  requestFrameLength,
  sha1,
  statOf,
  step,
  toBase64,
  touchSession,
  trackSession,
  untrackSession,
  utf8,
  createWatchRegistry,
} from "../../src/core/zk/index.js";

const S = 7;
function fresh(): ZkTree {
  const tree = createTree();
  apply(tree, { type: "createSession", sessionId: S, password: "pw", timeoutMs: 4000 });
  return tree;
}
function apply(tree: ZkTree, request: WriteRequest, auth: readonly AuthId[] = [], sessionId = S, time = 1000 + tree.lastZxid): Reply {
  const txn: Transaction = { zxid: tree.lastZxid + 1, time, sessionId, auth, request };
  return applyTransaction(tree, txn).reply;
}
function create(path: string, extra: Partial<CreateRequest> = {}): CreateRequest {
  return { type: "create", opcode: 1, path, data: utf8("d"), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1, ...extra };
}
const digest: AuthId = { scheme: "digest", id: digestId("user:pass") };

describe("paths (PathUtils.validatePath)", () => {
  it.each([
    ["", "path length must be > 0"],
    ["a", "path must start with / character"],
    ["/a/", "path must not end with / character"],
    ["//a", "empty node name specified @1"],
    ["/a\u0000", "null character not allowed @2"],
    ["/.", "relative paths not allowed @1"],
    ["/..", "relative paths not allowed @2"],
    ["/a/./b", "relative paths not allowed @3"],
    ["/a/../b", "relative paths not allowed @4"],
    ["/a\u0001", "invalid character @2"],
    ["/a\u009f", "invalid character @2"],
    ["/a\ud800", "invalid character @2"],
    ["/a\uffff", "invalid character @2"],
  ])("%j is refused: %s", (path, reason) => {
    expect(pathProblem(path)).toBe(reason);
    expect(isValidPath(path)).toBe(false);
  });
  it.each(["/", "/a", "/.a", "/..a", "/a.", "/a b", "/été", "/a/b/c"])("%j is valid", (path) => expect(isValidPath(path)).toBe(true));
  it("computes parents the way ZooKeeper does", () => {
    expect(parentOf("/a")).toBe("");
    expect(parentOf("/a/b")).toBe("/a");
    expect(parentOf("ab")).toBeUndefined();
    expect([...pathAndParents("/a/b/c")]).toEqual(["/a/b/c", "/a/b", "/a", "/"]);
    expect([...pathAndParents("/")]).toEqual(["/"]);
  });
});

describe("bytes", () => {
  it("SHA-1 matches the FIPS test vectors", () => {
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    expect(hex(sha1(utf8("abc")))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hex(sha1(utf8("")))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(hex(sha1(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe("84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  });
  it("digest ids are user:base64(sha1(user:password)) as in the golden transcript", () => {
    expect(digestId("user:pass")).toBe("user:smGaoVKd/cQkjm7b88GyorAUz20=");
    expect(digestId("nocolon")).toMatch(/^nocolon:/);
  });
  it("base64 round-trips and refuses non-base64", () => {
    for (const n of [0, 1, 2, 3, 4, 5]) {
      const b = Uint8Array.from({ length: n }, (_, i) => i * 51);
      expect(fromBase64(toBase64(b))).toEqual(b);
    }
    expect(toBase64(Uint8Array.of(0, 1, 2, 255))).toBe("AAEC/w==");
    expect(fromBase64("abc")).toBeUndefined();
    expect(fromBase64("a$==")).toBeUndefined();
    expect(fromUtf8(utf8("été"))).toBe("été");
  });
  it("compares data by bytes, null only with null", () => {
    expect(dataEquals(null, null)).toBe(true);
    expect(dataEquals(null, new Uint8Array(0))).toBe(false);
    expect(dataEquals(utf8("ab"), utf8("ab"))).toBe(true);
    expect(dataEquals(utf8("ab"), utf8("ac"))).toBe(false);
    expect(dataEquals(utf8("ab"), utf8("abc"))).toBe(false);
  });
  it("counts UTF-8 lengths like the encoder, surrogate pairs included", () => {
    for (const s of ["", "a", "é", "€", "😀", "a\ud800b", "\udc00"]) expect(requestFrameLength({ type: "sync", path: s })).toBe(12 + utf8(s).length);
  });
});

describe("codes and errors", () => {
  it("names codes and builds typed errors that say what to do", () => {
    expect(codeName(-101)).toBe("NONODE");
    expect(codeName(12345)).toBeUndefined();
    const e = new ZkError(Code.NOTEMPTY, "/a", 5);
    expect(e).toMatchObject({ code: -111, codeName: "NOTEMPTY", path: "/a", zxid: 5 });
    expect(e.message).toMatch(/NOTEMPTY \(-111\) for "\/a": delete the node's children first/);
    expect(new ZkError(-9999).codeName).toBe("UNKNOWN");
    expect(new ZkError(Code.SYSTEMERROR).message).toMatch(/KeeperException/);
  });
});

describe("ACLs", () => {
  it("fixupACL: duplicates, empty, world, auth expansion, providers", () => {
    const world = { perms: 31, scheme: "world", id: "anyone" };
    expect(fixupAcl([world, world], [])).toEqual({ ok: true, acl: [world] });
    expect(fixupAcl([], [])).toEqual({ ok: false, code: Code.INVALIDACL });
    expect(fixupAcl([{ perms: 31, scheme: "world", id: "someone" }], [])).toEqual({ ok: false, code: Code.INVALIDACL });
    expect(fixupAcl([{ perms: 31, scheme: "auth", id: "" }], [{ scheme: "ip", id: "127.0.0.1" }])).toEqual({ ok: false, code: Code.INVALIDACL });
    expect(fixupAcl([{ perms: 5, scheme: "auth", id: "" }], [{ scheme: "ip", id: "127.0.0.1" }, digest])).toEqual({ ok: true, acl: [{ perms: 5, ...digest }] });
    for (const id of ["user:hash", ":x"]) expect(fixupAcl([{ perms: 1, scheme: "digest", id }], []).ok).toBe(true);
    for (const id of ["nocolon", "user:", "a:b:c", ""]) expect(fixupAcl([{ perms: 1, scheme: "digest", id }], []).ok).toBe(false);
    for (const id of ["10.0.0.1", "10.0.0.0/8", "::1", "fe80::1/64", "1:2:3:4:5:6:7:8"]) expect(fixupAcl([{ perms: 1, scheme: "ip", id }], []).ok).toBe(true);
    for (const id of ["10.0.0", "256.0.0.1", "10.0.0.1/33", "10.0.0.1/x", "1::2::3", "1:2:3", "gggg::1", "x"]) expect(fixupAcl([{ perms: 1, scheme: "ip", id }], []).ok).toBe(false);
    expect(fixupAcl([{ perms: 1, scheme: "sasl", id: "x" }], []).ok).toBe(false);
  });
  it("checkACL: permission bits, world, ip masks, digest, super, empty ACL", () => {
    const ip = [{ scheme: "ip", id: "10.1.2.3" }];
    expect(aclAllows([], 31, [])).toBe(true);
    expect(aclAllows([{ perms: 1, scheme: "world", id: "anyone" }], 2, ip)).toBe(false);
    expect(aclAllows([{ perms: 3, scheme: "world", id: "anyone" }], 2, ip)).toBe(true);
    expect(aclAllows([{ perms: 31, scheme: "ip", id: "10.0.0.0/8" }], 1, ip)).toBe(true);
    expect(aclAllows([{ perms: 31, scheme: "ip", id: "10.1.2.0/24" }], 1, ip)).toBe(true);
    expect(aclAllows([{ perms: 31, scheme: "ip", id: "10.1.3.0/24" }], 1, ip)).toBe(false);
    expect(aclAllows([{ perms: 31, scheme: "ip", id: "10.1.2.3/x" }], 1, ip)).toBe(false);
    expect(aclAllows([{ perms: 31, scheme: "ip", id: "::1" }], 1, ip)).toBe(false);
    expect(aclAllows([{ perms: 31, scheme: "ip", id: "bad" }], 1, ip)).toBe(false);
    expect(aclAllows([{ perms: 31, ...digest }], 1, [digest])).toBe(true);
    expect(aclAllows([{ perms: 31, ...digest }], 1, ip)).toBe(false);
    expect(aclAllows([{ perms: 31, scheme: "nosuch", id: "x" }], 1, [{ scheme: "nosuch", id: "x" }])).toBe(false);
    expect(aclAllows([{ perms: 1, scheme: "digest", id: "x:y" }], 1, [{ scheme: "super", id: "" }])).toBe(true);
  });
  it("addAuth ids and whoAmI", () => {
    expect(authIdFor("digest", "user:pass")).toEqual(digest);
    expect(authIdFor("ip", "ignored", "10.0.0.9")).toEqual({ scheme: "ip", id: "10.0.0.9" });
    expect(authIdFor("world", "anyone")).toBeUndefined();
    expect(isKnownAuthScheme("digest") && isKnownAuthScheme("ip") && !isKnownAuthScheme("sasl")).toBe(true);
    expect(clientInfo([{ scheme: "ip", id: "127.0.0.1" }, digest, { scheme: "odd", id: "z" }])).toEqual([
      { scheme: "ip", user: "127.0.0.1" },
      { scheme: "digest", user: "user" },
      { scheme: "odd", user: "z" },
    ]);
  });
});

describe("the fresh tree", () => {
  it("holds the system nodes with ZooKeeper's odd Stats (root cversion −1, /zookeeper −2, config aversion −1)", () => {
    const tree = createTree();
    expect(statOf(getNode(tree, "/")!)).toMatchObject({ cversion: -1, numChildren: 1, czxid: 0, ctime: 0 });
    expect(statOf(getNode(tree, "")!)).toEqual(statOf(getNode(tree, "/")!));
    expect(statOf(getNode(tree, "/zookeeper")!)).toMatchObject({ cversion: -2, numChildren: 2 });
    expect(statOf(getNode(tree, "/zookeeper/config")!)).toMatchObject({ aversion: -1 });
    assertTreeInvariants(tree);
  });
  it("detects broken invariants", () => {
    const broken = [
      (t: ZkTree) => getNode(t, "/")!.children.add("ghost"),
      (t: ZkTree) => t.nodes.set("/orphan", { ...getNode(t, "/zookeeper/quota")!, children: new Set() }),
      (t: ZkTree) => t.containers.add("/zookeeper"),
      (t: ZkTree) => t.ttls.add("/zookeeper"),
      (t: ZkTree) => t.ephemerals.set(9, new Set(["/zookeeper"])),
      (t: ZkTree) => (getNode(t, "/zookeeper")!.mzxid = 99),
      (t: ZkTree) => {
        apply(t, create("/e", { flags: 1 }));
        getNode(t, "/e")!.children.add("x");
        t.nodes.set("/e/x", { ...getNode(t, "/zookeeper/quota")!, children: new Set() });
      },
      (t: ZkTree) => {
        apply(t, create("/e", { flags: 1 }));
        t.ephemerals.clear();
      },
      (t: ZkTree) => {
        apply(t, create("/p"));
        getNode(t, "/p")!.cversion = -5;
      },
    ];
    for (const breakIt of broken) {
      const tree = fresh();
      breakIt(tree);
      expect(() => assertTreeInvariants(tree)).toThrow(/zk tree invariant violated/);
    }
  });
  it("clones deeply", () => {
    const tree = fresh();
    apply(tree, create("/e", { flags: 1 }));
    const copy = cloneTree(tree);
    apply(tree, create("/f"));
    expect(copy.nodes.has("/f")).toBe(false);
    expect(getNode(copy, "/")!.children.has("f")).toBe(false);
    expect(copy.ephemerals.get(S)).toEqual(new Set(["/e"]));
  });
});

describe("transactions", () => {
  it("refuses a zxid that does not follow (a bug, not bad input)", () => {
    const tree = fresh();
    expect(() => applyTransaction(tree, { zxid: tree.lastZxid, time: 1, sessionId: S, auth: [], request: create("/x") })).toThrow(/does not follow/);
    expect(() => applyTransaction(tree, { zxid: 1.5, time: 1, sessionId: S, auth: [], request: create("/x") })).toThrow(/does not follow/);
    expect(() => apply(tree, { type: "createSession", sessionId: S, password: "x", timeoutMs: 1 })).toThrow(/created twice/);
  });
  it("create: flags, TTL range, session, ACL, NONODE, NOAUTH, BADARGUMENTS, NODEEXISTS, ephemeral parent", () => {
    const tree = fresh();
    const cases: [CreateRequest, number, AuthId[]?, number?][] = [
      [create("/x", { flags: 7 }), Code.BADARGUMENTS],
      [create("/x", { flags: 1.5 }), Code.BADARGUMENTS],
      [create("/x", { flags: 5, opcode: 21, ttl: 0 }), Code.BADARGUMENTS],
      [create("/x", { flags: 5, opcode: 21, ttl: 2 ** 40 }), Code.BADARGUMENTS],
      [create("/x", { flags: 5, opcode: 1 }), Code.BADARGUMENTS],
      [create("/x", { flags: 0, opcode: 21, ttl: 10 }), Code.BADARGUMENTS],
      [create("/x", { flags: 0, opcode: 21, ttl: -1 }), Code.BADARGUMENTS],
      [create("/x"), Code.SESSIONEXPIRED, [], 999],
      [create("x"), Code.BADARGUMENTS],
      [create("/x\u0000"), Code.BADARGUMENTS],
      [create("/x", { acl: [] }), Code.INVALIDACL],
      [create("/nope/x"), Code.NONODE],
      [create("/zookeeper/config/x"), Code.NOAUTH],
      [create("/x/"), Code.NONODE],
      [create("/."), Code.BADARGUMENTS],
      [create("/zookeeper"), Code.NODEEXISTS],
      [create("/x", { data: new Uint8Array(1_048_576) }), Code.BADARGUMENTS],
    ];
    for (const [req, code, auth, session] of cases) expect(apply(tree, req, auth ?? [], session ?? S)).toEqual({ err: code, zxid: tree.lastZxid });
    apply(tree, create("/e", { flags: 1 }));
    expect(apply(tree, create("/e/x")).err).toBe(Code.NOCHILDRENFOREPHEMERALS);
    assertTreeInvariants(tree);
  });
  it("create: the opcode decides the kind of node and the reply", () => {
    const tree = fresh();
    expect(apply(tree, create("/c", { opcode: 19, flags: 4 })).body).toMatchObject({ kind: "create2", path: "/c" });
    expect(tree.containers.has("/c")).toBe(true);
    expect(apply(tree, create("/t", { opcode: 21, flags: 5, ttl: 50 })).body).toMatchObject({ kind: "create2", stat: { ephemeralOwner: 0 } });
    expect(tree.ttls.has("/t")).toBe(true);
    // Container flags on a plain create make a persistent node (ZooKeeper only looks at the opcode).
    apply(tree, create("/p", { opcode: 15, flags: 4 }));
    expect(getNode(tree, "/p")!.owner).toEqual({ kind: "persistent" });
    expect(apply(tree, create("/s-", { flags: 3 })).body).toEqual({ kind: "create", path: "/s-0000000003" });
    expect(getNode(tree, "/s-0000000003")!.owner).toEqual({ kind: "ephemeral", session: S });
  });
  it("a node in the way of the next sequential name blocks sequential creates (the counter does not move)", () => {
    const tree = fresh();
    apply(tree, create("/q"));
    apply(tree, create("/q/n-0000000001"));
    expect(apply(tree, create("/q/n-", { flags: 2 })).err).toBe(Code.NODEEXISTS);
    expect(apply(tree, create("/q/n-", { flags: 2 })).err).toBe(Code.NODEEXISTS);
    expect(getNode(tree, "/q")!.cversion).toBe(1);
  });
  it("delete: special paths, NONODE for parent and node, NOAUTH, BADVERSION before NOTEMPTY", () => {
    const tree = fresh();
    apply(tree, create("/p"));
    apply(tree, create("/p/c"));
    apply(tree, create("/locked", { acl: [{ perms: 1, scheme: "world", id: "anyone" }] }));
    apply(tree, create("/locked2", { acl: [{ perms: 31, scheme: "world", id: "anyone" }] }));
    const cases: [string, number, number, number?][] = [
      ["/", -1, Code.BADARGUMENTS],
      ["/zookeeper/quota", -1, Code.BADARGUMENTS],
      ["nope", -1, Code.BADARGUMENTS],
      ["/a\u0000", -1, Code.BADARGUMENTS],
      ["/nope/x", -1, Code.NONODE],
      ["/nope", 3, Code.NONODE],
      ["/p", 3, Code.BADVERSION],
      ["/p", 0, Code.NOTEMPTY],
      ["/p/c", -1, Code.SESSIONEXPIRED, 999],
    ];
    for (const [path, version, code, session] of cases) expect(apply(tree, { type: "delete", path, version }, [], session ?? S).err).toBe(code);
    apply(tree, { type: "setACL", path: "/", acl: [{ perms: 1, scheme: "world", id: "anyone" }], version: -1 });
    expect(apply(tree, { type: "delete", path: "/locked2", version: -1 }).err).toBe(Code.NOAUTH);
    expect(apply(tree, { type: "delete", path: "/p/c", version: 0 }).err).toBe(Code.OK);
  });
  it("setData and setACL: checks, Stat changes, aversion, masking", () => {
    const tree = fresh();
    apply(tree, create("/n"));
    expect(apply(tree, { type: "setData", path: "/n/", data: null, version: -1 }).err).toBe(Code.BADARGUMENTS);
    expect(apply(tree, { type: "setData", path: "/m", data: null, version: -1 }).err).toBe(Code.NONODE);
    expect(apply(tree, { type: "setData", path: "/n", data: null, version: 5 }).err).toBe(Code.BADVERSION);
    expect(apply(tree, { type: "setData", path: "/n", data: null, version: -1 }, [], 999).err).toBe(Code.SESSIONEXPIRED);
    expect(apply(tree, { type: "setData", path: "/n", data: new Uint8Array(1_048_576), version: -1 }).err).toBe(Code.BADARGUMENTS);
    const r = apply(tree, { type: "setData", path: "/n", data: null, version: 0 });
    expect(r.body).toMatchObject({ kind: "stat", stat: { version: 1, dataLength: 0, mzxid: tree.lastZxid } });
    const acl: Acl[] = [{ perms: 31, ...digest }];
    expect(apply(tree, { type: "setACL", path: "/n", acl: [], version: -1 }).err).toBe(Code.INVALIDACL);
    expect(apply(tree, { type: "setACL", path: "n", acl, version: -1 }).err).toBe(Code.BADARGUMENTS);
    expect(apply(tree, { type: "setACL", path: "/m", acl, version: -1 }).err).toBe(Code.NONODE);
    expect(apply(tree, { type: "setACL", path: "/n", acl, version: 3 }).err).toBe(Code.BADVERSION);
    expect(apply(tree, { type: "setACL", path: "/n", acl, version: -1 }, [], 999).err).toBe(Code.SESSIONEXPIRED);
    const mzxid = getNode(tree, "/n")!.mzxid;
    expect(apply(tree, { type: "setACL", path: "/n", acl, version: 0 }).body).toMatchObject({ stat: { aversion: 1, mzxid } });
    expect(apply(tree, { type: "setACL", path: "/n", acl: OPEN_ACL_UNSAFE, version: -1 }).err).toBe(Code.NOAUTH);
    expect(apply(tree, { type: "setData", path: "/n", data: null, version: -1 }).err).toBe(Code.NOAUTH);
    expect(read(tree, S, [], { type: "getACL", path: "/n" }).reply.err).toBe(Code.NOAUTH);
    const ro = [{ perms: 1, ...digest }, { perms: 16, scheme: "digest", id: "admin:x" }];
    apply(tree, create("/r", { acl: ro }));
    expect(read(tree, S, [digest], { type: "getACL", path: "/r" }).reply.body).toMatchObject({ acl: [{ id: "user:x" }, { id: "admin:x" }] });
    expect(read(tree, S, [{ scheme: "digest", id: "admin:x" }], { type: "getACL", path: "/r" }).reply.body).toMatchObject({ acl: ro });
  });
  it("multi: reads are MARSHALLINGERROR, failures undo everything and fire nothing, create2 travels as create", () => {
    const tree = fresh();
    expect(apply(tree, { type: "multi", ops: [{ type: "getData", path: "/" }] })).toEqual({ err: Code.MARSHALLINGERROR, zxid: tree.lastZxid });
    const before = cloneTree(tree);
    const r = applyTransaction(tree, {
      zxid: tree.lastZxid + 1,
      time: 5,
      sessionId: S,
      auth: [],
      request: {
        type: "multi",
        ops: [create("/a", { flags: 2 }), create("/b", { flags: 1 }), { type: "setData", path: "/a0000000000", data: null, version: -1 }, { type: "delete", path: "/zookeeper", version: -1 }, { type: "check", path: "/", version: 0 }],
      },
    });
    expect(r.changes).toEqual([]);
    expect(r.reply.body).toEqual({ kind: "multi", results: [0, 0, 0, Code.BADARGUMENTS, Code.RUNTIMEINCONSISTENCY].map((err) => ({ type: "error", err })) });
    expect([...tree.nodes.keys()]).toEqual([...before.nodes.keys()]);
    expect(getNode(tree, "/")!.cversion).toBe(0);
    expect(tree.ephemerals.size).toBe(0);
    const ok = apply(tree, { type: "multi", ops: [create("/c", { opcode: 15 }), create("/k", { opcode: 19, flags: 4 }), create("/t", { opcode: 21, flags: 5, ttl: 9 }), { type: "check", path: "/c", version: 0 }] });
    expect(ok.body).toMatchObject({ kind: "multi", results: [{ type: "create", path: "/c" }, { type: "create2", path: "/k" }, { type: "create2", path: "/t" }, { type: "check" }] });
    expect(apply(tree, { type: "multi", ops: [{ type: "check", path: "/c", version: -1 }] }, [], 999).body).toMatchObject({ results: [{ err: Code.SESSIONEXPIRED }] });
    for (const [path, code] of [["c", Code.BADARGUMENTS], ["/none", Code.NONODE], ["/zookeeper/config", Code.OK]] as const) {
      expect(apply(tree, { type: "multi", ops: [{ type: "check", path, version: -1 }] }).body).toMatchObject({ results: [{ type: code === 0 ? "check" : "error" }] });
    }
    apply(tree, create("/secret", { acl: [{ perms: 2, scheme: "world", id: "anyone" }] }));
    expect(apply(tree, { type: "multi", ops: [{ type: "check", path: "/secret", version: -1 }] }).body).toMatchObject({ results: [{ err: Code.NOAUTH }] });
    assertTreeInvariants(tree);
  });
  it("closeSession deletes the session's ephemerals; reconfig and malformed requests still use a zxid", () => {
    const tree = fresh();
    apply(tree, create("/p"));
    apply(tree, create("/p/e", { flags: 1 }));
    apply(tree, create("/e2", { flags: 1 }));
    const r = applyTransaction(tree, { zxid: tree.lastZxid + 1, time: 9, sessionId: S, auth: [], request: { type: "closeSession" } });
    expect(r.changes).toEqual([{ change: "deleted", path: "/p/e" }, { change: "deleted", path: "/e2" }]);
    expect(tree.sessions.has(S)).toBe(false);
    expect(getNode(tree, "/p")!.pzxid).toBe(tree.lastZxid);
    expect(apply(tree, { type: "reconfig" })).toEqual({ err: Code.RECONFIGDISABLED, zxid: tree.lastZxid });
    expect(apply(tree, { type: "malformed", code: Code.MARSHALLINGERROR })).toEqual({ err: Code.MARSHALLINGERROR, zxid: tree.lastZxid });
  });
  it("deleteContainer: checks and removal", () => {
    const tree = fresh();
    apply(tree, create("/c", { opcode: 19, flags: 4 }));
    apply(tree, create("/c/x"));
    apply(tree, create("/e", { flags: 1 }));
    const del = (path: string) => apply(tree, { type: "deleteContainer", path }, [], 0).err;
    expect(del("/")).toBe(Code.BADARGUMENTS);
    expect(del("x")).toBe(Code.BADARGUMENTS);
    expect(del("/none")).toBe(Code.NONODE);
    expect(del("/c")).toBe(Code.NOTEMPTY);
    expect(del("/e")).toBe(Code.BADVERSION);
    expect(del("/c/x")).toBe(Code.OK);
    expect(del("/c")).toBe(Code.OK);
    expect(tree.containers.size).toBe(0);
  });
});

describe("reads", () => {
  it("answers every read with the last zxid, checks ACLs, leaves watches where ZooKeeper does", () => {
    const tree = fresh();
    apply(tree, create("/a"));
    apply(tree, create("/a/b"));
    apply(tree, create("/a/b/c", { flags: 1 }));
    apply(tree, create("/s", { acl: [{ perms: 2, scheme: "world", id: "anyone" }] }));
    const z = tree.lastZxid;
    const r = (req: Parameters<typeof read>[3], auth: AuthId[] = []) => read(tree, S, auth, req);
    expect(r({ type: "exists", path: "/x\u0000", watch: true })).toEqual({ reply: { err: Code.BADARGUMENTS, zxid: z } });
    expect(r({ type: "exists", path: "/none", watch: true })).toEqual({ reply: { err: Code.NONODE, zxid: z }, watch: { table: "data", path: "/none" } });
    expect(r({ type: "exists", path: "", watch: false }).reply.body).toMatchObject({ stat: { numChildren: 3 } });
    expect(r({ type: "getData", path: "/none", watch: true })).toEqual({ reply: { err: Code.NONODE, zxid: z } });
    expect(r({ type: "getData", path: "/s", watch: true }).reply.err).toBe(Code.NOAUTH);
    expect(r({ type: "getData", path: "/a", watch: true }).watch).toEqual({ table: "data", path: "/a" });
    expect(r({ type: "getChildren", path: "/none", watch: true, withStat: false }).reply.err).toBe(Code.NONODE);
    expect(r({ type: "getChildren", path: "/s", watch: true, withStat: true }).reply.err).toBe(Code.NOAUTH);
    expect(r({ type: "getChildren", path: "/", watch: true, withStat: false })).toEqual({ reply: { err: 0, zxid: z, body: { kind: "children", children: ["a", "s", "zookeeper"] } }, watch: { table: "child", path: "/" } });
    expect(r({ type: "getACL", path: "/none" }).reply.err).toBe(Code.NONODE);
    expect(r({ type: "getAllChildrenNumber", path: "/none" }).reply.err).toBe(Code.NONODE);
    expect(r({ type: "getAllChildrenNumber", path: "/s" }).reply.err).toBe(Code.NOAUTH);
    expect(r({ type: "getAllChildrenNumber", path: "/" }).reply.body).toEqual({ kind: "number", number: 7 });
    expect(r({ type: "getAllChildrenNumber", path: "" }).reply.body).toEqual({ kind: "number", number: 8 });
    expect(r({ type: "getAllChildrenNumber", path: "/a" }).reply.body).toEqual({ kind: "number", number: 2 });
    expect(r({ type: "getEphemerals", prefix: " / " }).reply.body).toEqual({ kind: "ephemerals", paths: ["/a/b/c"] });
    expect(read(tree, 999, [], { type: "getEphemerals", prefix: "/" }).reply.body).toEqual({ kind: "ephemerals", paths: [] });
    expect(r({ type: "sync", path: "anything" }).reply.body).toEqual({ kind: "path", path: "anything" });
    expect(r({ type: "whoAmI" }, [digest]).reply.body).toEqual({ kind: "whoAmI", clientInfo: [{ scheme: "digest", user: "user" }] });
    expect(r({ type: "multiRead", ops: [] }).reply).toEqual({ err: 0, zxid: z, body: { kind: "multi", results: [] } });
    expect(r({ type: "multiRead", ops: [{ type: "getData", path: "/s" }, { type: "getChildren", path: "/a" }] }).reply.body).toEqual({
      kind: "multi",
      results: [{ type: "error", err: Code.NOAUTH }, { type: "getChildren", children: ["b"] }],
    });
    expect(r({ type: "multiRead", ops: [{ type: "getData", path: "/a" }, { type: "delete", path: "/a", version: -1 }] }).reply).toEqual({ err: Code.MARSHALLINGERROR, zxid: z });
    expect(r({ type: "multiRead", ops: [{ type: "delete", path: "/a", version: -1 }] }).reply).toEqual({ err: Code.MARSHALLINGERROR, zxid: z, body: { kind: "multi", results: [] } });
  });
  it("step() applies transactions and reads and registers the watches reads leave", () => {
    const replica = { tree: fresh(), watches: createWatchRegistry() };
    step(replica, { type: "read", sessionId: S, auth: [], request: { type: "exists", path: "/w", watch: true } });
    const out = step(replica, { type: "transaction", txn: { zxid: replica.tree.lastZxid + 1, time: 3, sessionId: S, auth: [], request: create("/w") } });
    expect(out.outputs.map((o) => o.type)).toEqual(["reply", "notify"]);
    expect(out.outputs[1]).toEqual({ type: "notify", notification: { session: S, event: { type: "NodeCreated", state: "SyncConnected", path: "/w" } } });
    expect(step(replica, { type: "read", sessionId: S, auth: [], request: { type: "sync", path: "/" } }).outputs.map((o) => o.type)).toEqual(["reply"]);
  });
});

describe("sessions and the reaper", () => {
  it("negotiates timeouts into [2, 20] ticks", () => {
    expect(negotiateTimeout(100, { tickTimeMs: 200 })).toBe(400);
    expect(negotiateTimeout(100_000, { tickTimeMs: 200 })).toBe(4000);
    expect(negotiateTimeout(1234, { tickTimeMs: 200 })).toBe(1234);
    expect(negotiateTimeout(10, { tickTimeMs: 200, minSessionTimeoutMs: 50, maxSessionTimeoutMs: 60 })).toBe(50);
  });
  it("expires sessions at the tick boundary after their last packet plus timeout", () => {
    expect(() => createSessionTracker(0)).toThrow(RangeError);
    const t = createSessionTracker(200);
    expect(nextBoundary(1000, 200)).toBe(1200);
    expect(nextBoundary(1001, 200)).toBe(1200);
    trackSession(t, 1, 400, 1000);
    trackSession(t, 2, 400, 1000);
    expect(touchSession(t, 2, 1300)).toBe(true);
    // Deadline of 1: the first boundary strictly after 1000 + 400 = 1600; of 2 (touched at 1300): 1800.
    expect(expireSessions(t, 1599)).toEqual([]);
    expect(expireSessions(t, 1600)).toEqual([1]);
    expect(touchSession(t, 1, 1600)).toBe(false);
    expect(touchSession(t, 3, 1600)).toBe(false);
    expect(expireSessions(t, 1799)).toEqual([]);
    expect(expireSessions(t, 1800)).toEqual([2]);
    untrackSession(t, 1);
    expect(t.sessions.has(1)).toBe(false);
  });
  it("reaps containers that had a child, and TTL nodes idle past their TTL and childless", () => {
    const tree = fresh();
    apply(tree, create("/c", { opcode: 19, flags: 4 }), [], S, 100);
    apply(tree, create("/never", { opcode: 19, flags: 4 }), [], S, 100);
    apply(tree, create("/c/x"), [], S, 100);
    apply(tree, create("/t", { opcode: 21, flags: 5, ttl: 50 }), [], S, 100);
    apply(tree, create("/tp", { opcode: 21, flags: 5, ttl: 50 }), [], S, 100);
    apply(tree, create("/tp/x"), [], S, 100);
    expect(reapCandidates(tree, 150)).toEqual([]);
    expect(reapCandidates(tree, 151)).toEqual(["/t"]);
    apply(tree, { type: "delete", path: "/c/x", version: -1 });
    expect(reapCandidates(tree, 151)).toEqual(["/c", "/t"]);
    expect(reapCandidates(tree, 1000, 500)).toEqual(["/c", "/never", "/t"]);
  });
});

describe("request frames (jute sizes)", () => {
  it("matches the sizes in the golden transcript's notes", () => {
    const data = (n: number) => new Uint8Array(n);
    expect(requestFrameLength({ type: "setData", path: "/big", data: data(1_048_550), version: -1 })).toBe(1_048_574);
    expect(requestFrameLength({ type: "create", opcode: 1, path: "/fits", data: data(1_048_519), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 })).toBe(1_048_571);
    expect(fitsFrameLimit({ type: "setData", path: "/big", data: data(1_048_551), version: -1 })).toBe(true);
    expect(fitsFrameLimit({ type: "setData", path: "/big", data: data(1_048_552), version: -1 })).toBe(false);
  });
  it("sizes every request kind", () => {
    expect(requestFrameLength({ type: "create", opcode: 21, path: "/t", data: null, acl: OPEN_ACL_UNSAFE, flags: 5, ttl: 9 })).toBe(8 + 6 + 4 + 27 + 4 + 8);
    expect(requestFrameLength({ type: "delete", path: "/a", version: -1 })).toBe(8 + 6 + 4);
    expect(requestFrameLength({ type: "setACL", path: "/a", acl: [], version: -1 })).toBe(8 + 6 + 4 + 4);
    expect(requestFrameLength({ type: "multi", ops: [{ type: "check", path: "/a", version: 1 }, { type: "getData", path: "/a" }, { type: "getChildren", path: "/a" }] })).toBe(8 + 9 + 10 + 9 + 7 + 9 + 7 + 9);
    expect(requestFrameLength({ type: "exists", path: "/a", watch: true })).toBe(8 + 7);
    expect(requestFrameLength({ type: "getACL", path: "/a" })).toBe(14);
    expect(requestFrameLength({ type: "getEphemerals", prefix: "/" })).toBe(13);
    expect(requestFrameLength({ type: "whoAmI" })).toBe(8);
    expect(requestFrameLength({ type: "closeSession" })).toBe(8);
    expect(requestFrameLength({ type: "removeWatches", path: "/a", watcherType: "ANY" })).toBe(18);
    expect(requestFrameLength({ type: "setWatches", relativeZxid: 1, lists: { data: ["/a"] }, version: 1 })).toBe(8 + 8 + 10 + 4 + 4);
    expect(requestFrameLength({ type: "setWatches", relativeZxid: 1, lists: {}, version: 2 })).toBe(8 + 8 + 20);
    expect(requestFrameLength({ type: "addAuth", scheme: "digest", auth: "u:p" })).toBe(8 + 4 + 10 + 7);
    expect(requestFrameLength({ type: "raw", opcode: 77, body: new Uint8Array(3) })).toBe(11);
  });
});
