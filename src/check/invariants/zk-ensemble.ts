/**
 * The replicated ZooKeeper service's invariants (beyond Raft's): equal trees at equal applied indexes, no
 * ephemeral outliving its session, unique sequential names, an exclusive lock with monotonic fencing tokens.
 * @module
 */
import type { Command } from "../../core/zk-ensemble/types.js";
import { treeDigest } from "../../core/zk-ensemble/digest.js";
import type { Reply, ZkTree } from "../../core/zk/index.js";
import { CREATE_MODES, Code, isSequential } from "../../core/zk/index.js";
import type { NodeId, Violation } from "./types.js";

/** The invariants the replicated ZooKeeper service adds to Raft's, by name. */
export const ZK_INVARIANTS = {
  "zk-tree-equal": "every replica's tree is equal at equal applied index",
  "zk-ephemeral-outlived": "no ephemeral node outlives the commit of its session's close or expiry",
  "zk-sequential-unique": "a sequential name is never created twice under one parent",
  "zk-lock-exclusive": "a fenced write commits only for the lock's holder, and fencing tokens never go back",
} as const;

/** Counts of what the workload exercised (a run that exercised nothing proves nothing). */
export interface ZkSimCounts {
  applied: number;
  expiries: number;
  sequentialCreates: number;
  fencedWrites: number;
}

/**
 * The service's invariants as a reusable checker: feed it every replica's applied entries with the tree as of
 * that index (the replica's `inspect` hook); it reports violations of {@link ZK_INVARIANTS}.
 */
export class ZkEnsembleInvariants {
  private readonly digests = new Map<number, number>();
  private readonly firstApply = new Set<number>();
  private readonly sequential = new Map<string, Map<string, number>>();
  private lastToken = 0;
  /** Violations found and not yet taken. */
  readonly violations: Violation[] = [];
  /** What the entries checked so far exercised. */
  readonly counts: ZkSimCounts = { applied: 0, expiries: 0, sequentialCreates: 0, fencedWrites: 0 };

  private violate(invariant: ZkEnsembleInvariant, node: NodeId, detail: string): void {
    this.violations.push({ invariant, step: 0, t: 0, node, detail });
  }

  /** Checks replica `id`'s tree right after it applied `index`. */
  applied(id: NodeId, tree: ZkTree, index: number, command: Command | undefined, reply: Reply | undefined): void {
    this.counts.applied++;
    const digest = treeDigest(tree);
    const known = this.digests.get(index);
    if (known === undefined) this.digests.set(index, digest);
    else if (known !== digest) this.violate("zk-tree-equal", id, `replica ${id}'s tree at applied index ${index} differs from another replica's`);
    for (const session of tree.ephemerals.keys()) {
      if (!tree.sessions.has(session)) this.violate("zk-ephemeral-outlived", id, `session ${session} is closed at index ${index}, yet owns ${[...tree.ephemerals.get(session)!].join(", ")}`);
    }
    if (command === undefined || reply === undefined || this.firstApply.has(index)) return;
    this.firstApply.add(index);
    const req = command.request;
    if (req.type === "closeSession" && command.expiry === true) this.counts.expiries++;
    const created: string[] = [];
    if (req.type === "create" && reply.err === Code.OK && isSequential(CREATE_MODES[req.flags] ?? "PERSISTENT")) {
      if (reply.body?.kind === "create" || reply.body?.kind === "create2") created.push(reply.body.path);
    }
    if (req.type === "multi" && reply.body?.kind === "multi") {
      const results = reply.body.results;
      req.ops.forEach((op, k) => {
        const r = results[k];
        if (op.type === "create" && isSequential(CREATE_MODES[op.flags] ?? "PERSISTENT") && r !== undefined && (r.type === "create" || r.type === "create2")) created.push(r.path);
      });
      const check = req.ops[0];
      const ok = results.length > 0 && results.every((r) => r.type !== "error");
      if (ok && check?.type === "check" && check.path.startsWith("/lock-")) {
        this.counts.fencedWrites++;
        const holder = lowestLock(tree);
        const lockNode = tree.nodes.get(check.path);
        if (holder !== check.path || lockNode === undefined) {
          this.violate("zk-lock-exclusive", id, `fenced write at index ${index} by ${check.path} while ${holder ?? "nobody"} holds the lock`);
        } else if (lockNode.czxid < this.lastToken) {
          this.violate("zk-lock-exclusive", id, `fenced write at index ${index} with token ${lockNode.czxid} after token ${this.lastToken}`);
        } else this.lastToken = lockNode.czxid;
      }
    }
    for (const path of created) {
      this.counts.sequentialCreates++;
      const slash = path.lastIndexOf("/");
      const parent = slash === 0 ? "/" : path.slice(0, slash);
      let names = this.sequential.get(parent);
      if (names === undefined) this.sequential.set(parent, (names = new Map()));
      const before = names.get(path);
      if (before !== undefined && before !== index) this.violate("zk-sequential-unique", id, `${path} created at index ${index} and again at ${before}`);
      names.set(path, index);
    }
  }
}

/** The name of one invariant of the replicated ZooKeeper service. */
export type ZkEnsembleInvariant = keyof typeof ZK_INVARIANTS;

/** The path of the lowest `/lock-…` node: the lock's holder in the lock recipe the simulator's clients use. */
export function lowestLock(tree: ZkTree): string | undefined {
  const root = tree.nodes.get("/");
  let best: string | undefined;
  for (const child of root?.children ?? []) if (child.startsWith("lock-") && (best === undefined || child < best)) best = child;
  return best === undefined ? undefined : `/${best}`;
}
