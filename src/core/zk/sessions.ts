/**
 * Session liveness as ZooKeeper's leader tracks it (`SessionTrackerImpl` with an `ExpiryQueue`): timeouts are
 * negotiated into [2, 20] ticks, every packet from a session pushes its deadline to the next tick boundary after
 * `now + timeout`, and at each tick boundary the sessions whose deadline has come are expired. Expiry itself is
 * a `closeSession` transaction the caller logs, so it deletes ephemerals through the log like any write.
 * Pure: time comes in as ms; the tracker is updated in place and owned by the leader.
 */

/** The server's tick and the session timeout bounds it implies. */
export interface SessionTiming {
  /** ZooKeeper's `tickTime` in ms (the golden transcripts' server used 200). */
  readonly tickTimeMs: number;
  /** Lower bound, default 2 ticks. */
  readonly minSessionTimeoutMs?: number;
  /** Upper bound, default 20 ticks. */
  readonly maxSessionTimeoutMs?: number;
}

/** The timeout a server grants for a requested one: clamped into [min, max] (2–20 ticks by default). */
export function negotiateTimeout(requestedMs: number, timing: SessionTiming): number {
  const min = timing.minSessionTimeoutMs ?? 2 * timing.tickTimeMs;
  const max = timing.maxSessionTimeoutMs ?? 20 * timing.tickTimeMs;
  return Math.max(min, Math.min(max, requestedMs));
}

/** Deadlines of the sessions a leader tracks. */
export interface SessionTracker {
  readonly intervalMs: number;
  /** Session id → its timeout and current deadline (a multiple of the interval). */
  readonly sessions: Map<number, { timeoutMs: number; expiresAt: number; closing: boolean }>;
}

/** A tracker whose buckets are `tickTimeMs` wide. */
export function createSessionTracker(tickTimeMs: number): SessionTracker {
  if (!(Number.isInteger(tickTimeMs) && tickTimeMs > 0)) throw new RangeError(`tickTimeMs must be a positive integer, got ${tickTimeMs}`);
  return { intervalMs: tickTimeMs, sessions: new Map() };
}

/** The first interval boundary strictly after `time` (ZooKeeper's `roundToNextInterval`). */
export function nextBoundary(time: number, intervalMs: number): number {
  return (Math.floor(time / intervalMs) + 1) * intervalMs;
}

/** Starts tracking a session at `now`. */
export function trackSession(tracker: SessionTracker, id: number, timeoutMs: number, now: number): void {
  tracker.sessions.set(id, { timeoutMs, expiresAt: nextBoundary(now + timeoutMs, tracker.intervalMs), closing: false });
}

/** A packet from the session arrived at `now`; `false` when the session is unknown or closing. */
export function touchSession(tracker: SessionTracker, id: number, now: number): boolean {
  const s = tracker.sessions.get(id);
  if (s === undefined || s.closing) return false;
  s.expiresAt = nextBoundary(now + s.timeoutMs, tracker.intervalMs);
  return true;
}

/** Stops tracking a session (closed or expired). */
export function untrackSession(tracker: SessionTracker, id: number): void {
  tracker.sessions.delete(id);
}

/** The sessions whose deadline is at or before `now`, in id order; they are marked closing. */
export function expireSessions(tracker: SessionTracker, now: number): number[] {
  const out: number[] = [];
  for (const [id, s] of tracker.sessions) {
    if (!s.closing && s.expiresAt <= now) {
      s.closing = true;
      out.push(id);
    }
  }
  return out.sort((a, b) => a - b);
}
