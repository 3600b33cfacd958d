/**
 * Applying a transaction to the tree: ZooKeeper's `PrepRequestProcessor` checks and `DataTree.processTxn`
 * changes in one deterministic function. Every write consumes its zxid, also when it fails (the reply carries
 * the error and the tree is untouched), exactly as ZooKeeper 3.8 logs an error transaction.
 *
 * The tree is updated in place (ownership passes to this function; use {@link cloneTree} to keep a copy): it is
 * deterministic, free of I/O, clock and randomness — the time and zxid come inside the transaction.
 */
import { aclAllows, fixupAcl } from "./acl.js";
import { Code } from "./codes.js";
import { SPECIAL_PATHS, baseName, parentOf, pathProblem } from "./path.js";
import { MAX_TTL_MS, MAX_DATA_BYTES } from "./limits.js";
import type { ZNode, ZkTree } from "./tree.js";
import { getNode, indexNode as index, keepPreimage, statOf } from "./tree.js";
import type {
  CheckRequest,
  CreateMode,
  CreateRequest,
  DeleteRequest,
  MultiOp,
  NodeChange,
  NodeOwner,
  OpResult,
  Reply,
  ReplyBody,
  SetAclRequest,
  SetDataRequest,
  Transaction,
  WriteRequest,
} from "./types.js";
import { CREATE_MODES, Perms, isEphemeralMode, isSequential, isTtlMode } from "./types.js";

/** What applying one transaction produced. */
export interface ApplyResult {
  /** The reply for the requesting session. */
  readonly reply: Reply;
  /** The tree changes in order, for the watch managers. */
  readonly changes: readonly NodeChange[];
}

interface Context {
  readonly tree: ZkTree;
  readonly txn: Transaction;
  readonly changes: NodeChange[];
  /** Undo actions of the multi in progress, newest last; `undefined` outside a multi. */
  undo: (() => void)[] | undefined;
}

type OpOutcome = { readonly err: number } | { readonly err: 0; readonly body?: ReplyBody; readonly result: OpResult };

const fail = (err: number): { err: number } => ({ err });

function sessionAlive(ctx: Context): boolean {
  return ctx.tree.sessions.has(ctx.txn.sessionId);
}

function tooLarge(data: Uint8Array | null): boolean {
  return data !== null && data.length > MAX_DATA_BYTES;
}

function removeNode(ctx: Context, path: string, parentPath: string): void {
  const { tree, txn } = ctx;
  const parent = getNode(tree, parentPath)!;
  const node = tree.nodes.get(path)!;
  const name = baseName(path);
  const oldPzxid = parent.pzxid;
  keepPreimage(tree, parent);
  parent.children.delete(name);
  if (txn.zxid > parent.pzxid) parent.pzxid = txn.zxid;
  tree.nodes.delete(path);
  const index = unindex(tree, path, node.owner);
  ctx.changes.push({ change: "deleted", path });
  ctx.undo?.push(() => {
    parent.children.add(name);
    parent.pzxid = oldPzxid;
    tree.nodes.set(path, node);
    index();
  });
}

/** Removes `path` from the owner's index; returns the action that puts it back. */
function unindex(tree: ZkTree, path: string, owner: NodeOwner): () => void {
  if (owner.kind === "container") {
    tree.containers.delete(path);
    return () => tree.containers.add(path);
  }
  if (owner.kind === "ttl") {
    tree.ttls.delete(path);
    return () => tree.ttls.add(path);
  }
  if (owner.kind === "ephemeral") {
    const set = tree.ephemerals.get(owner.session);
    set?.delete(path);
    if (set?.size === 0) tree.ephemerals.delete(owner.session);
    return () => index(tree, path, owner);
  }
  return () => undefined;
}

/** `checkAndIncVersion`: −1 matches any version. */
function versionMatches(current: number, expected: number): boolean {
  return expected === -1 || expected === current;
}

/**
 * create: the checks in ZooKeeper's order — flags, TTL modes without extended types (UNIMPLEMENTED), the TTL
 * value, then slash and NUL, ACL (INVALIDACL), parent exists
 * (NONODE), CREATE permission on the parent, the sequential suffix from the parent's creation count, full path
 * validation (BADARGUMENTS), NODEEXISTS, then NOCHILDRENFOREPHEMERALS.
 *
 * Matches ZooKeeper deliberately: the suffix is `%010d` of the parent's stored creation count (not the visible
 * cversion), so a node already sitting at the next sequential name blocks that parent's sequential creates with
 * NODEEXISTS — the counter does not move — until something else advances it.
 */
function create(ctx: Context, req: CreateRequest, inMulti: boolean): OpOutcome {
  const { tree, txn } = ctx;
  const mode: CreateMode | undefined = CREATE_MODES[req.flags];
  if (mode === undefined || !Number.isInteger(req.flags)) return fail(Code.BADARGUMENTS);
  if (isTtlMode(mode) && txn.extendedTypesEnabled === false) return fail(Code.UNIMPLEMENTED);
  // Inside a multi ZooKeeper re-derives the opcode from the mode (create2 travels as create).
  const opcode = inMulti ? (isTtlMode(mode) ? 21 : mode === "CONTAINER" ? 19 : 1) : req.opcode;
  const ttl = opcode === 21 ? req.ttl : -1;
  if (isTtlMode(mode) ? !(ttl > 0 && ttl <= MAX_TTL_MS) : ttl >= 0) return fail(Code.BADARGUMENTS);
  // createTTL with a non-TTL mode and ttl < 0: ZooKeeper 3.8.0 accepts it here and then dies applying the txn
  // ("ttl must be positive", a critical-thread exit; seen when recording test/data/zk). A bad argument instead.
  if (opcode === 21 && !isTtlMode(mode)) return fail(Code.BADARGUMENTS);
  if (!sessionAlive(ctx)) return fail(Code.SESSIONEXPIRED);
  const parentPath = parentOf(req.path);
  if (parentPath === undefined || req.path.includes("\0")) return fail(Code.BADARGUMENTS);
  const fixed = fixupAcl(req.acl, txn.auth);
  if (!fixed.ok) return fail(fixed.code);
  const parent = getNode(tree, parentPath);
  if (parent === undefined) return fail(Code.NONODE);
  if (!aclAllows(parent.acl, Perms.CREATE, txn.auth)) return fail(Code.NOAUTH);
  const path = isSequential(mode) ? req.path + String(parent.cversion).padStart(10, "0") : req.path;
  if (pathProblem(path) !== undefined) return fail(Code.BADARGUMENTS);
  if (getNode(tree, path) !== undefined) return fail(Code.NODEEXISTS);
  if (parent.owner.kind === "ephemeral") return fail(Code.NOCHILDRENFOREPHEMERALS);
  if (tooLarge(req.data)) return fail(Code.BADARGUMENTS);

  const owner: NodeOwner =
    opcode === 19
      ? { kind: "container" }
      : opcode === 21
        ? { kind: "ttl", ttl }
        : isEphemeralMode(mode)
          ? { kind: "ephemeral", session: txn.sessionId }
          : { kind: "persistent" };
  const node: ZNode = {
    data: req.data,
    acl: fixed.acl,
    czxid: txn.zxid,
    mzxid: txn.zxid,
    pzxid: txn.zxid,
    ctime: txn.time,
    mtime: txn.time,
    version: 0,
    cversion: 0,
    aversion: 0,
    owner,
    children: new Set(),
  };
  const name = baseName(path);
  const old = { cversion: parent.cversion, pzxid: parent.pzxid };
  keepPreimage(tree, parent);
  parent.cversion += 1;
  parent.pzxid = txn.zxid;
  parent.children.add(name);
  tree.nodes.set(path, node);
  index(tree, path, owner);
  ctx.changes.push({ change: "created", path });
  ctx.undo?.push(() => {
    parent.cversion = old.cversion;
    parent.pzxid = old.pzxid;
    parent.children.delete(name);
    tree.nodes.delete(path);
    unindex(tree, path, owner);
  });
  if (opcode === 1) return { err: 0, body: { kind: "create", path }, result: { type: "create", path } };
  const stat = statOf(node);
  return { err: 0, body: { kind: "create2", path, stat }, result: { type: "create2", path, stat } };
}

/** delete: BADARGUMENTS for the special paths, then NONODE (parent, then node), NOAUTH, BADVERSION, NOTEMPTY. */
function deleteOp(ctx: Context, req: DeleteRequest): OpOutcome {
  const { tree, txn } = ctx;
  if (!sessionAlive(ctx)) return fail(Code.SESSIONEXPIRED);
  const parentPath = parentOf(req.path);
  if (parentPath === undefined || req.path.includes("\0") || SPECIAL_PATHS.has(req.path)) return fail(Code.BADARGUMENTS);
  const parent = getNode(tree, parentPath);
  if (parent === undefined) return fail(Code.NONODE);
  if (!aclAllows(parent.acl, Perms.DELETE, txn.auth)) return fail(Code.NOAUTH);
  const node = tree.nodes.get(req.path);
  if (node === undefined) return fail(Code.NONODE);
  if (!versionMatches(node.version, req.version)) return fail(Code.BADVERSION);
  if (node.children.size > 0) return fail(Code.NOTEMPTY);
  removeNode(ctx, req.path, parentPath);
  return { err: 0, result: { type: "delete" } };
}

/** setData: BADARGUMENTS, NONODE, NOAUTH (WRITE), BADVERSION; same data still bumps version and mzxid. */
function setData(ctx: Context, req: SetDataRequest): OpOutcome {
  const { tree, txn } = ctx;
  if (!sessionAlive(ctx)) return fail(Code.SESSIONEXPIRED);
  if (pathProblem(req.path) !== undefined) return fail(Code.BADARGUMENTS);
  const node = getNode(tree, req.path);
  if (node === undefined) return fail(Code.NONODE);
  if (!aclAllows(node.acl, Perms.WRITE, txn.auth)) return fail(Code.NOAUTH);
  if (!versionMatches(node.version, req.version)) return fail(Code.BADVERSION);
  if (tooLarge(req.data)) return fail(Code.BADARGUMENTS);
  const old = { data: node.data, mtime: node.mtime, mzxid: node.mzxid, version: node.version };
  keepPreimage(tree, node);
  node.data = req.data;
  node.mtime = txn.time;
  node.mzxid = txn.zxid;
  node.version = old.version + 1;
  ctx.changes.push({ change: "dataChanged", path: req.path });
  ctx.undo?.push(() => Object.assign(node, old));
  const stat = statOf(node);
  return { err: 0, body: { kind: "stat", stat }, result: { type: "setData", stat } };
}

/** setACL: BADARGUMENTS, INVALIDACL, NONODE, NOAUTH (ADMIN), BADVERSION against aversion; mzxid unchanged. */
function setAcl(ctx: Context, req: SetAclRequest): OpOutcome {
  const { tree, txn } = ctx;
  if (!sessionAlive(ctx)) return fail(Code.SESSIONEXPIRED);
  if (pathProblem(req.path) !== undefined) return fail(Code.BADARGUMENTS);
  const fixed = fixupAcl(req.acl, txn.auth);
  if (!fixed.ok) return fail(fixed.code);
  const node = getNode(tree, req.path);
  if (node === undefined) return fail(Code.NONODE);
  if (!aclAllows(node.acl, Perms.ADMIN, txn.auth)) return fail(Code.NOAUTH);
  if (!versionMatches(node.aversion, req.version)) return fail(Code.BADVERSION);
  keepPreimage(tree, node);
  node.acl = fixed.acl;
  node.aversion += 1;
  const stat = statOf(node);
  return { err: 0, body: { kind: "stat", stat }, result: { type: "setData", stat } };
}

/** check (inside a multi): BADARGUMENTS, NONODE, NOAUTH (READ), BADVERSION. */
function check(ctx: Context, req: CheckRequest): OpOutcome {
  const { tree, txn } = ctx;
  if (!sessionAlive(ctx)) return fail(Code.SESSIONEXPIRED);
  if (pathProblem(req.path) !== undefined) return fail(Code.BADARGUMENTS);
  const node = getNode(tree, req.path);
  if (node === undefined) return fail(Code.NONODE);
  if (!aclAllows(node.acl, Perms.READ, txn.auth)) return fail(Code.NOAUTH);
  if (!versionMatches(node.version, req.version)) return fail(Code.BADVERSION);
  return { err: 0, result: { type: "check" } };
}

/** The reaper's delete: NOTEMPTY when a child appeared meanwhile; never for an ephemeral (BADVERSION). */
function deleteContainer(ctx: Context, path: string): OpOutcome {
  const parentPath = parentOf(path);
  if (parentPath === undefined || path.includes("\0") || SPECIAL_PATHS.has(path)) return fail(Code.BADARGUMENTS);
  const node = ctx.tree.nodes.get(path);
  if (node === undefined) return fail(Code.NONODE);
  if (node.children.size > 0) return fail(Code.NOTEMPTY);
  if (node.owner.kind === "ephemeral") return fail(Code.BADVERSION);
  if (getNode(ctx.tree, parentPath) === undefined) return fail(Code.NONODE);
  removeNode(ctx, path, parentPath);
  return { err: 0, result: { type: "delete" } };
}

/**
 * multi: atomic and sharing one zxid and time. A read inside is MARSHALLINGERROR (still a transaction). On the
 * first failing op everything is undone and the results are ZooKeeper's: `error(0)` for the ops before, the
 * error, then `error(RUNTIMEINCONSISTENCY)`; the reply header is OK and no watch fires.
 */
function multi(ctx: Context, ops: readonly MultiOp[]): Reply {
  const { txn } = ctx;
  if (ops.some((op) => op.type === "getData" || op.type === "getChildren")) return { err: Code.MARSHALLINGERROR, zxid: txn.zxid };
  ctx.undo = [];
  const results: OpResult[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const outcome =
      op.type === "create"
        ? create(ctx, op, true)
        : op.type === "delete"
          ? deleteOp(ctx, op)
          : op.type === "setData"
            ? setData(ctx, op)
            : check(ctx, op as CheckRequest);
    if (outcome.err !== 0 || !("result" in outcome)) {
      for (let u = ctx.undo.length - 1; u >= 0; u--) ctx.undo[u]!();
      ctx.undo = undefined;
      ctx.changes.length = 0;
      const failed: OpResult[] = ops.map((_, k) => ({
        type: "error",
        err: k < i ? Code.OK : k === i ? outcome.err : Code.RUNTIMEINCONSISTENCY,
      }));
      return { err: Code.OK, zxid: txn.zxid, body: { kind: "multi", results: failed } };
    }
    results.push(outcome.result);
  }
  ctx.undo = undefined;
  return { err: Code.OK, zxid: txn.zxid, body: { kind: "multi", results } };
}

function closeSession(ctx: Context): Reply {
  const { tree, txn } = ctx;
  const paths = [...(tree.ephemerals.get(txn.sessionId) ?? [])];
  for (const path of paths) removeNode(ctx, path, parentOf(path)!);
  tree.ephemerals.delete(txn.sessionId);
  tree.sessions.delete(txn.sessionId);
  return { err: Code.OK, zxid: txn.zxid };
}

function reply(zxid: number, outcome: OpOutcome): Reply {
  if (outcome.err !== 0) return { err: outcome.err, zxid };
  return "body" in outcome && outcome.body !== undefined ? { err: 0, zxid, body: outcome.body } : { err: 0, zxid };
}

function single(ctx: Context, request: WriteRequest): Reply {
  const { tree, txn } = ctx;
  switch (request.type) {
    case "create":
      return reply(txn.zxid, create(ctx, request, false));
    case "delete":
      return reply(txn.zxid, deleteOp(ctx, request));
    case "setData":
      return reply(txn.zxid, setData(ctx, request));
    case "setACL":
      return reply(txn.zxid, setAcl(ctx, request));
    case "multi":
      return multi(ctx, request.ops);
    case "createSession":
      if (tree.sessions.has(request.sessionId)) throw new Error(`zk: session ${request.sessionId} created twice`);
      tree.sessions.set(request.sessionId, { id: request.sessionId, password: request.password, timeoutMs: request.timeoutMs });
      return { err: Code.OK, zxid: txn.zxid };
    case "closeSession":
      return closeSession(ctx);
    case "deleteContainer":
      return reply(txn.zxid, deleteContainer(ctx, request.path));
    case "reconfig":
      return { err: Code.RECONFIGDISABLED, zxid: txn.zxid };
    case "malformed":
      return { err: request.code, zxid: txn.zxid };
  }
}

/**
 * Applies one transaction: runs ZooKeeper's checks against the current tree and either changes the tree or
 * records the failure; in both cases `lastZxid` becomes the transaction's zxid. Throws (a bug, not bad input)
 * when zxids do not increase.
 */
export function applyTransaction(tree: ZkTree, txn: Transaction): ApplyResult {
  if (!(Number.isSafeInteger(txn.zxid) && txn.zxid > tree.lastZxid)) {
    throw new Error(`zk: transaction zxid ${txn.zxid} does not follow the last applied zxid ${tree.lastZxid}`);
  }
  const ctx: Context = { tree, txn, changes: [], undo: undefined };
  const reply = single(ctx, txn.request);
  tree.lastZxid = txn.zxid;
  return { reply, changes: ctx.changes };
}
