/**
 * The step context and the state transitions of Kafka's `QuorumState` (transitionTo*). Every transition that
 * changes the election state emits the quorum-state `persist` before any `send` that depends on it.
 */
import type { Message, NodeId, Output, QuorumStateRecord, ReplicaKey, Role } from "./types.js";
import type { KRaftState, LeaderRole, ReplicaProgress, RoleState } from "./state.js";
import { randomElectionTicks } from "./state.js";
import { appendEntries, lastEpoch, logEndOffset } from "./log.js";
import { nextInt } from "./prng.js";
import { isVoterId, latestVoters, majority, voterIds, votersAt } from "./voters.js";

/** A mutable draft of the state for one step. Nested objects are replaced, never mutated. */
export type Draft = { -readonly [K in keyof KRaftState]: KRaftState[K] };

/** The draft state and the outputs of one step. */
export interface Ctx {
  readonly s: Draft;
  readonly out: Output[];
}

/** Queue a message for sending. */
export function send(ctx: Ctx, message: Message): void {
  ctx.out.push({ type: "send", message });
}

/** Report a refused input with a typed code and the known leader. */
export function reject(ctx: Ctx, reason: Extract<Output, { type: "rejected" }>["reason"], detail: string): void {
  ctx.out.push({ type: "rejected", reason, detail, leaderHint: leaderIdOf(ctx.s) });
}

/** Leader known for the current epoch, -1 when none. */
export function leaderIdOf(s: KRaftState): NodeId | -1 {
  switch (s.role.kind) {
    case "leader":
      return s.config.id;
    case "follower":
      return s.role.leaderId;
    case "prospective":
      return s.role.leaderId;
    default:
      return -1;
  }
}

/** The replica this node voted for in the current epoch, if any. */
export function votedKeyOf(s: KRaftState): ReplicaKey | null {
  switch (s.role.kind) {
    case "unattached":
    case "prospective":
      return s.role.votedKey;
    case "candidate":
      return { id: s.config.id, directoryId: s.config.directoryId };
    default:
      return null;
  }
}

/**
 * Whether this node takes part in elections: it is in the voter set in effect, or in the committed one (Raft
 * dissertation §4.2.2: a replica removed by an uncommitted VotersRecord may still be needed until it commits —
 * otherwise a leader that removed itself and crashed could leave the quorum without a possible winner).
 */
export function isLocalVoter(s: KRaftState): boolean {
  return isVoterId(latestVoters(s.voterHistory), s.config.id) || isVoterId(votersAt(s.voterHistory, s.highWatermark), s.config.id);
}

/** Votes from members of the voter set in effect (the candidate's own counts only if it is one). */
function countIn(ids: readonly NodeId[], voters: readonly ReplicaKey[]): number {
  return ids.filter((id) => isVoterId(voters, id)).length;
}


function persistQuorumState(ctx: Ctx, q: QuorumStateRecord): void {
  const p = ctx.s.quorumState;
  if (p.epoch === q.epoch && p.leaderId === q.leaderId && p.votedId === q.votedId && p.votedDirectoryId === q.votedDirectoryId) return;
  ctx.s.quorumState = q;
  ctx.out.push({ type: "persist", quorumState: q });
}

function setRole(ctx: Ctx, role: RoleState, epoch: number): void {
  const before = ctx.s.role;
  const beforeEpoch = ctx.s.epoch;
  const beforeLeader = leaderIdOf(ctx.s);
  if (before.kind === "leader" && before.pendingVoterChange !== null && role.kind !== "leader") {
    const p = before.pendingVoterChange;
    send(ctx, {
      type: p.kind === "add" ? "add-raft-voter-response" : "remove-raft-voter-response",
      from: ctx.s.config.id,
      to: p.requester,
      error: "not-leader-or-follower",
      detail: "leadership was lost before the voter change committed; retry against the new leader",
    });
  }
  ctx.s.role = role;
  ctx.s.epoch = epoch;
  const leader = leaderIdOf(ctx.s);
  if (before.kind !== role.kind || beforeEpoch !== epoch || beforeLeader !== leader) {
    ctx.out.push({ type: "role-change", role: role.kind as Role, epoch, leaderId: leader });
  }
}

/** A fresh randomized election deadline (advances the PRNG). */
export function electionDeadline(ctx: Ctx): number {
  const [t, rng] = randomElectionTicks(ctx.s.config, ctx.s.rng);
  ctx.s.rng = rng;
  return ctx.s.now + t;
}

/** Kafka's `binaryExponentialElectionBackoffMs`, in ticks. */
function electionBackoffTicks(ctx: Ctx, retries: number): number {
  const [r, rng] = nextInt(ctx.s.rng, 2 << Math.min(20, Math.max(0, retries - 1)));
  ctx.s.rng = rng;
  const ms = Math.min(100 * r, ctx.s.config.electionBackoffMaxMs);
  return Math.ceil(ms / ctx.s.config.tickMs);
}

/** Kafka's `strictExponentialElectionBackoffMs` for the position in EndQuorumEpoch's preferred successors, in ticks. */
export function endEpochBackoffTicks(ctx: Ctx, successors: readonly ReplicaKey[]): number {
  const pos = successors.findIndex((k) => k.id === ctx.s.config.id);
  const position = pos < 0 ? successors.length : pos;
  if (position === 0) return 0;
  const max = ctx.s.config.electionBackoffMaxMs;
  const ms = position >= successors.length ? max : Math.min(max, 100 << (position - 1));
  return Math.ceil(ms / ctx.s.config.tickMs);
}

/** Transition to Unattached in `epoch`, with or without a vote; persisted. */
export function becomeUnattached(ctx: Ctx, epoch: number, votedKey: ReplicaKey | null): void {
  persistQuorumState(ctx, { epoch, leaderId: -1, votedId: votedKey?.id ?? -1, votedDirectoryId: votedKey?.directoryId ?? "" });
  setRole(ctx, { kind: "unattached", votedKey, electionDeadline: electionDeadline(ctx), bootstrapFetchAt: ctx.s.now, bootstrapCursor: 0 }, epoch);
}

/** Transition to Follower of `leaderId` in `epoch`; persisted; fetches once the log is durable. */
export function becomeFollower(ctx: Ctx, epoch: number, leaderId: NodeId): void {
  const voted = epoch === ctx.s.epoch ? votedKeyOf(ctx.s) : null;
  persistQuorumState(ctx, { epoch, leaderId, votedId: voted?.id ?? -1, votedDirectoryId: voted?.directoryId ?? "" });
  setRole(ctx, {
    kind: "follower",
    leaderId,
    fetchDeadline: ctx.s.now + ctx.s.config.fetchTimeoutTicks,
    hasFetchedFromLeader: false,
    inFlightSince: -1,
    awaitingPersist: false,
    fetchingSnapshot: null,
  }, epoch);
  fetchWhenDurable(ctx);
}

/**
 * A follower's fetch offset acknowledges its log; send the next Fetch only once the whole log is durable,
 * otherwise wait for the `persisted` input.
 */
export function fetchWhenDurable(ctx: Ctx): void {
  const r = ctx.s.role;
  if (r.kind !== "follower") return;
  if (ctx.s.durableEnd >= logEndOffset(ctx.s.log)) {
    ctx.s.role = { ...r, awaitingPersist: false };
    sendFetch(ctx, r.leaderId);
  } else ctx.s.role = { ...r, awaitingPersist: true, inFlightSince: -1 };
}

/** Send the next Fetch (or FetchSnapshot while downloading one) to `to`. */
export function sendFetch(ctx: Ctx, to: NodeId): void {
  const s = ctx.s;
  const role = s.role;
  if (role.kind === "follower") {
    ctx.s.role = { ...role, inFlightSince: s.now };
    if (role.fetchingSnapshot !== null) {
      send(ctx, { type: "fetch-snapshot", from: s.config.id, to, epoch: s.epoch, replicaDirectoryId: s.config.directoryId, snapshotId: role.fetchingSnapshot.id, position: role.fetchingSnapshot.position });
      return;
    }
  }
  send(ctx, { type: "fetch", from: s.config.id, to, epoch: s.epoch, replicaDirectoryId: s.config.directoryId, fetchOffset: logEndOffset(s.log), lastFetchedEpoch: lastEpoch(s.log), highWatermark: s.highWatermark });
}

/** Send (pre-)vote requests to every other voter not in `except`. */
export function sendVoteRequests(ctx: Ctx, preVote: boolean, except: readonly NodeId[]): void {
  const s = ctx.s;
  for (const v of latestVoters(s.voterHistory)) {
    if (v.id === s.config.id || except.includes(v.id)) continue;
    send(ctx, {
      type: "vote",
      from: s.config.id,
      to: v.id,
      epoch: s.epoch,
      preVote,
      candidateDirectoryId: s.config.directoryId,
      voterDirectoryId: v.directoryId,
      lastEpoch: lastEpoch(s.log),
      lastEndOffset: logEndOffset(s.log),
    });
  }
}

/** KIP-996: start a pre-vote in the current epoch; nothing is persisted. */
export function becomeProspective(ctx: Ctx): void {
  const s = ctx.s;
  const leaderId = leaderIdOf(s);
  setRole(ctx, {
    kind: "prospective",
    leaderId: leaderId === s.config.id ? -1 : leaderId,
    votedKey: votedKeyOf(s),
    electionDeadline: electionDeadline(ctx),
    granted: [s.config.id],
    rejected: [],
    resendAt: s.now + s.config.requestTimeoutTicks,
  }, s.epoch);
  sendVoteRequests(ctx, true, []);
  maybeWinPreVote(ctx);
}

/** Decide a pre-vote: a majority granted → Candidate, a majority rejected → lost. */
export function maybeWinPreVote(ctx: Ctx): void {
  const role = ctx.s.role;
  if (role.kind !== "prospective") return;
  const voters = latestVoters(ctx.s.voterHistory);
  if (countIn(role.granted, voters) >= majority(voters.length)) becomeCandidate(ctx);
  else if (countIn(role.rejected, voters) >= majority(voters.length)) prospectiveLost(ctx);
}

/** Kafka's `prospectiveTransitionAfterElectionLoss`: back to the known leader, else unattached. */
export function prospectiveLost(ctx: Ctx): void {
  const role = ctx.s.role;
  if (role.kind !== "prospective") return;
  if (role.leaderId >= 0) becomeFollower(ctx, ctx.s.epoch, role.leaderId);
  else becomeUnattached(ctx, ctx.s.epoch, role.votedKey);
}

/** Transition to Candidate in epoch + 1, voting for itself; persisted before the vote requests. */
export function becomeCandidate(ctx: Ctx): void {
  const s = ctx.s;
  const epoch = s.epoch + 1;
  ctx.s.electionRetries = s.electionRetries + 1;
  persistQuorumState(ctx, { epoch, leaderId: -1, votedId: s.config.id, votedDirectoryId: s.config.directoryId });
  setRole(ctx, {
    kind: "candidate",
    electionDeadline: electionDeadline(ctx),
    granted: [s.config.id],
    rejected: [],
    resendAt: s.now + s.config.requestTimeoutTicks,
    backoffUntil: -1,
  }, epoch);
  sendVoteRequests(ctx, false, []);
  maybeWinElection(ctx);
}

/** Decide an election: a majority granted → Leader, a majority rejected → back off. */
export function maybeWinElection(ctx: Ctx): void {
  const role = ctx.s.role;
  if (role.kind !== "candidate" || role.backoffUntil >= 0) return;
  const voters = latestVoters(ctx.s.voterHistory);
  if (countIn(role.granted, voters) >= majority(voters.length)) becomeLeader(ctx, role.granted);
  else if (countIn(role.rejected, voters) >= majority(voters.length)) {
    ctx.s.role = { ...role, backoffUntil: ctx.s.now + electionBackoffTicks(ctx, ctx.s.electionRetries) };
  }
}

/** Transition to Leader: persist, append the LeaderChange record, send BeginQuorumEpoch. */
export function becomeLeader(ctx: Ctx, grantingVoters: readonly NodeId[]): void {
  const s = ctx.s;
  ctx.s.electionRetries = 0;
  persistQuorumState(ctx, { epoch: s.epoch, leaderId: s.config.id, votedId: s.config.id, votedDirectoryId: s.config.directoryId });
  const epochStartOffset = logEndOffset(s.log);
  const voters = latestVoters(s.voterHistory);
  const replicas = new Map<NodeId, ReplicaProgress>();
  for (const v of voters) replicas.set(v.id, { directoryId: v.directoryId, endOffset: -1, lastFetchTick: -1, lastCaughtUpTick: -1 });
  const role: LeaderRole = {
    kind: "leader",
    epochStartOffset,
    grantingVoters,
    replicas,
    checkQuorumDeadline: s.now + s.config.checkQuorumTicks,
    fetchedVoters: [],
    acknowledged: [s.config.id],
    beginQuorumEpochAt: s.now + s.config.beginQuorumEpochTicks,
    parked: [],
    pendingVoterChange: null,
  };
  setRole(ctx, role, s.epoch);
  // KIP-595: the new leader appends a LeaderChange control record; the high watermark can only move past it.
  const entry = { offset: epochStartOffset, epoch: s.epoch, kind: "leader-change" as const, leaderId: s.config.id, voters: voterIds(voters), grantingVoters: [...grantingVoters] };
  ctx.s.log = appendEntries(ctx.s.log, [entry]);
  ctx.out.push({ type: "persist", entries: [entry] });
  for (const v of voters) {
    if (v.id === s.config.id) continue;
    send(ctx, { type: "begin-quorum-epoch", from: s.config.id, to: v.id, epoch: s.epoch, leaderId: s.config.id, voterDirectoryId: v.directoryId });
  }
}

/** Voters other than the leader, most caught up first (Kafka's `nonLeaderVotersByDescendingFetchOffset`). */
export function successorsByFetchOffset(s: KRaftState, role: LeaderRole): ReplicaKey[] {
  return latestVoters(s.voterHistory)
    .filter((v) => v.id !== s.config.id)
    .map((v) => ({ v, off: role.replicas.get(v.id)?.endOffset ?? -1 }))
    .sort((a, b) => b.off - a.off || a.v.id - b.v.id)
    .map((x) => x.v);
}

/** Resign leadership: memory only; EndQuorumEpoch to the other voters naming preferred successors. */
export function becomeResigned(ctx: Ctx): void {
  const s = ctx.s;
  if (s.role.kind !== "leader") return;
  const successors = successorsByFetchOffset(s, s.role);
  setRole(ctx, {
    kind: "resigned",
    electionDeadline: electionDeadline(ctx),
    preferredSuccessors: successors,
    unacked: successors.map((v) => v.id),
    resendAt: s.now + s.config.requestTimeoutTicks,
  }, s.epoch);
  sendEndQuorumEpoch(ctx);
}

/** Send EndQuorumEpoch to the voters that have not acknowledged the resignation. */
export function sendEndQuorumEpoch(ctx: Ctx): void {
  const s = ctx.s;
  if (s.role.kind !== "resigned") return;
  for (const id of s.role.unacked) {
    send(ctx, { type: "end-quorum-epoch", from: s.config.id, to: id, epoch: s.epoch, leaderId: s.config.id, preferredSuccessors: s.role.preferredSuccessors });
  }
}

/**
 * Kafka's `maybeTransition` on learning of (epoch, leader) from any message: a higher epoch moves us to it;
 * a leader for our epoch, when we know none, makes us follow it.
 */
export function observeEpoch(ctx: Ctx, epoch: number, leaderId: NodeId | -1): void {
  const s = ctx.s;
  if (epoch > s.epoch) {
    if (leaderId >= 0 && leaderId !== s.config.id) becomeFollower(ctx, epoch, leaderId);
    else becomeUnattached(ctx, epoch, null);
  } else if (epoch === s.epoch && leaderId >= 0 && leaderId !== s.config.id && leaderIdOf(s) === -1 && s.role.kind !== "resigned") {
    // Kafka: only a replica that knows no leader for this epoch adopts one (`!quorum.hasLeader()`).
    becomeFollower(ctx, epoch, leaderId);
  }
}
