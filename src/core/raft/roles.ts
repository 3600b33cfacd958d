/**
 * Role transitions (§5.2) and the helpers every role uses to emit outputs.
 * @module
 */
import { lastIndex, lastTerm } from "./log.js";
import { emit, resetRandomizedElectionTimeout, type RaftState } from "./state.js";
import { becomeReplicate } from "./tracker/progress.js";
import { recordVote, syncProgress, tallyVotes, isVoter } from "./tracker/tracker.js";
import type { Entry, Message, NodeId, RejectReason, ReadRequestId } from "./types.js";
import { revokeLease, startLease } from "./read-only.js";
import { appendEntries, bcastAppend } from "./replication.js";

/** Queues `message` for sending (after this step's persist output). */
export function send(s: RaftState, message: Message): void {
  const out = s.out;
  if (out.sends === undefined) out.sends = [{ type: "send", to: message.to, message }];
  else out.sends.push({ type: "send", to: message.to, message });
}

/**
 * Tells the leadership-transfer target to campaign at once (§3.10). Its vote request bypasses the voters'
 * in-lease refusal, so this leader's lease ends for the rest of its term.
 */
export function sendTimeoutNow(s: RaftState, to: NodeId): void {
  revokeLease(s);
  send(s, { type: "timeout-now", from: s.id, to, term: s.term });
}

/** Records a refusal of the current input. */
export function reject(s: RaftState, reason: RejectReason, detail: string, requestId?: ReadRequestId): void {
  emit(
    s,
    requestId === undefined
      ? { type: "rejected", reason, leaderHint: s.leader, detail }
      : { type: "rejected", reason, leaderHint: s.leader, detail, requestId },
  );
}

/** Whether this node may campaign: it votes in its configuration (learners and removed nodes never do). */
export function promotable(s: RaftState): boolean {
  return isVoter(s.tracker.config, s.id);
}

/** Refuses every read waiting on this (former) leader. */
function dropReads(s: RaftState): void {
  const r = s.reads;
  for (const id of r.waiting) reject(s, "not-leader", "leadership lost before the read was confirmed; retry on the leader", id);
  for (const p of r.pending) reject(s, "not-leader", "leadership lost before the read was confirmed; retry on the leader", p.requestId);
  r.waiting = [];
  r.pending = [];
  r.acked.clear();
}

function reset(s: RaftState, term: number): void {
  if (s.term !== term) {
    s.term = term;
    s.vote = 0;
  }
  s.leader = 0;
  s.electionElapsed = 0;
  s.heartbeatElapsed = 0;
  resetRandomizedElectionTimeout(s);
  s.leadTransferee = 0;
  s.tracker.votes.clear();
  s.pendingConfIndex = 0;
  s.uncommittedSize = 0;
  s.pendingAck = 0; // owed to the leader of the term being left
  if (s.reads.pending.length > 0 || s.reads.waiting.length > 0) dropReads(s);
  // A lease belongs to one leadership: no mark or revocation outlives it (nothing reads them elsewhere).
  if (s.reads.roundAtTick.length > 0) s.reads.roundAtTick = [];
  s.reads.leaseRevoked = false;
}

/** Follower of `leader` (0: unknown) in `term`. */
export function becomeFollower(s: RaftState, term: number, leader: NodeId | 0): void {
  reset(s, term);
  s.role = "follower";
  s.leader = leader;
}

/** Pre-candidate: asks for pre-votes for term+1 without changing its term or vote (§9.6). */
export function becomePreCandidate(s: RaftState): void {
  s.restartLease = false; // campaigning: its timer ran out (or a transfer asks it to)
  s.tracker.votes.clear();
  s.role = "pre-candidate";
  s.leader = 0;
}

/** Candidate in a new term, voting for itself (§5.2). */
export function becomeCandidate(s: RaftState): void {
  s.restartLease = false;
  reset(s, s.term + 1);
  s.vote = s.id;
  s.role = "candidate";
}

const EMPTY_DATA = new Uint8Array(0);

/** Leader: resets every follower's progress and appends an empty entry of its term (§8: commits the past). */
export function becomeLeader(s: RaftState): void {
  reset(s, s.term);
  s.role = "leader";
  s.leader = s.id;
  const last = lastIndex(s.log);
  syncProgress(s.tracker, last + 1);
  for (const pr of s.tracker.progress.values()) {
    pr.match = 0;
    pr.next = last + 1;
    pr.recentActive = pr.id === s.id;
    pr.state = "probe";
    pr.probeSent = false;
    pr.pendingSnapshot = 0;
    pr.snapshotOffset = 0;
    pr.inflights.count = 0;
    pr.inflights.start = 0;
  }
  const self = s.tracker.progress.get(s.id);
  if (self !== undefined) {
    // The leader counts only what its storage acknowledged (§10.2.1 of the dissertation: write in parallel).
    self.match = s.log.stable;
    becomeReplicate(self);
    self.next = last + 1;
  }
  // Conservatively: a conf change may be pending in the uncommitted tail; allow none until it is applied.
  s.pendingConfIndex = last;
  s.electionElapsed = 0;
  if (s.opts.readOnly === "lease-based") startLease(s);
  const empty: Entry = { term: s.term, index: last + 1, kind: "normal", data: EMPTY_DATA };
  appendEntries(s, [empty]);
}

/** How a campaign starts: pre-vote round, real election, or election forced by a leadership transfer. */
export type CampaignKind = "pre-vote" | "election" | "transfer";

/** Starts an election (§5.2), preceded by a pre-vote round when `kind` is "pre-vote". */
export function campaign(s: RaftState, kind: CampaignKind): void {
  if (!promotable(s)) return;
  let voteTerm: number;
  if (kind === "pre-vote") {
    becomePreCandidate(s);
    voteTerm = s.term + 1;
  } else {
    becomeCandidate(s);
    voteTerm = s.term;
  }
  recordVote(s.tracker, s.id, true);
  if (tallyVotes(s.tracker) === "won") {
    // A single-voter configuration wins at once.
    if (kind === "pre-vote") campaign(s, "election");
    else {
      becomeLeader(s);
      bcastAppend(s);
    }
    return;
  }
  const type = kind === "pre-vote" ? "pre-vote" : "vote";
  const li = lastIndex(s.log);
  const lt = lastTerm(s.log);
  for (const pr of s.tracker.progress.values()) {
    if (pr.isLearner || pr.id === s.id) continue;
    send(s, { type, from: s.id, to: pr.id, term: voteTerm, lastIndex: li, lastTerm: lt, transfer: kind === "transfer" });
  }
}
