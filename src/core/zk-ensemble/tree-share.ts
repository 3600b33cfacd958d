/**
 * Copy-on-write sharing of a replica's tree: `cloneReplica` shares the tree instead of copying it, and a
 * fingerprinted tree is cached; both mark the tree frozen, and a replica copies a frozen tree before its first
 * write (`writableTree`). Most steps apply nothing, so most clones copy no tree and most fingerprints rehash
 * none. The marks live in weak collections keyed by the tree objects (no state of their own beyond a cache).
 * @module
 */
import { cloneTree, fingerprintTree, type ZkTree } from "../zk/index.js";

const frozen = new WeakSet<ZkTree>();
const fingerprints = new WeakMap<ZkTree, bigint>();

/** Marks `tree` as shared: whoever writes it next copies it first. */
export function freezeTree(tree: ZkTree): void {
  frozen.add(tree);
}

/** The replica's tree, ready to be written: a copy if the tree is shared (the replica then holds the copy). */
export function writableTree(s: { tree: ZkTree }): ZkTree {
  if (frozen.has(s.tree)) s.tree = cloneTree(s.tree);
  return s.tree;
}

/** The tree's fingerprint (`fingerprintTree`), computed once per tree object: the tree is frozen from then on. */
export function cachedTreeFingerprint(tree: ZkTree): bigint {
  let fp = fingerprints.get(tree);
  if (fp === undefined) {
    fp = fingerprintTree(tree);
    fingerprints.set(tree, fp);
    frozen.add(tree);
  }
  return fp;
}
