/**
 * A replica's replicated state as bytes, for Raft snapshots: the tree (nodes, sessions, indexes) and each
 * session's last applied xid. Restoring rebuilds the indexes from the nodes, so they cannot disagree.
 *
 * Version 2 (written) is binary, through the core's shared {@link ByteWriter}: magic "QZKS", a version byte, then
 * `lastZxid`, the nodes in the tree's order, the sessions and the xid marks. Every number is an f64 (exact for
 * any JS number), every string and blob length-prefixed, node data copied once. It replaced version 1 (the
 * JSON-headed frame of codec.ts, still read) because it encodes 55,000 nodes of 1 KiB in ≈ 100 ms against ≈ 180
 * (docs/zookeeper-bench.md, "The snapshot off the step"). The two cannot be
 * confused: version 1 starts with its header's length, and "QZKS" read as that length is 1.36 GB, past the
 * longest string JSON.parse could be given.
 */
import { ByteReader, ByteWriter } from "../metadata/codec.js";
import { MetadataError } from "../metadata/errors.js";
import type { Acl, Data, NodeOwner, SessionRecord, ZNode, ZkTree } from "../zk/index.js";
import { OPEN_ACL_UNSAFE, Perms, createTree, indexNode } from "../zk/index.js";
import { EnsembleCodecError, decodeFrame } from "./codec.js";

const MAGIC = [0x51, 0x5a, 0x4b, 0x53]; // "QZKS"
const VERSION = 2;
const OWNER_KINDS = ["persistent", "ephemeral", "container", "ttl"] as const;
const PERSISTENT: NodeOwner = Object.freeze({ kind: "persistent" });
const CONTAINER: NodeOwner = Object.freeze({ kind: "container" });

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
  return continueSnapshot(beginSnapshot(state, 0), Infinity) as Uint8Array;
}

/**
 * A snapshot being encoded a slice at a time, so that a large tree does not hold up one step (55,000 nodes of
 * 1 KiB take ≈ 100 ms in one go). It holds the tree as of `index`: the list of its nodes (the objects, in order)
 * taken at the start, the sessions and xid marks copied, and the tree's preimages — the state as of `index` of
 * each node written since (`keepPreimage` in zk/tree.ts). A node deleted since is still in the list and never written
 * again; one created since is not in it.
 */
export interface SnapshotEncoding {
  /** The log index the snapshot stands for. */
  readonly index: number;
  /** The tree being encoded, whose `preimages` this encoding set. */
  readonly tree: ZkTree;
  /** The tree's paths and nodes at the start, in order (two arrays: no pair allocated per node). */
  readonly paths: readonly string[];
  readonly nodes: readonly ZNode[];
  readonly preimages: Map<ZNode, ZNode>;
  readonly sessions: readonly SessionRecord[];
  readonly lastXid: readonly (readonly [number, number])[];
  /** The next node of `nodes` to encode. */
  next: number;
  readonly writer: ByteWriter;
}

/** Starts encoding `state` as of log `index`: O(nodes) pointer copies; the encoding itself is {@link continueSnapshot}'s. */
export function beginSnapshot(state: ReplicatedState, index: number): SnapshotEncoding {
  const tree = state.tree;
  const preimages = new Map<ZNode, ZNode>();
  tree.preimages = preimages;
  const paths = new Array<string>(tree.nodes.size);
  const nodes = new Array<ZNode>(tree.nodes.size);
  // An upper bound of the encoding's size, so that the writer never grows (growing copies everything written):
  // a string takes at most 3 bytes per UTF-16 unit plus its length; a child's name is no longer than its path,
  // and every node is a child of one node, so the paths bound the children too.
  let size = 64 + 16 * (state.lastXid.size + 1);
  let i = 0;
  for (const [path, n] of tree.nodes) {
    paths[i] = path;
    nodes[i++] = n;
    size += 2 * (3 * path.length + 8) + 8 * 9 + 16 + (n.data === null ? 0 : n.data.length);
    for (const a of n.acl) size += 8 + 3 * (a.scheme.length + a.id.length) + 16;
  }
  for (const session of tree.sessions.values()) size += 16 + 3 * session.password.length + 8;
  const w = new ByteWriter(size);
  for (const b of MAGIC) w.u8(b);
  w.u8(VERSION);
  w.f64(tree.lastZxid);
  w.varUint(tree.nodes.size);
  return { index, tree, paths, nodes, preimages, sessions: [...tree.sessions.values()], lastXid: [...state.lastXid], next: 0, writer: w };
}

/**
 * Encodes nodes until about `sliceBytes` more bytes are written (at least one node); the snapshot's bytes once
 * every node is written, else undefined (call again later). The tree stops keeping preimages when it is done.
 */
export function continueSnapshot(e: SnapshotEncoding, sliceBytes: number): Uint8Array | undefined {
  const w = e.writer;
  const until = w.length + sliceBytes;
  while (e.next < e.nodes.length) {
    const live = e.nodes[e.next] as ZNode;
    writeNode(w, e.paths[e.next++] as string, e.preimages.get(live) ?? live);
    if (w.length >= until && e.next < e.nodes.length) return undefined;
  }
  w.varUint(e.sessions.length);
  for (const session of e.sessions) {
    w.f64(session.id);
    w.string(session.password);
    w.f64(session.timeoutMs);
  }
  w.varUint(e.lastXid.length);
  for (const [session, xid] of e.lastXid) {
    w.f64(session);
    w.f64(xid);
  }
  abandonSnapshot(e);
  // A view, not a copy: the writer is dropped with the encoding, and copying 66 MB would cost what slicing saves.
  return w.view();
}

/** Stops an encoding: its tree no longer keeps preimages for it. */
export function abandonSnapshot(e: SnapshotEncoding): void {
  if (e.tree.preimages === e.preimages) e.tree.preimages = undefined;
}

/** A copy of an encoding that continues independently (the writer's bytes copied; the rest is never written). */
export function copySnapshotEncoding(e: SnapshotEncoding): SnapshotEncoding {
  const writer = new ByteWriter(e.writer.length + 1024);
  writer.bytes(e.writer.view());
  return { ...e, writer };
}

function writeNode(w: ByteWriter, path: string, n: ZNode): void {
  w.string(path);
  if (n.data === null) w.u8(0);
  else {
    w.u8(1);
    w.varUint(n.data.length);
    w.bytes(n.data);
  }
  w.varUint(n.acl.length);
  for (const a of n.acl) {
    w.f64(a.perms);
    w.string(a.scheme);
    w.string(a.id);
  }
  w.f64(n.czxid);
  w.f64(n.mzxid);
  w.f64(n.pzxid);
  w.f64(n.ctime);
  w.f64(n.mtime);
  w.f64(n.version);
  w.f64(n.cversion);
  w.f64(n.aversion);
  const o = n.owner;
  w.u8(OWNER_KINDS.indexOf(o.kind));
  if (o.kind === "ephemeral") w.f64(o.session);
  else if (o.kind === "ttl") w.f64(o.ttl);
  w.varUint(n.children.size);
  for (const child of n.children) w.string(child);
}

/** Rebuilds the replicated state from {@link encodeSnapshot}'s bytes (or version 1's); empty bytes give a fresh state. */
export function decodeSnapshot(bytes: Uint8Array): ReplicatedState {
  if (bytes.length === 0) return { tree: createTree(), lastXid: new Map() };
  if (bytes.length >= 4 && MAGIC.every((b, i) => bytes[i] === b)) {
    try {
      return decodeVersion2(new ByteReader(bytes, "MALFORMED_SNAPSHOT", MAGIC.length));
    } catch (e) {
      if (e instanceof MetadataError) throw new EnsembleCodecError(e.message);
      throw e;
    }
  }
  return decodeVersion1(bytes);
}

function decodeVersion2(r: ByteReader): ReplicatedState {
  const version = r.u8();
  if (version !== VERSION) r.fail(`snapshot version ${version} (this build reads 1 and 2)`);
  const tree = createTree();
  tree.nodes.clear();
  tree.lastZxid = r.f64();
  const nodeCount = count(r, 8 * 8);
  for (let i = 0; i < nodeCount; i++) {
    const path = r.string();
    const flag = r.u8();
    if (flag > 1) r.fail(`data flag ${flag}`);
    const data: Data = flag === 0 ? null : r.bytes(r.varUint());
    const acl = readAcl(r);
    const czxid = r.f64();
    const mzxid = r.f64();
    const pzxid = r.f64();
    const ctime = r.f64();
    const mtime = r.f64();
    const version = r.f64();
    const cversion = r.f64();
    const aversion = r.f64();
    const owner = readOwner(r);
    const children = new Set<string>();
    const childCount = count(r, 1);
    for (let c = 0; c < childCount; c++) children.add(r.string());
    if (tree.nodes.has(path)) r.fail(`node ${path} appears twice`);
    const node: ZNode = { data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner, children };
    tree.nodes.set(path, node);
    indexNode(tree, path, owner);
  }
  const sessionCount = count(r, 17);
  for (let i = 0; i < sessionCount; i++) {
    const session: SessionRecord = { id: r.f64(), password: r.string(), timeoutMs: r.f64() };
    tree.sessions.set(session.id, session);
  }
  const lastXid = new Map<number, number>();
  const xidCount = count(r, 16);
  for (let i = 0; i < xidCount; i++) lastXid.set(r.f64(), r.f64());
  if (!r.done) r.fail("bytes after the last section");
  return { tree, lastXid };
}

/** A count of items each at least `minBytes` long, refused if the rest of the bytes cannot hold them. */
function count(r: ByteReader, minBytes: number): number {
  const n = r.varUint();
  if (n * minBytes > r.buf.length - r.pos) r.fail(`${n} items cannot fit in the ${r.buf.length - r.pos} bytes left`);
  return n;
}

function readAcl(r: ByteReader): readonly Acl[] {
  const n = count(r, 10);
  const acl: Acl[] = [];
  for (let i = 0; i < n; i++) acl.push({ perms: r.f64(), scheme: r.string(), id: r.string() });
  // Most nodes carry the default ACL: one shared list instead of 55,000 equal ones.
  const only = acl[0];
  if (n === 1 && only !== undefined && only.perms === Perms.ALL && only.scheme === "world" && only.id === "anyone") return OPEN_ACL_UNSAFE;
  return acl;
}

function readOwner(r: ByteReader): NodeOwner {
  const kind = OWNER_KINDS[r.u8()];
  switch (kind) {
    case "persistent":
      return PERSISTENT;
    case "container":
      return CONTAINER;
    case "ephemeral":
      return { kind, session: r.f64() };
    case "ttl":
      return { kind, ttl: r.f64() };
    default:
      return r.fail("unknown node owner kind");
  }
}

/** Version 1: a codec.ts frame whose header holds the nodes as rows. */
function decodeVersion1(bytes: Uint8Array): ReplicatedState {
  const body = decodeFrame(bytes) as Partial<SnapshotBody>;
  if (body.v !== 1 || !Array.isArray(body.nodes) || !Array.isArray(body.sessions) || !Array.isArray(body.lastXid) || typeof body.lastZxid !== "number") {
    throw new EnsembleCodecError("snapshot body lacks version 1 fields (v, lastZxid, nodes, sessions, lastXid)");
  }
  const tree = createTree();
  tree.nodes.clear();
  for (const row of body.nodes) {
    const [path, data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner, children] = row;
    tree.nodes.set(path, { data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner, children: new Set(children) });
    indexNode(tree, path, owner);
  }
  for (const s of body.sessions) tree.sessions.set(s.id, s);
  tree.lastZxid = body.lastZxid;
  return { tree, lastXid: new Map(body.lastXid) };
}
