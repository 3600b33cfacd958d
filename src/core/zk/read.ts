/**
 * Reads, answered by the server the session is connected to from its current tree (ZooKeeper's
 * `FinalRequestProcessor`): they consume no zxid; the reply zxid is the last applied one. A read that would set a
 * watch returns where to register it; the caller's {@link WatchRegistry} does the registering.
 */
import { aclAllows, clientInfo, maskDigests } from "./acl.js";
import { Code } from "./codes.js";
import type { ZkTree } from "./tree.js";
import { getNode, statOf } from "./tree.js";
import type { AuthId, MultiOp, OpResult, Reply } from "./types.js";
import { Perms } from "./types.js";

/** A read request. */
export type ReadRequest =
  | { readonly type: "exists"; readonly path: string; readonly watch: boolean }
  | { readonly type: "getData"; readonly path: string; readonly watch: boolean }
  | { readonly type: "getChildren"; readonly path: string; readonly watch: boolean; readonly withStat: boolean }
  | { readonly type: "getACL"; readonly path: string }
  | { readonly type: "getAllChildrenNumber"; readonly path: string }
  | { readonly type: "getEphemerals"; readonly prefix: string }
  | { readonly type: "sync"; readonly path: string }
  | { readonly type: "multiRead"; readonly ops: readonly MultiOp[] }
  | { readonly type: "whoAmI" };

/** A read's reply and, when it leaves a watch behind, which table and path to register it in. */
export interface ReadResult {
  readonly reply: Reply;
  readonly watch?: { readonly table: "data" | "child"; readonly path: string };
}

/** Java's `String.trim()`: strips code units ≤ U+0020 only. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/** Counts the descendants of a node (`getAllChildrenNumber`). */
function countDescendants(tree: ZkTree, path: string): number {
  // ZooKeeper counts keys starting with `path + "/"`; for "" that is every node (its "/" key included).
  if (path === "") return tree.nodes.size;
  let count = 0;
  const stack = [path];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const node = tree.nodes.get(current)!;
    for (const child of node.children) {
      count++;
      stack.push(current === "/" ? `/${child}` : `${current}/${child}`);
    }
  }
  return count;
}

function sortedChildren(children: Set<string>): string[] {
  return [...children].sort();
}

function multiRead(tree: ZkTree, ops: readonly MultiOp[], auth: readonly AuthId[]): Reply {
  const zxid = tree.lastZxid;
  const reads = ops.filter((op) => op.type === "getData" || op.type === "getChildren").length;
  // Mixing kinds fails while decoding (no body); all writes fail on the first op after the reply was started.
  if (reads !== 0 && reads !== ops.length) return { err: Code.MARSHALLINGERROR, zxid };
  if (reads === 0 && ops.length > 0) return { err: Code.MARSHALLINGERROR, zxid, body: { kind: "multi", results: [] } };
  const results: OpResult[] = ops.map((op): OpResult => {
    const node = getNode(tree, op.path);
    if (node === undefined) return { type: "error", err: Code.NONODE };
    if (!aclAllows(node.acl, Perms.READ, auth)) return { type: "error", err: Code.NOAUTH };
    return op.type === "getData"
      ? { type: "getData", data: node.data, stat: statOf(node) }
      : { type: "getChildren", children: sortedChildren(node.children) };
  });
  return { err: Code.OK, zxid, body: { kind: "multi", results } };
}

/**
 * Answers a read for a session with the given authenticated ids. `getChildren`/`getEphemerals` lists are sorted
 * (ZooKeeper returns hash-set order; sorting makes quorate deterministic). `sessionId` selects getEphemerals' set.
 */
export function read(tree: ZkTree, sessionId: number, auth: readonly AuthId[], req: ReadRequest): ReadResult {
  const zxid = tree.lastZxid;
  const err = (code: number): ReadResult => ({ reply: { err: code, zxid } });
  switch (req.type) {
    case "exists": {
      if (req.path.includes("\0")) return err(Code.BADARGUMENTS);
      const node = getNode(tree, req.path);
      // An exists watch is left even when the node is missing: it fires on NodeCreated.
      const watch = req.watch ? { watch: { table: "data" as const, path: req.path } } : {};
      if (node === undefined) return { reply: { err: Code.NONODE, zxid }, ...watch };
      return { reply: { err: Code.OK, zxid, body: { kind: "stat", stat: statOf(node) } }, ...watch };
    }
    case "getData": {
      const node = getNode(tree, req.path);
      if (node === undefined) return err(Code.NONODE);
      if (!aclAllows(node.acl, Perms.READ, auth)) return err(Code.NOAUTH);
      return {
        reply: { err: Code.OK, zxid, body: { kind: "data", data: node.data, stat: statOf(node) } },
        ...(req.watch ? { watch: { table: "data" as const, path: req.path } } : {}),
      };
    }
    case "getChildren": {
      const node = getNode(tree, req.path);
      if (node === undefined) return err(Code.NONODE);
      if (!aclAllows(node.acl, Perms.READ, auth)) return err(Code.NOAUTH);
      const children = sortedChildren(node.children);
      const body = req.withStat ? { kind: "children" as const, children, stat: statOf(node) } : { kind: "children" as const, children };
      return {
        reply: { err: Code.OK, zxid, body },
        ...(req.watch ? { watch: { table: "child" as const, path: req.path } } : {}),
      };
    }
    case "getACL": {
      const node = getNode(tree, req.path);
      if (node === undefined) return err(Code.NONODE);
      if (!aclAllows(node.acl, Perms.READ | Perms.ADMIN, auth)) return err(Code.NOAUTH);
      const acl = aclAllows(node.acl, Perms.ADMIN, auth) ? [...node.acl] : maskDigests(node.acl);
      return { reply: { err: Code.OK, zxid, body: { kind: "acl", acl, stat: statOf(node) } } };
    }
    case "getAllChildrenNumber": {
      const node = getNode(tree, req.path);
      if (node === undefined) return err(Code.NONODE);
      if (!aclAllows(node.acl, Perms.READ, auth)) return err(Code.NOAUTH);
      return { reply: { err: Code.OK, zxid, body: { kind: "number", number: countDescendants(tree, req.path) } } };
    }
    case "getEphemerals": {
      const all = [...(tree.ephemerals.get(sessionId) ?? [])];
      const trimmed = javaTrim(req.prefix);
      const paths = trimmed === "" || trimmed === "/" ? all : all.filter((p) => p.startsWith(req.prefix));
      return { reply: { err: Code.OK, zxid, body: { kind: "ephemerals", paths: paths.sort() } } };
    }
    case "sync":
      return { reply: { err: Code.OK, zxid, body: { kind: "path", path: req.path } } };
    case "multiRead":
      return { reply: multiRead(tree, req.ops, auth) };
    case "whoAmI":
      return { reply: { err: Code.OK, zxid, body: { kind: "whoAmI", clientInfo: clientInfo(auth) } } };
  }
}
