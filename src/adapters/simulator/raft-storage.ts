/**
 * The simulated disk of a Raft node, shared by the Raft and ZooKeeper-ensemble adapters (the ensemble replica
 * persists its Raft log the same way): what `persist` outputs make durable, the observation records they
 * cause, the acknowledgement inputs, and the persisted state a restart reads back.
 * @module
 */
import type { Entry, HardState, Output, PersistOutput, PersistedState, Snapshot } from "../../core/raft/index.js";
import type { ObservedEntry } from "../../check/invariants/index.js";
import { entryDigest, observedEntries } from "../../check/invariants/digest.js";
import type { SimDisk } from "./driver.js";
import type { Effects } from "./protocol.js";

export { entryDigest, observedEntries };

/** A node's durable storage in the simulator: exactly what `persist` outputs made durable. */
export interface RaftDisk {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

/** A storage write: the core's persist output, and what it acknowledges once durable. */
export interface RaftWrite {
  readonly out: PersistOutput;
  /** Apply outputs that came after this write and must wait for it. */
  readonly applies: Output[];
  /** The written entries as observed (term, digest), computed once for both the log and the durable record. */
  observed: ObservedEntry[] | undefined;
  ackIndex: number;
  ackTerm: number;
}

/** Shortens `entries` to its first `n` (never lengthens it; a no-op when already that short). */
function keepFirst(entries: Entry[], n: number): void {
  if (n < entries.length) entries.length = n > 0 ? n : 0;
}

/**
 * The write of persist output `out`, after recording what it does to the node's log as the observer sees it: a
 * snapshot keeps the log after it when the log agrees at its index (§7), else replaces it; a truncation below
 * the new entries, if any, shows as its own log record.
 */
export function raftWrite(out: PersistOutput, fx: Effects<unknown, RaftWrite>): RaftWrite {
  const w: RaftWrite = { out, applies: [], observed: out.entries === undefined ? undefined : observedEntries(out.entries), ackIndex: 0, ackTerm: 0 };
  if (out.snapshot !== undefined) fx.snapshot(out.snapshot.index, out.snapshot.term);
  const first = out.entries !== undefined && out.entries.length > 0 ? out.entries[0]!.index : undefined;
  if (out.truncateFrom !== undefined && (first === undefined || out.truncateFrom < first)) fx.log(out.truncateFrom, []);
  if (first !== undefined) fx.log(first, w.observed!);
  return w;
}

/** What a restart reads back from `disk`: undefined for a blank disk (a fresh node). */
export function raftPersistedState(disk: RaftDisk): PersistedState | undefined {
  if (disk.hardState.term === 0 && disk.entries.length === 0 && disk.snapshot === undefined) return undefined;
  return disk.snapshot === undefined
    ? { hardState: disk.hardState, entries: disk.entries.slice() }
    : { hardState: disk.hardState, snapshot: disk.snapshot, entries: disk.entries.slice() };
}

/** The inputs a Raft write is acknowledged with. */
export type RaftAck = { readonly type: "snapshot-persisted" | "persisted"; readonly index: number; readonly term: number };

/** Acknowledges durable write `w` through `step`, in order: `snapshot-persisted` for a snapshot, then `persisted`. */
export function acknowledgeRaftWrite(w: RaftWrite, step: (input: RaftAck) => void): void {
  if (w.out.snapshot !== undefined) step({ type: "snapshot-persisted", index: w.out.snapshot.index, term: w.out.snapshot.term });
  step({ type: "persisted", index: w.ackIndex, term: w.ackTerm });
}

/** The Raft node's simulated disk. `apply` also fills the write's acknowledgement (the last durable entry). */
export const raftDisk: SimDisk<RaftDisk, RaftWrite> = {
  empty: () => ({ hardState: { term: 0, vote: 0, commit: 0 }, snapshot: undefined, entries: [] }),
  apply(disk, w) {
    const o = w.out;
    const entries = disk.entries;
    if (o.truncateFrom !== undefined) keepFirst(entries, o.truncateFrom - (disk.snapshot?.index ?? 0) - 1);
    if (o.snapshot !== undefined) {
      // §7: keep the entries after the snapshot when the log agrees at its index, else drop them all.
      const base = disk.snapshot?.index ?? 0;
      const at = entries[o.snapshot.index - base - 1];
      if (at !== undefined && at.term === o.snapshot.term) entries.splice(0, o.snapshot.index - base);
      else entries.length = 0;
      disk.snapshot = o.snapshot;
    }
    const written = o.entries;
    const first = written !== undefined && written.length > 0 ? written[0]!.index : undefined;
    if (first !== undefined) {
      keepFirst(entries, first - (disk.snapshot?.index ?? 0) - 1);
      for (let k = 0; k < written!.length; k++) entries.push(written![k]!);
    }
    if (o.hardState !== undefined) disk.hardState = o.hardState;
    const lastEntry = entries[entries.length - 1];
    w.ackIndex = lastEntry?.index ?? disk.snapshot?.index ?? 0;
    w.ackTerm = lastEntry?.term ?? disk.snapshot?.term ?? 0;
    // Object literals per case (not spreads): one durable record per disk event, keys always in this order.
    const hs = disk.hardState;
    if (o.snapshot !== undefined) {
      const snapshot = { index: o.snapshot.index, term: o.snapshot.term };
      if (first === undefined) return { term: hs.term, vote: hs.vote, commit: hs.commit, snapshot };
      return { term: hs.term, vote: hs.vote, commit: hs.commit, snapshot, from: first, entries: w.observed! };
    }
    if (first !== undefined) {
      // A truncation below the new entries, if any, is a separate durable change.
      if (o.truncateFrom !== undefined && o.truncateFrom < first) {
        const from = o.truncateFrom;
        return { term: hs.term, vote: hs.vote, commit: hs.commit, from, entries: observedEntries(entries.slice(from - (disk.snapshot?.index ?? 0) - 1)) };
      }
      return { term: hs.term, vote: hs.vote, commit: hs.commit, from: first, entries: w.observed! };
    }
    if (o.truncateFrom !== undefined) return { term: hs.term, vote: hs.vote, commit: hs.commit, from: o.truncateFrom, entries: [] };
    return { term: hs.term, vote: hs.vote, commit: hs.commit };
  },
};
