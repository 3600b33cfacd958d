/** Election RPCs: Vote (KIP-595, pre-vote KIP-996), BeginQuorumEpoch and EndQuorumEpoch. */
import { KRaftFatalError } from "./types.js";
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
  EndQuorumEpochRequest,
  EndQuorumEpochResponse,
  ErrorCode,
  ReplicaKey,
  VoteRequest,
  VoteResponse,
} from "./types.js";
import type { KRaftState } from "./state.js";
import { lastEpoch, logEndOffset } from "./log.js";
import { isVoterId, latestVoters } from "./voters.js";
import {
  becomeFollower,
  becomeUnattached,
  endEpochBackoffTicks,
  isLocalVoter,
  leaderIdOf,
  maybeWinElection,
  maybeWinPreVote,
  observeEpoch,
  prospectiveLost,
  reject,
  send,
  type Ctx,
} from "./transitions.js";

/** (lastEpoch, endOffset) of the candidate is at least ours: Kafka's `OffsetAndEpoch.compareTo(...) >= 0`. */
export function isLogUpToDate(s: KRaftState, lastEpochOf: number, endOffset: number): boolean {
  const ours = lastEpoch(s.log);
  return lastEpochOf > ours || (lastEpochOf === ours && endOffset >= logEndOffset(s.log));
}

/** Each `EpochState.canGrantVote`. */
function canGrantVote(s: KRaftState, candidate: ReplicaKey, upToDate: boolean, preVote: boolean): boolean {
  const r = s.role;
  switch (r.kind) {
    case "unattached":
    case "prospective": {
      if (preVote) return upToDate;
      if (r.votedKey !== null) return r.votedKey.id === candidate.id && (r.votedKey.directoryId === "" || r.votedKey.directoryId === candidate.directoryId);
      if (r.kind === "prospective" && r.leaderId >= 0) return false;
      return upToDate;
    }
    case "follower":
      // KIP-996: a follower still hearing from its leader refuses pre-votes, so a flaky voter cannot disrupt it.
      return preVote && !r.hasFetchedFromLeader && upToDate;
    case "candidate":
      return preVote && upToDate;
    case "leader":
    case "resigned":
      return false;
  }
}

function voteResponse(ctx: Ctx, req: VoteRequest, error: ErrorCode, granted: boolean): void {
  send(ctx, { type: "vote-response", from: ctx.s.config.id, to: req.from, error, epoch: ctx.s.epoch, leaderId: leaderIdOf(ctx.s), preVote: req.preVote, granted });
}

/** Vote request (KIP-595/996): validate, maybe move to the candidate's epoch, grant per `canGrantVote`. */
export function handleVoteRequest(ctx: Ctx, req: VoteRequest): void {
  const s = ctx.s;
  if (req.lastEpoch > req.epoch) {
    reject(ctx, "invalid-message", `vote from ${req.from}: last epoch ${req.lastEpoch} is above the candidate epoch ${req.epoch}`);
    voteResponse(ctx, req, "invalid-request", false);
    return;
  }
  if (req.epoch < s.epoch) {
    reject(ctx, "stale-epoch", `vote from ${req.from} for epoch ${req.epoch} but the current epoch is ${s.epoch}`);
    voteResponse(ctx, req, "fenced-leader-epoch", false);
    return;
  }
  if (req.voterDirectoryId !== "" && req.voterDirectoryId !== s.config.directoryId) {
    reject(ctx, "invalid-message", `vote from ${req.from} names voter directory ${req.voterDirectoryId}, ours is ${s.config.directoryId}`);
    voteResponse(ctx, req, "invalid-voter-key", false);
    return;
  }
  // Kafka moves to a higher epoch on any vote request, pre-vote included: a prospective node stuck in an epoch it
  // reached as a candidate whose requests were lost ignores every answer of a lower epoch, so a leader of the old
  // epoch that has nothing else to send it (it acknowledged long ago) must learn the new epoch from its pre-vote.
  if (req.epoch > s.epoch) becomeUnattached(ctx, req.epoch, null);
  if (!isVoterId(latestVoters(s.voterHistory), req.from)) {
    reject(ctx, "unknown-voter", `vote request from ${req.from}, which is not in the voter set`);
    voteResponse(ctx, req, "none", false);
    return;
  }
  if (!isLocalVoter(s)) {
    voteResponse(ctx, req, "none", false); // observers never vote
    return;
  }
  const candidate = { id: req.from, directoryId: req.candidateDirectoryId };
  const upToDate = isLogUpToDate(s, req.lastEpoch, req.lastEndOffset);
  const granted = canGrantVote(s, candidate, upToDate, req.preVote);
  if (granted && !req.preVote && s.role.kind === "unattached" && s.role.votedKey === null) {
    becomeUnattached(ctx, s.epoch, candidate); // the vote is persisted before the response is sent
  }
  voteResponse(ctx, req, "none", granted);
}

/** Vote response: learn a newer epoch/leader, or count a (pre-)vote toward the election. */
export function handleVoteResponse(ctx: Ctx, res: VoteResponse): void {
  const s = ctx.s;
  if (res.epoch < s.epoch) return; // stale
  if (res.epoch > s.epoch) {
    observeEpoch(ctx, res.epoch, res.leaderId);
    return;
  }
  if (res.leaderId >= 0 && res.leaderId !== s.config.id && leaderIdOf(s) === -1 && s.role.kind !== "resigned") {
    observeEpoch(ctx, res.epoch, res.leaderId);
    return;
  }
  if (res.error !== "none" || !isVoterId(latestVoters(s.voterHistory), res.from)) return;
  const r = s.role;
  if (r.kind === "prospective" && res.preVote) {
    if (r.granted.includes(res.from) || r.rejected.includes(res.from)) return;
    ctx.s.role = res.granted ? { ...r, granted: [...r.granted, res.from] } : { ...r, rejected: [...r.rejected, res.from] };
    maybeWinPreVote(ctx);
  } else if (r.kind === "candidate" && !res.preVote) {
    if (r.granted.includes(res.from) || r.rejected.includes(res.from)) return;
    ctx.s.role = res.granted ? { ...r, granted: [...r.granted, res.from] } : { ...r, rejected: [...r.rejected, res.from] };
    maybeWinElection(ctx);
  }
}

function assertNoSecondLeader(ctx: Ctx, epoch: number, leaderId: number): void {
  const r = ctx.s.role;
  if (epoch === ctx.s.epoch && leaderId !== ctx.s.config.id && (r.kind === "leader" || r.kind === "resigned")) {
    throw new KRaftFatalError("two-leaders-in-epoch", `node ${ctx.s.config.id} led epoch ${epoch} but ${leaderId} claims it too; stop this node and investigate`);
  }
}

/** BeginQuorumEpoch: a new leader announces itself; follow it unless the epoch is stale. */
export function handleBeginQuorumEpoch(ctx: Ctx, req: BeginQuorumEpochRequest): void {
  const s = ctx.s;
  const respond = (error: ErrorCode): void =>
    send(ctx, { type: "begin-quorum-epoch-response", from: s.config.id, to: req.from, error, epoch: ctx.s.epoch, leaderId: leaderIdOf(ctx.s) });
  if (req.epoch < s.epoch) {
    reject(ctx, "stale-epoch", `BeginQuorumEpoch from ${req.from} for epoch ${req.epoch} but the current epoch is ${s.epoch}`);
    respond("fenced-leader-epoch");
    return;
  }
  if (req.leaderId !== req.from) {
    reject(ctx, "invalid-message", `BeginQuorumEpoch from ${req.from} names leader ${req.leaderId}`);
    respond("invalid-request");
    return;
  }
  if (req.voterDirectoryId !== "" && req.voterDirectoryId !== s.config.directoryId) {
    reject(ctx, "invalid-message", `BeginQuorumEpoch names voter directory ${req.voterDirectoryId}, ours is ${s.config.directoryId}`);
    respond("invalid-voter-key");
    return;
  }
  assertNoSecondLeader(ctx, req.epoch, req.leaderId);
  observeEpoch(ctx, req.epoch, req.leaderId);
  respond("none");
}

/** BeginQuorumEpoch response: the leader records the voter's acknowledgement. */
export function handleBeginQuorumEpochResponse(ctx: Ctx, res: BeginQuorumEpochResponse): void {
  const s = ctx.s;
  if (res.epoch > s.epoch) {
    observeEpoch(ctx, res.epoch, res.leaderId);
    return;
  }
  const r = s.role;
  if (res.epoch === s.epoch && res.error === "none" && r.kind === "leader" && !r.acknowledged.includes(res.from)) {
    ctx.s.role = { ...r, acknowledged: [...r.acknowledged, res.from] };
  }
}

/** EndQuorumEpoch: the leader resigned; preferred successors start their election early. */
export function handleEndQuorumEpoch(ctx: Ctx, req: EndQuorumEpochRequest): void {
  const s = ctx.s;
  const respond = (error: ErrorCode): void =>
    send(ctx, { type: "end-quorum-epoch-response", from: s.config.id, to: req.from, error, epoch: ctx.s.epoch, leaderId: leaderIdOf(ctx.s) });
  if (req.epoch < s.epoch) {
    reject(ctx, "stale-epoch", `EndQuorumEpoch from ${req.from} for epoch ${req.epoch} but the current epoch is ${s.epoch}`);
    respond("fenced-leader-epoch");
    return;
  }
  if (req.leaderId !== req.from || !Array.isArray(req.preferredSuccessors)) {
    reject(ctx, "invalid-message", `EndQuorumEpoch from ${req.from} is malformed`);
    respond("invalid-request");
    return;
  }
  assertNoSecondLeader(ctx, req.epoch, req.leaderId);
  observeEpoch(ctx, req.epoch, req.leaderId);
  const r = ctx.s.role;
  if (r.kind === "follower" && r.leaderId === req.leaderId && isLocalVoter(ctx.s)) {
    // The best-placed successor starts its election at once; the others back off exponentially by rank.
    ctx.s.role = { ...r, fetchDeadline: ctx.s.now + endEpochBackoffTicks(ctx, req.preferredSuccessors) };
  }
  respond("none");
}

/** EndQuorumEpoch response: a resigned leader stops retrying to that voter. */
export function handleEndQuorumEpochResponse(ctx: Ctx, res: EndQuorumEpochResponse): void {
  const s = ctx.s;
  if (res.epoch > s.epoch) {
    observeEpoch(ctx, res.epoch, res.leaderId);
    return;
  }
  const r = s.role;
  if (r.kind === "resigned" && res.epoch === s.epoch && res.error === "none") {
    ctx.s.role = { ...r, unacked: r.unacked.filter((id) => id !== res.from) };
  }
}


