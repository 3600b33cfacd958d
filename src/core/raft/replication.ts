/**
 * The leader's side of log replication (§5.3, §5.4): appending, sending appends/heartbeats/snapshot chunks
 * under flow control, handling the answers, and advancing the commit index (§5.4.2, Figure 8).
 * @module
 */
import { append, findConflictByTerm, lastIndex, slice, termAt } from "./log.js";
import { releaseReads, serveWaitingReads } from "./read-only.js";
import { reject, send, sendTimeoutNow } from "./roles.js";
import type { RaftState } from "./state.js";
import { addInflight, freeFirstInflight, inflightsFull } from "./tracker/inflights.js";
import {
  becomeProbe,
  becomeReplicate,
  becomeSnapshot,
  isPaused,
  maybeDecrTo,
  maybeUpdate,
  type Progress,
} from "./tracker/progress.js";
import { committedIndex } from "./tracker/tracker.js";
import type { AppendResponse, Entry, HeartbeatResponse, SnapshotResponse } from "./types.js";

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/** Appends new entries (already numbered after the last one) to the leader's log and marks them to persist. */
export function appendEntries(s: RaftState, entries: Entry[]): void {
  append(s.log, entries);
  const out = s.out;
  if (out.entries === undefined) out.entries = entries;
  else for (const e of entries) out.entries.push(e);
  if (s.opts.maxUncommittedEntriesSize !== Infinity) {
    for (const e of entries) s.uncommittedSize += e.data.byteLength;
  }
}

/**
 * Sends the next append to `pr` unless flow control pauses it; a snapshot if the entries it needs are
 * compacted. With `sendIfEmpty` false, sends nothing when there are no new entries. Returns whether it sent.
 */
export function sendAppend(s: RaftState, pr: Progress, sendIfEmpty: boolean): boolean {
  if (isPaused(pr)) return false;
  const log = s.log;
  const prevIndex = pr.next - 1;
  const prevTerm = termAt(log, prevIndex);
  if (prevTerm === undefined) {
    sendSnapshot(s, pr);
    return true;
  }
  const last = lastIndex(log);
  const entries = pr.next <= last ? slice(log, pr.next, last + 1, s.opts.maxSizePerMsg) : NO_ENTRIES;
  if (entries.length === 0 && !sendIfEmpty) return false;
  send(s, { type: "append", from: s.id, to: pr.id, term: s.term, prevIndex, prevTerm, entries, commit: log.committed });
  if (entries.length > 0) {
    if (pr.state === "replicate") {
      const sentTo = entries[entries.length - 1]!.index;
      pr.next = sentTo + 1;
      addInflight(pr.inflights, sentTo);
    } else {
      pr.probeSent = true;
    }
  } else if (pr.state === "probe") {
    pr.probeSent = true;
  }
  return true;
}

/** Sends appends (empty ones too, to carry the commit index) to every follower that is not paused. */
export function bcastAppend(s: RaftState): void {
  for (const pr of s.tracker.progress.values()) if (pr.id !== s.id) sendAppend(s, pr, true);
}

/** Sends a heartbeat to every follower; `context` is the ReadIndex round it confirms (0: none). */
export function bcastHeartbeat(s: RaftState, context: number): void {
  const committed = s.log.committed;
  for (const pr of s.tracker.progress.values()) {
    if (pr.id === s.id) continue;
    // Never tell a follower to commit beyond what it is known to hold.
    const commit = pr.match < committed ? pr.match : committed;
    send(s, { type: "heartbeat", from: s.id, to: pr.id, term: s.term, commit, context });
  }
}

/** Starts (or restarts) sending the latest snapshot to `pr`. */
function sendSnapshot(s: RaftState, pr: Progress): void {
  const snap = s.log.snapshot!;
  becomeSnapshot(pr, snap.index);
  sendSnapshotChunk(s, pr);
}

/** Sends the chunk of the snapshot at the offset `pr` acknowledged. Chunks are `maxSizePerMsg` bytes. */
export function sendSnapshotChunk(s: RaftState, pr: Progress): void {
  const snap = s.log.snapshot!;
  if (snap.index !== pr.pendingSnapshot) becomeSnapshot(pr, snap.index);
  const size = snap.data.byteLength;
  const offset = pr.snapshotOffset;
  const end = Math.min(size, offset + s.opts.maxSizePerMsg);
  send(s, {
    type: "snapshot",
    from: s.id,
    to: pr.id,
    term: s.term,
    snapshot: { index: snap.index, term: snap.term, config: snap.config },
    size,
    offset,
    data: snap.data.subarray(offset, end),
    done: end === size,
  });
}

/**
 * Advances the commit index to what a quorum holds — but only by counting replicas of an entry of the
 * current term (§5.4.2, Figure 8): older entries commit indirectly. Returns whether it advanced.
 */
export function maybeCommit(s: RaftState): boolean {
  const ci = committedIndex(s.tracker);
  const log = s.log;
  if (ci <= log.committed || termAt(log, ci) !== s.term) return false;
  if (s.opts.maxUncommittedEntriesSize !== Infinity) {
    for (let i = log.committed + 1; i <= ci; i++) {
      const e = log.entries[i - log.offset - 1];
      if (e !== undefined && e.term === s.term) s.uncommittedSize -= e.data.byteLength;
    }
    if (s.uncommittedSize < 0) s.uncommittedSize = 0;
  }
  const firstInTerm = termAt(log, log.committed) !== s.term;
  log.committed = ci;
  if (firstInTerm) serveWaitingReads(s);
  return true;
}

/**
 * Commits what a quorum now holds and tells the followers with a round of appends (etcd). With `lazyCommit`
 * they learn it from the next append or heartbeat instead (each carries it): a proposal then costs each follower
 * one message and one answer instead of two, and they apply up to a heartbeat later. Even then a commit that
 * covers the pending membership change (or a new leader's first entry) is broadcast at once, since a leader
 * removed by it steps down on applying it and would tell no one. Returns whether it broadcast.
 */
export function advanceCommit(s: RaftState): boolean {
  const before = s.log.committed;
  if (!maybeCommit(s)) return false;
  if (s.opts.lazyCommit && (s.pendingConfIndex <= before || s.pendingConfIndex > s.log.committed)) return false;
  bcastAppend(s);
  return true;
}

/** The leader's handling of an append response (§5.3: back off on rejection; §5.4: commit on success). */
export function handleAppendResponse(s: RaftState, m: AppendResponse): void {
  const pr = s.tracker.progress.get(m.from)!;
  pr.recentActive = true;
  const last = lastIndex(s.log);
  if (m.reject) {
    // Fast back-off: jump over the follower's whole conflicting term using its hint.
    let probe = m.hintIndex;
    if (m.hintTerm > 0 && m.hintIndex <= last) probe = findConflictByTerm(s.log, m.hintIndex, m.hintTerm).index;
    if (maybeDecrTo(pr, m.index, probe)) {
      if (pr.state === "replicate") becomeProbe(pr);
      sendAppend(s, pr, true);
    }
    return;
  }
  if (m.index > last) {
    reject(s, "index-out-of-range", `append-response from ${m.from} acknowledges index ${m.index} beyond the last index ${last}`);
    return;
  }
  const wasPaused = isPaused(pr);
  // A probe answered at the known match also confirms where the follower is: leave probe state (etcd does too).
  if (!maybeUpdate(pr, m.index) && !(pr.state === "probe" && pr.match === m.index)) return;
  if (pr.state === "probe") becomeReplicate(pr);
  else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
    becomeProbe(pr);
    becomeReplicate(pr);
  }
  if (!advanceCommit(s) && wasPaused) sendAppend(s, pr, true);
  while (sendAppend(s, pr, false)) {
    // Keep pipelining while the in-flight window allows.
  }
  if (m.from === s.leadTransferee && pr.match === lastIndex(s.log)) {
    sendTimeoutNow(s, m.from);
  }
}

/** The leader's handling of a heartbeat response: liveness, probing, lost snapshot chunks, read rounds. */
export function handleHeartbeatResponse(s: RaftState, m: HeartbeatResponse): void {
  const pr = s.tracker.progress.get(m.from)!;
  pr.recentActive = true;
  pr.probeSent = false;
  if (pr.state === "replicate" && inflightsFull(pr.inflights)) freeFirstInflight(pr.inflights);
  if (pr.state === "snapshot") sendSnapshotChunk(s, pr);
  else if (pr.match < lastIndex(s.log)) sendAppend(s, pr, true);
  if (m.context > 0) {
    const acked = s.reads.acked.get(m.from) ?? 0;
    if (m.context > acked) s.reads.acked.set(m.from, m.context);
    releaseReads(s);
  }
}

/** The leader's handling of a snapshot-chunk acknowledgement: send the next chunk (or resend a lost one). */
export function handleSnapshotResponse(s: RaftState, m: SnapshotResponse): void {
  const pr = s.tracker.progress.get(m.from)!;
  pr.recentActive = true;
  if (pr.state !== "snapshot" || m.index !== pr.pendingSnapshot) return;
  const size = s.log.snapshot?.data.byteLength ?? 0;
  if (m.received > size) {
    reject(s, "index-out-of-range", `snapshot-response from ${m.from} claims ${m.received} bytes of a ${size}-byte snapshot`);
    return;
  }
  pr.snapshotOffset = m.received;
  sendSnapshotChunk(s, pr);
}
