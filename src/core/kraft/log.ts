/**
 * The replicated log as a persistent view: a shared backing array plus the window this state sees.
 * Appends push in place when this view owns the array's tail (amortised O(1), no copy of the log per step);
 * a view that is not the tail owner copies first, so an older state never observes a later change.
 */
import type { Entry, OffsetAndEpoch, SnapshotId } from "./types.js";

/** A window over a shared backing array; see the module comment. */
export interface LogView {
  /** Backing storage; slot i holds the entry at offset `startOffset + i`. Never overwritten below `count`. */
  readonly backing: Entry[];
  /** Log start offset: the end offset of the latest snapshot, or 0. */
  readonly startOffset: number;
  /** Epoch of the record just below `startOffset` (the snapshot's epoch), 0 when none. */
  readonly startEpoch: number;
  /** Number of entries visible to this view. */
  readonly count: number;
}

/** An empty log starting at `startOffset` (after a snapshot whose last record has `startEpoch`). */
export function emptyLog(startOffset = 0, startEpoch = 0): LogView {
  return { backing: [], startOffset, startEpoch, count: 0 };
}

/** Log end offset (exclusive). */
export function logEndOffset(log: LogView): number {
  return log.startOffset + log.count;
}

/** Epoch of the last record, or of the snapshot when the log is empty. */
export function lastEpoch(log: LogView): number {
  return log.count === 0 ? log.startEpoch : (log.backing[log.count - 1] as Entry).epoch;
}

/** The record at `offset`, or undefined when absent or compacted. */
export function entryAt(log: LogView, offset: number): Entry | undefined {
  if (offset < log.startOffset || offset >= log.startOffset + log.count) return undefined;
  return log.backing[offset - log.startOffset];
}

/** Epoch of the record just below `endOffset`, or undefined when that record is neither in the log nor the snapshot. */
export function epochBelow(log: LogView, endOffset: number): number | undefined {
  if (endOffset === log.startOffset) return log.startEpoch;
  return entryAt(log, endOffset - 1)?.epoch;
}

/** Append records (offsets must continue the log); O(1) amortised when this view owns the tail. */
export function appendEntries(log: LogView, entries: readonly Entry[]): LogView {
  if (entries.length === 0) return log;
  const backing = log.backing.length === log.count ? log.backing : log.backing.slice(0, log.count);
  for (const e of entries) backing.push(e);
  return { backing, startOffset: log.startOffset, startEpoch: log.startEpoch, count: log.count + entries.length };
}

/** Drop every record at or after `endOffset` (a no-op when it is past the end). */
export function truncateTo(log: LogView, endOffset: number): LogView {
  const count = Math.max(0, Math.min(log.count, endOffset - log.startOffset));
  if (count === log.count) return log;
  return { backing: log.backing, startOffset: log.startOffset, startEpoch: log.startEpoch, count };
}

/** Drop every record below the snapshot's end offset; when the log does not reach it, the log becomes empty. */
export function compactTo(log: LogView, id: SnapshotId): LogView {
  const end = logEndOffset(log);
  if (id.endOffset >= end) return emptyLog(id.endOffset, id.epoch);
  const drop = id.endOffset - log.startOffset;
  return { backing: log.backing.slice(drop, log.count), startOffset: id.endOffset, startEpoch: id.epoch, count: end - id.endOffset };
}

/** Records in [from, min(end, from + max)). Allocation proportional to the result only. */
export function readFrom(log: LogView, from: number, max: number): Entry[] {
  const lo = from - log.startOffset;
  if (lo < 0 || lo >= log.count) return [];
  return log.backing.slice(lo, Math.min(log.count, lo + max));
}

/** First index in [lo, hi) whose entry's epoch is greater than `epoch` (epochs never decrease along the log). */
function firstIndexAboveEpoch(log: LogView, epoch: number): number {
  let lo = 0;
  let hi = log.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log.backing[mid] as Entry).epoch <= epoch) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Kafka's `endOffsetForEpoch`: the largest epoch ≤ `epoch` present in the log (or its snapshot), and the end
 * offset of that epoch — the start offset of the next larger epoch, or the log end offset.
 */
export function endOffsetForEpoch(log: LogView, epoch: number): OffsetAndEpoch {
  const i = firstIndexAboveEpoch(log, epoch);
  if (i === 0) {
    // No record of an epoch ≤ `epoch` in the log: fall back to the snapshot boundary.
    return { epoch: log.startOffset > 0 ? log.startEpoch : epoch, endOffset: log.startOffset };
  }
  return { epoch: (log.backing[i - 1] as Entry).epoch, endOffset: log.startOffset + i };
}

/** Result of a leader validating a follower's (fetch offset, last fetched epoch): Kafka's `ValidOffsetAndEpoch`. */
export type FetchValidation =
  | { readonly kind: "valid" }
  | { readonly kind: "diverging"; readonly divergingEpoch: OffsetAndEpoch }
  | { readonly kind: "snapshot"; readonly snapshotId: SnapshotId };

/** Kafka's `ReplicatedLog.validateOffsetAndEpoch`, evaluated by the leader on every Fetch. */
export function validateOffsetAndEpoch(
  log: LogView,
  fetchOffset: number,
  lastFetchedEpoch: number,
  snapshotId: SnapshotId | null,
): FetchValidation {
  if (log.startOffset === 0 && fetchOffset === 0) return { kind: "valid" };
  if (snapshotId !== null) {
    if (
      fetchOffset < log.startOffset ||
      (fetchOffset === log.startOffset && lastFetchedEpoch !== log.startEpoch) ||
      lastFetchedEpoch < log.startEpoch
    ) {
      return { kind: "snapshot", snapshotId };
    }
  }
  const end = endOffsetForEpoch(log, lastFetchedEpoch);
  if (fetchOffset > end.endOffset || end.epoch !== lastFetchedEpoch) return { kind: "diverging", divergingEpoch: end };
  return { kind: "valid" };
}
