/**
 * The replicated ZooKeeper service (src/core/zk-ensemble) as an explorable actor system: n replicas, each a
 * Raft node under a ZooKeeper tree, durable storage per replica (restart from exactly what was persisted), and
 * one client at replica 1 that opens a session and writes `/a` twice (create, then setData). Raft's timers
 * fire by choice with the replica's `timeout` input (`election`, a leader's `heartbeat`); nothing ticks, so
 * sessions never expire and replicas' clocks stand still — each at its own time, as real clocks disagree.
 * Replicas are fingerprinted without the timers (`fingerprintReplica(s, { timers: false })`).
 * @module
 */
import type { Core } from "../../../core/contract.js";
import type { Hasher } from "../../../core/fingerprint.js";
import * as raft from "../../../core/raft/index.js";
import type { PersistOutput } from "../../../core/raft/index.js";
import { OPEN_ACL_UNSAFE, type ClientRequest } from "../../../core/zk/index.js";
import * as ens from "../../../core/zk-ensemble/index.js";
import type { EnsembleMessage, ReplicaConfig, ReplicaInput, ReplicaOutput, ReplicaState } from "../../../core/zk-ensemble/index.js";
import type { ZkEnsembleInvariant } from "../../invariants/zk-ensemble.js";
import type { ActorSystem, SystemAction, SystemState } from "../actors.js";
import { hashValue } from "../hash.js";
import type { Invariant, StepInvariant } from "../model.js";
import { messageInput, outputEffects, systemName, withinBounds, type CoreBounds, type CoreSystemOptions } from "./common.js";
import { raftInvariants, raftStepInvariants, type RaftView } from "./raft-invariants.js";
import { EMPTY_RAFT_DISK, describeRaftMessage, hashRaftDisk, hashRaftMessage, persistedState, writeRaftDisk, type RaftDisk } from "./raft.js";

/** The bounds of the ZooKeeper system: `maxTerm` bounds the Raft term, `maxLog` the Raft log (no-ops, sessions and writes count). */
export type ZkBounds = CoreBounds;

/** The defaults of `quorate explore --system zk --nodes 3` (docs/explore.md). */
export const DEFAULT_ZK_BOUNDS: ZkBounds = { maxTerm: 1, maxLog: 3, maxCrashes: 0, maxInFlight: 3 };

/** How the ZooKeeper system is explored. */
export type ZkSystemOptions = CoreSystemOptions;

/** A state of the explored ZooKeeper system. */
export type ZkSystemState = SystemState<ReplicaState, EnsembleMessage, PersistOutput, RaftDisk, undefined>;

/** The client's connection id at replica 1. */
const CONN = 1;
/** Replica `id`'s clock: replicas disagree by a second each (a leader's time is in each command it proposes). */
const clockOf = (id: number): number => 1_700_000_000_000 + id * 1000;

/** The client's writes, by xid: create `/a`, then set its data. */
const WRITES: readonly ClientRequest[] = [
  { type: "create", opcode: 1, path: "/a", data: new Uint8Array([1]), acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 },
  { type: "setData", path: "/a", data: new Uint8Array([2]), version: -1 },
];

/** The ensemble replica as the explorer drives it: the core's create, step and clone, timer-free fingerprints. */
export function zkExploreCore(): Core<ReplicaConfig, ReplicaState, ReplicaInput, ReplicaOutput> {
  const c = ens.zkEnsembleCore;
  return { name: c.name, create: c.create, step: c.step, clone: c.clone, fingerprint: (s) => ens.fingerprintReplica(s, { timers: false }) };
}

function hashMessage(h: Hasher, m: EnsembleMessage): void {
  if (m.type === "raft") {
    h.str("raft").int(m.from).int(m.to);
    hashRaftMessage(h, m.message);
  } else hashValue(h, m);
}

/** The Raft view of the ensemble: each replica's Raft node and its disk, for the Raft invariants. */
function raftView(sys: ZkSystemState): RaftView {
  return { nodes: sys.nodes.map((r) => r?.raft), disks: sys.disks };
}

/**
 * The ensemble's invariants over whole-system states: Raft's (on each replica's Raft node and disk), and
 * `zk-tree-equal` — replicas that applied the same prefix of the log hold the same tree (the tree is a function
 * of the committed log: every command carries what only the leader decides, its time included).
 */
export function zkInvariants(ids: readonly number[]): Invariant<ZkSystemState>[] {
  const overRaft = raftInvariants(ids).map((inv) => ({ name: inv.name, check: (sys: ZkSystemState) => inv.check(raftView(sys)) }));
  const treeEqual: Invariant<ZkSystemState> & { readonly name: ZkEnsembleInvariant } = {
    name: "zk-tree-equal",
    check(sys) {
      const seen = new Map<number, { id: number; digest: number }>();
      for (const s of sys.nodes) {
        if (s === undefined) continue;
        const digest = ens.treeDigest(s.tree);
        const other = seen.get(s.applied);
        if (other === undefined) seen.set(s.applied, { id: s.id, digest });
        else if (other.digest !== digest) return `replicas ${other.id} and ${s.id} applied up to index ${s.applied} but hold different trees`;
      }
      return undefined;
    },
  };
  return [...overRaft, treeEqual];
}

/** The transition invariants: Raft's, on each replica's Raft node. */
export function zkStepInvariants(ids: readonly number[]): StepInvariant<ZkSystemState, SystemAction<unknown, unknown>>[] {
  return raftStepInvariants(ids).map((inv) => ({ name: inv.name, check: (before, action, after) => inv.check(raftView(before), action, raftView(after)) }));
}

/** The client's next input at replica `s` (index 0): connect once a leader is known, then the writes in turn. */
function clientInputs(s: ReplicaState): readonly ReplicaInput[] {
  const c = s.conns.get(CONN);
  if (c === undefined) return s.knownLeader === 0 || s.tree.sessions.size > 0 ? [] : [{ type: "connect", conn: CONN, timeoutMs: 4000 }];
  if (c.sessionId === 0 || c.queue.length > 0 || c.lastXid >= WRITES.length) return [];
  return [{ type: "request", conn: CONN, xid: c.lastXid + 1, request: WRITES[c.lastXid]! }];
}

/** The ZooKeeper system for the explorer. */
export function zkSystem(o: ZkSystemOptions): ActorSystem<ReplicaConfig, ReplicaState, ReplicaInput, ReplicaOutput, EnsembleMessage, PersistOutput, RaftDisk, undefined> {
  const bounds: ZkBounds = { ...DEFAULT_ZK_BOUNDS, ...o.bounds };
  const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  // Election timeout 2 ticks, heartbeat 1; one entry per append message, as the Raft system's; no snapshots.
  const configs: ReplicaConfig[] = ids.map((id) => ({ id, replicas: ids, seed: id, electionTick: 2, heartbeatTick: 1, maxSizePerMsg: 1, startTimeMs: clockOf(id) }));
  return {
    name: systemName("zk", o.nodes, bounds),
    core: zkExploreCore(),
    ids,
    configs,
    deliver: messageInput,
    effect: outputEffects<ReplicaOutput, EnsembleMessage, PersistOutput, ReplicaInput>({ send: (out) => ({ to: out.to, msg: out.message }), write: (out) => out.write }),
    hashMessage,
    timers: (s) => (raft.role(s.raft) === "leader" ? ["heartbeat"] : ["election"]),
    external: (sys, i) => (i === 0 ? clientInputs(sys.nodes[i]!) : []),
    storage: {
      empty: EMPTY_RAFT_DISK,
      mode: "sync",
      apply: writeRaftDisk,
      restart: (c, disk) => ens.createReplica(c, persistedState(disk)),
      hash: hashRaftDisk,
    },
    network: o.network ?? "unordered",
    noOpDelivery: "consume",
    lossy: o.lossy ?? false,
    maxCrashes: bounds.maxCrashes,
    within: withinBounds(bounds, (s) => raft.term(s.raft), (s) => raft.lastIndex(s.raft)),
    invariants: zkInvariants(ids),
    stepInvariants: zkStepInvariants(ids),
    goals: [
      { name: "leader elected", reached: (sys) => sys.nodes.some((s) => s !== undefined && raft.role(s.raft) === "leader") },
      { name: "session created", reached: (sys) => sys.nodes.some((s) => s !== undefined && s.tree.sessions.size > 0) },
      { name: "znode written", reached: (sys) => sys.nodes.some((s) => s !== undefined && s.tree.nodes.has("/a")) },
    ],
    describeMessage: (m) => (m.type === "raft" ? { ...m, message: describeRaftMessage(m.message) } : m),
  };
}
