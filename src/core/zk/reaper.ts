/**
 * Which nodes the container/TTL reaper deletes (ZooKeeper's `ContainerManager.getCandidates`): containers that
 * have had a child (stored cversion > 0) and are empty again, and TTL nodes that are childless and unmodified
 * for longer than their TTL. Each candidate becomes its own `deleteContainer` transaction. Candidates are sorted
 * (ZooKeeper iterates a hash set) so that every replica agrees.
 */
import type { ZkTree } from "./tree.js";

/** Reap candidates at time `now` (ms). `maxNeverUsedIntervalMs` 0 keeps never-used containers forever. */
export function reapCandidates(tree: ZkTree, now: number, maxNeverUsedIntervalMs = 0): string[] {
  const out: string[] = [];
  for (const path of tree.containers) {
    const node = tree.nodes.get(path);
    if (node === undefined || node.children.size > 0) continue;
    if (node.cversion > 0) out.push(path);
    else if (maxNeverUsedIntervalMs !== 0 && now - node.mtime > maxNeverUsedIntervalMs) out.push(path);
  }
  for (const path of tree.ttls) {
    const node = tree.nodes.get(path);
    if (node === undefined || node.children.size > 0 || node.owner.kind !== "ttl") continue;
    if (node.owner.ttl !== 0 && now - node.mtime > node.owner.ttl) out.push(path);
  }
  return out.sort();
}
