/**
 * The follower's side of replication: accepting appends (§5.3), heartbeats, and snapshots in chunks (§7).
 * An acknowledgement claims only entries that are durable by the time it leaves (etcd acks stable entries
 * only): entries this step writes (the `send` waits for this step's `persist`) or that storage already
 * reported durable. Entries held but still in flight from an earlier write are acknowledged later, when the
 * `persisted` input for them arrives (`ackNowDurable`); otherwise the leader could count them toward commit
 * and lose them in a crash.
 * @module
 */
import { append, findConflict, findConflictByTerm, lastIndex, matchTerm, restore, truncateFrom } from "./log.js";
import { reject, send } from "./roles.js";
import { emit, type RaftState } from "./state.js";
import { newTracker } from "./tracker/tracker.js";
import type { AppendRequest, Entry, Heartbeat, Snapshot, SnapshotChunk } from "./types.js";

function ack(s: RaftState, to: number, index: number): void {
  send(s, { type: "append-response", from: s.id, to, term: s.term, reject: false, index, hintIndex: 0, hintTerm: 0 });
}

/**
 * Acknowledges that the log matches the leader's up to `index` — now if that much is durable once this
 * step's persist is (writes become durable in the order issued, so a step that writes entries or a snapshot
 * makes the whole log durable), else once storage reports it (kept in `pendingAck`).
 */
function ackMatch(s: RaftState, to: number, index: number): void {
  const out = s.out;
  const durable = out.entries !== undefined || out.snapshot !== undefined ? lastIndex(s.log) : s.log.stable;
  if (index > durable) {
    if (index > s.pendingAck) s.pendingAck = index;
    return;
  }
  if (index >= s.pendingAck) s.pendingAck = 0;
  ack(s, to, index);
}

/**
 * Called when storage reported more of the log durable: sends the acknowledgement that waited for it to the
 * current leader, in the current term.
 */
export function ackNowDurable(s: RaftState): void {
  const index = s.pendingAck;
  if (index === 0 || index > s.log.stable || s.role !== "follower" || s.leader === 0) return;
  s.pendingAck = 0;
  ack(s, s.leader, index);
}

/** Raises the commit index (never lowers it). */
function commitTo(s: RaftState, index: number): void {
  if (index > s.log.committed) s.log.committed = index;
}

/**
 * AppendEntries (§5.3): if the log holds (prevIndex, prevTerm), truncate at the first conflicting entry only
 * (never a matching one: a stale, reordered append must not erase newer entries) and append the rest; the
 * commit index follows the leader's only up to the last entry this message verified. Otherwise reject with a
 * hint for fast back-off.
 */
export function handleAppend(s: RaftState, m: AppendRequest): void {
  const log = s.log;
  if (m.prevIndex < log.committed) {
    // Everything up to our commit index is already known to match.
    ackMatch(s, m.from, log.committed);
    return;
  }
  if (!matchTerm(log, m.prevIndex, m.prevTerm)) {
    const hint = findConflictByTerm(log, m.prevIndex, m.prevTerm); // capped at our last index
    send(s, {
      type: "append-response",
      from: s.id,
      to: m.from,
      term: s.term,
      reject: true,
      index: m.prevIndex,
      hintIndex: hint.index,
      hintTerm: hint.term,
    });
    return;
  }
  const lastNew = m.prevIndex + m.entries.length;
  const conflict = m.entries.length === 0 ? 0 : findConflict(log, m.entries);
  if (conflict !== 0) {
    // conflict > prevIndex ≥ committed: committed entries are never truncated. One message per step, so
    // this is the step's only write.
    if (conflict <= lastIndex(log)) {
      truncateFrom(log, conflict);
      s.out.truncateFrom = conflict;
    }
    const start = conflict - m.prevIndex - 1;
    const fresh = (start === 0 ? m.entries : m.entries.slice(start)) as Entry[];
    append(log, fresh);
    s.out.entries = fresh;
  }
  commitTo(s, Math.min(m.commit, lastNew));
  // With no conflict this step writes nothing: the entries were already held, maybe not yet durable.
  ackMatch(s, m.from, lastNew);
}

/** A heartbeat: the leader's commit index (already capped at what we hold) and a read round to echo. */
export function handleHeartbeat(s: RaftState, m: Heartbeat): void {
  commitTo(s, Math.min(m.commit, lastIndex(s.log)));
  send(s, { type: "heartbeat-response", from: s.id, to: m.from, term: s.term, context: m.context });
}

/**
 * A snapshot chunk. Chunks must arrive in order (offset = bytes held); anything else is answered with how
 * many bytes we hold so the leader resumes from there. The last chunk installs the snapshot.
 */
export function handleSnapshotChunk(s: RaftState, m: SnapshotChunk): void {
  const meta = m.snapshot;
  if (meta.index <= s.log.committed) {
    // Already covered (a duplicate or late chunk): tell the leader where we are instead of starting over.
    s.incoming = undefined;
    ackMatch(s, m.from, s.log.committed);
    return;
  }
  let inc = s.incoming;
  if (m.offset === 0) {
    inc = { from: m.from, index: meta.index, term: meta.term, config: meta.config, size: m.size, chunks: [], received: 0 };
    s.incoming = inc;
  }
  if (inc === undefined || inc.index !== meta.index || inc.term !== meta.term || inc.received !== m.offset) {
    send(s, { type: "snapshot-response", from: s.id, to: m.from, term: s.term, index: meta.index, received: inc?.index === meta.index ? inc.received : 0 });
    return;
  }
  inc.chunks.push(m.data);
  inc.received += m.data.byteLength;
  if (!m.done) {
    send(s, { type: "snapshot-response", from: s.id, to: m.from, term: s.term, index: meta.index, received: inc.received });
    return;
  }
  s.incoming = undefined;
  const data = inc.chunks.length === 1 ? inc.chunks[0]! : concat(inc.chunks, inc.received);
  installSnapshot(s, m.from, { index: meta.index, term: meta.term, config: meta.config, data });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  return data;
}

/** Installs a complete snapshot (above our commit index) from the leader (§7), unless the log covers it. */
function installSnapshot(s: RaftState, from: number, snap: Snapshot): void {
  const log = s.log;
  if (matchTerm(log, snap.index, snap.term)) {
    // Our log already holds the snapshot's last entry: it is committed, keep the entries after it.
    commitTo(s, snap.index);
    ackMatch(s, from, log.committed);
    return;
  }
  const firstDropped = log.offset + 1;
  restore(log, snap);
  const out = s.out;
  out.truncateFrom = firstDropped;
  out.entries = undefined;
  out.snapshot = snap;
  s.baseConfig = snap.config;
  s.configHistory = [];
  s.tracker = newTracker(snap.config, snap.index + 1, s.opts.maxInflightMsgs);
  emit(s, { type: "apply", entries: [], snapshot: snap });
  ackMatch(s, from, snap.index);
}
