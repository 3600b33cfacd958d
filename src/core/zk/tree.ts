/**
 * The data tree's state: nodes keyed by path, the per-session ephemeral index, containers, TTL nodes and the
 * replicated session table. Stored fields follow ZooKeeper's `StatPersisted`: `cversion` here is the number of
 * child creations; the visible cversion is derived (`2 × stored − numChildren`, see {@link statOf}).
 */
import type { Acl, Data, NodeOwner, Stat } from "./types.js";
import { OPEN_ACL_UNSAFE, Perms } from "./types.js";

/** One znode. Mutated in place by {@link applyTransaction}; never shared between trees. */
export interface ZNode {
  data: Data;
  acl: readonly Acl[];
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  /** Stored cversion: the number of child creations ever (ZooKeeper's `StatPersisted.cversion`). */
  cversion: number;
  aversion: number;
  owner: NodeOwner;
  children: Set<string>;
}

/** A session known to the replicated state. */
export interface SessionRecord {
  readonly id: number;
  readonly password: string;
  readonly timeoutMs: number;
}

/** The replicated state of a ZooKeeper-style server. */
export interface ZkTree {
  /** Every node by absolute path; the root is `"/"` (lookups of `""` also answer the root, as in ZooKeeper). */
  readonly nodes: Map<string, ZNode>;
  /** Ephemeral paths per owning session, in creation order. */
  readonly ephemerals: Map<number, Set<string>>;
  /** Paths of container nodes. */
  readonly containers: Set<string>;
  /** Paths of TTL nodes. */
  readonly ttls: Set<string>;
  /** Open sessions. */
  readonly sessions: Map<number, SessionRecord>;
  /** The zxid of the last applied transaction (0 on a fresh server). */
  lastZxid: number;
  /**
   * Set while a snapshot of this tree is being encoded a slice at a time: each node's state as of the snapshot,
   * kept here by {@link keepPreimage} before its first write after it. Not part of the tree's state (not
   * copied, compared or hashed).
   */
  preimages?: Map<ZNode, ZNode> | undefined;
}

/** Adds `path` to the tree's index of its owner's kind (ephemerals by session, containers, TTL nodes). */
export function indexNode(tree: ZkTree, path: string, owner: NodeOwner): void {
  if (owner.kind === "container") tree.containers.add(path);
  else if (owner.kind === "ttl") tree.ttls.add(path);
  else if (owner.kind === "ephemeral") {
    let set = tree.ephemerals.get(owner.session);
    if (set === undefined) tree.ephemerals.set(owner.session, (set = new Set()));
    set.add(path);
  }
}

/**
 * Call before writing `node` in place: while a snapshot is being encoded, keeps the node's state as of the
 * snapshot (once; data buffers and ACL lists are never written in place, so a shallow copy with its children
 * copied is enough).
 */
export function keepPreimage(tree: ZkTree, node: ZNode): void {
  const kept = tree.preimages;
  if (kept !== undefined && !kept.has(node)) kept.set(node, { ...node, children: new Set(node.children) });
}

function systemNode(data: Data, acl: readonly Acl[], children: string[]): ZNode {
  return {
    data,
    acl,
    czxid: 0,
    mzxid: 0,
    pzxid: 0,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    owner: { kind: "persistent" },
    children: new Set(children),
  };
}

/**
 * A fresh server's tree: `/`, `/zookeeper`, `/zookeeper/config`, `/zookeeper/quota`, all with zxid 0 and time 0.
 * As in ZooKeeper 3.8, the system nodes are added without counting as child creations (so the fresh root shows
 * cversion −1 and `/zookeeper` −2), and `/zookeeper/config` is read-only with aversion −1.
 */
export function createTree(): ZkTree {
  const nodes = new Map<string, ZNode>();
  nodes.set("/", systemNode(new Uint8Array(0), OPEN_ACL_UNSAFE, ["zookeeper"]));
  nodes.set("/zookeeper", systemNode(new Uint8Array(0), OPEN_ACL_UNSAFE, ["quota", "config"]));
  nodes.set("/zookeeper/quota", systemNode(new Uint8Array(0), OPEN_ACL_UNSAFE, []));
  const config = systemNode(new Uint8Array(0), [{ perms: Perms.READ, scheme: "world", id: "anyone" }], []);
  config.aversion = -1;
  nodes.set("/zookeeper/config", config);
  return { nodes, ephemerals: new Map(), containers: new Set(), ttls: new Set(), sessions: new Map(), lastZxid: 0 };
}

/** The node at `path`; `""` answers the root as ZooKeeper does (`exists("")` returns the root's Stat). */
export function getNode(tree: ZkTree, path: string): ZNode | undefined {
  return tree.nodes.get(path === "" ? "/" : path);
}

/** The Stat a client sees for a node (visible cversion, ephemeralOwner 0 for containers and TTL nodes). */
export function statOf(node: ZNode): Stat {
  const numChildren = node.children.size;
  return {
    czxid: node.czxid,
    mzxid: node.mzxid,
    ctime: node.ctime,
    mtime: node.mtime,
    version: node.version,
    cversion: node.cversion * 2 - numChildren,
    aversion: node.aversion,
    ephemeralOwner: node.owner.kind === "ephemeral" ? node.owner.session : 0,
    dataLength: node.data === null ? 0 : node.data.length,
    numChildren,
    pzxid: node.pzxid,
  };
}

/** A deep copy of a tree (data buffers are shared: they are never mutated in place). */
export function cloneTree(tree: ZkTree): ZkTree {
  const nodes = new Map<string, ZNode>();
  for (const [path, node] of tree.nodes) nodes.set(path, { ...node, children: new Set(node.children) });
  const ephemerals = new Map<number, Set<string>>();
  for (const [id, paths] of tree.ephemerals) ephemerals.set(id, new Set(paths));
  return {
    nodes,
    ephemerals,
    containers: new Set(tree.containers),
    ttls: new Set(tree.ttls),
    sessions: new Map(tree.sessions),
    lastZxid: tree.lastZxid,
  };
}

/**
 * Checks the tree's structural invariants and throws on the first violation: every node but the root has its
 * parent listing it, children exist, ephemerals have no children and are indexed under their owner, the indexes
 * hold only live nodes of the right kind, and no zxid is above `lastZxid`.
 */
export function assertTreeInvariants(tree: ZkTree): void {
  const fail = (message: string): never => {
    throw new Error(`zk tree invariant violated: ${message}`);
  };
  for (const [path, node] of tree.nodes) {
    if (path !== "/") {
      const slash = path.lastIndexOf("/");
      const parent = tree.nodes.get(slash === 0 ? "/" : path.slice(0, slash));
      if (parent === undefined || !parent.children.has(path.slice(slash + 1))) fail(`${path} is not listed by its parent`);
    }
    for (const child of node.children) {
      if (!tree.nodes.has(path === "/" ? `/${child}` : `${path}/${child}`)) fail(`${path} lists missing child ${child}`);
    }
    if (node.owner.kind === "ephemeral") {
      if (node.children.size > 0) fail(`ephemeral ${path} has children`);
      if (tree.ephemerals.get(node.owner.session)?.has(path) !== true) fail(`ephemeral ${path} is not indexed`);
    }
    if (node.czxid > tree.lastZxid || node.mzxid > tree.lastZxid || node.pzxid > tree.lastZxid) fail(`${path} has a zxid above ${tree.lastZxid}`);
    // System nodes hold children that were never "created"; every other child came from a create.
    if (node.czxid > 0 && node.cversion < node.children.size) fail(`${path} has fewer creations than children`);
  }
  for (const [session, paths] of tree.ephemerals) {
    for (const path of paths) {
      const node = tree.nodes.get(path);
      if (node?.owner.kind !== "ephemeral" || node.owner.session !== session) fail(`index lists ${path} for session ${session}`);
    }
  }
  for (const path of tree.containers) if (tree.nodes.get(path)?.owner.kind !== "container") fail(`container index lists ${path}`);
  for (const path of tree.ttls) if (tree.nodes.get(path)?.owner.kind !== "ttl") fail(`ttl index lists ${path}`);
}
