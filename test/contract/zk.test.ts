// The ZooKeeper replica under the one contract: type-discriminated inputs and outputs, rejections instead of
// throws, clone and fingerprint.
import { describe, expect, it } from "vitest";
import { OPEN_ACL_UNSAFE, utf8, zkCore } from "../../src/core/zk/index.js";
import type { CreateRequest, WriteRequest, ZkInput, ZkReplica } from "../../src/core/zk/index.js";

const S = 7;
const create = (path: string, data = "d", flags = 0): CreateRequest => ({ type: "create", opcode: 1, path, data: utf8(data), acl: OPEN_ACL_UNSAFE, flags, ttl: -1 });
const txn = (s: ZkReplica, request: WriteRequest, session = S): ZkInput => ({ type: "transaction", txn: { zxid: s.tree.lastZxid + 1, time: 1000, sessionId: session, auth: [], request } });

function replica(): ZkReplica {
  let s = zkCore.create({});
  for (const request of [
    { type: "createSession", sessionId: S, password: "pw", timeoutMs: 4000 } as const,
    create("/a"),
    create("/a/b", "x"),
    create("/e", "eph", 1),
  ]) {
    s = zkCore.step(s, txn(s, request)).state;
  }
  s = zkCore.step(s, { type: "read", sessionId: S, auth: [], request: { type: "getData", path: "/a", watch: true } }).state;
  return s;
}

describe("zkCore: inputs, outputs and rejections", () => {
  it("a transaction yields a reply then one notification per watch it fires", () => {
    const s = replica();
    const r = zkCore.step(s, txn(s, { type: "setData", path: "/a", data: utf8("new"), version: -1 }));
    expect(r.outputs.map((o) => o.type)).toEqual(["reply", "notify"]);
    expect(r.outputs[0]).toMatchObject({ type: "reply", reply: { err: 0 } });
  });

  it("a zxid that does not follow, a session opened twice and malformed inputs are rejected and change nothing", () => {
    const s = replica();
    const fp = zkCore.fingerprint(s);
    const cases: [ZkInput, string][] = [
      [{ type: "transaction", txn: { zxid: s.tree.lastZxid, time: 1, sessionId: S, auth: [], request: create("/z") } }, "zxid-out-of-order"],
      [txn(s, { type: "createSession", sessionId: S, password: "pw", timeoutMs: 4000 }), "session-exists"],
      [{ type: "transaction", txn: null } as unknown as ZkInput, "malformed-input"],
      [{ type: "transaction", txn: { zxid: "9", time: 1, sessionId: S, auth: [], request: create("/z") } } as unknown as ZkInput, "malformed-input"],
      [{ type: "read", sessionId: S, auth: [], request: undefined } as unknown as ZkInput, "malformed-input"],
      [{ kind: "transaction" } as unknown as ZkInput, "malformed-input"],
      [null as unknown as ZkInput, "malformed-input"],
    ];
    for (const [input, reason] of cases) {
      const r = zkCore.step(s, input);
      expect(r.outputs, JSON.stringify(input)).toMatchObject([{ type: "rejected", reason }]);
      expect(zkCore.fingerprint(r.state)).toBe(fp);
    }
  });
});

describe("zkCore.fingerprint and clone", () => {
  it("equal replicas give equal fingerprints", () => {
    expect(zkCore.fingerprint(replica())).toBe(zkCore.fingerprint(replica()));
  });

  it("a protocol-relevant change changes the fingerprint: data, a child, a watch, the zxid", () => {
    const base = replica();
    const fp = zkCore.fingerprint(base);
    const changed = [
      (s: ZkReplica) => zkCore.step(s, txn(s, { type: "setData", path: "/a/b", data: utf8("y"), version: -1 })).state,
      (s: ZkReplica) => zkCore.step(s, txn(s, create("/c"))).state,
      (s: ZkReplica) => zkCore.step(s, { type: "read", sessionId: S, auth: [], request: { type: "exists", path: "/q", watch: true } }).state,
    ];
    for (const f of changed) expect(zkCore.fingerprint(f(zkCore.clone(base)))).not.toBe(fp);
    const bumped = zkCore.clone(base);
    bumped.tree.lastZxid += 1;
    expect(zkCore.fingerprint(bumped)).not.toBe(fp);
    expect(zkCore.fingerprint(base)).toBe(fp);
  });

  it("a clone has the same fingerprint and changes independently of the original (which the core mutates in place)", () => {
    const base = replica();
    const fp = zkCore.fingerprint(base);
    const c = zkCore.clone(base);
    expect(zkCore.fingerprint(c)).toBe(fp);
    expect(c.tree.nodes.get("/a")!.data).toBe(base.tree.nodes.get("/a")!.data); // immutable buffers are shared
    const moved = zkCore.step(c, txn(c, { type: "delete", path: "/a/b", version: -1 })).state;
    expect(moved.tree.nodes.has("/a/b")).toBe(false);
    expect(base.tree.nodes.has("/a/b")).toBe(true);
    expect(base.tree.nodes.get("/a")!.children.has("b")).toBe(true);
    expect(zkCore.fingerprint(base)).toBe(fp);
  });
});
