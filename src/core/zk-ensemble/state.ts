/**
 * The shape of one ZooKeeper-ensemble replica's state: its client connections and their queued requests, the
 * resolved settings, and the whole replica. The rules that change it live in `replica.ts`.
 * @module
 */
import type * as raft from "../raft/index.js";
import type { AuthId, ClientRequest, Reply, SessionTracker, WatchRegistry, ZkTree } from "../zk/index.js";
import type { SnapshotEncoding } from "./snapshot.js";
import type { ApplyInspector, Command, ConnId, ReplicaId, ReplicaOutput } from "./types.js";

/** A request waiting in its connection's queue. */
export interface Pending {
  readonly xid: number;
  readonly request: ClientRequest;
  /** write: forwarded, answered when applied; local: served at the queue head; indexed: after a ReadIndex. */
  readonly kind: "write" | "local" | "indexed";
  /** For indexed requests: the read index once known (−1 before). */
  readIndex: number;
  /** The answer, once known (writes when applied; failures). */
  reply: Reply | undefined;
  /** The tick it arrived at. */
  readonly since: number;
}

/** A client connection attached to this replica. */
export interface Connection {
  readonly id: ConnId;
  /** 0 until the session exists. */
  sessionId: number;
  password: string;
  timeoutMs: number;
  readonly auth: AuthId[];
  readonly queue: Pending[];
  lastXid: number;
  readonly since: number;
}

/** Resolved options. */
export interface Settings {
  readonly tickMs: number;
  readonly tickTimeMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly requestTimeoutTicks: number;
  readonly reaperIntervalMs: number;
  readonly secret: number;
  readonly snapshotEvery: number;
  readonly snapshotSliceBytes: number;
  /** The config's seed: with the replica id, it spreads the members' snapshot points (`snapshotThreshold`). */
  readonly seed: number;
  readonly extendedTypesEnabled: boolean;
  readonly batchProposals: boolean;
}

/** A command the leader holds for the next `flush` (with `batchProposals`). */
export interface HeldProposal {
  readonly command: Command;
  readonly data: Uint8Array;
}

/** One replica's whole state. Read it through the observers below; never mutate it. */
export interface ReplicaState {
  readonly id: ReplicaId;
  raft: raft.RaftState;
  tree: ZkTree;
  readonly watches: WatchRegistry;
  /** Replicated: the highest xid applied per open session (a session's writes apply in xid order). */
  lastXid: Map<number, number>;
  /** Leader only: session deadlines. */
  readonly tracker: SessionTracker;
  readonly settings: Settings;
  ticks: number;
  now: number;
  /** Highest log index applied to the tree (entries that carry no command included). */
  applied: number;
  lastSnapshotAt: number;
  /** The snapshot being encoded a slice per tick (as of `lastSnapshotAt`), if any. */
  snapshotting: SnapshotEncoding | undefined;
  readonly conns: Map<ConnId, Connection>;
  readonly bySession: Map<number, ConnId>;
  /** Connections waiting for their session to be created, by nonce (= connection id). */
  readonly byNonce: Map<number, ConnId>;
  /** Sessions with activity since the last touch message (followers). */
  readonly touched: Set<number>;
  /** Read-index requests of this replica: id → (connection, xid). */
  readonly readWaiters: Map<number, { conn: ConnId; xid: number }>;
  readSeq: number;
  /** Indexed requests queued (linearizable reads, syncs) not yet answered. */
  readsHeld: number;
  /** Leader: session ids created in this term. */
  sessionCounter: number;
  /** Leader: commands proposed in this term (duplicates from the network are proposed once). */
  readonly proposed: Set<string>;
  /** Leader with `batchProposals`: commands waiting for the next `flush` input, in order. */
  batch: HeldProposal[];
  /** Leader: reaper deletions proposed and not yet applied. */
  readonly reaping: Set<string>;
  nextReapAt: number;
  /** The last leader this replica heard of in `knownTerm` (kept through pre-vote rounds). */
  knownLeader: ReplicaId | 0;
  knownTerm: number;
  /** Whether the last role change made this replica leader. */
  leading: boolean;
  /** Per-step scratch: the outputs of the step in progress. */
  out: ReplicaOutput[];
  /** Per-step scratch: the inspector `step` was given, cleared before it returns (undefined at rest). */
  inspect: ApplyInspector | undefined;
}

/** What a step produced. */
export interface ReplicaStepResult {
  readonly state: ReplicaState;
  readonly outputs: readonly ReplicaOutput[];
}
