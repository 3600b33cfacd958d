/**
 * The observation vocabulary shared by the simulator, `quorate verify-trace` and users' own traces.
 * One record per event, in time order; `docs/trace-format.md` and `schemas/raft-trace.schema.json` document
 * the NDJSON form. Records are plain data so that any implementation, in any language, can emit them.
 */

import type { ClusterInvariant } from "./kraft-node.js";
import type { ZkEnsembleInvariant } from "./zk-ensemble.js";

/** A node's identity: a positive integer. */
export type NodeId = number;

/** A Raft role as observed from outside. `down` is a crashed node (set by a `crash` record). */
export type Role = "follower" | "pre-candidate" | "candidate" | "leader" | "learner" | "down";

/** An entry's digest: any hash of its payload (equal payloads must have equal digests). */
export type Digest = string | number;

/** A log entry as observed: its term and the digest of its payload. Its index is implied by position. */
export type ObservedEntry = readonly [term: number, digest: Digest];

/** Names the voters of the cluster; the first record of a trace. */
export interface ClusterRecord {
  readonly type: "cluster";
  readonly t?: number;
  readonly nodes: readonly NodeId[];
}

/** A node's volatile scalar state after an event (emit it whenever one of the fields changed). */
export interface StateRecord {
  readonly type: "state";
  readonly t: number;
  readonly node: NodeId;
  readonly term: number;
  readonly role: Role;
  /** The node voted for in `term`, or 0. */
  readonly vote: NodeId | 0;
  readonly commit: number;
  readonly applied: number;
  readonly leader?: NodeId | 0;
}

/**
 * The node's log (as it sees it, durable or not) from index `from` on is now exactly `entries`:
 * an append when `from` is one past the last index, a truncation (and append) when it is lower.
 */
export interface LogRecord {
  readonly type: "log";
  readonly t: number;
  readonly node: NodeId;
  readonly from: number;
  readonly entries: readonly ObservedEntry[];
}

/**
 * What the node's storage has made durable: the hard state (term, vote, optionally commit) and,
 * when `from` is given, its durable log from `from` on is now exactly `entries`; `snapshot` a durable snapshot.
 */
export interface DurableRecord {
  readonly type: "durable";
  readonly t: number;
  readonly node: NodeId;
  readonly term: number;
  readonly vote: NodeId | 0;
  readonly commit?: number;
  readonly from?: number;
  readonly entries?: readonly ObservedEntry[];
  readonly snapshot?: { readonly index: number; readonly term: number };
}

/** The node's log now starts after a snapshot at (index, term): compaction, or a snapshot installed from the leader. */
export interface SnapshotRecord {
  readonly type: "snapshot";
  readonly t: number;
  readonly node: NodeId;
  readonly index: number;
  readonly term: number;
}

/** The node crashed: everything not durable is gone. */
export interface CrashRecord {
  readonly type: "crash";
  readonly t: number;
  readonly node: NodeId;
}

/** The node restarted from its durable state (a `state` record with its restored state follows). */
export interface RestartRecord {
  readonly type: "restart";
  readonly t: number;
  readonly node: NodeId;
}

/** A client operation event: the history the linearizability checker judges, and acknowledged writes. */
export interface ClientRecord {
  readonly type: "invoke" | "ok" | "fail" | "info";
  readonly t: number;
  readonly client: number;
  /** Unique id of the operation (all four record kinds of one operation carry the same id). */
  readonly id: string | number;
  readonly f: "write" | "read";
  readonly key?: string;
  readonly value?: string | null;
  /**
   * For an acknowledged write: the log position it was committed at, so later leaders can be checked for it.
   * For a successful read: the index of the write whose value it returned (0 when the key was absent).
   */
  readonly index?: number;
  readonly term?: number;
  readonly node?: NodeId;
}

/** Simulator-only records (messages and faults): carried in traces for people and diagrams, ignored by the checks. */
export interface MessageRecord {
  readonly type: "msg";
  readonly t: number;
  readonly ev: "send" | "deliver" | "drop" | "dup";
  readonly from: NodeId;
  readonly to: NodeId;
  readonly id: number;
  readonly msg: string;
  readonly term?: number;
}

/** A fault injected or healed by the simulator. */
export interface FaultRecord {
  readonly type: "fault";
  readonly t: number;
  readonly fault: string;
  readonly detail?: string;
  readonly nodes?: readonly NodeId[];
}

/** Any record of a Raft observation trace. */
export type TraceRecord =
  | ClusterRecord
  | StateRecord
  | LogRecord
  | DurableRecord
  | SnapshotRecord
  | CrashRecord
  | RestartRecord
  | ClientRecord
  | MessageRecord
  | FaultRecord;

/** Every `type` a trace record may have. */
export const TRACE_RECORD_TYPES = [
  "cluster",
  "state",
  "log",
  "durable",
  "snapshot",
  "crash",
  "restart",
  "invoke",
  "ok",
  "fail",
  "info",
  "msg",
  "fault",
] as const;

/** The Raft safety invariants, by name. */
export const RAFT_INVARIANTS = {
  "election-safety": "at most one leader per term, across restarts too",
  "leader-append-only": "a leader never overwrites or deletes entries of its own log",
  "log-matching": "two logs with an entry of the same index and term hold the same entry and agree on everything before it",
  "leader-completeness": "every committed entry is in the log of every leader of a later term",
  "state-machine-safety": "no two nodes apply (or commit) different entries at one index",
  "commit-monotonic": "a node's commit index never decreases, and never falls below its durable commit after a restart",
  "commit-durable-majority": "a commit index never passes what a majority of voters has durably stored",
  "commit-current-term": "a leader advances its commit index only to an entry of its own term (§5.4.2, Figure 8)",
  "applied-le-commit": "a node never applies past its commit index",
  "single-vote": "a node grants at most one vote per term, crashes included (a durable vote is never forgotten)",
  "acked-write-durable": "every acknowledged client write is in the log of every later leader",
  "linearizable-read": "a read never returns a value older than a write to its key acknowledged before the read began",
} as const;

/** The name of one Raft safety invariant. */
export type RaftInvariant = keyof typeof RAFT_INVARIANTS;

/**
 * The name of any invariant a checker reports: Raft's, the replicated ZooKeeper service's, a KRaft cluster's
 * (quorum, metadata images, composition), or liveness.
 */
export type InvariantName = RaftInvariant | ZkEnsembleInvariant | ClusterInvariant | "liveness";

/** A broken invariant: which one, where in the trace (`step` = record number or simulator event number), and why. */
export interface Violation {
  readonly invariant: InvariantName;
  readonly step: number;
  readonly t: number;
  readonly node?: NodeId;
  readonly detail: string;
}

/** A malformed trace: the line and field at fault and what to do. */
export class TraceFormatError extends Error {
  /** Stable machine-readable code. */
  readonly code = "E_TRACE_FORMAT";
  constructor(
    message: string,
    /** 1-based line number in the NDJSON input (0 when not from a file). */
    readonly line: number,
  ) {
    super(message);
    this.name = "TraceFormatError";
  }
}
