/**
 * The single entry point: `step(state, input) → { state, outputs }`. Validates input, dispatches to the
 * per-role handlers, and finally hands newly committed records to the listener.
 */
import { KRaftFatalError, type Input, type Message, type Output } from "./types.js";
import type { KRaftState } from "./state.js";
import { compactTo, epochBelow, logEndOffset, readFrom } from "./log.js";
import { compactHistory, votersAt } from "./voters.js";
import {
  becomeProspective,
  becomeResigned,
  becomeUnattached,
  isLocalVoter,
  leaderIdOf,
  maybeWinElection,
  prospectiveLost,
  reject,
  send,
  sendEndQuorumEpoch,
  sendVoteRequests,
  type Ctx,
  type Draft,
} from "./transitions.js";
import {
  handleBeginQuorumEpoch,
  handleBeginQuorumEpochResponse,
  handleEndQuorumEpoch,
  handleEndQuorumEpochResponse,
  handleVoteRequest,
  handleVoteResponse,
} from "./election.js";
import {
  completeParked,
  handleAddVoter,
  handleDescribeQuorum,
  handleRemoveVoter,
  leaderAppend,
  leaderHandleFetch,
  leaderHandleFetchSnapshot,
  leaderTick,
  maybeAdvanceHighWatermark,
} from "./leader.js";
import { followerPersisted, followerTick, handleFetchResponse, handleFetchSnapshotResponse, observerBootstrapFetch } from "./follower.js";

/** What one step produced. Outputs are ordered: a `persist` must be durable before the `send`s after it. */
export interface StepResult {
  readonly state: KRaftState;
  readonly outputs: Output[];
}

const isId = (x: unknown): boolean => typeof x === "number" && Number.isInteger(x) && x >= 0;
const isIdOrNone = (x: unknown): boolean => x === -1 || isId(x);
const isStr = (x: unknown): boolean => typeof x === "string";
const isKey = (k: unknown): boolean => k !== null && typeof k === "object" && isId((k as { id: unknown }).id) && isStr((k as { directoryId: unknown }).directoryId);
const isOffEpoch = (o: unknown, off: "endOffset"): boolean =>
  o !== null && typeof o === "object" && isId((o as Record<string, unknown>)[off]) && isId((o as Record<string, unknown>).epoch);

/** Structural validation of a message from the network. Returns a reason when malformed. */
export function validateMessage(m: Message): string | null {
  if (m === null || typeof m !== "object") return "message must be an object";
  if (!isId(m.from) || !isId(m.to)) return "from/to must be node ids";
  switch (m.type) {
    case "vote":
      return isId(m.epoch) && typeof m.preVote === "boolean" && isStr(m.candidateDirectoryId) && isStr(m.voterDirectoryId) && isId(m.lastEpoch) && isId(m.lastEndOffset) ? null : "malformed vote";
    case "vote-response":
      return isId(m.epoch) && isIdOrNone(m.leaderId) && typeof m.granted === "boolean" && typeof m.preVote === "boolean" && isStr(m.error) ? null : "malformed vote response";
    case "begin-quorum-epoch":
      return isId(m.epoch) && isId(m.leaderId) && isStr(m.voterDirectoryId) ? null : "malformed BeginQuorumEpoch";
    case "end-quorum-epoch":
      return isId(m.epoch) && isId(m.leaderId) && Array.isArray(m.preferredSuccessors) && m.preferredSuccessors.every(isKey) ? null : "malformed EndQuorumEpoch";
    case "begin-quorum-epoch-response":
    case "end-quorum-epoch-response":
      return isId(m.epoch) && isIdOrNone(m.leaderId) && isStr(m.error) ? null : "malformed response";
    case "fetch":
      if (!isId(m.epoch) || !isStr(m.replicaDirectoryId)) return "malformed fetch";
      if (!isId(m.fetchOffset) || !isId(m.lastFetchedEpoch)) return `fetch offset ${String(m.fetchOffset)} / last fetched epoch ${String(m.lastFetchedEpoch)} must be non-negative integers`;
      if (m.highWatermark !== undefined && !(Number.isInteger(m.highWatermark) && m.highWatermark >= -1)) return "fetch high watermark must be an integer ≥ -1";
      return m.lastFetchedEpoch > m.epoch ? `last fetched epoch ${m.lastFetchedEpoch} is above the fetcher's epoch ${m.epoch}` : null;
    case "fetch-response":
      return isId(m.epoch) && isIdOrNone(m.leaderId) && typeof m.highWatermark === "number" && m.highWatermark >= -1 && isId(m.fetchOffset) && isId(m.lastFetchedEpoch) && Array.isArray(m.records) && isStr(m.error) &&
        (m.divergingEpoch === undefined || isOffEpoch(m.divergingEpoch, "endOffset")) && (m.snapshotId === undefined || isOffEpoch(m.snapshotId, "endOffset"))
        ? null
        : "malformed fetch response";
    case "fetch-snapshot":
      return isId(m.epoch) && isStr(m.replicaDirectoryId) && isOffEpoch(m.snapshotId, "endOffset") && isId(m.position) ? null : "malformed FetchSnapshot";
    case "fetch-snapshot-response":
      return isId(m.epoch) && isIdOrNone(m.leaderId) && isOffEpoch(m.snapshotId, "endOffset") && isId(m.position) && isId(m.size) && m.bytes instanceof Uint8Array && Array.isArray(m.voters) && m.voters.every(isKey) && isStr(m.error)
        ? null
        : "malformed FetchSnapshot response";
    case "describe-quorum":
      return null;
    case "add-raft-voter":
    case "remove-raft-voter":
      return isKey(m.voter) ? null : "voter must be { id, directoryId }";
    case "describe-quorum-response":
    case "add-raft-voter-response":
    case "remove-raft-voter-response":
      return "admin responses are for clients, not replicas";
    default:
      return `unknown message type ${String((m as { type: unknown }).type)}`;
  }
}

/** Requests that only the leader of the current epoch serves (Kafka's `validateLeaderOnlyRequest`). */
function leaderOnly(ctx: Ctx, m: Extract<Message, { type: "fetch" | "fetch-snapshot" }>): boolean {
  const s = ctx.s;
  const error = m.epoch < s.epoch ? "fenced-leader-epoch" : m.epoch > s.epoch ? "unknown-leader-epoch" : s.role.kind !== "leader" ? "not-leader-or-follower" : null;
  if (error === null) return true;
  if (m.epoch < s.epoch && s.role.kind === "leader") reject(ctx, "stale-epoch", `${m.type} from ${m.from} in epoch ${m.epoch}, current epoch ${s.epoch}`);
  if (m.type === "fetch") {
    send(ctx, { type: "fetch-response", from: s.config.id, to: m.from, error, epoch: s.epoch, leaderId: leaderIdOf(s), highWatermark: -1, fetchOffset: m.fetchOffset, lastFetchedEpoch: m.lastFetchedEpoch, records: [] });
  } else {
    send(ctx, { type: "fetch-snapshot-response", from: s.config.id, to: m.from, error, epoch: s.epoch, leaderId: leaderIdOf(s), snapshotId: m.snapshotId, size: 0, position: m.position, bytes: new Uint8Array(0), voters: [] });
  }
  return false;
}

function handleMessage(ctx: Ctx, m: Message): void {
  const problem = validateMessage(m);
  if (problem !== null) return reject(ctx, "invalid-message", `${problem}; message dropped`);
  if (m.to !== ctx.s.config.id) return reject(ctx, "misrouted", `message for ${m.to} delivered to ${ctx.s.config.id}`);
  if (m.from === ctx.s.config.id) return reject(ctx, "invalid-message", "message from ourselves");
  switch (m.type) {
    case "vote":
      return handleVoteRequest(ctx, m);
    case "vote-response":
      return handleVoteResponse(ctx, m);
    case "begin-quorum-epoch":
      return handleBeginQuorumEpoch(ctx, m);
    case "begin-quorum-epoch-response":
      return handleBeginQuorumEpochResponse(ctx, m);
    case "end-quorum-epoch":
      return handleEndQuorumEpoch(ctx, m);
    case "end-quorum-epoch-response":
      return handleEndQuorumEpochResponse(ctx, m);
    case "fetch":
      if (leaderOnly(ctx, m)) leaderHandleFetch(ctx, m);
      return;
    case "fetch-response":
      return handleFetchResponse(ctx, m);
    case "fetch-snapshot":
      if (leaderOnly(ctx, m)) leaderHandleFetchSnapshot(ctx, m);
      return;
    case "fetch-snapshot-response":
      return handleFetchSnapshotResponse(ctx, m);
    case "describe-quorum":
      return handleDescribeQuorum(ctx, m);
    case "add-raft-voter":
      return handleAddVoter(ctx, m);
    case "remove-raft-voter":
      return handleRemoveVoter(ctx, m);
    /* c8 ignore next 2 -- validateMessage refused every other type */
    default:
      return;
  }
}

function tick(ctx: Ctx): void {
  ctx.s.now = ctx.s.now + 1;
  poll(ctx);
}

/** Whatever the role's timers ask for at the current time. */
function poll(ctx: Ctx): void {
  const s = ctx.s;
  const r = s.role;
  switch (r.kind) {
    case "unattached":
      if (isLocalVoter(s)) {
        if (s.now >= r.electionDeadline) becomeProspective(ctx);
      } else observerBootstrapFetch(ctx);
      return;
    case "prospective":
      if (s.now >= r.electionDeadline || !isLocalVoter(s)) prospectiveLost(ctx);
      else if (s.now >= r.resendAt) {
        ctx.s.role = { ...r, resendAt: s.now + s.config.requestTimeoutTicks };
        sendVoteRequests(ctx, true, [...r.granted, ...r.rejected]);
      }
      return;
    case "candidate":
      if (r.backoffUntil >= 0 ? s.now >= r.backoffUntil : s.now >= r.electionDeadline) becomeProspective(ctx);
      else if (r.backoffUntil < 0 && s.now >= r.resendAt) {
        ctx.s.role = { ...r, resendAt: s.now + s.config.requestTimeoutTicks };
        sendVoteRequests(ctx, false, [...r.granted, ...r.rejected]);
        maybeWinElection(ctx);
      }
      return;
    case "leader":
      return leaderTick(ctx);
    case "follower":
      return followerTick(ctx);
    case "resigned":
      // Kafka: after the election timeout a resigned leader bumps the epoch, so its old epoch cannot come back.
      if (s.now >= r.electionDeadline) becomeUnattached(ctx, s.epoch + 1, null);
      else if (s.now >= r.resendAt && r.unacked.length > 0) {
        ctx.s.role = { ...r, resendAt: s.now + s.config.requestTimeoutTicks };
        sendEndQuorumEpoch(ctx);
      }
      return;
  }
}

function handlePersisted(ctx: Ctx, endOffset: number, epoch: number): void {
  const s = ctx.s;
  if (!Number.isInteger(endOffset) || !Number.isInteger(epoch) || endOffset < 0 || endOffset > logEndOffset(s.log)) {
    return reject(ctx, "bad-offset", `persisted end offset ${endOffset} is outside the log [0, ${logEndOffset(s.log)}]`);
  }
  // An acknowledgement names (end offset, epoch of its last record); after a truncation it may be stale.
  if (epochBelow(s.log, endOffset) !== epoch) return;
  if (endOffset <= s.durableEnd) return;
  s.durableEnd = endOffset;
  if (s.role.kind === "leader") {
    maybeAdvanceHighWatermark(ctx);
    if (ctx.s.role.kind === "leader") completeParked(ctx, () => true);
  } else followerPersisted(ctx);
}

function handleCreateSnapshot(ctx: Ctx, endOffset: number, data: Uint8Array): void {
  const s = ctx.s;
  if (!Number.isInteger(endOffset) || !(data instanceof Uint8Array)) return reject(ctx, "invalid-input", "create-snapshot needs an integer endOffset and Uint8Array data");
  const current = s.snapshot?.id.endOffset ?? 0;
  if (endOffset <= current || endOffset > s.highWatermark || endOffset > s.applied || endOffset > logEndOffset(s.log)) {
    return reject(ctx, "bad-offset", `snapshot end offset ${endOffset} must be above the current snapshot (${current}) and at most the high watermark (${s.highWatermark}) and the applied offset (${s.applied})`);
  }
  const id = { endOffset, epoch: epochBelow(s.log, endOffset) as number };
  const snapshot = { id, voters: votersAt(s.voterHistory, endOffset), data };
  s.snapshot = snapshot;
  s.log = compactTo(s.log, id);
  s.voterHistory = compactHistory(s.voterHistory, endOffset);
  ctx.out.push({ type: "persist", snapshot });
}

/** Hand committed records (and, first, a newer snapshot) to the listener; report HW moves. */
function deliver(ctx: Ctx): void {
  const s = ctx.s;
  if (s.snapshot !== null && s.delivered < s.log.startOffset && s.highWatermark >= s.log.startOffset) {
    ctx.out.push({ type: "load-snapshot", snapshot: s.snapshot });
    s.delivered = s.log.startOffset;
  }
  const target = Math.min(s.highWatermark, logEndOffset(s.log));
  if (target > s.delivered || s.highWatermark !== s.reportedHighWatermark) {
    const entries = target > s.delivered ? readFrom(s.log, s.delivered, target - s.delivered) : [];
    ctx.out.push({ type: "commit", highWatermark: s.highWatermark, entries });
    s.delivered = Math.max(s.delivered, target);
    s.reportedHighWatermark = s.highWatermark;
  }
}

/**
 * Advance one replica by one input. Pure: `state` is never modified. Never throws: an input that would break a
 * safety rule (Kafka's `IllegalStateException`: truncating below the high watermark, a second leader in an epoch)
 * returns `state` itself and one `rejected` output naming the rule; the node should then stop.
 */
export function step(state: KRaftState, input: Input): StepResult {
  const ctx: Ctx = { s: { ...state } as Draft, out: [] };
  if (input === null || typeof input !== "object") {
    reject(ctx, "invalid-input", "input must be an object");
    return { state, outputs: ctx.out };
  }
  try {
    dispatch(ctx, input);
  } catch (e) {
    if (!(e instanceof KRaftFatalError)) throw e;
    return { state, outputs: [{ type: "rejected", reason: e.code, detail: e.message, leaderHint: leaderIdOf(state) }] };
  }
  return { state: ctx.s, outputs: ctx.out };
}

/** An explicit timer expiry: the timer's deadline becomes now, and the role's poll runs without a tick. */
function timeout(ctx: Ctx, timer: unknown): void {
  const s = ctx.s;
  const r = s.role;
  const now = s.now;
  if (timer === "election" && (r.kind === "prospective" || r.kind === "resigned" || (r.kind === "unattached" && isLocalVoter(s)))) {
    ctx.s.role = { ...r, electionDeadline: now };
  } else if (timer === "election" && r.kind === "candidate") {
    ctx.s.role = r.backoffUntil >= 0 ? { ...r, backoffUntil: now } : { ...r, electionDeadline: now };
  } else if (timer === "fetch" && r.kind === "follower") {
    ctx.s.role = { ...r, fetchDeadline: now };
  } else if (timer === "fetch" && r.kind === "unattached" && !isLocalVoter(s)) {
    ctx.s.role = { ...r, bootstrapFetchAt: now };
  } else if (timer === "check-quorum" && r.kind === "leader") {
    ctx.s.role = { ...r, checkQuorumDeadline: now };
  } else if (timer === "election" || timer === "fetch" || timer === "check-quorum") {
    return reject(ctx, "no-such-timer", `a ${isLocalVoter(s) ? "voter" : "observer"} in role ${r.kind} runs no ${timer} timer`);
  } else {
    return reject(ctx, "invalid-input", `unknown timer ${JSON.stringify(timer)}; expected "election", "fetch" or "check-quorum"`);
  }
  poll(ctx);
}

function dispatch(ctx: Ctx, input: Input): void {
  switch (input.type) {
    case "tick":
      tick(ctx);
      break;
    case "timeout":
      timeout(ctx, input.timer);
      break;
    case "message":
      handleMessage(ctx, input.message);
      break;
    case "append":
      if (ctx.s.role.kind !== "leader") reject(ctx, "not-leader", "append goes to the leader");
      else if (!Array.isArray(input.records) || input.records.length === 0 || !input.records.every((r) => r instanceof Uint8Array)) {
        reject(ctx, "invalid-input", "append needs a non-empty array of Uint8Array records");
      } else leaderAppend(ctx, input.records);
      break;
    case "persisted":
      handlePersisted(ctx, input.endOffset, input.epoch);
      break;
    case "applied":
      if (!Number.isInteger(input.offset) || input.offset < 0 || input.offset > ctx.s.delivered) {
        reject(ctx, "bad-offset", `applied offset ${input.offset} is beyond what was delivered (${ctx.s.delivered})`);
      } else ctx.s.applied = Math.max(ctx.s.applied, input.offset);
      break;
    case "create-snapshot":
      handleCreateSnapshot(ctx, input.endOffset, input.data);
      break;
    case "resign":
      if (ctx.s.role.kind !== "leader") reject(ctx, "not-leader", "only a leader can resign");
      else becomeResigned(ctx);
      break;
    default:
      reject(ctx, "invalid-input", `unknown input type ${String((input as { type: unknown }).type)}`);
  }
  deliver(ctx);
}
