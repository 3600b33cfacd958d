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
 * outbox is scratch and starts empty.
 */
export function cloneRaft(s: RaftState): RaftState {
  const progress = new Map<NodeId, Progress>();
  for (const [id, pr] of s.tracker.progress) {
    const f = pr.inflights;
    progress.set(id, { ...pr, inflights: { index: f.index.slice(), start: f.start, count: f.count, capacity: f.capacity } });
  }
  const r = s.reads;
  return {
    ...s,
    log: { ...s.log, entries: s.log.entries.slice() },
    tracker: { config: s.tracker.config, progress, votes: new Map(s.tracker.votes), maxInflight: s.tracker.maxInflight },
    configHistory: s.configHistory.slice(),
    reads: { round: r.round, pending: r.pending.slice(), waiting: r.waiting.slice(), acked: new Map(r.acked) },
    incoming: s.incoming === undefined ? undefined : { ...s.incoming, chunks: s.incoming.chunks.slice() },
    out: newOutbox(),
  };
}

const ROLES: readonly Role[] = ["follower", "pre-candidate", "candidate", "leader"];
const PROGRESS_STATES = ["probe", "replicate", "snapshot"] as const;

function ids(h: Hasher, list: readonly NodeId[]): void {
  h.int(list.length);
  for (const id of list) h.int(id);
}

function config(h: Hasher, c: ConfigState): void {
  ids(h, c.voters);
  ids(h, c.votersOutgoing);
  ids(h, c.learners);
  ids(h, c.learnersNext);
  h.bool(c.autoLeave);
}

function entry(h: Hasher, e: Entry): void {
  h.num(e.term).num(e.index).int(e.kind === "normal" ? 1 : 2).bytes(e.data);
}

function snapshot(h: Hasher, s: Snapshot | undefined): void {
  if (s === undefined) {
    h.int(0);
    return;
  }
  h.int(1).num(s.index).num(s.term);
  config(h, s.config);
  h.bytes(s.data);
}

function requestId(h: Hasher, id: ReadRequestId): void {
  if (typeof id === "number") h.int(1).num(id);
  else h.int(2).str(id);
}

/** Map entries in ascending key order, so that insertion order does not matter. */
function sortedEntries<V>(m: ReadonlyMap<NodeId, V>): [NodeId, V][] {
  return [...m].sort((a, b) => a[0] - b[0]);
}

/**
 * A canonical 64-bit hash of the protocol-relevant state of a node: hard state, role, log (entries with their
 * data, markers, snapshot), membership and its history, per-peer progress, votes, timers and PRNG state, read
 * bookkeeping, an incoming snapshot and a pending acknowledgement. Excluded: the options (fixed by the config)
 * and the per-step outbox (scratch).
 */
export function fingerprintRaft(s: RaftState): bigint {
  const h = new Hasher();
  h.int(s.id).num(s.term).int(s.vote).int(ROLES.indexOf(s.role)).int(s.leader).num(s.rng);
  const log = s.log;
  h.num(log.offset).num(log.offsetTerm).num(log.committed).num(log.applying).num(log.applied).num(log.stable);
  h.int(log.entries.length);
  for (const e of log.entries) entry(h, e);
  snapshot(h, log.snapshot);
  const t = s.tracker;
  config(h, t.config);
  const progress = sortedEntries(t.progress);
  h.int(progress.length);
  for (const [id, pr] of progress) {
    h.int(id).num(pr.match).num(pr.next).int(PROGRESS_STATES.indexOf(pr.state)).bool(pr.probeSent);
    h.num(pr.pendingSnapshot).num(pr.snapshotOffset).bool(pr.recentActive).bool(pr.isLearner);
    const f = pr.inflights;
    h.int(f.count);
    for (let i = 0, slot = f.start; i < f.count; i++, slot = slot + 1 === f.capacity ? 0 : slot + 1) h.num(f.index[slot]!);
  }
  const votes = sortedEntries(t.votes);
  h.int(votes.length);
  for (const [id, granted] of votes) h.int(id).bool(granted);
  config(h, s.baseConfig);
  h.int(s.configHistory.length);
  for (const c of s.configHistory) {
    h.num(c.index);
    config(h, c.config);
  }
  h.num(s.electionElapsed).num(s.heartbeatElapsed).num(s.randomizedElectionTimeout);
  h.int(s.leadTransferee).num(s.pendingConfIndex).num(s.uncommittedSize);
  const r = s.reads;
  h.num(r.round).int(r.pending.length);
  for (const p of r.pending) {
    requestId(h, p.requestId);
    h.num(p.index).num(p.round);
  }
  h.int(r.waiting.length);
  for (const id of r.waiting) requestId(h, id);
  const acked = sortedEntries(r.acked);
  h.int(acked.length);
  for (const [id, round] of acked) h.int(id).num(round);
  const inc = s.incoming;
  if (inc === undefined) h.int(0);
  else {
    h.int(1).int(inc.from).num(inc.index).num(inc.term).num(inc.size).num(inc.received);
    config(h, inc.config);
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
  fingerprint: fingerprintRaft,
};
