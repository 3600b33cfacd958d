/**
 * When a node snapshots its application state and compacts its log, as etcd's raftexample does: a snapshot once
 * `snapshotCount` entries were applied since the last one, and `catchUpEntries` entries kept in the log behind it
 * so that a follower that is only a little behind still gets entries rather than the whole snapshot.
 *
 * The Raft core compacts its log exactly at the snapshot's index. To keep the catch-up entries anyway, the state
 * is captured when the count is reached (at applied index A) and handed to the core only once `catchUpEntries`
 * more entries are applied: the core then drops entries up to A and keeps (A, A + catchUpEntries]. Between the
 * two, one serialised copy of the state is held in memory. Pure bookkeeping: no I/O, no clock.
 * @module
 */

/** etcd raftexample's `defaultSnapshotCount`: the default of `--snapshot-count`. */
export const DEFAULT_SNAPSHOT_COUNT = 10_000;
/** etcd's `DefaultSnapshotCatchUpEntries`: the most entries kept behind a snapshot by default. */
export const DEFAULT_CATCH_UP_ENTRIES = 5_000;

/** How often a node snapshots and how much log it keeps behind a snapshot. */
export interface CompactionOptions {
  /** Snapshot once this many entries were applied since the last snapshot; 0 never compacts. Default 10000. */
  readonly snapshotCount?: number;
  /**
   * Entries kept in the log behind a snapshot for slow followers. Default min(5000, snapshotCount / 2): a small
   * snapshot count for tests still compacts often.
   */
  readonly catchUpEntries?: number;
}

/** A snapshot to compact the log at: the application state as of applied index `index`. */
export interface DueSnapshot {
  readonly index: number;
  readonly data: Uint8Array;
}

/** Checks compaction options; a string says which one is invalid. */
export function checkCompactionOptions(o: CompactionOptions): string | undefined {
  const count = o.snapshotCount ?? DEFAULT_SNAPSHOT_COUNT;
  if (!Number.isSafeInteger(count) || count < 0) return `snapshotCount must be a non-negative integer, got ${String(o.snapshotCount)}`;
  if (o.catchUpEntries !== undefined && (!Number.isSafeInteger(o.catchUpEntries) || o.catchUpEntries < 0)) return `catchUpEntries must be a non-negative integer, got ${String(o.catchUpEntries)}`;
  return undefined;
}

/** Decides when to capture the application state and when to compact the log at it. */
export class CompactionPolicy {
  private readonly count: number;
  private readonly catchUp: number;
  /** Index of the last snapshot: compacted at, or restored from. */
  private last: number;
  /** State captured at `index`, waiting for the catch-up entries to be applied behind it. */
  private pending: DueSnapshot | undefined;

  /**
   * @param o - the options (checked by {@link checkCompactionOptions})
   * @param snapshotIndex - index of the snapshot the node started from (0: none)
   */
  constructor(o: CompactionOptions, snapshotIndex: number) {
    this.count = o.snapshotCount ?? DEFAULT_SNAPSHOT_COUNT;
    this.catchUp = o.catchUpEntries ?? Math.min(DEFAULT_CATCH_UP_ENTRIES, Math.floor(this.count / 2));
    this.last = snapshotIndex;
  }

  /** The application state was replaced by a snapshot at `index` (from the leader): a capture behind it is void. */
  restored(index: number): void {
    if (index > this.last) this.last = index;
    if (this.pending !== undefined && this.pending.index <= index) this.pending = undefined;
  }

  /**
   * After the application applied up to `applied`: captures its state (`capture`, called at most once per
   * `snapshotCount` entries) when the count is reached, and returns the snapshot to compact at once
   * `catchUpEntries` entries are applied behind it.
   */
  afterApply(applied: number, capture: () => Uint8Array): DueSnapshot | undefined {
    if (this.count === 0) return undefined;
    if (this.pending === undefined && applied - this.last >= this.count) this.pending = { index: applied, data: capture() };
    const p = this.pending;
    if (p === undefined || applied - p.index < this.catchUp) return undefined;
    this.pending = undefined;
    this.last = p.index;
    return p;
  }
}
