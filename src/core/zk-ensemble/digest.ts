/**
 * A 32-bit digest of a tree's replicated content (every node's path, data, Stat fields, owner and ACL, the
 * open sessions and the last zxid): equal trees have equal digests, so replicas can be compared cheaply at
 * equal applied indexes.
 */
import type { ZkTree } from "../zk/index.js";

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0xff, 0x01000193);
}

function mixNumber(h: number, n: number): number {
  // Split into 32-bit halves so that session ids and times above 2^32 count fully.
  const hi = Math.floor(n / 0x100000000) | 0;
  h = Math.imul(h ^ (n | 0), 0x01000193);
  return Math.imul(h ^ hi, 0x01000193);
}

/** The digest of a tree, independent of map insertion order. */
export function treeDigest(tree: ZkTree): number {
  const paths = [...tree.nodes.keys()].sort();
  let h = mixNumber(0x811c9dc5, tree.lastZxid);
  for (const path of paths) {
    const n = tree.nodes.get(path)!;
    h = mixString(h, path);
    if (n.data === null) h = mixNumber(h, -1);
    else {
      h = mixNumber(h, n.data.length);
      for (let i = 0; i < n.data.length; i++) h = Math.imul(h ^ n.data[i]!, 0x01000193);
    }
    for (const v of [n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.children.size]) h = mixNumber(h, v);
    h = mixString(h, n.owner.kind);
    if (n.owner.kind === "ephemeral") h = mixNumber(h, n.owner.session);
    if (n.owner.kind === "ttl") h = mixNumber(h, n.owner.ttl);
    for (const a of n.acl) h = mixString(mixNumber(h, a.perms), `${a.scheme}:${a.id}`);
  }
  for (const id of [...tree.sessions.keys()].sort((a, b) => a - b)) h = mixNumber(h, id);
  return h >>> 0;
}
