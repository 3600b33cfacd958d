/**
 * The replicated ZooKeeper replica under the one contract (src/core/contract.ts): `cloneReplica`,
 * `fingerprintReplica` and the `zkEnsembleCore` bundle.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { cloneRaft, fingerprintRaft } from "../raft/core.js";
import { cloneZk, fingerprintZk } from "../zk/core.js";
import { createReplica, step, type Connection, type ReplicaState } from "./replica.js";
import type { ReplicaConfig, ReplicaInput, ReplicaOutput } from "./types.js";

function cloneConnection(c: Connection): Connection {
  return { ...c, auth: c.auth.slice(), queue: c.queue.map((p) => ({ ...p })) };
}

/**
 * A copy that steps independently: the Raft node and the tree are cloned by their cores (log entries, data
 * buffers and settings shared); connections, session bookkeeping and indexes are copied; the outbox is scratch.
 */
export function cloneReplica(s: ReplicaState): ReplicaState {
  const zk = cloneZk({ tree: s.tree, watches: s.watches });
  const sessions = new Map<number, { timeoutMs: number; expiresAt: number; closing: boolean }>();
  for (const [id, t] of s.tracker.sessions) sessions.set(id, { ...t });
  const conns = new Map<number, Connection>();
  for (const [id, c] of s.conns) conns.set(id, cloneConnection(c));
  return {
    ...s,
    raft: cloneRaft(s.raft),
    tree: zk.tree,
    watches: zk.watches,
    lastXid: new Map(s.lastXid),
    tracker: { intervalMs: s.tracker.intervalMs, sessions },
    conns,
    bySession: new Map(s.bySession),
    byNonce: new Map(s.byNonce),
    touched: new Set(s.touched),
    readWaiters: new Map(s.readWaiters),
    proposed: new Set(s.proposed),
    batch: s.batch.slice(),
    reaping: new Set(s.reaping),
    out: [],
    inspect: undefined,
  };
}

/** Options of {@link fingerprintReplica}. */
export interface ReplicaFingerprintOptions {
  /**
   * Hash the timers (default true). False leaves out the Raft node's timer counters, randomized deadline and
   * PRNG (`fingerprintRaft`'s `timers: false`) and the tick count: for a checker that fires timers by choice
   * with the `timeout` input and never ticks, to which they are invisible.
   */
  readonly timers?: boolean;
}

/**
 * A canonical 64-bit hash of a replica: its Raft node and its tree with watches (each by its core's
 * fingerprint), then the service's own state — per-session xids, the leader's session tracker, clock, apply
 * and snapshot positions, connections with their queues, indexes, held reads and proposals. Excluded: the
 * settings (fixed by the config) and the per-step scratch (outbox, inspector).
 */
export function fingerprintReplica(s: ReplicaState, options: ReplicaFingerprintOptions = {}): bigint {
  const timers = options.timers !== false;
  const h = new Hasher();
  h.int(s.id).str(fingerprintRaft(s.raft, { timers }).toString(16)).str(fingerprintZk({ tree: s.tree, watches: s.watches }).toString(16));
  h.value(s.lastXid).value(s.tracker.sessions);
  if (timers) h.num(s.ticks);
  h.num(s.now).num(s.applied).num(s.lastSnapshotAt);
  h.value(s.conns).value(s.bySession).value(s.byNonce).value(s.touched).value(s.readWaiters);
  h.num(s.readSeq).num(s.readsHeld).num(s.sessionCounter).value(s.proposed).value(s.reaping).num(s.nextReapAt);
  h.int(s.batch.length);
  for (const held of s.batch) h.bytes(held.data);
  h.int(s.knownLeader).num(s.knownTerm).bool(s.leading);
  return h.digest();
}

/** The replicated ZooKeeper replica as a {@link Core}: `create` builds a fresh replica from a {@link ReplicaConfig}. */
export const zkEnsembleCore: Core<ReplicaConfig, ReplicaState, ReplicaInput, ReplicaOutput> = {
  name: "zk-ensemble",
  create: (config) => createReplica(config),
  step: (state, input) => step(state, input),
  clone: cloneReplica,
  fingerprint: (s) => fingerprintReplica(s),
};
