/**
 * The replicated ZooKeeper replica under the one contract (src/core/contract.ts): `cloneReplica`,
 * `fingerprintReplica` and the `zkEnsembleCore` bundle.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { cloneRaft, fingerprintRaft } from "../raft/core.js";
import { cloneWatches, hashWatches } from "../zk/core.js";
import { createReplica, step, type Connection, type ReplicaState } from "./replica.js";
import { copySnapshotEncoding } from "./snapshot.js";
import { cachedTreeFingerprint, freezeTree } from "./tree-share.js";
import type { ReplicaConfig, ReplicaInput, ReplicaOutput } from "./types.js";

function cloneConnection(c: Connection): Connection {
  return { ...c, auth: c.auth.slice(), queue: c.queue.map((p) => ({ ...p })) };
}

/**
 * A copy that steps independently: the Raft node is cloned by its core (log entries and settings shared), the
 * tree is shared copy-on-write (the first replica to write it copies it); connections, watches, session
 * bookkeeping and indexes are copied; the outbox is scratch.
 */
export function cloneReplica(s: ReplicaState): ReplicaState {
  // The tree is shared, copy-on-write (tree-share.ts): most steps apply nothing. Watches are copied (small).
  freezeTree(s.tree);
  const watches = cloneWatches(s.watches);
  const sessions = new Map<number, { timeoutMs: number; expiresAt: number; closing: boolean }>();
  for (const [id, t] of s.tracker.sessions) sessions.set(id, { ...t });
  const conns = new Map<number, Connection>();
  for (const [id, c] of s.conns) conns.set(id, cloneConnection(c));
  return {
    ...s,
    raft: cloneRaft(s.raft),
    tree: s.tree,
    watches,
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
    snapshotting: s.snapshotting === undefined ? undefined : copySnapshotEncoding(s.snapshotting),
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
 * A canonical 64-bit hash of a replica: its Raft node and its tree (their cores' fingerprints, the tree's cached
 * per tree object) and its watches, then the service's own state — per-session xids, the leader's session tracker, clock, apply
 * and snapshot positions, connections with their queues, indexes, held reads and proposals. Excluded: the
 * settings (fixed by the config) and the per-step scratch (outbox, inspector).
 */
export function fingerprintReplica(s: ReplicaState, options: ReplicaFingerprintOptions = {}): bigint {
  const timers = options.timers !== false;
  const h = new Hasher();
  h.int(s.id);
  fp64(h, fingerprintRaft(s.raft, { timers }));
  // The tree's fingerprint is cached per tree object (shared, copy-on-write, by clones): most steps apply nothing.
  fp64(h, cachedTreeFingerprint(s.tree));
  hashWatches(h, s.watches);
  // Hand-written, field by field (the generic `value` sorts object keys: a fifth of an exploration's time);
  // maps and sets in ascending key order, so insertion order does not count.
  numberMap(h, s.lastXid, (v) => void h.num(v));
  numberMap(h, s.tracker.sessions, (t) => void h.num(t.timeoutMs).num(t.expiresAt).bool(t.closing));
  if (timers) h.num(s.ticks);
  h.num(s.now).num(s.applied).num(s.lastSnapshotAt);
  // A snapshot in progress: how far its encoding got (what it encodes is fixed by lastSnapshotAt).
  h.num(s.snapshotting === undefined ? -1 : s.snapshotting.next);
  numberMap(h, s.conns, (c) => hashConnection(h, c));
  numberMap(h, s.bySession, (v) => void h.num(v));
  numberMap(h, s.byNonce, (v) => void h.num(v));
  numberSet(h, s.touched);
  numberMap(h, s.readWaiters, (w) => void h.num(w.conn).num(w.xid));
  h.num(s.readSeq).num(s.readsHeld).num(s.sessionCounter);
  stringSet(h, s.proposed);
  stringSet(h, s.reaping);
  h.num(s.nextReapAt);
  // Proposals held for the next batch, in order.
  h.int(s.batch.length);
  for (const held of s.batch) h.bytes(held.data);
  h.int(s.knownLeader).num(s.knownTerm).bool(s.leading);
  return h.digest();
}

function fp64(h: Hasher, fp: bigint): void {
  h.int(Number(fp >> 32n)).int(Number(fp & 0xffffffffn));
}

function numberMap<V>(h: Hasher, m: ReadonlyMap<number, V>, value: (v: V) => void): void {
  h.int(m.size);
  if (m.size === 0) return;
  const keys = m.size === 1 ? [...m.keys()] : [...m.keys()].sort((a, b) => a - b);
  for (const k of keys) {
    h.num(k);
    value(m.get(k)!);
  }
}

function numberSet(h: Hasher, s: ReadonlySet<number>): void {
  h.int(s.size);
  if (s.size === 0) return;
  for (const k of [...s].sort((a, b) => a - b)) h.num(k);
}

function stringSet(h: Hasher, s: ReadonlySet<string>): void {
  h.int(s.size);
  if (s.size === 0) return;
  for (const k of [...s].sort()) h.str(k);
}

function hashConnection(h: Hasher, c: Connection): void {
  h.num(c.id).num(c.sessionId).str(c.password).num(c.timeoutMs).num(c.lastXid).num(c.since).int(c.auth.length);
  for (const a of c.auth) h.str(a.scheme).str(a.id);
  h.int(c.queue.length);
  // Queued requests and their replies are rare and varied: the generic hasher.
  for (const p of c.queue) h.num(p.xid).str(p.kind).num(p.readIndex).num(p.since).value(p.request).value(p.reply);
}

/** The replicated ZooKeeper replica as a {@link Core}: `create` builds a fresh replica from a {@link ReplicaConfig}. */
export const zkEnsembleCore: Core<ReplicaConfig, ReplicaState, ReplicaInput, ReplicaOutput> = {
  name: "zk-ensemble",
  create: (config) => createReplica(config),
  step: (state, input) => step(state, input),
  clone: cloneReplica,
  fingerprint: (s) => fingerprintReplica(s),
};
