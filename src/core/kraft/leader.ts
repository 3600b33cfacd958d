/**
 * Leader behaviour (Kafka's `LeaderState` and the leader paths of `KafkaRaftClient`): serving Fetch with
 * divergence and snapshot detection, the high watermark, check-quorum, BeginQuorumEpoch resends, DescribeQuorum,
 * FetchSnapshot and KIP-853 voter changes.
 */
import type {
  AddRaftVoterRequest,
  DescribeQuorumRequest,
  Entry,
  ErrorCode,
  FetchRequest,
  FetchSnapshotRequest,
  NodeId,
  RemoveRaftVoterRequest,
  ReplicaDescription,
  ReplicaKey,
} from "./types.js";
import type { LeaderRole, ParkedFetch, ReplicaProgress } from "./state.js";
import { appendEntries, logEndOffset, readFrom, validateOffsetAndEpoch } from "./log.js";
import { isVoterId, latestVoters, latestVotersOffset, majority, pushVoters } from "./voters.js";
import { becomeResigned, reject, send, type Ctx } from "./transitions.js";

function leaderRole(ctx: Ctx): LeaderRole {
  return ctx.s.role as LeaderRole;
}

/** The HW the leader advertises: unknown (-1) until it has committed an offset in its own epoch. */
export function advertisedHighWatermark(ctx: Ctx): number {
  const r = leaderRole(ctx);
  return ctx.s.highWatermark > r.epochStartOffset ? ctx.s.highWatermark : -1;
}

/** Kafka's `LeaderState.maybeUpdateHighWatermark`: the median of the voters' end offsets, above the epoch start. */
export function maybeAdvanceHighWatermark(ctx: Ctx): void {
  const s = ctx.s;
  const r = leaderRole(ctx);
  const voters = latestVoters(s.voterHistory);
  const offsets = voters.map((v) => (v.id === s.config.id ? s.durableEnd : (r.replicas.get(v.id)?.endOffset ?? -1)));
  offsets.sort((a, b) => b - a);
  const candidate = offsets[Math.floor(voters.length / 2)] as number;
  // Only an offset of the current epoch commits (the LeaderChange record at epochStartOffset must be included),
  // and the high watermark never moves back (it can compute lower after a voter-set change).
  if (candidate <= r.epochStartOffset || candidate <= s.highWatermark) return;
  ctx.s.highWatermark = candidate;
  completeVoterChange(ctx);
  completeParked(ctx, () => true);
}

function completeVoterChange(ctx: Ctx): void {
  const s = ctx.s;
  const r = leaderRole(ctx);
  const p = r.pendingVoterChange;
  if (p !== null && s.highWatermark > p.offset) {
    ctx.s.role = { ...r, pendingVoterChange: null };
    send(ctx, { type: p.kind === "add" ? "add-raft-voter-response" : "remove-raft-voter-response", from: s.config.id, to: p.requester, error: "none", detail: `voter set committed at offset ${p.offset}` });
  }
  // KIP-853: a leader removed from the voter set leads until the removal commits, then resigns.
  if (!isVoterId(latestVoters(s.voterHistory), s.config.id) && s.highWatermark > latestVotersOffset(s.voterHistory)) {
    becomeResigned(ctx);
  }
}

function fetchResponse(ctx: Ctx, to: NodeId, req: { fetchOffset: number; lastFetchedEpoch: number }, body: {
  error?: ErrorCode;
  records?: Entry[];
  divergingEpoch?: { epoch: number; endOffset: number };
  snapshotId?: { endOffset: number; epoch: number };
}): void {
  const s = ctx.s;
  const isLeader = s.role.kind === "leader";
  send(ctx, {
    type: "fetch-response",
    from: s.config.id,
    to,
    error: body.error ?? "none",
    epoch: s.epoch,
    leaderId: isLeader ? s.config.id : s.role.kind === "follower" ? s.role.leaderId : -1,
    highWatermark: isLeader ? advertisedHighWatermark(ctx) : -1,
    fetchOffset: req.fetchOffset,
    lastFetchedEpoch: req.lastFetchedEpoch,
    records: body.records ?? [],
    ...(body.divergingEpoch ? { divergingEpoch: body.divergingEpoch } : {}),
    ...(body.snapshotId ? { snapshotId: body.snapshotId } : {}),
  });
}

/** Respond to parked fetches that `pred` selects (new records, HW moved, or wait expired). */
export function completeParked(ctx: Ctx, pred: (p: ParkedFetch) => boolean): void {
  const r = ctx.s.role;
  if (r.kind !== "leader" || r.parked.length === 0) return;
  const keep: ParkedFetch[] = [];
  const done: ParkedFetch[] = [];
  for (const p of r.parked) (pred(p) ? done : keep).push(p);
  if (done.length === 0) return;
  ctx.s.role = { ...r, parked: keep };
  for (const p of done) {
    fetchResponse(ctx, p.from, p, { records: readFrom(ctx.s.log, p.fetchOffset, ctx.s.config.maxFetchRecords) });
  }
}

function updateReplica(ctx: Ctx, id: NodeId, directoryId: string, endOffset: number | null): void {
  const s = ctx.s;
  const r = leaderRole(ctx);
  const prev = r.replicas.get(id);
  const replicas = new Map(r.replicas);
  const end = endOffset ?? prev?.endOffset ?? -1;
  const progress: ReplicaProgress = {
    directoryId,
    endOffset: end,
    lastFetchTick: s.now,
    lastCaughtUpTick: end >= logEndOffset(s.log) ? s.now : (prev?.lastCaughtUpTick ?? -1),
  };
  replicas.set(id, progress);
  let next: LeaderRole = { ...r, replicas };
  if (isVoterId(latestVoters(s.voterHistory), id)) {
    if (!next.acknowledged.includes(id)) next = { ...next, acknowledged: [...next.acknowledged, id] };
    next = checkQuorumFetched(ctx, next, id);
  }
  ctx.s.role = next;
}

/** Kafka's `updateCheckQuorumForFollowingVoter`: reset the timer once a majority (counting the leader) fetched. */
function checkQuorumFetched(ctx: Ctx, r: LeaderRole, id: NodeId): LeaderRole {
  const s = ctx.s;
  const voters = latestVoters(s.voterHistory);
  const fetched = r.fetchedVoters.includes(id) ? r.fetchedVoters : [...r.fetchedVoters, id];
  const self = isVoterId(voters, s.config.id) ? 1 : 0;
  const counted = fetched.filter((v) => isVoterId(voters, v)).length;
  if (counted + self >= majority(voters.length)) return { ...r, fetchedVoters: [], checkQuorumDeadline: s.now + s.config.checkQuorumTicks };
  return { ...r, fetchedVoters: fetched };
}

/** Fetch on the leader: validate the position, record the acknowledgement, answer or park. */
export function leaderHandleFetch(ctx: Ctx, req: FetchRequest): void {
  const s = ctx.s;
  const v = validateOffsetAndEpoch(s.log, req.fetchOffset, req.lastFetchedEpoch, s.snapshot?.id ?? null);
  if (v.kind === "diverging") {
    updateReplica(ctx, req.from, req.replicaDirectoryId, null);
    fetchResponse(ctx, req.from, req, { divergingEpoch: v.divergingEpoch });
    return;
  }
  if (v.kind === "snapshot") {
    updateReplica(ctx, req.from, req.replicaDirectoryId, null);
    fetchResponse(ctx, req.from, req, { snapshotId: v.snapshotId });
    return;
  }
  updateReplica(ctx, req.from, req.replicaDirectoryId, req.fetchOffset);
  maybeAdvanceHighWatermark(ctx);
  if (ctx.s.role.kind !== "leader") return; // resigned after its own removal committed
  const records = readFrom(ctx.s.log, req.fetchOffset, ctx.s.config.maxFetchRecords);
  const r = leaderRole(ctx);
  const hw = advertisedHighWatermark(ctx);
  const knowsHw = req.highWatermark === undefined || hw < 0 || req.highWatermark >= hw;
  if (records.length === 0 && knowsHw) {
    // Nothing to return: park the fetch (Kafka's fetch purgatory) until records arrive, the HW moves or it expires.
    const parked = r.parked.filter((p) => p.from !== req.from);
    parked.push({ from: req.from, fetchOffset: req.fetchOffset, lastFetchedEpoch: req.lastFetchedEpoch, deadline: ctx.s.now + ctx.s.config.fetchMaxWaitTicks });
    ctx.s.role = { ...r, parked };
    return;
  }
  fetchResponse(ctx, req.from, req, { records });
}

/** FetchSnapshot on the leader: serve one chunk of the requested snapshot. */
export function leaderHandleFetchSnapshot(ctx: Ctx, req: FetchSnapshotRequest): void {
  const s = ctx.s;
  const snap = s.snapshot;
  const base = { type: "fetch-snapshot-response" as const, from: s.config.id, to: req.from, epoch: s.epoch, leaderId: s.config.id, snapshotId: req.snapshotId };
  if (snap === null || snap.id.endOffset !== req.snapshotId.endOffset || snap.id.epoch !== req.snapshotId.epoch) {
    send(ctx, { ...base, error: "snapshot-not-found", size: 0, position: req.position, bytes: new Uint8Array(0), voters: [] });
    return;
  }
  if (req.position > snap.data.length) {
    reject(ctx, "bad-offset", `FetchSnapshot from ${req.from} at position ${req.position} beyond the snapshot size ${snap.data.length}`);
    send(ctx, { ...base, error: "position-out-of-range", size: snap.data.length, position: req.position, bytes: new Uint8Array(0), voters: [] });
    return;
  }
  updateReplica(ctx, req.from, req.replicaDirectoryId, null);
  const bytes = snap.data.subarray(req.position, req.position + s.config.snapshotChunkBytes);
  send(ctx, { ...base, error: "none", size: snap.data.length, position: req.position, bytes, voters: snap.voters });
}

/** DescribeQuorum: the leader reports epoch, high watermark and every replica's progress. */
export function handleDescribeQuorum(ctx: Ctx, req: DescribeQuorumRequest): void {
  const s = ctx.s;
  if (s.role.kind !== "leader") {
    send(ctx, { type: "describe-quorum-response", from: s.config.id, to: req.from, error: "not-leader-or-follower", epoch: s.epoch, leaderId: s.role.kind === "follower" ? s.role.leaderId : -1, highWatermark: -1, voters: [], observers: [] });
    return;
  }
  const r = s.role;
  const voters = latestVoters(s.voterHistory);
  const describe = (id: NodeId, directoryId: string): ReplicaDescription => {
    if (id === s.config.id) return { id, directoryId, logEndOffset: s.durableEnd, lastFetchTick: s.now, lastCaughtUpTick: s.now };
    const p = r.replicas.get(id);
    return { id, directoryId, logEndOffset: p?.endOffset ?? -1, lastFetchTick: p?.lastFetchTick ?? -1, lastCaughtUpTick: p?.lastCaughtUpTick ?? -1 };
  };
  const observers: ReplicaDescription[] = [];
  for (const [id, p] of r.replicas) if (!isVoterId(voters, id)) observers.push(describe(id, p.directoryId));
  if (!isVoterId(voters, s.config.id)) observers.push(describe(s.config.id, s.config.directoryId));
  send(ctx, {
    type: "describe-quorum-response",
    from: s.config.id,
    to: req.from,
    error: "none",
    epoch: s.epoch,
    leaderId: s.config.id,
    highWatermark: advertisedHighWatermark(ctx),
    voters: voters.map((v) => describe(v.id, v.directoryId)),
    observers: observers.sort((a, b) => a.id - b.id),
  });
}

/** Preconditions shared by AddRaftVoter and RemoveRaftVoter (Kafka's `AddVoterHandler`/`RemoveVoterHandler`). */
function voterChangeRefusal(ctx: Ctx): [ErrorCode, string] | null {
  const s = ctx.s;
  if (s.role.kind !== "leader") return ["not-leader-or-follower", "only the leader changes the voter set; send it to the leader"];
  if (s.highWatermark <= s.role.epochStartOffset) return ["request-timed-out", "the leader has not committed an offset in its epoch yet; retry shortly"];
  if (s.role.pendingVoterChange !== null || latestVotersOffset(s.voterHistory) >= s.highWatermark) {
    return ["request-timed-out", "another voter change is not committed yet; one change at a time, retry shortly"];
  }
  return null;
}

function voterChangeResponse(ctx: Ctx, kind: "add" | "remove", to: NodeId, error: ErrorCode, detail: string): void {
  send(ctx, { type: kind === "add" ? "add-raft-voter-response" : "remove-raft-voter-response", from: ctx.s.config.id, to, error, detail });
  if (error !== "none") reject(ctx, "voter-change-refused", detail);
}

function appendVoterSet(ctx: Ctx, kind: "add" | "remove", requester: NodeId, voters: readonly ReplicaKey[]): void {
  const s = ctx.s;
  const offset = logEndOffset(s.log);
  const entry: Entry = { offset, epoch: s.epoch, kind: "voters", voters };
  ctx.s.log = appendEntries(s.log, [entry]);
  ctx.s.voterHistory = pushVoters(s.voterHistory, offset, voters); // effective as soon as appended
  ctx.out.push({ type: "persist", entries: [entry] });
  ctx.s.role = { ...leaderRole(ctx), pendingVoterChange: { kind, requester, offset } };
  completeParked(ctx, () => true);
  maybeAdvanceHighWatermark(ctx);
}

/** AddRaftVoter (KIP-853): append a VotersRecord adding a caught-up observer; answer on commit. */
export function handleAddVoter(ctx: Ctx, req: AddRaftVoterRequest): void {
  const refusal = voterChangeRefusal(ctx);
  if (refusal) return voterChangeResponse(ctx, "add", req.from, ...refusal);
  const s = ctx.s;
  const r = leaderRole(ctx);
  const voters = latestVoters(s.voterHistory);
  if (req.voter.directoryId === "") return voterChangeResponse(ctx, "add", req.from, "invalid-request", "a new voter needs its directory id (KIP-853)");
  if (isVoterId(voters, req.voter.id)) return voterChangeResponse(ctx, "add", req.from, "duplicate-voter", `replica ${req.voter.id} is already a voter`);
  const p = r.replicas.get(req.voter.id);
  if (p === undefined || p.directoryId !== req.voter.directoryId || p.endOffset < s.highWatermark) {
    return voterChangeResponse(ctx, "add", req.from, "request-timed-out", `replica ${req.voter.id} must fetch as an observer and catch up to the high watermark ${s.highWatermark} first`);
  }
  appendVoterSet(ctx, "add", req.from, [...voters, { id: req.voter.id, directoryId: req.voter.directoryId }]);
}

/** RemoveRaftVoter (KIP-853): append a VotersRecord without the voter; answer on commit. */
export function handleRemoveVoter(ctx: Ctx, req: RemoveRaftVoterRequest): void {
  const refusal = voterChangeRefusal(ctx);
  if (refusal) return voterChangeResponse(ctx, "remove", req.from, ...refusal);
  const voters = latestVoters(ctx.s.voterHistory);
  const target = voters.find((v) => v.id === req.voter.id && (req.voter.directoryId === "" || v.directoryId === req.voter.directoryId));
  if (target === undefined) return voterChangeResponse(ctx, "remove", req.from, "voter-not-found", `replica ${req.voter.id}/${req.voter.directoryId} is not a voter`);
  if (voters.length === 1) return voterChangeResponse(ctx, "remove", req.from, "invalid-request", "cannot remove the last voter");
  appendVoterSet(ctx, "remove", req.from, voters.filter((v) => v !== target));
}

/** Leader proposal: append user records at the leader's epoch. */
export function leaderAppend(ctx: Ctx, records: readonly Uint8Array[]): void {
  const s = ctx.s;
  const base = logEndOffset(s.log);
  const entries: Entry[] = records.map((data, i) => ({ offset: base + i, epoch: s.epoch, kind: "data", data }));
  ctx.s.log = appendEntries(s.log, entries);
  ctx.out.push({ type: "persist", entries });
  ctx.out.push({ type: "appended", epoch: s.epoch, baseOffset: base, endOffset: base + entries.length });
  completeParked(ctx, () => true);
}

/** Leader timers: check-quorum, BeginQuorumEpoch resends, parked fetch expiry. */
export function leaderTick(ctx: Ctx): void {
  const s = ctx.s;
  let r = leaderRole(ctx);
  const voters = latestVoters(s.voterHistory);
  const selfVoter = isVoterId(voters, s.config.id) ? 1 : 0;
  if (selfVoter >= majority(voters.length)) {
    r = { ...r, checkQuorumDeadline: s.now + s.config.checkQuorumTicks };
    ctx.s.role = r;
  }
  if (s.now >= r.checkQuorumDeadline) {
    // Check-quorum: a majority has not fetched within 1.5 × fetch timeout; we may be partitioned away.
    becomeResigned(ctx);
    return;
  }
  if (s.now >= r.beginQuorumEpochAt) {
    for (const v of voters) {
      if (r.acknowledged.includes(v.id)) continue;
      send(ctx, { type: "begin-quorum-epoch", from: s.config.id, to: v.id, epoch: s.epoch, leaderId: s.config.id, voterDirectoryId: v.directoryId });
    }
    ctx.s.role = { ...r, beginQuorumEpochAt: s.now + s.config.beginQuorumEpochTicks };
  }
  completeParked(ctx, (p) => p.deadline <= ctx.s.now);
}
