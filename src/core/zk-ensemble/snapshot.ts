/**
 * A replica's replicated state as bytes, for Raft snapshots: the tree (nodes, sessions, indexes) and each
 * session's last applied xid. Restoring rebuilds the indexes from the nodes, so they cannot disagree.
 */
import type { Acl, Data, NodeOwner, SessionRecord, ZNode, ZkTree } from "../zk/index.js";
import { createTree } from "../zk/index.js";
import { EnsembleCodecError, decodeFrame, encodeFrame } from "./codec.js";

type NodeRow = [
  path: string,
  data: Data,
  acl: readonly Acl[],
  czxid: number,
  mzxid: number,
  pzxid: number,
  ctime: number,
  mtime: number,
  version: number,
  cversion: number,
  aversion: number,
  owner: NodeOwner,
  children: string[],
];

interface SnapshotBody {
  readonly v: 1;
  readonly lastZxid: number;
  readonly nodes: NodeRow[];
  readonly sessions: SessionRecord[];
  readonly lastXid: [number, number][];
}

/** The replicated state of a replica: the tree and the per-session xid high-water marks. */
export interface ReplicatedState {
  readonly tree: ZkTree;
  readonly lastXid: Map<number, number>;
}

/** Serialises the replicated state (node order is the tree's insertion order: deterministic across replicas). */
export function encodeSnapshot(state: ReplicatedState): Uint8Array {
  const nodes: NodeRow[] = [];
  for (const [path, n] of state.tree.nodes) {
    nodes.push([path, n.data, n.acl, n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.owner, [...n.children]]);
  }
  const body: SnapshotBody = { v: 1, lastZxid: state.tree.lastZxid, nodes, sessions: [...state.tree.sessions.values()], lastXid: [...state.lastXid] };
  return encodeFrame(body);
}

/** Rebuilds the replicated state from {@link encodeSnapshot}'s bytes; empty bytes give a fresh state. */
export function decodeSnapshot(bytes: Uint8Array): ReplicatedState {
  if (bytes.length === 0) return { tree: createTree(), lastXid: new Map() };
  const body = decodeFrame(bytes) as Partial<SnapshotBody>;
  if (body.v !== 1 || !Array.isArray(body.nodes) || !Array.isArray(body.sessions) || !Array.isArray(body.lastXid) || typeof body.lastZxid !== "number") {
    throw new EnsembleCodecError("snapshot body lacks version 1 fields (v, lastZxid, nodes, sessions, lastXid)");
  }
  const tree = createTree();
  tree.nodes.clear();
  for (const row of body.nodes) {
    const [path, data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner, children] = row;
    const node: ZNode = { data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner, children: new Set(children) };
    tree.nodes.set(path, node);
    if (owner.kind === "container") tree.containers.add(path);
    else if (owner.kind === "ttl") tree.ttls.add(path);
    else if (owner.kind === "ephemeral") {
      let set = tree.ephemerals.get(owner.session);
      if (set === undefined) tree.ephemerals.set(owner.session, (set = new Set()));
      set.add(path);
    }
  }
  for (const s of body.sessions) tree.sessions.set(s.id, s);
  tree.lastZxid = body.lastZxid;
  return { tree, lastXid: new Map(body.lastXid) };
}
