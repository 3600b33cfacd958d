/**
 * Linearizable reads without writing to the log (§6.4 of the dissertation).
 *
 * ReadIndex ("safe"): the leader records its commit index, then confirms it is still leader with a heartbeat
 * round acknowledged by a quorum; only then is the read released at that index. It holds reads until it has
 * committed an entry of its own term, since before that its commit index may lag the cluster's.
 * Lease ("lease-based", only with check-quorum; §6.4.1): a follower that heard from the leader refuses votes
 * until its election timeout has run (check-quorum's in-lease rule), so no other leader can be elected before
 * then. The lease therefore starts when the leader SENT the heartbeat a quorum acknowledged — not when the
 * acknowledgements arrived (etcd's check-quorum lease, which can outlive its followers' promise: etcd-io/raft#166).
 * Under lease reads every heartbeat broadcast starts a round (the round numbers its followers echo), the leader
 * marks the last round started before each tick, and it serves a read at once while a quorum (itself counting as
 * now) acknowledged a round started within the last `electionTick - 1` ticks. One tick less than the election
 * timeout because a follower's first tick may come right after it heard the heartbeat (the nodes' ticks are not
 * in phase); clock drift beyond that is not tolerated. Otherwise the read takes the ReadIndex path.
 * @module
 */
import { jointCommitted } from "./quorum/joint.js";
import { termAt } from "./log.js";
import { bcastHeartbeat } from "./replication.js";
import { emit, type RaftState } from "./state.js";
import type { ReadRequestId } from "./types.js";

/** Whether the leader has committed an entry of its current term (its commit index is then up to date). */
export function committedInTerm(s: RaftState): boolean {
  return termAt(s.log, s.log.committed) === s.term;
}

/** The highest heartbeat round a quorum of voters acknowledged, the leader counting its latest round. */
function quorumRound(s: RaftState): number {
  const r = s.reads;
  const c = s.tracker.config;
  return jointCommitted(c.voters, c.votersOutgoing, (id) => (id === s.id ? r.round : (r.acked.get(id) ?? 0)));
}

/**
 * Whether a lease-reading leader holds its lease now: a quorum acknowledged a round started within the last
 * `electionTick - 1` ticks (above the oldest mark), and it sent no `timeout-now` in this term.
 */
export function leaseHeld(s: RaftState): boolean {
  const r = s.reads;
  const oldest = r.roundAtTick[0];
  return !r.leaseRevoked && oldest !== undefined && quorumRound(s) > oldest;
}

/** A new leader under lease reads: no round of an earlier term counts (every mark is the current round). */
export function startLease(s: RaftState): void {
  const r = s.reads;
  r.roundAtTick = new Array<number>(s.opts.electionTick - 1).fill(r.round);
  r.leaseRevoked = false;
}

/** A leader's tick under lease reads: the oldest mark ages out, the current round marks this tick. */
export function tickLease(s: RaftState): void {
  const marks = s.reads.roundAtTick;
  marks.shift();
  marks.push(s.reads.round);
}

/**
 * The leader sent `timeout-now`: the target campaigns with a vote request that bypasses its voters' in-lease
 * refusal, whenever it arrives, so no acknowledgement in this term protects a lease any more.
 */
export function revokeLease(s: RaftState): void {
  if (s.opts.readOnly === "lease-based") s.reads.leaseRevoked = true;
}

/** Serves reads on a leader whose commit index is current: at once within a lease, else after a round. */
function serve(s: RaftState, ids: readonly ReadRequestId[]): void {
  const index = s.log.committed;
  if (s.opts.readOnly === "lease-based" && leaseHeld(s)) {
    for (const requestId of ids) emit(s, { type: "read-ready", requestId, index });
    return;
  }
  const round = ++s.reads.round;
  for (const requestId of ids) s.reads.pending.push({ requestId, index, round });
  releaseReads(s);
  if (s.reads.pending.length > 0) bcastHeartbeat(s, round);
}

/** A read request on the leader: served now, or held until an entry of this term commits. */
export function readIndex(s: RaftState, requestId: ReadRequestId): void {
  if (!committedInTerm(s)) {
    s.reads.waiting.push(requestId);
    return;
  }
  serve(s, [requestId]);
}

/** Serves the reads held until the first commit of this term. */
export function serveWaitingReads(s: RaftState): void {
  const waiting = s.reads.waiting;
  if (waiting.length === 0) return;
  s.reads.waiting = [];
  serve(s, waiting);
}

/** Releases every pending read whose heartbeat round a quorum acknowledged (the leader counts itself). */
export function releaseReads(s: RaftState): void {
  const r = s.reads;
  if (r.pending.length === 0) return;
  const confirmed = quorumRound(s);
  let n = 0;
  while (n < r.pending.length && r.pending[n]!.round <= confirmed) {
    const p = r.pending[n]!;
    emit(s, { type: "read-ready", requestId: p.requestId, index: p.index });
    n++;
  }
  if (n > 0) r.pending.splice(0, n);
}
