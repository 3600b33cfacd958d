/**
 * The Raft core under the one contract (src/core/contract.ts): `cloneRaft`, `fingerprintRaft` and the
 * `raftCore` bundle that the simulator and the explorer take.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { createRaft, newOutbox, type RaftState } from "./state.js";
import { step } from "./step.js";
import type { Progress } from "./tracker/progress.js";
import type { ConfigState, Entry, Input, NodeId, Output, RaftConfig, ReadRequestId, Role, Snapshot } from "./types.js";

/**
 * A copy of `s` that steps independently of it. Cheap: entries, snapshots, configurations and options are
 * immutable and shared; only the mutable spine (log arrays, progress, votes, reads) is copied. The per-step
 * outbox is scratch and starts empty. Written out field by field in `createRaft`'s order rather than spread, so
 * the copy keeps the original's hidden class (a spread made cloning 30% of an exploration run).
 */
export function cloneRaft(s: RaftState): RaftState {
  const progress = new Map<NodeId, Progress>();
  for (const [id, pr] of s.tracker.progress) {
    const f = pr.inflights;
    progress.set(id, {
      id: pr.id,
      match: pr.match,
      next: pr.next,
      state: pr.state,
      probeSent: pr.probeSent,
      pendingSnapshot: pr.pendingSnapshot,
      snapshotOffset: pr.snapshotOffset,
      recentActive: pr.recentActive,
      isLearner: pr.isLearner,
      inflights: { index: f.index.slice(), start: f.start, count: f.count, capacity: f.capacity },
    });
  }
  const log = s.log;
  const t = s.tracker;
  const r = s.reads;
  return {
    id: s.id,
    opts: s.opts,
    rng: s.rng,
    term: s.term,
    vote: s.vote,
    role: s.role,
    leader: s.leader,
    log: {
      entries: log.entries.slice(),
      offset: log.offset,
      offsetTerm: log.offsetTerm,
      snapshot: log.snapshot,
      committed: log.committed,
      applying: log.applying,
      applied: log.applied,
      stable: log.stable,
    },
    tracker: { config: t.config, progress, votes: new Map(t.votes), maxInflight: t.maxInflight },
    baseConfig: s.baseConfig,
    configHistory: s.configHistory.slice(),
    electionElapsed: s.electionElapsed,
    restartLease: s.restartLease,
    heartbeatElapsed: s.heartbeatElapsed,
    randomizedElectionTimeout: s.randomizedElectionTimeout,
    leadTransferee: s.leadTransferee,
    pendingConfIndex: s.pendingConfIndex,
    uncommittedSize: s.uncommittedSize,
    reads: { round: r.round, pending: r.pending.slice(), waiting: r.waiting.slice(), acked: new Map(r.acked), roundAtTick: r.roundAtTick.slice(), leaseRevoked: r.leaseRevoked },
    incoming: s.incoming === undefined ? undefined : { ...s.incoming, chunks: s.incoming.chunks.slice() },
    pendingAck: s.pendingAck,
    out: newOutbox(),
  };
}

const ROLES: readonly Role[] = ["follower", "pre-candidate", "candidate", "leader"];
const PROGRESS_STATES = ["probe", "replicate", "snapshot"] as const;

/** What {@link fingerprintRaft} hashes beyond the default. */
export interface RaftFingerprintOptions {
  /**
   * `false` leaves out the timers' counters (`electionElapsed`, `heartbeatElapsed`, the randomized election
   * deadline) and the PRNG that draws the deadlines. For a checker that fires timers by choice with the
   * `timeout` input: the counters then never decide what happens, and hashing them only splits equal states.
   * Default `true`.
   */
  readonly timers?: boolean;
  /**
   * Renames node ids before hashing, for symmetry reduction over interchangeable voters: every id (the node's,
   * vote, leader, peers, members, senders) is mapped, and sets and maps keyed by id are hashed in the order of
   * the renamed ids, so a system and its renaming hash alike. Default: the identity.
   */
  readonly renameNode?: (id: NodeId) => NodeId;
}

type Rename = (id: NodeId) => NodeId;

function identity(id: NodeId): NodeId {
  return id;
}

/** An id, with 0 (none) kept as 0. */
function nodeId(map: Rename, id: NodeId | 0): number {
  return id === 0 ? 0 : map(id);
}

/** A set of ids, in the order of the renamed ids. */
function ids(h: Hasher, list: readonly NodeId[], map: Rename): void {
  h.int(list.length);
  if (map === identity) for (const id of list) h.int(id);
  else for (const id of list.map(map).sort((a, b) => a - b)) h.int(id);
}

function config(h: Hasher, c: ConfigState, map: Rename): void {
  ids(h, c.voters, map);
  ids(h, c.votersOutgoing, map);
  ids(h, c.learners, map);
  ids(h, c.learnersNext, map);
  h.bool(c.autoLeave);
}

function entry(h: Hasher, e: Entry): void {
  h.num(e.term).num(e.index).int(e.kind === "normal" ? 1 : 2).bytes(e.data);
}

function snapshot(h: Hasher, s: Snapshot | undefined, map: Rename): void {
  if (s === undefined) {
    h.int(0);
    return;
  }
  h.int(1).num(s.index).num(s.term);
  config(h, s.config, map);
  h.bytes(s.data);
}

function requestId(h: Hasher, id: ReadRequestId): void {
  if (typeof id === "number") h.int(1).num(id);
  else h.int(2).str(id);
}

/** Map entries in ascending order of renamed key, so that insertion order does not matter. */
function sortedEntries<V>(m: ReadonlyMap<NodeId, V>, map: Rename): [NodeId, V][] {
  return [...m].sort((a, b) => map(a[0]) - map(b[0]));
}

/**
 * A canonical 64-bit hash of the protocol-relevant state of a node: hard state, role, log (entries with their
 * data, markers, snapshot), membership and its history, a leader's per-peer progress, votes, timers and PRNG
 * state (unless `options.timers` is false), read bookkeeping, an incoming snapshot and a pending
 * acknowledgement. Excluded: the options (fixed by the config), the per-step outbox (scratch), and a non-leader's
 * per-peer progress fields (dead state: nothing reads them, and `becomeLeader` resets them all; the peers' ids
 * still count).
 */
export function fingerprintRaft(s: RaftState, options?: RaftFingerprintOptions): bigint {
  const map = options?.renameNode ?? identity;
  const timers = options?.timers !== false;
  const h = new Hasher();
  h.int(map(s.id)).num(s.term).int(nodeId(map, s.vote)).int(ROLES.indexOf(s.role)).int(nodeId(map, s.leader));
  if (timers) h.num(s.rng);
  const log = s.log;
  h.num(log.offset).num(log.offsetTerm).num(log.committed).num(log.applying).num(log.applied).num(log.stable);
  h.int(log.entries.length);
  for (const e of log.entries) entry(h, e);
  snapshot(h, log.snapshot, map);
  const t = s.tracker;
  config(h, t.config, map);
  const progress = sortedEntries(t.progress, map);
  const leader = s.role === "leader";
  h.int(progress.length).bool(leader);
  for (const [id, pr] of progress) {
    h.int(map(id));
    if (!leader) continue;
    h.num(pr.match).num(pr.next).int(PROGRESS_STATES.indexOf(pr.state)).bool(pr.probeSent);
    h.num(pr.pendingSnapshot).num(pr.snapshotOffset).bool(pr.recentActive).bool(pr.isLearner);
    const f = pr.inflights;
    h.int(f.count);
    for (let i = 0, slot = f.start; i < f.count; i++, slot = slot + 1 === f.capacity ? 0 : slot + 1) h.num(f.index[slot]!);
  }
  const votes = sortedEntries(t.votes, map);
  h.int(votes.length);
  for (const [id, granted] of votes) h.int(map(id)).bool(granted);
  config(h, s.baseConfig, map);
  h.int(s.configHistory.length);
  for (const c of s.configHistory) {
    h.num(c.index);
    config(h, c.config, map);
  }
  if (timers) h.num(s.electionElapsed).num(s.heartbeatElapsed).num(s.randomizedElectionTimeout);
  h.bool(s.restartLease).int(nodeId(map, s.leadTransferee)).num(s.pendingConfIndex).num(s.uncommittedSize);
  const r = s.reads;
  h.num(r.round).int(r.pending.length);
  for (const p of r.pending) {
    requestId(h, p.requestId);
    h.num(p.index).num(p.round);
  }
  h.int(r.waiting.length);
  for (const id of r.waiting) requestId(h, id);
  const acked = sortedEntries(r.acked, map);
  h.int(acked.length);
  for (const [id, round] of acked) h.int(map(id)).num(round);
  h.int(r.roundAtTick.length);
  for (const round of r.roundAtTick) h.num(round);
  h.bool(r.leaseRevoked);
  const inc = s.incoming;
  if (inc === undefined) h.int(0);
  else {
    h.int(1).int(map(inc.from)).num(inc.index).num(inc.term).num(inc.size).num(inc.received);
    config(h, inc.config, map);
    h.int(inc.chunks.length);
    for (const c of inc.chunks) h.bytes(c);
  }
  h.num(s.pendingAck);
  return h.digest();
}

/** The Raft core as a {@link Core}: `create` builds a fresh node (no persisted state) from a {@link RaftConfig}. */
export const raftCore: Core<RaftConfig, RaftState, Input, Output> = {
  name: "raft",
  create: (config) => createRaft(config),
  step,
  clone: cloneRaft,
  fingerprint: (s) => fingerprintRaft(s),
};
