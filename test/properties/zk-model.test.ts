// fast-check model test: random operation sequences against quorate's ZooKeeper core and against an independently
// written reference model (a Map of paths), covering sequential names, versions, multi, ephemerals and sessions.
// Replay a failure with: ZK_SEED=<seed> npx vitest run test/properties/zk-model.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MultiOp, OpResult, Reply, Transaction, WriteRequest, ZkTree } from "../../src/core/zk/index.js";
import { Code, OPEN_ACL_UNSAFE, applyTransaction, assertTreeInvariants, createTree, getNode, read, statOf, utf8 } from "../../src/core/zk/index.js";

// ---------------------------------------------------------------- the reference model (no code shared with the core)
interface ModelNode {
  data: string;
  version: number;
  czxid: number;
  mzxid: number;
  pzxid: number;
  creations: number;
  owner: number; // 0 = persistent
}
interface Model {
  nodes: Map<string, ModelNode>;
  sessions: Set<number>;
  zxid: number;
}
type ModelResult = { err: number; path?: string; results?: { err: number; path?: string }[] };

const parentPath = (p: string) => (p.lastIndexOf("/") === 0 ? "/" : p.slice(0, p.lastIndexOf("/")));
const childrenOf = (m: Model, p: string) => [...m.nodes.keys()].filter((k) => k !== "/" && parentPath(k) === p);

function freshModel(): Model {
  const sys = (): ModelNode => ({ data: "", version: 0, czxid: 0, mzxid: 0, pzxid: 0, creations: 0, owner: 0 });
  return { nodes: new Map([["/", sys()], ["/zookeeper", sys()], ["/zookeeper/quota", sys()], ["/zookeeper/config", sys()]]), sessions: new Set(), zxid: 0 };
}

type MOp =
  | { t: "create"; path: string; mode: 0 | 1 | 2 | 3; data: string }
  | { t: "delete"; path: string; version: number }
  | { t: "setData"; path: string; data: string; version: number }
  | { t: "check"; path: string; version: number };

function modelOp(m: Model, op: MOp, session: number, zxid: number): ModelResult {
  const special = ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"];
  if (op.t === "create") {
    const parent = m.nodes.get(parentPath(op.path));
    if (parent === undefined) return { err: Code.NONODE };
    const name = op.mode >= 2 ? `${op.path}${parent.creations.toString().padStart(10, "0")}` : op.path;
    if (m.nodes.has(name)) return { err: Code.NODEEXISTS };
    if (parent.owner !== 0) return { err: Code.NOCHILDRENFOREPHEMERALS };
    parent.creations++;
    parent.pzxid = zxid;
    m.nodes.set(name, { data: op.data, version: 0, czxid: zxid, mzxid: zxid, pzxid: zxid, creations: 0, owner: op.mode % 2 === 1 ? session : 0 });
    return { err: 0, path: name };
  }
  if (op.t === "delete") {
    if (special.includes(op.path)) return { err: Code.BADARGUMENTS };
    const node = m.nodes.get(op.path);
    if (!m.nodes.has(parentPath(op.path)) || node === undefined) return { err: Code.NONODE };
    if (op.version !== -1 && op.version !== node.version) return { err: Code.BADVERSION };
    if (childrenOf(m, op.path).length > 0) return { err: Code.NOTEMPTY };
    m.nodes.delete(op.path);
    const parent = m.nodes.get(parentPath(op.path))!;
    parent.pzxid = Math.max(parent.pzxid, zxid);
    return { err: 0 };
  }
  const node = m.nodes.get(op.path);
  if (node === undefined) return { err: Code.NONODE };
  if (op.path === "/zookeeper/config" && op.t === "setData") return { err: Code.NOAUTH };
  if (op.version !== -1 && op.version !== node.version) return { err: Code.BADVERSION };
  if (op.t === "setData") {
    node.data = op.data;
    node.version++;
    node.mzxid = zxid;
  }
  return { err: 0 };
}

function cloneModelNodes(m: Model): Map<string, ModelNode> {
  return new Map([...m.nodes].map(([k, v]) => [k, { ...v }]));
}

type Cmd =
  | { kind: "op"; session: 0 | 1; op: MOp }
  | { kind: "multi"; session: 0 | 1; ops: MOp[] }
  | { kind: "close"; session: 0 | 1 }
  | { kind: "reopen"; session: 0 | 1 };

function modelStep(m: Model, ids: number[], cmd: Cmd): ModelResult {
  const zxid = ++m.zxid;
  const session = ids[cmd.session]!;
  if (cmd.kind === "reopen") {
    m.sessions.add(session);
    return { err: 0 };
  }
  if (cmd.kind === "close") {
    for (const [p, n] of [...m.nodes]) {
      if (n.owner === session) {
        m.nodes.delete(p);
        const parent = m.nodes.get(parentPath(p))!;
        parent.pzxid = Math.max(parent.pzxid, zxid);
      }
    }
    m.sessions.delete(session);
    return { err: 0 };
  }
  if (cmd.kind === "op") {
    if (!m.sessions.has(session)) return { err: Code.SESSIONEXPIRED };
    return modelOp(m, cmd.op, session, zxid);
  }
  const saved = cloneModelNodes(m);
  const results: { err: number; path?: string }[] = [];
  for (let i = 0; i < cmd.ops.length; i++) {
    const r = m.sessions.has(session) ? modelOp(m, cmd.ops[i]!, session, zxid) : { err: Code.SESSIONEXPIRED };
    if (r.err !== 0) {
      m.nodes = saved;
      return { err: 0, results: cmd.ops.map((_, k) => ({ err: k < i ? 0 : k === i ? r.err : Code.RUNTIMEINCONSISTENCY })) };
    }
    results.push(r);
  }
  return { err: 0, results };
}

// ---------------------------------------------------------------- driving the core
function toRequest(op: MOp): MultiOp {
  switch (op.t) {
    case "create":
      return { type: "create", opcode: 1, path: op.path, data: utf8(op.data), acl: OPEN_ACL_UNSAFE, flags: op.mode, ttl: -1 };
    case "delete":
      return { type: "delete", path: op.path, version: op.version };
    case "setData":
      return { type: "setData", path: op.path, data: utf8(op.data), version: op.version };
    case "check":
      return { type: "check", path: op.path, version: op.version };
  }
}

function coreStep(tree: ZkTree, ids: number[], cmd: Cmd, time: number): Reply {
  const sessionId = ids[cmd.session]!;
  let request: WriteRequest;
  if (cmd.kind === "reopen") request = { type: "createSession", sessionId, password: "p", timeoutMs: 4000 };
  else if (cmd.kind === "close") request = { type: "closeSession" };
  else if (cmd.kind === "op") request = toRequest(cmd.op) as WriteRequest;
  else request = { type: "multi", ops: cmd.ops.map(toRequest) };
  const txn: Transaction = { zxid: tree.lastZxid + 1, time, sessionId, auth: [], request };
  return applyTransaction(tree, txn).reply;
}

function coreResults(reply: Reply): ModelResult {
  const body = reply.body;
  if (body?.kind === "multi") {
    return {
      err: reply.err,
      results: body.results.map((r: OpResult) => (r.type === "error" ? { err: r.err } : r.type === "create" ? { err: 0, path: r.path } : { err: 0 })),
    };
  }
  if (body?.kind === "create") return { err: reply.err, path: body.path };
  return { err: reply.err };
}

function assertSameTree(tree: ZkTree, m: Model, ids: number[]): void {
  expect([...tree.nodes.keys()].sort()).toEqual([...m.nodes.keys()].sort());
  for (const [path, mn] of m.nodes) {
    const stat = statOf(getNode(tree, path)!);
    const children = childrenOf(m, path).length;
    expect({ path, ...stat, ctime: 0, mtime: 0, aversion: 0 }).toEqual({
      path,
      czxid: mn.czxid,
      mzxid: mn.mzxid,
      pzxid: mn.pzxid,
      ctime: 0,
      mtime: 0,
      version: mn.version,
      cversion: 2 * mn.creations - children,
      aversion: 0,
      ephemeralOwner: mn.owner,
      dataLength: utf8(mn.data).length,
      numChildren: children,
    });
    const data = read(tree, ids[0]!, [], { type: "getData", path, watch: false }).reply;
    if (data.body?.kind === "data") expect(new TextDecoder().decode(data.body.data!)).toBe(mn.data);
  }
}

// ---------------------------------------------------------------- generators
const names = ["/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z", "/s-", "/a/s-", "/zookeeper/q"];
const pathArb = fc.constantFrom(...names, "/a/s-0000000000", "/s-0000000001", "/zookeeper", "/");
const version = fc.constantFrom(-1, 0, 1, 2);
const dataArb = fc.constantFrom("", "x", "yy", "zzz");
const mop: fc.Arbitrary<MOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("create" as const), path: fc.constantFrom(...names), mode: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>, data: dataArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("delete" as const), path: pathArb, version }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("setData" as const), path: pathArb, data: dataArb, version }) },
);
const session = fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>;
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("op" as const), session, op: mop }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("multi" as const),
      session,
      ops: fc.array(fc.oneof(mop, fc.record({ t: fc.constant("check" as const), path: pathArb, version })), { maxLength: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("close" as const), session }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const), session }) },
);

const seed = process.env.ZK_SEED === undefined ? undefined : Number(process.env.ZK_SEED);

describe("ZooKeeper core against a reference model", () => {
  it("agrees on every reply, sequential name, Stat and the whole tree", () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 40 }), (cmds) => {
        const tree = createTree();
        const model = freshModel();
        const ids = [101, 202];
        // Both sessions start open.
        for (const s of [0, 1] as const) {
          modelStep(model, ids, { kind: "reopen", session: s });
          coreStep(tree, ids, { kind: "reopen", session: s }, 1);
        }
        let time = 10;
        for (const c of cmds) {
          if (c.kind === "reopen" && model.sessions.has(ids[c.session]!)) continue; // a session id is created once
          if (c.kind === "reopen") ids[c.session] = ids[c.session]! + 1000;
          const expected = modelStep(model, ids, c);
          const got = coreResults(coreStep(tree, ids, c, time++));
          expect(got).toEqual(expected);
          expect(tree.lastZxid).toBe(model.zxid);
          assertTreeInvariants(tree);
        }
        assertSameTree(tree, model, ids);
      }),
      { numRuns: 150, ...(seed === undefined ? {} : { seed }) },
    );
  });
});
