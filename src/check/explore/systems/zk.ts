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
import { CREATE_MODES, Code, OPEN_ACL_UNSAFE, isSequential, type ClientRequest, type CreateMode } from "../../../core/zk/index.js";
import * as ens from "../../../core/zk-ensemble/index.js";
import type { EnsembleMessage, ReplicaConfig, ReplicaInput, ReplicaOutput, ReplicaState } from "../../../core/zk-ensemble/index.js";
import type { ZkEnsembleInvariant } from "../../invariants/zk-ensemble.js";
import type { ActorSystem, SystemAction, SystemState } from "../actors.js";
import { hashValue } from "../hash.js";
import type { Invariant, StepInvariant } from "../model.js";
import { messageInput, outputEffects, systemName, withinBounds, type CoreBounds, type CoreSystemOptions } from "./common.js";
import { raftInvariants, raftStepInvariants, type RaftView } from "./raft-invariants.js";
import { EMPTY_RAFT_DISK, describeRaftMessage, hashRaftDisk, hashRaftMessage, persistedState, writeRaftDisk, type RaftDisk } from "./raft.js";

/**
 * The bounds of the ZooKeeper system: `maxTerm` bounds the Raft term, `maxLog` the Raft log (no-ops, sessions
 * and writes count), `maxTicks` the global clock.
 */
export interface ZkBounds extends CoreBounds {
  /**
   * Global clock ticks on one path (default 0: clocks stand still and sessions never expire). Each `tick` action
   * ticks every live replica at once by {@link ZK_TICK_MS}, longer than a session's timeout: a leader expires
   * the sessions it tracks at its next tick.
   */
  readonly maxTicks?: number;
}

/** The defaults of `quorate explore --system zk --nodes 3` (docs/explore.md). */
export const DEFAULT_ZK_BOUNDS: ZkBounds = { maxTerm: 1, maxLog: 3, maxCrashes: 0, maxInFlight: 3 };

/**
 * What the clients do (each opens one session at its replica and sends its requests in order):
 * - `writes` (the default): one client at replica 1 creates `/a`, then sets its data;
 * - `ephemeral`: one client at replica 1 creates the ephemeral `/e`, then closes its session (with `maxTicks`,
 *   the leader may expire the session first);
 * - `sequential`: one client at replica 1 creates the sequential `/s-` twice;
 * - `sync-read`: a client at replica 2 creates `/a`; a client at replica 1 issues `sync`, then reads `/a`.
 */
export type ZkWorkload = "writes" | "ephemeral" | "sequential" | "sync-read";

/** The workloads, for option parsing. */
export const ZK_WORKLOADS: readonly ZkWorkload[] = ["writes", "ephemeral", "sequential", "sync-read"];

/** How the ZooKeeper system is explored. */
export interface ZkSystemOptions extends CoreSystemOptions {
  /** The bounds; the missing ones are {@link DEFAULT_ZK_BOUNDS}'s. */
  readonly bounds?: Partial<ZkBounds>;
  /** What the clients do (default "writes"). */
  readonly workload?: ZkWorkload;
}

/**
 * What the explorer records of the clients (the system's history; none for the `writes` workload): the sync
 * of the `sync-read` reader and the sequential names created, with the first violation of each property.
 */
export interface ZkHistory {
  /** The highest command index applied anywhere when the reader's `sync` was issued (−1: not issued yet). */
  readonly syncedBefore: number;
  /** The first read after the sync that missed a write committed before the sync was issued. */
  readonly staleRead?: string;
  /** Sequential names created, with the index of the entry that created them (sorted by path). */
  readonly sequential: readonly (readonly [path: string, index: number])[];
  /** The first sequential name created by two different entries. */
  readonly duplicateName?: string;
}

/** A state of the explored ZooKeeper system. */
export type ZkSystemState = SystemState<ReplicaState, EnsembleMessage, PersistOutput, RaftDisk, ZkHistory | undefined>;

/** Milliseconds per tick: above the longest session timeout the replicas grant (20 × tickTime 20 ms = 400 ms). */
export const ZK_TICK_MS = 1000;

/** The client's connection id at replica 1. */
const CONN = 1;
/** Replica `id`'s clock: replicas disagree by a second each (a leader's time is in each command it proposes). */
const clockOf = (id: number): number => 1_700_000_000_000 + id * 1000;

const create = (path: string, mode: CreateMode): ClientRequest => ({
  type: "create",
  opcode: 1,
  path,
  data: new Uint8Array([1]),
  acl: OPEN_ACL_UNSAFE,
  flags: CREATE_MODES.indexOf(mode),
  ttl: -1,
});

/** A client: the replica it is attached to (index into the ids) and its requests, by xid (xid k+1 is request k). */
interface Client {
  readonly at: number;
  readonly requests: readonly ClientRequest[];
}

/** The xid of the `sync-read` reader's read (after its sync, xid 1). */
const READ_XID = 2;

/** The clients of each workload. */
const WORKLOADS: Readonly<Record<ZkWorkload, readonly Client[]>> = {
  writes: [{ at: 0, requests: [create("/a", "PERSISTENT"), { type: "setData", path: "/a", data: new Uint8Array([2]), version: -1 }] }],
  ephemeral: [{ at: 0, requests: [create("/e", "EPHEMERAL"), { type: "closeSession" }] }],
  sequential: [{ at: 0, requests: [create("/s-", "PERSISTENT_SEQUENTIAL"), create("/s-", "PERSISTENT_SEQUENTIAL")] }],
  "sync-read": [
    { at: 0, requests: [{ type: "sync", path: "/" }, { type: "getData", path: "/a", watch: false }] },
    { at: 1, requests: [create("/a", "PERSISTENT")] },
  ],
};

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

/**
 * The client-level invariants of a workload that records a history: `zk-ephemeral-outlived` (no replica's
 * tree holds an ephemeral of a session it no longer has: the close or expiry that removed the session removed
 * its ephemerals in the same entry), `zk-sequential-unique` (no sequential name created by two entries) and
 * `zk-sync-read` (a read served after `sync` sees every write applied anywhere before the sync was issued).
 */
export function zkClientInvariants(): Invariant<ZkSystemState>[] {
  const ephemeralOutlived: Invariant<ZkSystemState> & { readonly name: ZkEnsembleInvariant } = {
    name: "zk-ephemeral-outlived",
    check(sys) {
      for (const s of sys.nodes) {
        if (s === undefined) continue;
        // The nodes themselves, not the tree's index of ephemerals (a close that forgets the index but keeps a node counts).
        for (const [path, node] of s.tree.nodes) {
          if (node.owner.kind === "ephemeral" && !s.tree.sessions.has(node.owner.session)) return `replica ${s.id} applied up to index ${s.applied}: session ${node.owner.session} is gone, yet owns ${path}`;
        }
      }
      return undefined;
    },
  };
  const sequentialUnique: Invariant<ZkSystemState> & { readonly name: ZkEnsembleInvariant } = { name: "zk-sequential-unique", check: (sys) => sys.history?.duplicateName };
  const syncRead: Invariant<ZkSystemState> = { name: "zk-sync-read", check: (sys) => sys.history?.staleRead };
  return [ephemeralOutlived, sequentialUnique, syncRead];
}

/** The transition invariants: Raft's, on each replica's Raft node. */
export function zkStepInvariants(ids: readonly number[]): StepInvariant<ZkSystemState, SystemAction<unknown, unknown>>[] {
  return raftStepInvariants(ids).map((inv) => ({ name: inv.name, check: (before, action, after) => inv.check(raftView(before), action, raftView(after)) }));
}

/**
 * A client's next input at its replica `s`: connect once a leader is known while the replica's tree holds fewer
 * sessions than there are clients (so a client whose connection was dropped before its session committed
 * connects again), then its requests in turn, each once the previous one was answered.
 */
function clientInputs(s: ReplicaState, client: Client, clients: number): readonly ReplicaInput[] {
  const c = s.conns.get(CONN);
  if (c === undefined) return s.knownLeader === 0 || s.tree.sessions.size >= clients ? [] : [{ type: "connect", conn: CONN, timeoutMs: 4000 }];
  if (c.sessionId === 0 || c.queue.length > 0 || c.lastXid >= client.requests.length) return [];
  return [{ type: "request", conn: CONN, xid: c.lastXid + 1, request: client.requests[c.lastXid]! }];
}

/** The highest index of a command applied by a live replica (in sync storage a replica applies what it commits at once). */
function highestAppliedCommand(sys: ZkSystemState): number {
  let z = 0;
  for (const s of sys.nodes) if (s !== undefined) z = Math.max(z, s.tree.lastZxid);
  return z;
}

const NO_HISTORY: ZkHistory = { syncedBefore: -1, sequential: [] };

/**
 * The history hooks: the reader's sync (with what was applied anywhere when it was issued) and its read's
 * answer; every sequential name an applied entry created.
 */
function clientRecording(ids: readonly number[], reader: Client | undefined): Pick<ActorSystem<ReplicaConfig, ReplicaState, ReplicaInput, ReplicaOutput, EnsembleMessage, PersistOutput, RaftDisk, ZkHistory | undefined>, "history" | "onInput" | "onOutput"> {
  return {
    history: {
      init: NO_HISTORY,
      hash(h, r) {
        const x = r ?? NO_HISTORY;
        h.int(x.syncedBefore).bool(x.staleRead !== undefined).bool(x.duplicateName !== undefined).int(x.sequential.length);
        for (const [path, index] of x.sequential) h.str(path).int(index);
      },
    },
    onInput(sys, i, input) {
      if (reader === undefined || i !== reader.at || input.type !== "request" || input.request.type !== "sync") return undefined;
      return { ...(sys.history ?? NO_HISTORY), syncedBefore: highestAppliedCommand(sys) };
    },
    onOutput(r, i, o) {
      const x = r ?? NO_HISTORY;
      if (o.type === "reply") {
        if (reader === undefined || i !== reader.at || o.conn !== CONN || o.xid !== READ_XID || x.syncedBefore < 0 || x.staleRead !== undefined) return undefined;
        // A read that was answered (not failed with the connection): as of the tree's last zxid.
        if (o.reply.err === Code.CONNECTIONLOSS || o.reply.zxid >= x.syncedBefore) return undefined;
        return { ...x, staleRead: `replica ${ids[i]} answered the read after sync as of zxid ${o.reply.zxid}, but the write at index ${x.syncedBefore} was applied before the sync was issued` };
      }
      if (o.type !== "applied" || o.command === undefined || o.reply === undefined || o.reply.err !== Code.OK) return undefined;
      const req = o.command.request;
      if (req.type !== "create" || !isSequential(CREATE_MODES[req.flags] ?? "PERSISTENT")) return undefined;
      const body = o.reply.body;
      if (body?.kind !== "create" && body?.kind !== "create2") return undefined;
      const before = x.sequential.find(([path]) => path === body.path);
      if (before !== undefined) {
        if (before[1] === o.index || x.duplicateName !== undefined) return undefined;
        return { ...x, duplicateName: `${body.path} created by entry ${o.index} and by entry ${before[1]}` };
      }
      const sequential = [...x.sequential, [body.path, o.index] as const].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      return { ...x, sequential };
    },
  };
}

/** The ZooKeeper system for the explorer. */
export function zkSystem(o: ZkSystemOptions): ActorSystem<ReplicaConfig, ReplicaState, ReplicaInput, ReplicaOutput, EnsembleMessage, PersistOutput, RaftDisk, ZkHistory | undefined> {
  const bounds: ZkBounds = { ...DEFAULT_ZK_BOUNDS, ...o.bounds };
  const maxTicks = bounds.maxTicks ?? 0;
  const workload = o.workload ?? "writes";
  const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  const clients = WORKLOADS[workload].filter((c) => c.at < ids.length);
  const reader = workload === "sync-read" ? clients.find((c) => c.at === 0) : undefined;
  // Election timeout 2 ticks, heartbeat 1; one entry per append message, as the Raft system's; no snapshots.
  const configs: ReplicaConfig[] = ids.map((id) => ({ id, replicas: ids, seed: id, electionTick: 2, heartbeatTick: 1, maxSizePerMsg: 1, startTimeMs: clockOf(id), tickMs: ZK_TICK_MS }));
  const base = systemName("zk", o.nodes, bounds);
  const name = workload === "writes" && maxTicks === 0 ? base : `${base.slice(0, -1)}, max-ticks=${maxTicks}, workload=${workload})`;
  // The node whose creation the "znode written" goal waits for.
  const written = workload === "ephemeral" ? "/e" : workload === "sequential" ? "/s-0000000000" : "/a";
  const within = withinBounds(bounds, (s: ReplicaState) => raft.term(s.raft), (s: ReplicaState) => raft.lastIndex(s.raft));
  return {
    name,
    ...(workload === "writes" ? {} : clientRecording(ids, reader)),
    ...(maxTicks > 0 ? { tick: { type: "tick" } as const } : {}),
    core: zkExploreCore(),
    ids,
    configs,
    deliver: messageInput,
    effect: outputEffects<ReplicaOutput, EnsembleMessage, PersistOutput, ReplicaInput>({ send: (out) => ({ to: out.to, msg: out.message }), write: (out) => out.write }),
    hashMessage,
    timers: (s) => (raft.role(s.raft) === "leader" ? ["heartbeat"] : ["election"]),
    external: (sys, i) => {
      const client = clients.find((c) => c.at === i);
      return client === undefined ? [] : clientInputs(sys.nodes[i]!, client, clients.length);
    },
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
    // A replica's tick count is its clock (restarts start it again: a restarted replica's clock is behind).
    within: maxTicks === 0 ? within : (sys) => within(sys) && sys.nodes.every((s) => s === undefined || s.ticks <= maxTicks),
    invariants: workload === "writes" ? zkInvariants(ids) : [...zkInvariants(ids), ...zkClientInvariants()],
    stepInvariants: zkStepInvariants(ids),
    goals: [
      { name: "leader elected", reached: (sys) => sys.nodes.some((s) => s !== undefined && raft.role(s.raft) === "leader") },
      { name: "session created", reached: (sys) => sys.nodes.some((s) => s !== undefined && s.tree.sessions.size > 0) },
      { name: "znode written", reached: (sys) => sys.nodes.some((s) => s !== undefined && s.tree.nodes.has(written)) },
    ],
    describeMessage: (m) => (m.type === "raft" ? { ...m, message: describeRaftMessage(m.message) } : m),
  };
}
