/**
 * The KRaft core under the one contract (src/core/contract.ts): `cloneKRaft`, `fingerprintKRaft` and the
 * `kraftCore` bundle that the simulator and the explorer take.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { createKRaft, type KRaftState, type RoleState } from "./state.js";
import { step } from "./step.js";
import type { Entry, Input, KRaftConfig, NodeId, Output, ReplicaKey, Snapshot } from "./types.js";

/**
 * A copy of `s`. The KRaft core never modifies a state (each step builds a new one, sharing what did not
 * change, and the log's backing array is only appended past every view's end), so the copy is one object.
 */
export function cloneKRaft(s: KRaftState): KRaftState {
  return { ...s };
}

const ROLE_KINDS: readonly RoleState["kind"][] = ["unattached", "prospective", "candidate", "leader", "follower", "resigned"];
const ENTRY_KINDS: readonly Entry["kind"][] = ["data", "leader-change", "voters"];

function ids(h: Hasher, list: readonly NodeId[]): void {
  h.int(list.length);
  for (const id of list) h.int(id);
}

function keys(h: Hasher, list: readonly ReplicaKey[]): void {
  h.int(list.length);
  for (const k of list) h.int(k.id).str(k.directoryId);
}

/** What {@link fingerprintKRaft} hashes beyond the default. */
export interface KRaftFingerprintOptions {
  /**
   * `false` leaves out every timer deadline, the PRNG that draws them and the election retry count (which only
   * sizes the backoff): for a checker that fires timers by choice with the `timeout` input, to which they are
   * invisible (and the PRNG would otherwise make every retried election a new state). Default `true`.
   */
  readonly timers?: boolean;
}

/** Passed as `now` when timers are left out. */
const NO_TIMERS = Number.NaN;

/**
 * A tick relative to now (-1 sentinels stay apart), so states that differ only in the clock hash alike; nothing
 * when timers are left out (`now` is NaN).
 */
function tick(h: Hasher, t: number, now: number): void {
  if (Number.isNaN(now)) return;
  if (t < 0) h.int(-1);
  else h.int(0).num(t - now);
}

function entry(h: Hasher, e: Entry): void {
  h.num(e.offset).num(e.epoch).int(ENTRY_KINDS.indexOf(e.kind));
  switch (e.kind) {
    case "data":
      h.bytes(e.data);
      break;
    case "leader-change":
      h.int(e.leaderId);
      ids(h, e.voters);
      ids(h, e.grantingVoters);
      break;
    case "voters":
      keys(h, e.voters);
      break;
  }
}

function snapshot(h: Hasher, s: Snapshot | null): void {
  if (s === null) {
    h.int(0);
    return;
  }
  h.int(1).num(s.id.endOffset).num(s.id.epoch);
  keys(h, s.voters);
  h.bytes(s.data);
}

function optionalKey(h: Hasher, k: ReplicaKey | null): void {
  if (k === null) h.int(0);
  else h.int(1).int(k.id).str(k.directoryId);
}

function role(h: Hasher, r: RoleState, now: number): void {
  h.int(ROLE_KINDS.indexOf(r.kind));
  switch (r.kind) {
    case "unattached":
      optionalKey(h, r.votedKey);
      tick(h, r.electionDeadline, now);
      tick(h, r.bootstrapFetchAt, now);
      h.num(r.bootstrapCursor);
      break;
    case "prospective":
      h.int(r.leaderId);
      optionalKey(h, r.votedKey);
      tick(h, r.electionDeadline, now);
      ids(h, [...r.granted].sort((a, b) => a - b));
      ids(h, [...r.rejected].sort((a, b) => a - b));
      tick(h, r.resendAt, now);
      break;
    case "candidate":
      tick(h, r.electionDeadline, now);
      ids(h, [...r.granted].sort((a, b) => a - b));
      ids(h, [...r.rejected].sort((a, b) => a - b));
      tick(h, r.resendAt, now);
      tick(h, r.backoffUntil, now);
      break;
    case "leader": {
      h.num(r.epochStartOffset);
      ids(h, [...r.grantingVoters].sort((a, b) => a - b));
      const replicas = [...r.replicas].sort((a, b) => a[0] - b[0]);
      h.int(replicas.length);
      for (const [id, p] of replicas) {
        h.int(id).str(p.directoryId).num(p.endOffset);
        tick(h, p.lastFetchTick, now);
        tick(h, p.lastCaughtUpTick, now);
      }
      tick(h, r.checkQuorumDeadline, now);
      ids(h, [...r.fetchedVoters].sort((a, b) => a - b));
      ids(h, [...r.acknowledged].sort((a, b) => a - b));
      tick(h, r.beginQuorumEpochAt, now);
      h.int(r.parked.length);
      for (const p of r.parked) {
        h.int(p.from).num(p.fetchOffset).num(p.lastFetchedEpoch);
        tick(h, p.deadline, now);
      }
      const v = r.pendingVoterChange;
      if (v === null) h.int(0);
      else h.int(v.kind === "add" ? 1 : 2).int(v.requester).num(v.offset);
      break;
    }
    case "follower": {
      h.int(r.leaderId);
      tick(h, r.fetchDeadline, now);
      h.bool(r.hasFetchedFromLeader);
      tick(h, r.inFlightSince, now);
      h.bool(r.awaitingPersist);
      const f = r.fetchingSnapshot;
      if (f === null) h.int(0);
      else {
        h.int(1).num(f.id.endOffset).num(f.id.epoch).num(f.position);
        if (f.buffer === null) h.int(0);
        else h.int(1).bytes(f.buffer);
        keys(h, f.voters);
      }
      break;
    }
    case "resigned":
      tick(h, r.electionDeadline, now);
      keys(h, r.preferredSuccessors);
      ids(h, [...r.unacked].sort((a, b) => a - b));
      tick(h, r.resendAt, now);
      break;
  }
}

/**
 * A canonical 64-bit hash of the protocol-relevant state of a replica: epoch, role with its timers (relative to
 * the current tick, so the absolute clock does not count), PRNG state, log, durable end, snapshot, high
 * watermark, voter history, delivery and apply positions, the persisted quorum state and the election retries.
 * Excluded: the resolved config (fixed) and the absolute tick count; with `{ timers: false }`, also the timers,
 * the PRNG and the election retry count.
 */
export function fingerprintKRaft(s: KRaftState, options?: KRaftFingerprintOptions): bigint {
  const timers = options?.timers !== false;
  const h = new Hasher();
  h.int(s.config.id);
  if (timers) h.num(s.rng);
  h.num(s.epoch);
  role(h, s.role, timers ? s.now : NO_TIMERS);
  const log = s.log;
  h.num(log.startOffset).num(log.startEpoch).int(log.count);
  for (let i = 0; i < log.count; i++) entry(h, log.backing[i]!);
  h.num(s.durableEnd);
  snapshot(h, s.snapshot);
  h.num(s.highWatermark).int(s.voterHistory.length);
  for (const v of s.voterHistory) {
    h.num(v.offset);
    keys(h, v.voters);
  }
  h.num(s.delivered).num(s.reportedHighWatermark).num(s.applied);
  const q = s.quorumState;
  h.num(q.epoch).int(q.leaderId).int(q.votedId).str(q.votedDirectoryId);
  if (timers) h.num(s.electionRetries);
  return h.digest();
}

/** The KRaft core as a {@link Core}: `create` builds a fresh replica (no persisted state) from a {@link KRaftConfig}. */
export const kraftCore: Core<KRaftConfig, KRaftState, Input, Output> = {
  name: "kraft",
  create: (config) => createKRaft(config),
  step,
  clone: cloneKRaft,
  fingerprint: (s) => fingerprintKRaft(s),
};
