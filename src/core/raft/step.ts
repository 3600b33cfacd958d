/**
 * `step`: the single entry point of the Raft core. It dispatches an input to the handler for the node's
 * role (etcd style: stepLeader / stepCandidate / stepFollower), then assembles the outputs in the order the
 * durability contract needs: one `persist`, then the `send`s that wait for it (a leader's come before it), then
 * `apply` and the rest (before a persist that only raises the commit index).
 * @module
 */
import { applyConfChange, decodeConfChange, encodeConfChange } from "./confchange.js";
import { ackNowDurable, handleAppend, handleHeartbeat, handleSnapshotChunk } from "./follower.js";
import { compact, isUpToDate, lastIndex, termAt } from "./log.js";
import { readIndex, tickLease } from "./read-only.js";
import {
  appendEntries,
  bcastAppend,
  bcastHeartbeat,
  advanceCommit,
  handleAppendResponse,
  handleHeartbeatResponse,
  handleSnapshotResponse,
  sendAppend,
} from "./replication.js";
import { becomeFollower, becomeLeader, campaign, promotable, reject, send, sendTimeoutNow } from "./roles.js";
import { emit, type Outbox, type RaftState } from "./state.js";
import { isVoter, members, recordVote, syncProgress, tallyVotes, quorumActive } from "./tracker/tracker.js";
import type { ConfChange, ConfigState, Entry, Input, Message, Output, PersistOutput, Snapshot, VoteRequest } from "./types.js";
import { validateMessage } from "./validate.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a step returns: the (same, updated) state object and the outputs to perform, in order. */
export interface StepResult {
  readonly state: RaftState;
  readonly outputs: Output[];
}

/**
 * Feeds one input to a node. The input state is CONSUMED: it is updated in place and returned as
 * `result.state`; keep only the returned state (clone before stepping if an older version is needed).
 *
 * Durability contract (etcd's): perform the outputs in order. A `persist` output must be durable before the
 * `send` and `apply` outputs after it in the same step are performed, and storage must make writes durable in
 * the order they were issued. Sends before a step's `persist` leave at once. That is all: a send of a later
 * step may leave while an earlier write is still in flight, because no message claims what is not durable when
 * it leaves. A vote reply follows the persist of the vote (again when the vote is granted again); a follower's
 * append acknowledgement claims only entries written in its own step or already reported durable, and the
 * follower acknowledges the others when their `persisted` input arrives. A leader whose term and vote did not
 * change in the step puts its sends BEFORE the step's persist: it replicates entries while writing them
 * (dissertation §10.2.1) and counts its own entries toward commit only once their `persisted` input arrives.
 * A persist that only raises the commit index comes after every other output of its step: nothing vouches
 * for it. Entries are handed to `apply` only once committed AND persisted locally (reported by `persisted`). `apply` outputs carry committed
 * entries only, each exactly once, in order.
 *
 * `step` never throws on bad input: unacceptable or malformed inputs and messages (a proposal to a follower,
 * a stale or malformed message, an index beyond the log, …) produce a typed `rejected` output and leave the
 * state as it was.
 */
export function step(s: RaftState, input: Input): StepResult {
  const out = s.out;
  resetOutbox(out);
  const term0 = s.term;
  const vote0 = s.vote;
  const commit0 = s.log.committed;
  const role0 = s.role;
  const leader0 = s.leader;
  switch (input?.type) {
    case "tick":
      tick(s);
      break;
    case "timeout":
      timeout(s, input.timer);
      break;
    case "message":
      stepMessage(s, input.message);
      break;
    case "propose":
      propose(s, input.data);
      break;
    case "read-index":
      if (typeof input.requestId !== "string" && typeof input.requestId !== "number") reject(s, "malformed-input", "read-index needs a string or number requestId");
      else if (s.role !== "leader") reject(s, "not-leader", "read requests must go to the leader", input.requestId);
      else readIndex(s, input.requestId);
      break;
    case "conf-change":
      proposeConfChange(s, input.change);
      break;
    case "transfer-leadership":
      transferLeadership(s, input.to);
      break;
    case "persisted":
      persisted(s, input.index, input.term);
      break;
    case "snapshot-persisted":
      if (input.index === s.log.offset && input.term === s.log.offsetTerm && s.log.stable < input.index) {
        s.log.stable = input.index;
        ackNowDurable(s);
      }
      break;
    case "applied":
      applied(s, input.index);
      break;
    case "snapshot":
      compactAt(s, input.index, input.data);
      break;
    default:
      reject(s, "malformed-input", `unknown input ${JSON.stringify((input as { type?: unknown } | undefined)?.type)}`);
  }
  while (emitApply(s)) {
    // Applying a conf change can commit more (a smaller quorum): hand that out in the same step.
  }
  maybeAutoLeave(s);
  const log = s.log;
  if (s.role !== role0 || s.leader !== leader0 || s.term !== term0) {
    emit(s, { type: "role-change", role: s.role, term: s.term, leader: s.leader });
  }
  const sends = out.sends;
  const post = out.post;
  const termOrVote = s.term !== term0 || s.vote !== vote0 || out.syncHardState;
  const writesLog = out.entries !== undefined || out.truncateFrom !== 0 || out.snapshot !== undefined;
  if (!termOrVote && !writesLog && log.committed === commit0) {
    const outputs = sends ?? [];
    if (post !== undefined) for (let i = 0; i < post.length; i++) outputs.push(post[i]!);
    return { state: s, outputs };
  }
  const p: Mutable<PersistOutput> = { type: "persist" };
  if (out.truncateFrom !== 0) p.truncateFrom = out.truncateFrom;
  if (out.snapshot !== undefined) p.snapshot = out.snapshot;
  if (out.entries !== undefined && out.entries.length > 0) p.entries = out.entries;
  if (termOrVote || log.committed !== commit0) p.hardState = { term: s.term, vote: s.vote, commit: log.committed };
  const outputs: Output[] = [];
  const pushAll = (list: Output[] | undefined): void => {
    if (list !== undefined) for (let i = 0; i < list.length; i++) outputs.push(list[i]!);
  };
  if (!termOrVote && !writesLog) {
    // Only the commit index changed: nothing vouches for it (a restart re-learns it from the leader), so the
    // step's messages and applies need not wait for its write.
    pushAll(sends);
    pushAll(post);
    outputs.push(p);
  } else if (!termOrVote && s.role === "leader") {
    // A leader whose term and vote were already durable sends before its own write (§10.2.1): its messages
    // vouch for nothing this write holds, and it counts its own entries toward commit only on `persisted`.
    pushAll(sends);
    outputs.push(p);
    pushAll(post);
  } else {
    // The persist output comes first: the sends after it may depend on it being durable.
    outputs.push(p);
    pushAll(sends);
    pushAll(post);
  }
  return { state: s, outputs };
}

/** Empties the per-step outbox (reused across steps: one allocation less per step). */
function resetOutbox(out: Outbox): void {
  out.sends = undefined;
  out.post = undefined;
  out.entries = undefined;
  out.truncateFrom = 0;
  out.snapshot = undefined;
  out.syncHardState = false;
}

// ---------------------------------------------------------------------------------------------------------
// Time

function tick(s: RaftState): void {
  if (s.role === "leader") tickLeader(s);
  else tickElection(s);
}

function tickElection(s: RaftState): void {
  s.electionElapsed++;
  if (s.restartLease && s.electionElapsed >= s.opts.electionTick) s.restartLease = false;
  // The cheap comparison first: a tick rarely ends the timeout (both checks are pure).
  if (s.electionElapsed >= s.randomizedElectionTimeout && promotable(s)) {
    s.electionElapsed = 0;
    campaign(s, s.opts.preVote ? "pre-vote" : "election");
  }
}

function tickLeader(s: RaftState): void {
  if (s.opts.readOnly === "lease-based") tickLease(s);
  s.heartbeatElapsed++;
  s.electionElapsed++;
  if (s.electionElapsed >= s.opts.electionTick && !leaderElectionTimeout(s)) return;
  if (s.heartbeatElapsed >= s.opts.heartbeatTick) leaderHeartbeatTimeout(s);
}

/** The leader's election timeout: check-quorum and transfer expiry. False when the leader stepped down. */
function leaderElectionTimeout(s: RaftState): boolean {
  s.electionElapsed = 0;
  if (s.opts.checkQuorum) {
    if (!quorumActive(s.tracker, s.id)) {
      // Check-quorum: without a live majority, stop serving as leader.
      becomeFollower(s, s.term, 0);
      return false;
    }
    for (const pr of s.tracker.progress.values()) if (pr.id !== s.id) pr.recentActive = false;
  }
  if (s.leadTransferee !== 0) s.leadTransferee = 0; // The transfer did not complete in time: abort it.
  return true;
}

function leaderHeartbeatTimeout(s: RaftState): void {
  s.heartbeatElapsed = 0;
  const r = s.reads;
  // Under lease reads every heartbeat starts a round: its acknowledgement renews the lease from when it was sent.
  if (s.opts.readOnly === "lease-based") bcastHeartbeat(s, ++r.round);
  else bcastHeartbeat(s, r.pending.length > 0 ? r.round : 0);
}

/** An explicit timer expiry (etcd's MsgHup for the election timer): what the tick would do when it runs out. */
function timeout(s: RaftState, timer: unknown): void {
  if (timer === "election") {
    if (s.role === "leader") leaderElectionTimeout(s);
    else if (!promotable(s)) reject(s, "malformed-input", `node ${s.id} is not a voter: it has no election timer`);
    else {
      s.electionElapsed = 0;
      campaign(s, s.opts.preVote ? "pre-vote" : "election");
    }
  } else if (timer === "heartbeat") {
    if (s.role === "leader") leaderHeartbeatTimeout(s);
    else reject(s, "not-leader", "only a leader has a heartbeat timer");
  } else {
    reject(s, "malformed-input", `unknown timer ${JSON.stringify(timer)}; expected "election" or "heartbeat"`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Messages

function isFromLeader(t: Message["type"]): boolean {
  return t === "append" || t === "heartbeat" || t === "snapshot";
}

function stepMessage(s: RaftState, m: Message): void {
  const bad = validateMessage(m);
  if (bad !== undefined) {
    reject(s, "malformed-message", bad);
    return;
  }
  if (m.to !== s.id) {
    reject(s, "malformed-message", `message addressed to ${m.to} delivered to node ${s.id}`);
    return;
  }
  // Leader-originated messages are accepted from any node: a joining node learns its members from them.
  const known = s.tracker.progress.has(m.from);
  if (m.from === s.id || (!known && !isFromLeader(m.type)) || ((m.type === "vote" || m.type === "pre-vote") && !isVoter(s.tracker.config, m.from))) {
    reject(s, "unknown-sender", `${m.type} from node ${m.from}, which is not a ${m.type.includes("vote") ? "voter" : "member"} here`);
    return;
  }
  if (m.term > s.term) {
    if (m.type === "vote" || m.type === "pre-vote") {
      // Check-quorum lease: while in contact with a leader (or, restarted under lease reads, possibly promised to
      // one before the crash), refuse to help disrupt it (unless transferring).
      const inLease = s.opts.checkQuorum && (s.leader !== 0 || s.restartLease) && s.electionElapsed < s.opts.electionTick;
      if (inLease && !m.transfer) {
        reject(s, "in-lease", `${m.type} from ${m.from} for term ${m.term} ignored: leader ${s.leader} is in contact`);
        return;
      }
    }
    if (m.type === "pre-vote" || (m.type === "pre-vote-response" && !m.reject)) {
      // A pre-vote never changes anyone's term; a granted pre-vote response carries the future term.
    } else {
      becomeFollower(s, m.term, isFromLeader(m.type) ? m.from : 0);
    }
  } else if (m.term < s.term) {
    if (m.type === "append" || m.type === "heartbeat") {
      // Tell a stale leader about the newer term so it steps down (it may be cut off by pre-vote/check-quorum).
      send(s, { type: "append-response", from: s.id, to: m.from, term: s.term, reject: true, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === "pre-vote") {
      send(s, { type: "pre-vote-response", from: s.id, to: m.from, term: s.term, reject: true });
    }
    reject(s, "stale-term", `${m.type} from ${m.from} has term ${m.term} < current term ${s.term}`);
    return;
  }
  if (m.type === "vote" || m.type === "pre-vote") {
    handleVoteRequest(s, m);
    return;
  }
  switch (s.role) {
    case "leader":
      stepLeader(s, m);
      break;
    case "follower":
      stepFollower(s, m);
      break;
    default:
      stepCandidate(s, m);
  }
}

/** RequestVote (§5.2, §5.4.1): one vote per term, only for a log at least as up to date as ours. */
function handleVoteRequest(s: RaftState, m: VoteRequest): void {
  const canVote = s.vote === m.from || (s.vote === 0 && s.leader === 0) || (m.type === "pre-vote" && m.term > s.term);
  const type = m.type === "vote" ? "vote-response" : "pre-vote-response";
  if (canVote && isUpToDate(s.log, m.lastIndex, m.lastTerm)) {
    if (m.type === "vote") {
      s.electionElapsed = 0;
      s.vote = m.from;
      // Persisted by this step's persist output, which precedes the reply — also when granted again (a resent
      // request), as the first grant's write may still be in flight.
      s.out.syncHardState = true;
    }
    send(s, { type, from: s.id, to: m.from, term: m.term, reject: false });
  } else {
    send(s, { type, from: s.id, to: m.from, term: s.term, reject: true });
  }
}

function stepFollower(s: RaftState, m: Message): void {
  switch (m.type) {
    case "append":
      s.electionElapsed = 0;
      s.leader = m.from;
      handleAppend(s, m);
      break;
    case "heartbeat":
      s.electionElapsed = 0;
      s.leader = m.from;
      handleHeartbeat(s, m);
      break;
    case "snapshot":
      s.electionElapsed = 0;
      s.leader = m.from;
      handleSnapshotChunk(s, m);
      break;
    case "timeout-now":
      // Leadership transfer (§3.10): campaign at once, skipping pre-vote, bypassing leases.
      campaign(s, "transfer");
      break;
    default:
    // Responses to a role we no longer hold: nothing to do.
  }
}

function stepCandidate(s: RaftState, m: Message): void {
  switch (m.type) {
    case "append":
    case "heartbeat":
    case "snapshot":
      // A leader exists for this term (§5.2): step down and follow it.
      becomeFollower(s, s.term, m.from);
      stepFollower(s, m);
      return;
    case "vote-response":
    case "pre-vote-response": {
      const pre = s.role === "pre-candidate";
      if (pre !== (m.type === "pre-vote-response")) return;
      if (pre && !m.reject && m.term !== s.term + 1) return; // a grant from an older pre-vote round
      recordVote(s.tracker, m.from, !m.reject);
      const result = tallyVotes(s.tracker);
      if (result === "won") {
        if (pre) campaign(s, "election");
        else {
          becomeLeader(s);
          bcastAppend(s);
        }
      } else if (result === "lost") {
        becomeFollower(s, s.term, 0);
      }
      return;
    }
    default:
  }
}

function stepLeader(s: RaftState, m: Message): void {
  switch (m.type) {
    case "append-response":
      handleAppendResponse(s, m);
      break;
    case "heartbeat-response":
      handleHeartbeatResponse(s, m);
      break;
    case "snapshot-response":
      handleSnapshotResponse(s, m);
      break;
    case "append":
    case "heartbeat":
    case "snapshot":
      reject(s, "malformed-message", `${m.type} from ${m.from} claims leadership of term ${m.term}, which this node leads`);
      break;
    default:
  }
}

// ---------------------------------------------------------------------------------------------------------
// Leader-only inputs

function notLeader(s: RaftState, what: string): boolean {
  if (s.role === "leader") return false;
  reject(s, "not-leader", `${what} must go to the leader${s.leader !== 0 ? ` (node ${s.leader})` : " (none known; retry later)"}`);
  return true;
}

function propose(s: RaftState, data: Uint8Array | readonly Uint8Array[]): void {
  if (notLeader(s, "proposals")) return;
  if (s.leadTransferee !== 0) {
    reject(s, "transfer-in-progress", `leadership is moving to node ${s.leadTransferee}; retry on the new leader`);
    return;
  }
  if (data instanceof Uint8Array) {
    proposeOne(s, data);
    return;
  }
  const list = data;
  if (!Array.isArray(list) || list.length === 0 || !list.every((d) => d instanceof Uint8Array)) {
    reject(s, "malformed-input", "propose needs a Uint8Array or a non-empty array of them");
    return;
  }
  if (s.opts.maxUncommittedEntriesSize !== Infinity && s.uncommittedSize > 0) {
    let size = 0;
    for (const d of list) size += d.byteLength;
    if (s.uncommittedSize + size > s.opts.maxUncommittedEntriesSize) {
      reject(s, "proposal-dropped", `uncommitted entries exceed maxUncommittedEntriesSize (${s.opts.maxUncommittedEntriesSize} bytes); retry once they commit`);
      return;
    }
  }
  const entries: Entry[] = new Array<Entry>(list.length);
  let index = lastIndex(s.log);
  for (let i = 0; i < list.length; i++) entries[i] = { term: s.term, index: ++index, kind: "normal", data: list[i]! };
  appendEntries(s, entries);
  bcastAppend(s);
}

/** The common case, one entry: no intermediate arrays. */
function proposeOne(s: RaftState, data: Uint8Array): void {
  if (s.opts.maxUncommittedEntriesSize !== Infinity && s.uncommittedSize > 0 && s.uncommittedSize + data.byteLength > s.opts.maxUncommittedEntriesSize) {
    reject(s, "proposal-dropped", `uncommitted entries exceed maxUncommittedEntriesSize (${s.opts.maxUncommittedEntriesSize} bytes); retry once they commit`);
    return;
  }
  appendEntries(s, [{ term: s.term, index: lastIndex(s.log) + 1, kind: "normal", data }]);
  bcastAppend(s);
}

function proposeConfChange(s: RaftState, change: ConfChange): void {
  if (notLeader(s, "conf changes")) return;
  if (s.leadTransferee !== 0) {
    reject(s, "transfer-in-progress", `leadership is moving to node ${s.leadTransferee}; retry on the new leader`);
    return;
  }
  if (s.pendingConfIndex > s.log.applying) {
    reject(s, "conf-change-pending", `conf change at index ${s.pendingConfIndex} is not applied yet; one change at a time`);
    return;
  }
  const r = applyConfChange(s.tracker.config, change);
  if (!r.ok) {
    reject(s, "malformed-conf-change", r.reason);
    return;
  }
  appendConfEntry(s, change);
}

function appendConfEntry(s: RaftState, change: ConfChange): void {
  const index = lastIndex(s.log) + 1;
  appendEntries(s, [{ term: s.term, index, kind: "conf-change", data: encodeConfChange(change) }]);
  s.pendingConfIndex = index;
  bcastAppend(s);
}

function transferLeadership(s: RaftState, to: number): void {
  if (notLeader(s, "leadership transfers")) return;
  const pr = s.tracker.progress.get(to);
  if (to === s.id || pr === undefined || pr.isLearner) {
    reject(s, "malformed-input", `cannot transfer leadership to node ${to}: it must be another voter`);
    return;
  }
  if (s.leadTransferee === to) return;
  s.leadTransferee = to;
  s.electionElapsed = 0; // The transfer must complete within one election timeout.
  if (pr.match === lastIndex(s.log)) sendTimeoutNow(s, to);
  else sendAppend(s, pr, true); // Catch the target up first.
}

// ---------------------------------------------------------------------------------------------------------
// Storage and application feedback

function persisted(s: RaftState, index: number, term: number): void {
  if (!Number.isInteger(index) || !Number.isInteger(term) || index < 0) {
    reject(s, "malformed-input", "persisted needs integer index and term");
    return;
  }
  const log = s.log;
  if (index > lastIndex(log)) {
    reject(s, "index-out-of-range", `persisted index ${index} is beyond the last index ${lastIndex(log)}`);
    return;
  }
  // An acknowledgement for entries since overwritten (term differs) or compacted says nothing: ignore it.
  if (termAt(log, index) !== term || index <= log.stable) return;
  log.stable = index;
  ackNowDurable(s);
  if (s.role === "leader") {
    const self = s.tracker.progress.get(s.id);
    if (self !== undefined && index > self.match) {
      self.match = index;
      self.next = index + 1 > self.next ? index + 1 : self.next;
      advanceCommit(s);
    }
  }
}

function applied(s: RaftState, index: number): void {
  const log = s.log;
  if (!Number.isInteger(index)) {
    reject(s, "malformed-input", "applied needs an integer index");
    return;
  }
  if (index > log.applying) {
    reject(s, "index-out-of-range", `applied index ${index} is beyond what was handed to apply (${log.applying})`);
    return;
  }
  if (index > log.applied) log.applied = index;
}

/** The configuration in force after applying every conf change up to `index`. */
function configAt(s: RaftState, index: number): ConfigState {
  let c = s.baseConfig;
  for (const h of s.configHistory) {
    if (h.index > index) break;
    c = h.config;
  }
  return c;
}

/** Log compaction (§7): the application snapshotted its state at an applied index. */
function compactAt(s: RaftState, index: number, data: Uint8Array): void {
  const log = s.log;
  if (!Number.isInteger(index) || !(data instanceof Uint8Array)) {
    reject(s, "malformed-input", "snapshot needs an integer index and Uint8Array data");
    return;
  }
  if (index <= log.offset || index > log.applied) {
    reject(s, "index-out-of-range", `snapshot index ${index} must be above the last snapshot (${log.offset}) and at most applied (${log.applied})`);
    return;
  }
  const config = configAt(s, index);
  const snap: Snapshot = { index, term: termAt(log, index)!, config, data };
  compact(log, snap);
  s.baseConfig = config;
  s.configHistory = s.configHistory.filter((h) => h.index > index);
  s.out.snapshot = snap;
}

/** Hands committed and locally durable entries to the application; conf changes take effect here. */
function emitApply(s: RaftState): boolean {
  const log = s.log;
  const upTo = log.committed < log.stable ? log.committed : log.stable;
  if (upTo <= log.applying) return false;
  const entries = log.entries.slice(log.applying + 1 - log.offset - 1, upTo - log.offset);
  log.applying = upTo;
  emit(s, { type: "apply", entries });
  for (const e of entries) if (e.kind === "conf-change") applyConfEntry(s, e);
  return true;
}

function applyConfEntry(s: RaftState, e: Entry): void {
  const change = decodeConfChange(e.data);
  const r = change === undefined ? undefined : applyConfChange(s.tracker.config, change);
  if (change === undefined || r === undefined || !r.ok) {
    reject(s, "malformed-conf-change", `conf-change entry ${e.index} cannot be applied${r && !r.ok ? `: ${r.reason}` : ""}; skipped`);
    return;
  }
  s.tracker.config = r.config;
  s.configHistory.push({ index: e.index, config: r.config });
  syncProgress(s.tracker, lastIndex(s.log) + 1);
  if (s.leadTransferee !== 0 && !isVoter(r.config, s.leadTransferee)) s.leadTransferee = 0;
  for (const id of [...s.reads.acked.keys()]) if (!members(r.config).includes(id)) s.reads.acked.delete(id);
  if (s.role !== "leader") return;
  if (!isVoter(r.config, s.id)) {
    // Removed (or demoted) leader: step down; the remaining voters elect a new leader.
    becomeFollower(s, s.term, 0);
    return;
  }
  // A smaller quorum may commit more; new members are probed.
  if (!advanceCommit(s)) for (const pr of s.tracker.progress.values()) if (pr.id !== s.id) sendAppend(s, pr, false);
}

/**
 * A leader in a joint configuration entered with auto-leave proposes leaving it once every conf change it
 * knows of is applied — also a leader elected after the entering entry was written.
 */
function maybeAutoLeave(s: RaftState): void {
  const c = s.tracker.config;
  if (s.role === "leader" && c.autoLeave && c.votersOutgoing.length > 0 && s.pendingConfIndex <= s.log.applying && s.leadTransferee === 0) {
    appendConfEntry(s, { changes: [] });
  }
}
