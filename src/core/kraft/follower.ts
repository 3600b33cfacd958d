/**
 * Follower and observer behaviour: handling Fetch responses (records, diverging epoch → truncation, snapshot
 * id → FetchSnapshot), downloading snapshots in chunks, and the follower high watermark.
 */
import { KRaftFatalError } from "./types.js";
import type { Entry, FetchResponse, FetchSnapshotResponse } from "./types.js";
import type { FollowerRole } from "./state.js";
import { appendEntries, emptyLog, endOffsetForEpoch, lastEpoch, logEndOffset, truncateTo } from "./log.js";
import { latestVoters, pushVoters, truncateHistory } from "./voters.js";
import { becomeProspective, becomeUnattached, fetchWhenDurable, isLocalVoter, observeEpoch, reject, sendFetch, type Ctx } from "./transitions.js";

/** Raise the follower HW to min(leader HW, log end): Kafka's `updateFollowerHighWatermark`; never lowers it. */
function updateFollowerHighWatermark(ctx: Ctx, leaderHw: number): void {
  if (leaderHw < 0) return;
  const hw = Math.min(leaderHw, logEndOffset(ctx.s.log));
  if (hw > ctx.s.highWatermark) ctx.s.highWatermark = hw;
}

/** Records must continue our log: contiguous offsets, non-decreasing epochs no newer than the leader's. */
function recordsAreWellFormed(ctx: Ctx, records: readonly Entry[], epoch: number): boolean {
  let offset = logEndOffset(ctx.s.log);
  let prev = lastEpoch(ctx.s.log);
  for (const e of records) {
    if (e === null || typeof e !== "object" || e.offset !== offset || !(e.epoch >= prev) || e.epoch > epoch) return false;
    if (e.kind !== "data" && e.kind !== "leader-change" && e.kind !== "voters") return false;
    if (e.kind === "voters" && (!Array.isArray(e.voters) || e.voters.length === 0)) return false;
    offset++;
    prev = e.epoch;
  }
  return true;
}

/** Truncate the log to `endOffset`; below the high watermark that would lose committed records: fatal. */
export function truncateLog(ctx: Ctx, endOffset: number): void {
  const s = ctx.s;
  if (endOffset >= logEndOffset(s.log)) return;
  if (endOffset < s.highWatermark) {
    throw new KRaftFatalError(
      "truncate-below-high-watermark",
      `node ${s.config.id} was asked to truncate to ${endOffset}, below its high watermark ${s.highWatermark}; committed records would be lost — stop the node and investigate`,
    );
  }
  ctx.s.log = truncateTo(s.log, endOffset);
  ctx.s.durableEnd = Math.min(s.durableEnd, endOffset);
  ctx.s.voterHistory = truncateHistory(s.voterHistory, endOffset);
  ctx.out.push({ type: "persist", truncateTo: endOffset });
}

/** Fetch response on a follower or observer: follow a newer leader, truncate, start a snapshot download, or append. */
export function handleFetchResponse(ctx: Ctx, res: FetchResponse): void {
  const s = ctx.s;
  if (res.epoch < s.epoch) return; // from an older epoch: ignore
  if (res.epoch > s.epoch || (res.leaderId >= 0 && !(s.role.kind === "follower" && s.role.leaderId === res.leaderId))) {
    observeEpoch(ctx, res.epoch, res.leaderId);
    if (res.error !== "none" || ctx.s.role.kind !== "follower") return;
  }
  const r = ctx.s.role;
  if (r.kind !== "follower" || res.from !== r.leaderId || res.error !== "none") return;
  // Only the answer to the outstanding request counts: an echo mismatch means a stale or duplicated response.
  if (r.inFlightSince < 0 || r.fetchingSnapshot !== null || res.fetchOffset !== logEndOffset(ctx.s.log) || res.lastFetchedEpoch !== lastEpoch(ctx.s.log)) return;
  const role: FollowerRole = { ...r, inFlightSince: -1, hasFetchedFromLeader: true, fetchDeadline: ctx.s.now + ctx.s.config.fetchTimeoutTicks };
  ctx.s.role = role;
  if (res.divergingEpoch !== undefined) {
    // Kafka's `truncateToEndOffset`: cut back to where our log and the leader's agree for that epoch.
    const local = endOffsetForEpoch(ctx.s.log, res.divergingEpoch.epoch);
    truncateLog(ctx, Math.min(local.endOffset, res.divergingEpoch.endOffset));
    fetchWhenDurable(ctx);
    return;
  }
  if (res.snapshotId !== undefined) {
    ctx.s.role = { ...role, fetchingSnapshot: { id: res.snapshotId, position: 0, buffer: null, voters: [] } };
    sendFetch(ctx, role.leaderId);
    return;
  }
  if (!recordsAreWellFormed(ctx, res.records, res.epoch)) {
    reject(ctx, "invalid-message", `fetch response from ${res.from} carries records that do not continue the log at ${logEndOffset(ctx.s.log)}`);
    fetchWhenDurable(ctx);
    return;
  }
  if (res.records.length > 0) {
    const records = res.records.slice();
    ctx.s.log = appendEntries(ctx.s.log, records);
    for (const e of records) if (e.kind === "voters") ctx.s.voterHistory = pushVoters(ctx.s.voterHistory, e.offset, e.voters);
    ctx.out.push({ type: "persist", entries: records });
  }
  updateFollowerHighWatermark(ctx, res.highWatermark);
  fetchWhenDurable(ctx);
}

/** The durable end advanced: a follower waiting on it acknowledges by fetching from the new end. */
export function followerPersisted(ctx: Ctx): void {
  const r = ctx.s.role;
  if (r.kind !== "follower" || !r.awaitingPersist) return;
  fetchWhenDurable(ctx);
}

/** FetchSnapshot response: store the chunk; when complete, replace the log with the snapshot. */
export function handleFetchSnapshotResponse(ctx: Ctx, res: FetchSnapshotResponse): void {
  const s = ctx.s;
  if (res.epoch < s.epoch) return;
  if (res.epoch > s.epoch) {
    observeEpoch(ctx, res.epoch, res.leaderId);
    return;
  }
  const r = s.role;
  if (r.kind !== "follower" || res.from !== r.leaderId || r.fetchingSnapshot === null || r.inFlightSince < 0) return;
  const f = r.fetchingSnapshot;
  if (res.snapshotId.endOffset !== f.id.endOffset || res.snapshotId.epoch !== f.id.epoch || res.position !== f.position) return;
  const base: FollowerRole = { ...r, inFlightSince: -1, hasFetchedFromLeader: true, fetchDeadline: s.now + s.config.fetchTimeoutTicks };
  if (res.error !== "none") {
    // The leader moved to a newer snapshot (or lost this one): go back to Fetch to learn the current one.
    ctx.s.role = { ...base, fetchingSnapshot: null };
    sendFetch(ctx, r.leaderId);
    return;
  }
  const size = res.size;
  if (!Number.isInteger(size) || size < 0 || (f.buffer !== null && f.buffer.length !== size) || res.position + res.bytes.length > size || (res.bytes.length === 0 && res.position < size) || !Array.isArray(res.voters) || res.voters.length === 0) {
    reject(ctx, "invalid-message", `FetchSnapshot response from ${res.from} is inconsistent (size ${size}, position ${res.position}, ${res.bytes.length} bytes)`);
    ctx.s.role = { ...base, fetchingSnapshot: null };
    sendFetch(ctx, r.leaderId);
    return;
  }
  const buffer = f.buffer ?? new Uint8Array(size);
  buffer.set(res.bytes, res.position);
  const position = res.position + res.bytes.length;
  if (position < size) {
    ctx.s.role = { ...base, fetchingSnapshot: { id: f.id, position, buffer, voters: res.voters } };
    sendFetch(ctx, r.leaderId);
    return;
  }
  // Complete: the snapshot replaces the whole log (our log ends below the leader's log start).
  const snapshot = { id: f.id, voters: res.voters, data: buffer };
  if (f.id.endOffset < s.highWatermark) {
    reject(ctx, "invalid-message", `snapshot ${f.id.endOffset} is below our high watermark ${s.highWatermark}`);
    ctx.s.role = { ...base, fetchingSnapshot: null };
    sendFetch(ctx, r.leaderId);
    return;
  }
  // Kafka's `truncateToLatestSnapshot`: the log may hold stale records past the snapshot (from an older
  // epoch), so the whole log goes, then the snapshot is written.
  const dropFrom = ctx.s.log.startOffset;
  ctx.s.snapshot = snapshot;
  ctx.s.log = emptyLog(f.id.endOffset, f.id.epoch);
  ctx.s.durableEnd = f.id.endOffset;
  ctx.s.voterHistory = [{ offset: -1, voters: res.voters }];
  ctx.s.highWatermark = Math.max(s.highWatermark, f.id.endOffset);
  ctx.out.push({ type: "persist", truncateTo: dropFrom, snapshot });
  ctx.s.role = { ...base, fetchingSnapshot: null };
  sendFetch(ctx, r.leaderId);
}

/** Follower timers: fetch timeout (voters go Prospective, observers Unattached) and request retries. */
export function followerTick(ctx: Ctx): void {
  const s = ctx.s;
  const r = s.role as FollowerRole;
  if (s.now >= r.fetchDeadline) {
    // Voters start a pre-vote; observers never elect: they forget the leader and rediscover it via the voters.
    if (isLocalVoter(s)) becomeProspective(ctx);
    else becomeUnattached(ctx, s.epoch, null);
    return;
  }
  if (r.inFlightSince >= 0 && s.now - r.inFlightSince >= s.config.requestTimeoutTicks) sendFetch(ctx, r.leaderId);
  else if (r.inFlightSince < 0 && !r.awaitingPersist) sendFetch(ctx, r.leaderId);
}


/** Observers in Unattached poll a bootstrap voter (round robin) to learn the leader. */
export function observerBootstrapFetch(ctx: Ctx): void {
  const s = ctx.s;
  const r = s.role;
  if (r.kind !== "unattached" || s.now < r.bootstrapFetchAt) return;
  const voters = latestVoters(s.voterHistory).filter((v) => v.id !== s.config.id);
  if (voters.length === 0) return;
  const target = voters[r.bootstrapCursor % voters.length]!;
  ctx.s.role = { ...r, bootstrapFetchAt: s.now + s.config.requestTimeoutTicks, bootstrapCursor: r.bootstrapCursor + 1 };
  sendFetch(ctx, target.id);
}

