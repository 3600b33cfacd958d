/**
 * The Raft log, data-oriented: one array of entries after a compaction offset, plus the markers that say how
 * far it is durable (`stable`), committed, handed to the application (`applying`) and applied.
 *
 * Invariant: `entries[i].index === offset + 1 + i`; `offset ≤ applied ≤ applying ≤ committed ≤ lastIndex`
 * (a follower may momentarily have `committed` beyond what it has persisted: applying is bounded by `stable`,
 * or by the offset right after a snapshot from the leader, which is handed to apply after its own persist).
 * Entries with index > `stable` are the unstable tail: written to storage but not yet acknowledged durable.
 * Nothing here copies the log; slices share entry objects.
 * @module
 */
import type { Entry, Snapshot } from "./types.js";

/** The log of one node. Mutated in place by the functions below. */
export interface RaftLog {
  /** Entries after `offset`; `entries[i].index === offset + 1 + i`. */
  entries: Entry[];
  /** Index of the last compacted entry (the snapshot's index), 0 before any compaction. */
  offset: number;
  /** Term of the entry at `offset` (0 when offset is 0). */
  offsetTerm: number;
  /** The latest snapshot (sent to followers that are too far behind), if any. */
  snapshot: Snapshot | undefined;
  /** Highest index known committed. */
  committed: number;
  /** Highest index handed to the application in an `apply` output. */
  applying: number;
  /** Highest index the application reported applied. */
  applied: number;
  /** Highest index acknowledged durable by storage. */
  stable: number;
}

/** A log holding `entries` after the snapshot at (offset, offsetTerm); all of it considered durable. */
export function newLog(offset: number, offsetTerm: number, entries: Entry[], snapshot: Snapshot | undefined): RaftLog {
  const last = offset + entries.length;
  return { entries, offset, offsetTerm, snapshot, committed: offset, applying: offset, applied: offset, stable: last };
}

/** Index of the last entry (the snapshot index when the log is empty after it). */
export function lastIndex(log: RaftLog): number {
  return log.offset + log.entries.length;
}

/** Index of the first entry still in the log. */
export function firstIndex(log: RaftLog): number {
  return log.offset + 1;
}

/** Term of the last entry. */
export function lastTerm(log: RaftLog): number {
  const n = log.entries.length;
  return n === 0 ? log.offsetTerm : log.entries[n - 1]!.term;
}

/** Term of the entry at `index`; the snapshot's term at the offset; undefined if compacted or absent. */
export function termAt(log: RaftLog, index: number): number | undefined {
  const i = index - log.offset;
  if (i === 0) return log.offsetTerm;
  if (i < 0 || i > log.entries.length) return undefined;
  return log.entries[i - 1]!.term;
}

/** The entry at `index`, or undefined if compacted or absent. */
export function entryAt(log: RaftLog, index: number): Entry | undefined {
  const i = index - log.offset - 1;
  return i >= 0 && i < log.entries.length ? log.entries[i] : undefined;
}

/** Whether the log holds an entry at `index` with `term` (true for the snapshot point too). */
export function matchTerm(log: RaftLog, index: number, term: number): boolean {
  return termAt(log, index) === term;
}

/**
 * Entries in [lo, hi) (both within the log), at most `maxBytes` of data but always at least one entry.
 * Returns a fresh array sharing the entry objects.
 */
export function slice(log: RaftLog, lo: number, hi: number, maxBytes: number): Entry[] {
  const start = lo - log.offset - 1;
  let end = hi - log.offset - 1;
  if (maxBytes !== Infinity) {
    let bytes = 0;
    for (let i = start; i < end; i++) {
      bytes += log.entries[i]!.data.byteLength;
      if (bytes > maxBytes && i > start) {
        end = i;
        break;
      }
    }
  }
  return log.entries.slice(start, end);
}

/**
 * The §5.4.1 up-to-date check: a candidate's log (lastIndex, lastTerm) is at least as up to date as ours.
 */
export function isUpToDate(log: RaftLog, candidateLastIndex: number, candidateLastTerm: number): boolean {
  const t = lastTerm(log);
  return candidateLastTerm > t || (candidateLastTerm === t && candidateLastIndex >= lastIndex(log));
}

/**
 * The index of the first of `entries` that is absent from the log or conflicts with it in term; 0 if all of
 * them are already present. Entries below the log's first index are taken as matching (they are committed).
 */
export function findConflict(log: RaftLog, entries: readonly Entry[]): number {
  for (const e of entries) {
    if (e.index <= log.offset) continue;
    const t = termAt(log, e.index);
    if (t !== e.term) return e.index;
  }
  return 0;
}

/**
 * Fast back-off: the largest index ≤ `index` whose term is ≤ `term` (or the offset if none is left in the
 * log), with its term. Used by a follower to hint the leader, and by the leader to jump over a whole term.
 */
export function findConflictByTerm(log: RaftLog, index: number, term: number): { index: number; term: number } {
  let i = Math.min(index, lastIndex(log));
  while (i > log.offset) {
    const t = log.entries[i - log.offset - 1]!.term;
    if (t <= term) return { index: i, term: t };
    i--;
  }
  return { index: log.offset, term: log.offsetTerm };
}

/** Appends entries that directly follow the last one. */
export function append(log: RaftLog, entries: readonly Entry[]): void {
  for (const e of entries) log.entries.push(e);
}

/** Deletes entries with index ≥ `from` (never committed ones: the caller checks). */
export function truncateFrom(log: RaftLog, from: number): void {
  log.entries.length = from - log.offset - 1;
  if (log.stable >= from) log.stable = from - 1;
}

/** Drops entries up to `index` (≤ applied) after a snapshot at that index; O(remaining entries), rare. */
export function compact(log: RaftLog, snapshot: Snapshot): void {
  const drop = snapshot.index - log.offset;
  log.entries = log.entries.slice(drop);
  log.offset = snapshot.index;
  log.offsetTerm = snapshot.term;
  log.snapshot = snapshot;
}

/**
 * Replaces the whole log by a snapshot received from the leader. The snapshot is not durable until storage
 * says so (`snapshot-persisted`): until then only the committed prefix that was durable before stays so
 * (committed entries are the snapshot's own), which leaves `stable` below the offset.
 */
export function restore(log: RaftLog, snapshot: Snapshot): void {
  log.stable = Math.min(log.stable, log.committed);
  log.entries = [];
  log.offset = snapshot.index;
  log.offsetTerm = snapshot.term;
  log.snapshot = snapshot;
  log.committed = snapshot.index;
  log.applying = snapshot.index;
  log.applied = snapshot.index;
}
