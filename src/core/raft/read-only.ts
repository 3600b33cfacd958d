/**
 * Linearizable reads without writing to the log (§6.4 of the dissertation).
 *
 * ReadIndex ("safe"): the leader records its commit index, then confirms it is still leader with a heartbeat
 * round acknowledged by a quorum; only then is the read released at that index. It holds reads until it has
 * committed an entry of its own term, since before that its commit index may lag the cluster's.
 * Lease ("lease-based", only with check-quorum): the leader trusts that no other leader can exist while its
 * followers' election timeouts run, and serves at once — faster, but relies on bounded clock drift.
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

/** Serves reads on a leader whose commit index is current: lease reads at once, others after a round. */
function serve(s: RaftState, ids: readonly ReadRequestId[]): void {
  const index = s.log.committed;
  if (s.opts.readOnly === "lease-based") {
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
  const c = s.tracker.config;
  const confirmed = jointCommitted(c.voters, c.votersOutgoing, (id) => (id === s.id ? r.round : (r.acked.get(id) ?? 0)));
  let n = 0;
  while (n < r.pending.length && r.pending[n]!.round <= confirmed) {
    const p = r.pending[n]!;
    emit(s, { type: "read-ready", requestId: p.requestId, index: p.index });
    n++;
  }
  if (n > 0) r.pending.splice(0, n);
}
