/**
 * The membership configuration and the per-peer progress and votes that go with it (etcd's ProgressTracker).
 * @module
 */
import { jointCommitted, jointVote } from "../quorum/joint.js";
import type { VoteResult } from "../quorum/majority.js";
import type { ConfigState, NodeId } from "../types.js";
import { newProgress, type Progress } from "./progress.js";

/** Configuration, progress of every member, and the votes of the current election. */
export interface Tracker {
  config: ConfigState;
  /** One entry per voter (incoming or outgoing) and learner, this node included. */
  progress: Map<NodeId, Progress>;
  /** Votes received in the current (pre-)election. */
  votes: Map<NodeId, boolean>;
  readonly maxInflight: number;
}

/** An empty configuration. */
export const EMPTY_CONFIG: ConfigState = { voters: [], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };

/** A tracker for `config`, every progress probing from `next`. */
export function newTracker(config: ConfigState, next: number, maxInflight: number): Tracker {
  const t: Tracker = { config, progress: new Map(), votes: new Map(), maxInflight };
  syncProgress(t, next);
  return t;
}

/** Every member of a configuration: voters (both halves), learners and next learners, without duplicates. */
export function members(c: ConfigState): NodeId[] {
  const out: NodeId[] = [];
  for (const list of [c.voters, c.votersOutgoing, c.learners, c.learnersNext]) {
    for (const id of list) if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** Whether `id` votes in `c` (in either half of a joint configuration). */
export function isVoter(c: ConfigState, id: NodeId): boolean {
  return c.voters.includes(id) || c.votersOutgoing.includes(id);
}

/** Whether `c` is a joint configuration. */
export function isJoint(c: ConfigState): boolean {
  return c.votersOutgoing.length > 0;
}

/** Makes the progress map match the configuration: new members probe from `next`; removed ones are dropped. */
export function syncProgress(t: Tracker, next: number): void {
  const ids = members(t.config);
  for (const id of ids) {
    const learner = !isVoter(t.config, id);
    const pr = t.progress.get(id);
    if (pr === undefined) t.progress.set(id, newProgress(id, next, t.maxInflight, learner));
    else pr.isLearner = learner;
  }
  for (const id of [...t.progress.keys()]) if (!ids.includes(id)) t.progress.delete(id);
}

/** The largest index replicated on a quorum (joint-aware). */
export function committedIndex(t: Tracker): number {
  const prs = t.progress;
  return jointCommitted(t.config.voters, t.config.votersOutgoing, (id) => prs.get(id)?.match ?? 0);
}

/** Records `id`'s vote (the first one counts). */
export function recordVote(t: Tracker, id: NodeId, granted: boolean): void {
  if (!t.votes.has(id)) t.votes.set(id, granted);
}

/** The current election's outcome. */
export function tallyVotes(t: Tracker): VoteResult {
  return jointVote(t.config.voters, t.config.votersOutgoing, t.votes);
}

/** Whether a quorum of voters was recently active (`self` always counts as active). */
export function quorumActive(t: Tracker, self: NodeId): boolean {
  const votes = new Map<NodeId, boolean>();
  for (const [id, pr] of t.progress) if (!pr.isLearner) votes.set(id, id === self || pr.recentActive);
  return jointVote(t.config.voters, t.config.votersOutgoing, votes) === "won";
}
