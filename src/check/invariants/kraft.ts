/**
 * KRaft safety invariants as pure predicates over snapshots of replica states. Each returns `null` when it
 * holds, or a message naming the violation. A checker keeps whatever history the predicate needs.
 * @module
 */
import type { NodeId } from "../../core/kraft/types.js";
import type { KRaftState } from "../../core/kraft/state.js";
import { entryAt as logEntryAt, logEndOffset } from "../../core/kraft/log.js";

/** The KRaft quorum's safety invariants, by name (the predicates below, one each). */
export const KRAFT_INVARIANTS = {
  "kraft-one-leader-per-epoch": "at most one leader per epoch, over all time",
  "kraft-epoch-monotonic": "a replica's epoch never decreases, restarts included",
  "kraft-high-watermark-monotonic": "while a process lives its high watermark never decreases",
  "kraft-high-watermark-majority": "a leader's high watermark is held durably by a majority of voters",
  "kraft-committed-never-diverges": "no two replicas ever commit different records at one offset",
} as const;

/** The name of one KRaft safety invariant. */
export type KRaftInvariant = keyof typeof KRAFT_INVARIANTS;

/** Global history a checker accumulates across steps: the leader seen for each epoch, the committed prefix. */
export interface KRaftHistory {
  /** epoch → leader id first seen leading it. */
  readonly leaders: Map<number, NodeId>;
  /** Committed (offset → epoch) ever observed on any node. */
  readonly committed: Map<number, number>;
  /** Per node: committed offsets below this were already compared. */
  readonly checkedUpTo: Map<NodeId, number>;
}

/** A fresh history for {@link atMostOneLeaderPerEpoch} and {@link committedNeverDiverges}. */
export function emptyHistory(): KRaftHistory {
  return { leaders: new Map(), committed: new Map(), checkedUpTo: new Map() };
}

/** At most one leader per epoch, over all time (records leaders into `history`). */
export function atMostOneLeaderPerEpoch(nodes: readonly KRaftState[], history: KRaftHistory): string | null {
  for (const s of nodes) {
    if (s.role.kind !== "leader") continue;
    const seen = history.leaders.get(s.epoch);
    if (seen === undefined) history.leaders.set(s.epoch, s.config.id);
    else if (seen !== s.config.id) return `two leaders in epoch ${s.epoch}: ${seen} and ${s.config.id}`;
  }
  return null;
}

/** A replica's epoch never decreases, even across restarts (the epoch is persisted before it is used). */
export function epochMonotonic(before: KRaftState, after: KRaftState): string | null {
  return after.epoch < before.epoch ? `node ${after.config.id}: epoch went from ${before.epoch} to ${after.epoch}` : null;
}

/** While a process lives its high watermark never decreases. */
export function highWatermarkMonotonic(before: KRaftState, after: KRaftState): string | null {
  return after.highWatermark < before.highWatermark
    ? `node ${after.config.id}: high watermark went from ${before.highWatermark} to ${after.highWatermark}`
    : null;
}

/**
 * A leader's high watermark is held by a majority of a voter set it was computed with: the set in effect at the
 * high watermark or any later one in the leader's log (with one-at-a-time KIP-853 changes, any majority of
 * consecutive sets intersect). Holding means having the leader's record at HW-1 durably, or a snapshot past it.
 */
export function highWatermarkHeldByMajority(leader: KRaftState, nodes: readonly KRaftState[]): string | null {
  if (leader.role.kind !== "leader" || leader.highWatermark <= leader.role.epochStartOffset) return null;
  const hw = leader.highWatermark;
  const last = logEntryAt(leader.log, hw - 1);
  if (last === undefined) return null; // compacted into the leader's snapshot: already checked when it was committed
  const holds = (id: NodeId): boolean => {
    const n = nodes.find((x) => x.config.id === id);
    if (n === undefined) return false;
    const e = logEntryAt(n.log, hw - 1);
    return n.log.startOffset >= hw || (e !== undefined && e.epoch === last.epoch && n.durableEnd >= hw);
  };
  const h = leader.voterHistory;
  let first = h.length - 1;
  while (first > 0 && (h[first] as { offset: number }).offset >= hw) first--;
  let best = "";
  for (let i = first; i < h.length; i++) {
    const voters = (h[i] as { voters: readonly { id: NodeId }[] }).voters;
    const holders = voters.filter((v) => holds(v.id)).length;
    if (holders * 2 > voters.length) return null;
    best = `${holders} of ${voters.length}`;
  }
  return `leader ${leader.config.id}: high watermark ${hw} is held by ${best} voters`;
}

/**
 * Committed offsets never diverge: every record below any node's high watermark agrees (by epoch) with every
 * other committed record ever seen at that offset. Updates `history.committed`.
 */
export function committedNeverDiverges(nodes: readonly KRaftState[], history: KRaftHistory): string | null {
  for (const s of nodes) {
    const hi = Math.min(s.highWatermark, logEndOffset(s.log));
    const checked = history.checkedUpTo.get(s.config.id) ?? 0;
    const from = checked > hi ? 0 : checked; // a restart lowers the HW: compare again from the start
    history.checkedUpTo.set(s.config.id, hi);
    for (let o = Math.max(s.log.startOffset, from); o < hi; o++) {
      const e = logEntryAt(s.log, o);
      if (e === undefined) continue;
      const seen = history.committed.get(o);
      if (seen === undefined) history.committed.set(o, e.epoch);
      else if (seen !== e.epoch) return `offset ${o} committed with epoch ${seen} but node ${s.config.id} has epoch ${e.epoch}`;
    }
  }
  return null;
}

/** A node's log agrees with every committed record it holds, over its whole log (slower; use on demand). */
export function logMatchesCommitted(s: KRaftState, history: KRaftHistory): string | null {
  const end = logEndOffset(s.log);
  for (let o = s.log.startOffset; o < end; o++) {
    const seen = history.committed.get(o);
    if (seen === undefined) continue;
    const e = logEntryAt(s.log, o) as { epoch: number };
    if (o < s.highWatermark && e.epoch !== seen) return `node ${s.config.id} offset ${o}: epoch ${e.epoch}, committed epoch ${seen}`;
  }
  return null;
}
