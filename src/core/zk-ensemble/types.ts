/**
 * Public data types of the replicated ZooKeeper service: what a replica is configured with, the commands its
 * log carries, the messages replicas exchange, and a replica's inputs and outputs.
 * @module
 */
import type * as raft from "../raft/index.js";
import type { AuthId, ClientRequest, Reply, WatchEvent, WriteRequest, ZkTree } from "../zk/index.js";

/** A replica's id: the Raft node id. */
export type ReplicaId = raft.NodeId;

/** A client connection's id, chosen by the driver; unique per replica for the replica's lifetime. */
export type ConnId = number;

/** Options of one replica. Validated by `createReplica`, which throws {@link EnsembleConfigError}. */
export interface ReplicaConfig {
  readonly id: ReplicaId;
  /** Every replica of the ensemble (the Raft voters). */
  readonly replicas: readonly ReplicaId[];
  /** Simulated milliseconds per `tick` input (default 10). */
  readonly tickMs?: number;
  /** ZooKeeper's tickTime in ms: session timeouts are negotiated into [2, 20] of these (default 20). */
  readonly tickTimeMs?: number;
  /** ZooKeeper's minSessionTimeout in ms: the lower bound of a negotiated timeout (default 2 × tickTimeMs). */
  readonly minSessionTimeoutMs?: number;
  /** ZooKeeper's maxSessionTimeout in ms: the upper bound of a negotiated timeout (default 20 × tickTimeMs). */
  readonly maxSessionTimeoutMs?: number;
  /** Raft election timeout in ticks (default 10). */
  readonly electionTick?: number;
  /** Raft heartbeat interval in ticks (default 2). */
  readonly heartbeatTick?: number;
  /** The clock at the replica's first tick, ms (default 1,700,000,000,000; restarts should pass a later one). */
  readonly startTimeMs?: number;
  /**
   * A client request still unanswered after this many ticks (a forwarded write or read-index lost with a
   * message) closes its connection, as a ZooKeeper client's read timeout does (default 4 × electionTick).
   */
  readonly requestTimeoutTicks?: number;
  /** Run the container/TTL reaper every this many ms on the leader (default 1000; 0 disables it). */
  readonly reaperIntervalMs?: number;
  /** Mixed into session passwords (default 0). */
  readonly secret?: number;
  /** Seed of the Raft core's PRNG (randomized election timeouts). */
  readonly seed: number;
  /**
   * Compact the Raft log with a snapshot of the tree every this many applied entries at most (default 0: never):
   * as ZooKeeper's snapCount, each snapshot comes after between half of it and all of it, a point drawn per
   * replica (from `seed` and the replica id) so that an ensemble's members do not snapshot together.
   */
  readonly snapshotEvery?: number;
  /**
   * A snapshot is encoded from the tree as of its index in slices of this many bytes (default 1 MiB, at least
   * one node): one when it starts, then one per tick (or timer input), so that a large tree neither stalls a
   * step nor takes the CPU from the writes; the log is compacted when the last slice is written. 63 MB (55,000
   * nodes of 1 KiB) take 63 ticks: 3 s at the server's 50 ms tick.
   */
  readonly snapshotSliceBytes?: number;
  /** Raft's maximum entry bytes per append message (default 1 MiB). */
  readonly maxSizePerMsg?: number;
  /**
   * `zookeeper.extendedTypesEnabled` (default true): TTL nodes allowed; when false a TTL create is an UNIMPLEMENTED
   * error transaction. Every replica of an ensemble must be configured alike.
   */
  readonly extendedTypesEnabled?: boolean;
  /**
   * Hold the leader's proposals until a `flush` input and propose them together (default false: each command is
   * proposed at once). A driver that sets it inputs `flush` at the end of every turn of its event loop in which
   * {@link queuedProposals} became non-zero: one log write and one append per follower for all of them.
   */
  readonly batchProposals?: boolean;
}

/**
 * Called right after each entry is applied, with the tree as of that index (observers and invariant checkers:
 * it must not mutate anything). Outputs are handed out after the whole step, when later entries of the same step
 * may already be applied; this hook sees each index's own state. Passed to `step` (state holds no functions).
 */
export type ApplyInspector = (tree: ZkTree, index: number, command: Command | undefined, reply: Reply | undefined) => void;

/** Why a replica refused an input, or an entry it could not apply. */
export type ReplicaRejectReason = "malformed-input" | "malformed-entry" | "malformed-snapshot" | "timer-refused";

/** A bad {@link ReplicaConfig}: names the field and what is allowed. */
export class EnsembleConfigError extends Error {
  /** Stable machine-readable code. */
  readonly code = "E_ZK_ENSEMBLE_CONFIG";
  constructor(readonly field: string, message: string) {
    super(`zk-ensemble: ${field} ${message}`);
    this.name = "EnsembleConfigError";
  }
}

/**
 * What a log entry carries: the request, the session, its xid and authenticated ids, and the leader's clock
 * when it proposed — everything needed to apply the entry identically on every replica. The zxid is the
 * entry's Raft index.
 */
export interface Command {
  /** The leader's clock when it proposed, ms: becomes ctime/mtime. */
  readonly time: number;
  /** The session issuing the request (for a createSession: the id the leader chose). */
  readonly sessionId: number;
  /** The session's request number: a session's writes apply in increasing xid order (0: not ordered). */
  readonly xid: number;
  readonly auth: readonly AuthId[];
  readonly request: WriteRequest;
  /** The replica whose client asked (0: the leader itself, for expiry and the reaper). */
  readonly origin: ReplicaId;
  /** For a createSession: the connection nonce the origin waits on. */
  readonly nonce?: number;
  /** For a closeSession: decided by the leader because the session timed out. */
  readonly expiry?: boolean;
}

/** What a replica forwards to the leader to have proposed: a command without the leader's time. */
export type ForwardedCommand = Omit<Command, "time">;

/** Messages between replicas: Raft's, and the service's own (forwarding, session touches, read indexes). */
export type EnsembleMessage =
  | { readonly type: "raft"; readonly from: ReplicaId; readonly to: ReplicaId; readonly message: raft.Message }
  /** A follower forwards a client's write (or session creation) to the leader. */
  | { readonly type: "forward"; readonly from: ReplicaId; readonly to: ReplicaId; readonly command: ForwardedCommand }
  /** A follower asks the leader for a read index (linearizable read or sync). */
  | { readonly type: "read-index"; readonly from: ReplicaId; readonly to: ReplicaId; readonly id: number }
  /** The leader's answer: reads may be served once applied ≥ index; −1 when it could not confirm leadership. */
  | { readonly type: "read-index-response"; readonly from: ReplicaId; readonly to: ReplicaId; readonly id: number; readonly index: number }
  /** A follower reports which of its sessions showed activity, so the leader keeps them alive. */
  | { readonly type: "touch"; readonly from: ReplicaId; readonly to: ReplicaId; readonly sessions: readonly number[] };

/** Session life-cycle as a connection sees it. */
export type ConnectionState = "connected" | "reconnected" | "disconnected" | "expired" | "closed" | "refused";

/** Everything that can happen to a replica. */
export type ReplicaInput =
  | { readonly type: "tick" }
  /** Fire a Raft timer now (`election`: campaign; `heartbeat`: a leader's heartbeats), without ticking the clock. */
  | { readonly type: "timeout"; readonly timer: raft.RaftTimer }
  | { readonly type: "message"; readonly message: EnsembleMessage }
  /** Storage made the writes up to (index, term) durable (Raft's `persisted`). */
  | { readonly type: "persisted"; readonly index: number; readonly term: number }
  /** Storage made the snapshot at (index, term) durable. */
  | { readonly type: "snapshot-persisted"; readonly index: number; readonly term: number }
  /**
   * A client connects: a new session (no `session`) or re-attaching one (`session` with its password and
   * the highest zxid the client has seen — a replica behind it refuses, as ZooKeeper does).
   */
  | {
      readonly type: "connect";
      readonly conn: ConnId;
      readonly timeoutMs: number;
      readonly session?: { readonly id: number; readonly password: string; readonly lastZxidSeen: number };
    }
  /** A request of a connected session. `linearizable` reads (and every `sync`) go through ReadIndex. */
  | { readonly type: "request"; readonly conn: ConnId; readonly xid: number; readonly request: ClientRequest; readonly linearizable?: boolean }
  /** A client ping: keeps the session alive. */
  | { readonly type: "ping"; readonly conn: ConnId }
  /** The client closed its connection (the session lives on until it expires or is closed). */
  | { readonly type: "disconnect"; readonly conn: ConnId }
  /** With `batchProposals`: propose the commands held since the last flush, as one Raft proposal. */
  | { readonly type: "flush" };

/** Everything a step asks the driver to do, in order. */
export type ReplicaOutput =
  /**
   * Make this Raft write durable before performing the outputs after it; then input `persisted` with the last
   * (index, term) of the durable log (and `snapshot-persisted` for a snapshot).
   */
  | { readonly type: "persist"; readonly write: raft.PersistOutput }
  | { readonly type: "send"; readonly to: ReplicaId; readonly message: EnsembleMessage }
  /** The answer to request `xid` of connection `conn` (answers of one connection come in xid order). */
  | { readonly type: "reply"; readonly conn: ConnId; readonly xid: number; readonly reply: Reply }
  | { readonly type: "watch"; readonly conn: ConnId; readonly event: WatchEvent }
  /** The connection's session state changed; `session` is given once the session is known. */
  | {
      readonly type: "state";
      readonly conn: ConnId;
      readonly state: ConnectionState;
      readonly session?: { readonly id: number; readonly password: string; readonly timeoutMs: number };
      readonly reason?: string;
    }
  /** The replica applied log entry `index` (for observers: invariants compare replicas at equal indexes). */
  /** Comes before the replies it causes. `term` is the entry's term (the snapshot's, for a restored snapshot). */
  | { readonly type: "applied"; readonly index: number; readonly term: number; readonly command: Command | undefined; readonly reply: Reply | undefined }
  /**
   * An input was refused (state unchanged), or a committed entry or snapshot could not be decoded — bytes no
   * leader of this service proposes; every replica decodes them alike, so each skips the entry (or keeps its
   * tree for the snapshot) the same way.
   */
  | { readonly type: "rejected"; readonly reason: ReplicaRejectReason; readonly detail: string };
