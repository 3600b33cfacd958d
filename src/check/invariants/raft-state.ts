/**
 * The Raft node state's own invariants, checked after every step in the tests (TigerBeetle style: assert
 * everything). The cluster-wide Raft safety invariants over observed traces are in `raft.ts`.
 * @module
 */
import { RaftError } from "../../core/raft/errors.js";
import { lastIndex } from "../../core/raft/log.js";
import type { RaftState } from "../../core/raft/state.js";
import { isVoter } from "../../core/raft/tracker/tracker.js";

/** Every invariant `s` breaks, as readable sentences (empty when all hold). O(log length). */
export function checkInvariants(s: RaftState): string[] {
  const bad: string[] = [];
  const log = s.log;
  const last = lastIndex(log);
  const c = log.committed;
  if (log.offset > log.applied) bad.push(`snapshot index ${log.offset} > applied ${log.applied}`);
  if (log.applied > log.applying) bad.push(`applied ${log.applied} > applying ${log.applying}`);
  if (log.applying > c) bad.push(`applying ${log.applying} > commit ${c}`);
  if (c > last) bad.push(`commit ${c} > last index ${last}`);
  // A snapshot from the leader is applied (after its persist) before storage reports it durable.
  if (log.applying > Math.max(log.stable, log.offset)) bad.push(`applying ${log.applying} > stable ${log.stable}`);
  if (log.stable > last) bad.push(`stable ${log.stable} > last index ${last}`);
  if (s.pendingAck > last) bad.push(`pending acknowledgement ${s.pendingAck} > last index ${last}`);
  let prevTerm = log.offsetTerm;
  for (let i = 0; i < log.entries.length; i++) {
    const e = log.entries[i]!;
    if (e.index !== log.offset + 1 + i) {
      bad.push(`entry at position ${i} has index ${e.index}, expected ${log.offset + 1 + i}`);
      break;
    }
    if (e.term < prevTerm) bad.push(`entry ${e.index} term ${e.term} < previous term ${prevTerm}`);
    if (e.term > s.term) bad.push(`entry ${e.index} term ${e.term} > current term ${s.term}`);
    prevTerm = e.term;
  }
  if (s.role === "leader") {
    if (s.leader !== s.id) bad.push(`leader ${s.id} records leader ${s.leader}`);
    if (s.vote !== s.id) bad.push(`leader ${s.id} voted for ${s.vote}`);
    if (!isVoter(s.tracker.config, s.id)) bad.push(`leader ${s.id} is not a voter`);
    for (const pr of s.tracker.progress.values()) {
      if (pr.match >= pr.next) bad.push(`progress ${pr.id}: match ${pr.match} >= next ${pr.next}`);
      if (pr.match > last) bad.push(`progress ${pr.id}: match ${pr.match} > last index ${last}`);
      if (pr.next > last + 1) bad.push(`progress ${pr.id}: next ${pr.next} > last index + 1 (${last + 1})`);
      if (pr.inflights.count > pr.inflights.capacity) bad.push(`progress ${pr.id}: inflights over capacity`);
    }
  } else if (s.role === "candidate" && s.vote !== s.id) {
    bad.push(`candidate ${s.id} voted for ${s.vote}`);
  }
  if (s.role !== "leader" && s.leader === s.id) bad.push(`${s.role} ${s.id} records itself as leader`);
  return bad;
}

/** Throws {@link RaftError} (`invariant-violated`) listing every broken invariant of `s`. */
export function assertInvariants(s: RaftState): void {
  const bad = checkInvariants(s);
  if (bad.length > 0) throw new RaftError("invariant-violated", `node ${s.id} (term ${s.term}): ${bad.join("; ")}`);
}
