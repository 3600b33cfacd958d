/**
 * ZooKeeper data tree conformance: spec/zk.qnt traces as vectors, and their replay on the tree core
 * (src/core/zk) through its public `step` with transaction inputs.
 *
 * Abstraction function (core → spec):
 *   nodes    = every znode except the /zookeeper subtree (which the spec leaves out), keyed by path, as
 *              { czxid, version, cversion (the visible one, statOf), childrenCreated (the stored cversion:
 *              children ever created, which sequential names count), ephemeralOwner (statOf) }
 *   sessions = the open session ids, ascending;  zxid = the last applied zxid
 * A spec path is a list of names { base, seq }; its string form joins `base` plus, for seq ≥ 0, the suffix
 * `%010d` of seq. Each step's output is the transaction's result: "ok" or ZooKeeper's error name, and for a
 * successful create the created path.
 */
import * as realZk from "../../core/zk/index.js";
import type * as ZkApi from "../../core/zk/index.js";
import { int, itfGet, list, map, record, str, type ItfMap, type ItfTrace, type ItfValue } from "./itf.js";
import { compareFields, stableJson, traceName, VECTOR_FORMAT, type Mismatch, type Vector, type VectorSource, type VectorStep } from "./vector.js";

/** The abstract state of one znode. */
export interface ZnodeView {
  readonly czxid: number;
  readonly version: number;
  readonly cversion: number;
  readonly childrenCreated: number;
  readonly ephemeralOwner: number;
}

/** The abstract state of the tree. */
export interface ZkTreeView {
  readonly zxid: number;
  readonly sessions: readonly number[];
  readonly nodes: Readonly<Record<string, ZnodeView>>;
}

/** A transaction of a ZooKeeper vector; `zxid` is the one it takes. */
export type ZkVectorInput =
  | { readonly type: "createSession"; readonly zxid: number; readonly session: number }
  | { readonly type: "closeSession"; readonly zxid: number; readonly session: number }
  | { readonly type: "create"; readonly zxid: number; readonly session: number; readonly path: string; readonly mode: ZkApi.CreateMode }
  | { readonly type: "delete"; readonly zxid: number; readonly session: number; readonly path: string; readonly version: number }
  | { readonly type: "setData"; readonly zxid: number; readonly session: number; readonly path: string; readonly version: number };

/** A transaction's result: "ok" or an error name; for a successful create, the created path. */
export interface ZkResultView {
  readonly error: string;
  readonly path?: string;
}

/** A ZooKeeper tree test vector. */
export type ZkVector = Vector<ZkVectorInput, ZkResultView, ZkTreeView>;

const MODES: Readonly<Record<string, ZkApi.CreateMode>> = {
  persistent: "PERSISTENT",
  ephemeral: "EPHEMERAL",
  "persistent-sequential": "PERSISTENT_SEQUENTIAL",
  "ephemeral-sequential": "EPHEMERAL_SEQUENTIAL",
};

/** The string form of a spec path. */
export function zkPathFromSpec(v: ItfValue, where: string): string {
  const names = list(v, where).map((n, i) => {
    const r = record(n, `${where}[${i}]`);
    const seq = int(r.seq, `${where}[${i}].seq`);
    return str(r.base, `${where}[${i}].base`) + (seq >= 0 ? String(seq).padStart(10, "0") : "");
  });
  return "/" + names.join("/");
}

function treeFromSpec(vars: Readonly<Record<string, ItfValue>>, where: string): ZkTreeView {
  const nodes: Record<string, ZnodeView> = {};
  const t: ItfMap = map(vars.tree, `${where}.tree`);
  for (const [k, v] of t.entries) {
    const p = zkPathFromSpec(k, `${where}.tree key`);
    const r = record(v, `${where}.tree[${p}]`);
    nodes[p] = {
      czxid: int(r.czxid, `${where}.tree[${p}].czxid`), version: int(r.version, `${where}.tree[${p}].version`),
      cversion: int(r.cversion, `${where}.tree[${p}].cversion`), childrenCreated: int(r.childrenCreated, `${where}.tree[${p}].childrenCreated`),
      ephemeralOwner: int(r.ephemeralOwner, `${where}.tree[${p}].ephemeralOwner`),
    };
  }
  return { zxid: int(vars.zxid, `${where}.zxid`), sessions: list(vars.live, `${where}.live`).map((s) => int(s, `${where}.live`)).sort((a, b) => a - b), nodes: sortKeys(nodes) };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!]));
}

/** Turns a spec trace (ITF from `quint run --mbt`) into a ZooKeeper tree vector. */
export function zkVectorFromItf(trace: ItfTrace, source: VectorSource): ZkVector {
  const states = trace.states;
  const steps: VectorStep<ZkVectorInput, ZkResultView, ZkTreeView>[] = [];
  for (let k = 1; k < states.length; k++) {
    const prev = states[k - 1]!;
    const cur = states[k]!;
    const where = `${source.spec} state ${k}`;
    const p = cur.picks;
    const session = int(p.s, `${where} pick s`);
    const zxid = int(cur.vars.zxid, `${where}.zxid`);
    const action = cur.action ?? "";
    const before = treeFromSpec(prev.vars, where);
    const after = treeFromSpec(cur.vars, where);
    const error = str(cur.vars.lastError, `${where}.lastError`);
    let input: ZkVectorInput;
    let result: ZkResultView = { error };
    switch (action) {
      case "createSession":
      case "closeSession":
        input = { type: action, zxid, session };
        break;
      case "create": {
        const parent = zkPathFromSpec(p.parent as ItfValue, `${where} pick parent`);
        const mode = MODES[str(p.mode, `${where} pick mode`)];
        if (mode === undefined) throw new Error(`${where}: unknown mode ${String(p.mode)}`);
        input = { type: "create", zxid, session, mode, path: (parent === "/" ? "/" : parent + "/") + str(p.base, `${where} pick base`) };
        if (error === "ok") {
          const created = Object.keys(after.nodes).filter((x) => before.nodes[x] === undefined);
          result = { error, path: created[0] ?? "" };
        }
        break;
      }
      case "delete":
      case "setData":
        input = { type: action, zxid, session, path: zkPathFromSpec(p.path as ItfValue, `${where} pick path`), version: int(p.version, `${where} pick version`) };
        break;
      default:
        throw new Error(`${where}: unknown action ${JSON.stringify(action)} (was the trace written with --mbt?)`);
    }
    steps.push({ step: k, action, input, outputs: [result], state: after });
  }
  const sessions = [...new Set(steps.map((s) => s.input.session))].sort((a, b) => a - b);
  return { format: VECTOR_FORMAT, protocol: "zk", source, nodes: sessions, initial: treeFromSpec(states[0]!.vars, `${source.spec} state 0`), steps };
}

// ---------------------------------------------------------------------------------------------------------
// Replay on the core

/** The parts of the tree core's public API the replay uses (a mutated copy can stand in). */
export type ZkCore = Pick<typeof ZkApi, "createTree" | "createWatchRegistry" | "step" | "statOf" | "codeName" | "CREATE_MODES" | "OPEN_ACL_UNSAFE">;

/** The abstraction function: the core's tree as the spec sees it. */
export function abstractZkTree(core: ZkCore, tree: ZkApi.ZkTree): ZkTreeView {
  const nodes: Record<string, ZnodeView> = {};
  for (const [p, n] of tree.nodes) {
    if (p === "/zookeeper" || p.startsWith("/zookeeper/")) continue;
    const st = core.statOf(n);
    nodes[p] = { czxid: n.czxid, version: n.version, cversion: st.cversion, childrenCreated: n.cversion, ephemeralOwner: st.ephemeralOwner };
  }
  return { zxid: tree.lastZxid, sessions: [...tree.sessions.keys()].sort((a, b) => a - b), nodes: sortKeys(nodes) };
}

function request(core: ZkCore, i: ZkVectorInput): ZkApi.WriteRequest {
  const empty = new Uint8Array(0);
  switch (i.type) {
    case "createSession":
      return { type: "createSession", sessionId: i.session, password: "conformance", timeoutMs: 4000 };
    case "closeSession":
      return { type: "closeSession" };
    case "create":
      return { type: "create", opcode: 1, path: i.path, data: empty, acl: core.OPEN_ACL_UNSAFE, flags: core.CREATE_MODES.indexOf(i.mode), ttl: -1 };
    case "delete":
      return { type: "delete", path: i.path, version: i.version };
    case "setData":
      return { type: "setData", path: i.path, data: empty, version: i.version };
  }
}

/** Replays a vector on the tree core; returns the first diverging step's mismatches, or [] when it conforms. */
export function replayZkVector(v: ZkVector, core: ZkCore = realZk): Mismatch[] {
  const trace = traceName(v.source);
  let replica: ZkApi.ZkReplica = { tree: core.createTree(), watches: core.createWatchRegistry() };
  const first: Mismatch[] = [];
  compareFields(v.initial as unknown as Record<string, unknown>, abstractZkTree(core, replica.tree) as unknown as Record<string, unknown>, "", { trace, step: 0, action: "init" }, first);
  if (first.length > 0) return first;
  for (const s of v.steps) {
    const at = { trace, step: s.step, action: s.action };
    const out: Mismatch[] = [];
    const txn: ZkApi.Transaction = { zxid: s.input.zxid, time: s.input.zxid, sessionId: s.input.session, auth: [], request: request(core, s.input) };
    const r = core.step(replica, { type: "transaction", txn });
    replica = r.state;
    const first = r.outputs[0];
    if (first?.type !== "reply") throw new Error(`zk core refused transaction ${txn.zxid}: ${first?.type === "rejected" ? first.detail : "no reply"}`);
    const reply = first.reply;
    const body = reply.body;
    const got: ZkResultView = {
      error: reply.err === 0 ? "ok" : (core.codeName(reply.err) ?? String(reply.err)),
      ...(s.input.type === "create" && reply.err === 0 && body !== undefined && "path" in body ? { path: body.path } : {}),
    };
    const want = s.outputs[0];
    if (want !== undefined && stableJson(want) !== stableJson(got)) out.push({ ...at, variable: "result", expected: want, actual: got });
    const actual = abstractZkTree(core, replica.tree);
    compareFields({ zxid: s.state.zxid, sessions: s.state.sessions }, actual as unknown as Record<string, unknown>, "", at, out);
    const paths = new Set([...Object.keys(s.state.nodes), ...Object.keys(actual.nodes)]);
    for (const p of [...paths].sort()) {
      const e = s.state.nodes[p];
      const a = actual.nodes[p];
      if (e === undefined || a === undefined) out.push({ ...at, variable: `node ${p}`, expected: e ?? null, actual: a ?? null });
      else compareFields(e as unknown as Record<string, unknown>, a as unknown as Record<string, unknown>, `node ${p} `, at, out);
    }
    if (out.length > 0) return out;
  }
  return [];
}
