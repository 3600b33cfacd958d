/**
 * Public data types of the Raft core: entries, hard state, snapshots, configuration, messages, inputs and
 * outputs. Everything here is plain data (JSON-serialisable apart from `Uint8Array` payloads) so that traces
 * can be written and replayed.
 * @module
 */

/** A node's identity: a positive integer. `0` means "nobody" wherever a `NodeId | 0` appears. */
export type NodeId = number;

/** The role a node plays in its current term. */
export type Role = "follower" | "pre-candidate" | "candidate" | "leader";

/** What an entry carries: application data, or an encoded {@link ConfChange} (see `encodeConfChange`). */
export type EntryKind = "normal" | "conf-change";

/** One log entry. Entries are immutable once created and are shared (never copied) between log and messages. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** The part of a node's state that must be durable before it acts on it (Raft Figure 2's persistent state). */
export interface HardState {
  readonly term: number;
  /** Who this node voted for in `term`, or 0. */
  readonly vote: NodeId | 0;
  /** Highest index known committed; persisted so a restart need not wait to re-learn it. */
  readonly commit: number;
}

/**
 * Cluster membership. Outside a joint configuration `votersOutgoing` is empty. In a joint configuration a
 * decision needs a majority of `voters` AND a majority of `votersOutgoing` (§6 of the Raft dissertation).
 */
export interface ConfigState {
  readonly voters: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Learners that become learners only once the joint configuration is left (demoted voters). */
  readonly learnersNext: readonly NodeId[];
  /** In a joint configuration: whether the leader leaves it on its own once the entering change is applied. */
  readonly autoLeave: boolean;
}

/** Metadata of a snapshot: the state machine up to and including `index`, and the membership at `index`. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly config: ConfigState;
}

/** A snapshot: metadata plus the application's opaque serialised state. */
export interface Snapshot extends SnapshotMeta {
  readonly data: Uint8Array;
}

/** One membership edit. */
export interface ConfChangeItem {
  readonly type: "add-voter" | "remove-node" | "add-learner";
  readonly node: NodeId;
}

/**
 * A membership change. `changes: []` leaves a joint configuration. A single change that adds or removes at
 * most one voter is applied directly (one-step change) unless `joint: true`; anything else enters a joint
 * configuration, left automatically unless `autoLeave: false`.
 */
export interface ConfChange {
  readonly changes: readonly ConfChangeItem[];
  readonly joint?: boolean;
  readonly autoLeave?: boolean;
}

/**
 * Options of one node. Validated by `createRaft`, which throws a {@link RaftError} with code `invalid-config`.
 */
export interface RaftConfig {
  /** This node's id (positive integer). */
  readonly id: NodeId;
  /**
   * The bootstrap voters. Every node of a cluster — including one that joins later — is created with the same
   * bootstrap configuration; later membership changes are learned from conf-change entries in the log or
   * from a snapshot (whose configuration wins on restart).
   */
  readonly voters: readonly NodeId[];
  /** The initial learners. */
  readonly learners?: readonly NodeId[];
  /** Ticks without hearing from a leader before campaigning; randomized in [electionTick, 2·electionTick). */
  readonly electionTick: number;
  /** Ticks between leader heartbeats. Must be below `electionTick`. */
  readonly heartbeatTick: number;
  /** Run a pre-vote round before incrementing the term (§9.6 of the dissertation). */
  readonly preVote?: boolean;
  /** A leader steps down without a live majority; followers in contact with a leader refuse votes. */
  readonly checkQuorum?: boolean;
  /**
   * Followers learn a new commit index from the leader's next append or heartbeat instead of a round of empty
   * appends of its own (half the messages per proposal; HashiCorp Raft works so). Only for applications whose
   * followers answer no client on applying (the KV node: followers forward to the leader); a commit covering the
   * pending membership change or a new leader's first entry is broadcast at once anyway. Default false (etcd).
   */
  readonly lazyCommit?: boolean;
  /**
   * "safe" (ReadIndex with a heartbeat round) or "lease-based" (requires `checkQuorum`): a read is served at once
   * while a quorum acknowledged a heartbeat sent within the last `electionTick - 1` ticks, else after a round
   * (§6.4.1; assumes no clock drift beyond one tick). Default "safe".
   */
  readonly readOnly?: "safe" | "lease-based";
  /** Maximum append messages in flight to one follower in replicate state. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Maximum entry bytes in one append message (at least one entry is always sent), and snapshot chunk size. */
  readonly maxSizePerMsg?: number;
  /** Proposals are dropped while the uncommitted tail exceeds this many bytes. Default unlimited. */
  readonly maxUncommittedEntriesSize?: number;
  /** On restart: the index the application has already applied (entries up to it are not handed out again). */
  readonly applied?: number;
  /** Seed of the PRNG that randomizes election timeouts. */
  readonly seed: number;
}

/** What survives a crash: exactly what the driver's storage acknowledged as durable. */
export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot (or from index 1), contiguous. */
  readonly entries: readonly Entry[];
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/** Fields every message carries. */
export interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term (for a granted pre-vote response: the term the pre-candidate asked about). */
  readonly term: number;
}

/** RequestVote (§5.2) or its pre-vote probe (§9.6), which does not change anyone's term. */
export interface VoteRequest extends MessageBase {
  readonly type: "vote" | "pre-vote";
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when campaigning because of a leadership transfer: bypasses check-quorum's lease. */
  readonly transfer: boolean;
}

/** Answer to a {@link VoteRequest}. */
export interface VoteResponse extends MessageBase {
  readonly type: "vote-response" | "pre-vote-response";
  readonly reject: boolean;
}

/** AppendEntries (§5.3): entries after (prevIndex, prevTerm), and the leader's commit index. */
export interface AppendRequest extends MessageBase {
  readonly type: "append";
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Answer to an {@link AppendRequest} (or to a completed snapshot). On success `index` is the last index the
 * follower now shares with the leader. On rejection `index` is the rejected prevIndex and
 * (`hintIndex`, `hintTerm`) the follower's last entry that might match: the largest index ≤ min(prevIndex,
 * lastIndex) whose term is ≤ the leader's prevTerm (fast back-off).
 */
export interface AppendResponse extends MessageBase {
  readonly type: "append-response";
  readonly reject: boolean;
  readonly index: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/**
 * Leader liveness and commit propagation. `context` is the leader's heartbeat round (0: none): the ReadIndex
 * round being confirmed; under lease reads every heartbeat starts a round, and its acknowledgement renews the
 * lease from when the round was sent (§6.4.1).
 */
export interface Heartbeat extends MessageBase {
  readonly type: "heartbeat";
  readonly commit: number;
  readonly context: number;
}

/** Answer to a {@link Heartbeat}, echoing its `context`. */
export interface HeartbeatResponse extends MessageBase {
  readonly type: "heartbeat-response";
  readonly context: number;
}

/** One chunk of a snapshot: bytes [offset, offset + data.length) of the snapshot's data. */
export interface SnapshotChunk extends MessageBase {
  readonly type: "snapshot";
  readonly snapshot: SnapshotMeta;
  /** Total data length of the snapshot. */
  readonly size: number;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/** Acknowledges snapshot chunks: the follower holds bytes [0, received) of snapshot `index`. */
export interface SnapshotResponse extends MessageBase {
  readonly type: "snapshot-response";
  readonly index: number;
  readonly received: number;
}

/** Leadership transfer: tells a caught-up follower to campaign at once (§3.10 of the dissertation). */
export interface TimeoutNow extends MessageBase {
  readonly type: "timeout-now";
}

/** Every message exchanged between nodes. */
export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | SnapshotChunk
  | SnapshotResponse
  | TimeoutNow;

/** The `type` of a {@link Message}. */
export type MessageType = Message["type"];

// ---------------------------------------------------------------------------------------------------------
// Inputs and outputs

/** A request id for a linearizable read, chosen by the caller and echoed in `read-ready`. */
export type ReadRequestId = string | number;

/** A timer of a node: the election timeout (a leader's: check-quorum) and the leader's heartbeat interval. */
export type RaftTimer = "election" | "heartbeat";

/** Everything that can happen to a node. */
export type Input =
  | { readonly type: "tick" }
  /**
   * Fire `timer` now, whatever the tick count says (etcd's MsgHup for the election timer), so a checker chooses
   * when timers fire. `election`: a follower or candidate campaigns (pre-vote first if enabled); a leader runs its
   * election-timeout duties (check-quorum, aborting a stale transfer). `heartbeat`: a leader broadcasts heartbeats.
   */
  | { readonly type: "timeout"; readonly timer: RaftTimer }
  | { readonly type: "message"; readonly message: Message }
  | { readonly type: "propose"; readonly data: Uint8Array | readonly Uint8Array[] }
  | { readonly type: "read-index"; readonly requestId: ReadRequestId }
  | { readonly type: "conf-change"; readonly change: ConfChange }
  | { readonly type: "transfer-leadership"; readonly to: NodeId }
  /** Storage made entries up to (index, term), and the hard state emitted with them, durable. */
  | { readonly type: "persisted"; readonly index: number; readonly term: number }
  /** Storage made the snapshot at (index, term) durable. */
  | { readonly type: "snapshot-persisted"; readonly index: number; readonly term: number }
  /** The application applied every entry up to `index`. */
  | { readonly type: "applied"; readonly index: number }
  /** The application took a snapshot of its state at an applied `index`: compact the log up to it. */
  | { readonly type: "snapshot"; readonly index: number; readonly data: Uint8Array };

/**
 * Write to stable storage, in this order: delete entries with index ≥ `truncateFrom`; install `snapshot`
 * (replacing the whole log); append `entries`; save `hardState`. Must be durable before the `send` and `apply`
 * outputs that follow it in the same step are performed; writes become durable in the order issued. Sends before
 * it (a leader's appends, heartbeats and snapshots: §10.2.1 of the dissertation) leave at once.
 */
export interface PersistOutput {
  readonly type: "persist";
  readonly hardState?: HardState;
  readonly entries?: readonly Entry[];
  readonly truncateFrom?: number;
  readonly snapshot?: Snapshot;
}

/** Send `message` to node `to` (best effort: Raft tolerates loss, duplication and reordering). */
export interface SendOutput {
  readonly type: "send";
  readonly to: NodeId;
  readonly message: Message;
}

/** Committed entries (and possibly first a snapshot to restore) for the application, in order. */
export interface ApplyOutput {
  readonly type: "apply";
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
}

/** A read request may be served once the application has applied up to `index`. */
export interface ReadReadyOutput {
  readonly type: "read-ready";
  readonly requestId: ReadRequestId;
  readonly index: number;
}

/** The node's role, term or known leader changed. */
export interface RoleChangeOutput {
  readonly type: "role-change";
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | 0;
}

/** Why an input was refused. */
export type RejectReason =
  | "not-leader"
  | "proposal-dropped"
  | "transfer-in-progress"
  | "conf-change-pending"
  | "malformed-conf-change"
  | "malformed-message"
  | "malformed-input"
  | "unknown-sender"
  | "stale-term"
  | "index-out-of-range"
  | "in-lease";

/** An input was refused; state is unchanged by it. `leaderHint` is the known leader (0 if none). */
export interface RejectedOutput {
  readonly type: "rejected";
  readonly reason: RejectReason;
  readonly leaderHint: NodeId | 0;
  readonly detail: string;
  /** For a refused read request: its id. */
  readonly requestId?: ReadRequestId;
}

/** Everything a step asks the driver to do, in order. */
export type Output = PersistOutput | SendOutput | ApplyOutput | ReadReadyOutput | RoleChangeOutput | RejectedOutput;
