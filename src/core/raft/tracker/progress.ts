/**
 * The leader's view of one follower (etcd's Progress): how far its log matches, what to send next, and the
 * flow-control state.
 *
 * - `probe`: the next index is unknown; send one append per heartbeat interval until one is accepted.
 * - `replicate`: optimistic pipelining of appends, bounded by the in-flight ring.
 * - `snapshot`: the follower needs a snapshot; appends pause until it reports having installed it.
 * @module
 */
import type { NodeId } from "../types.js";
import { freeInflightsUpTo, inflightsFull, newInflights, resetInflights, type Inflights } from "./inflights.js";

/** Flow-control state of one follower. */
export type ProgressState = "probe" | "replicate" | "snapshot";

/** The leader's record of one peer (itself included). */
export interface Progress {
  readonly id: NodeId;
  /** Highest index known to match the leader's log. Invariant: `match < next`. */
  match: number;
  /** Next index to send. */
  next: number;
  state: ProgressState;
  /** In probe state: an append was sent and no answer came yet (wait for a heartbeat response). */
  probeSent: boolean;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot: number;
  /** In snapshot state: bytes of it the follower acknowledged. */
  snapshotOffset: number;
  /** Heard from since the last check-quorum round. */
  recentActive: boolean;
  isLearner: boolean;
  readonly inflights: Inflights;
}

/** A progress for a peer: probing from `next`. */
export function newProgress(id: NodeId, next: number, maxInflight: number, isLearner: boolean): Progress {
  return {
    id,
    match: 0,
    next,
    state: "probe",
    probeSent: false,
    pendingSnapshot: 0,
    snapshotOffset: 0,
    recentActive: false,
    isLearner,
    inflights: newInflights(maxInflight),
  };
}

function resetState(pr: Progress, state: ProgressState): void {
  pr.probeSent = false;
  pr.pendingSnapshot = 0;
  pr.snapshotOffset = 0;
  pr.state = state;
  resetInflights(pr.inflights);
}

/** Back to probing from just after the match (or after the snapshot that was being sent). */
export function becomeProbe(pr: Progress): void {
  const after = pr.state === "snapshot" ? Math.max(pr.match + 1, pr.pendingSnapshot + 1) : pr.match + 1;
  resetState(pr, "probe");
  pr.next = after;
}

/** Pipelining from just after the match. */
export function becomeReplicate(pr: Progress): void {
  resetState(pr, "replicate");
  pr.next = pr.match + 1;
}

/** Sending the snapshot at `index`. */
export function becomeSnapshot(pr: Progress, index: number): void {
  resetState(pr, "snapshot");
  pr.pendingSnapshot = index;
}

/** Whether appends to this peer must wait. */
export function isPaused(pr: Progress): boolean {
  switch (pr.state) {
    case "probe":
      return pr.probeSent;
    case "replicate":
      return inflightsFull(pr.inflights);
    default:
      return true;
  }
}

/** A successful append response up to `index`: raise match/next. False if it was stale (nothing changed). */
export function maybeUpdate(pr: Progress, index: number): boolean {
  let updated = false;
  if (pr.match < index) {
    pr.match = index;
    updated = true;
    pr.probeSent = false;
  }
  if (pr.next < index + 1) pr.next = index + 1;
  freeInflightsUpTo(pr.inflights, index);
  return updated;
}

/**
 * A rejection of the append after `rejected`, with the follower's hint `hint` (its last possibly matching
 * index). Lowers `next` and returns true, or returns false if the rejection is stale.
 */
export function maybeDecrTo(pr: Progress, rejected: number, hint: number): boolean {
  if (pr.state === "replicate") {
    if (rejected <= pr.match) return false;
    pr.next = pr.match + 1;
    return true;
  }
  if (pr.next - 1 !== rejected) return false;
  pr.next = Math.max(Math.min(rejected, hint + 1), pr.match + 1);
  pr.probeSent = false;
  return true;
}
