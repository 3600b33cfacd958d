/**
 * Data types of the KRaft quorum core: records, messages, inputs, outputs and configuration.
 * Everything here is plain data (JSON-serialisable apart from `Uint8Array` payloads) so that traces can be
 * written and replayed.
 */

/** A replica id (Kafka's `node.id`): a non-negative integer. */
export type NodeId = number;

/** A replica's identity in KIP-853: its id and the directory id of its metadata log ("" = unknown, Kafka's `Uuid.ZERO`). */
export interface ReplicaKey {
  readonly id: NodeId;
  readonly directoryId: string;
}

/** Snapshot id (KIP-630): the snapshot holds every record below `endOffset`; `epoch` is the epoch of the last one. */
export interface SnapshotId {
  readonly endOffset: number;
  readonly epoch: number;
}

/** (epoch, end offset) pair used by divergence detection and the vote comparison. */
export interface OffsetAndEpoch {
  readonly endOffset: number;
  readonly epoch: number;
}

/** A user record appended by a leader. */
export interface DataEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly kind: "data";
  readonly data: Uint8Array;
}

/** The control record a new leader appends at the start of its epoch (Kafka's `LeaderChangeMessage`). */
export interface LeaderChangeEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly kind: "leader-change";
  readonly leaderId: NodeId;
  readonly voters: readonly NodeId[];
  readonly grantingVoters: readonly NodeId[];
}

/** A KIP-853 `VotersRecord`: the voter set that is in effect from this offset on (as soon as it is appended). */
export interface VotersEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly kind: "voters";
  readonly voters: readonly ReplicaKey[];
}

/** One record of the replicated metadata log. Offsets start at 0 and are contiguous. */
export type Entry = DataEntry | LeaderChangeEntry | VotersEntry;

/** A snapshot of the state machine at `id.endOffset` plus the voter set in effect there. */
export interface Snapshot {
  readonly id: SnapshotId;
  readonly voters: readonly ReplicaKey[];
  readonly data: Uint8Array;
}

/** The quorum-state file (Kafka's `quorum-state`): what is persisted about elections. -1 means none. */
export interface QuorumStateRecord {
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
  readonly votedId: NodeId | -1;
  readonly votedDirectoryId: string;
}

/** What survives a crash: what the driver's storage acknowledged as durable. */
export interface PersistedState {
  readonly quorumState: QuorumStateRecord;
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot (or from offset 0), contiguous. */
  readonly entries: readonly Entry[];
}

/** Configuration with Kafka's defaults (`controller.quorum.*`). Durations in milliseconds, converted to ticks. */
export interface KRaftConfig {
  /** Local replica id. */
  readonly id: NodeId;
  /** Local metadata log directory id (KIP-853). Defaults to `dir-<id>`. */
  readonly directoryId?: string;
  /** Bootstrap voter set (static quorum or initial controllers). Ids or full replica keys. Must not be empty. */
  readonly voters: readonly (NodeId | ReplicaKey)[];
  /** Seed of the PRNG kept in the state (randomized election timeouts and backoffs). */
  readonly seed: number;
  /** Milliseconds per tick. Default 50. */
  readonly tickMs?: number;
  /** `controller.quorum.election.timeout.ms`, randomized in [T, 2T). Default 1000. */
  readonly electionTimeoutMs?: number;
  /** `controller.quorum.fetch.timeout.ms`. Default 2000. */
  readonly fetchTimeoutMs?: number;
  /** `controller.quorum.election.backoff.max.ms`. Default 1000. */
  readonly electionBackoffMaxMs?: number;
  /** `controller.quorum.request.timeout.ms`: an unanswered request is resent after this. Default 2000. */
  readonly requestTimeoutMs?: number;
  /** Longest time a leader parks a Fetch that has nothing to return (Kafka's `MAX_FETCH_WAIT_MS`). Default 500. */
  readonly fetchMaxWaitMs?: number;
  /** Most records returned by one Fetch response. Default 1000. */
  readonly maxFetchRecords?: number;
  /** Bytes per FetchSnapshot chunk. Default 65536. */
  readonly snapshotChunkBytes?: number;
}

/** Configuration after defaults, validation and conversion to ticks. */
export interface ResolvedConfig {
  readonly id: NodeId;
  readonly directoryId: string;
  readonly bootstrapVoters: readonly ReplicaKey[];
  readonly seed: number;
  readonly tickMs: number;
  readonly electionTimeoutMs: number;
  readonly electionTimeoutTicks: number;
  readonly fetchTimeoutTicks: number;
  readonly electionBackoffMaxMs: number;
  readonly requestTimeoutTicks: number;
  readonly fetchMaxWaitTicks: number;
  /** Check-quorum: 1.5 × fetch timeout. */
  readonly checkQuorumTicks: number;
  /** BeginQuorumEpoch resend period: half the fetch timeout. */
  readonly beginQuorumEpochTicks: number;
  readonly maxFetchRecords: number;
  readonly snapshotChunkBytes: number;
}

/** Error codes carried by responses (Kafka's `Errors`, kebab-cased). */
export type ErrorCode =
  | "none"
  | "fenced-leader-epoch"
  | "unknown-leader-epoch"
  | "not-leader-or-follower"
  | "invalid-request"
  | "invalid-voter-key"
  | "snapshot-not-found"
  | "position-out-of-range"
  | "request-timed-out"
  | "duplicate-voter"
  | "voter-not-found"
  | "invalid-update-version";

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** Vote (KIP-595), with KIP-996's pre-vote flag and KIP-853's replica keys. */
export interface VoteRequest extends MessageBase {
  readonly type: "vote";
  /** Candidate epoch; for a pre-vote the prospective's current epoch (not bumped). */
  readonly epoch: number;
  readonly preVote: boolean;
  readonly candidateDirectoryId: string;
  /** The directory id the candidate believes the recipient voter has ("" = unknown). */
  readonly voterDirectoryId: string;
  readonly lastEpoch: number;
  readonly lastEndOffset: number;
}

/** Answer to a Vote; `leaderId` and `epoch` tell the candidate what the voter knows. */
export interface VoteResponse extends MessageBase {
  readonly type: "vote-response";
  readonly error: ErrorCode;
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
  readonly preVote: boolean;
  readonly granted: boolean;
}

/** BeginQuorumEpoch (KIP-595): a new leader announces itself to the voters. */
export interface BeginQuorumEpochRequest extends MessageBase {
  readonly type: "begin-quorum-epoch";
  readonly epoch: number;
  readonly leaderId: NodeId;
  readonly voterDirectoryId: string;
}

/** Answer to BeginQuorumEpoch. */
export interface BeginQuorumEpochResponse extends MessageBase {
  readonly type: "begin-quorum-epoch-response";
  readonly error: ErrorCode;
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
}

/** EndQuorumEpoch (KIP-595): a resigning leader asks the voters to elect a successor now. */
export interface EndQuorumEpochRequest extends MessageBase {
  readonly type: "end-quorum-epoch";
  readonly epoch: number;
  readonly leaderId: NodeId;
  /** Voters ranked by their fetch offset, most caught up first. */
  readonly preferredSuccessors: readonly ReplicaKey[];
}

/** Answer to EndQuorumEpoch. */
export interface EndQuorumEpochResponse extends MessageBase {
  readonly type: "end-quorum-epoch-response";
  readonly error: ErrorCode;
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
}

/** Fetch: pull replication. `fetchOffset` is the follower's (durable) log end offset: the acknowledgement. */
export interface FetchRequest extends MessageBase {
  readonly type: "fetch";
  /** The fetcher's current epoch (Kafka's `CurrentLeaderEpoch`). */
  readonly epoch: number;
  readonly replicaDirectoryId: string;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  /**
   * KIP-1166: the fetcher's high watermark (-1 unknown). A leader does not park a Fetch from a replica whose
   * high watermark is behind its own. Absent: pre-KIP-1166 behaviour (park whenever there is nothing to send).
   */
  readonly highWatermark?: number;
}

/** Answer to Fetch: records, or a diverging epoch to truncate to, or a snapshot id to load. */
export interface FetchResponse extends MessageBase {
  readonly type: "fetch-response";
  readonly error: ErrorCode;
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
  /** The leader's high watermark; -1 while unknown in this epoch. */
  readonly highWatermark: number;
  /** Echo of the request, so a stale response is recognised (Kafka matches correlation ids). */
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  readonly records: readonly Entry[];
  readonly divergingEpoch?: OffsetAndEpoch;
  readonly snapshotId?: SnapshotId;
}

/** FetchSnapshot (KIP-630): read a chunk of the snapshot `snapshotId` from `position`. */
export interface FetchSnapshotRequest extends MessageBase {
  readonly type: "fetch-snapshot";
  readonly epoch: number;
  readonly replicaDirectoryId: string;
  readonly snapshotId: SnapshotId;
  readonly position: number;
}

/** Answer to FetchSnapshot: one chunk of the snapshot. */
export interface FetchSnapshotResponse extends MessageBase {
  readonly type: "fetch-snapshot-response";
  readonly error: ErrorCode;
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
  readonly snapshotId: SnapshotId;
  /** Total size of the snapshot in bytes. */
  readonly size: number;
  readonly position: number;
  readonly bytes: Uint8Array;
  /** The voter set stored in the snapshot (Kafka stores it as a `VotersRecord` in the snapshot header). */
  readonly voters: readonly ReplicaKey[];
}

/** State of one replica as the leader reports it in DescribeQuorum. */
export interface ReplicaDescription {
  readonly id: NodeId;
  readonly directoryId: string;
  /** -1 when unknown. */
  readonly logEndOffset: number;
  /** Tick of the last Fetch, -1 if never. */
  readonly lastFetchTick: number;
  /** Tick at which the replica last had fetched up to the leader's end offset, -1 if never. */
  readonly lastCaughtUpTick: number;
}

/** DescribeQuorum (KIP-595/836): ask the leader for the quorum's state. */
export interface DescribeQuorumRequest extends MessageBase {
  readonly type: "describe-quorum";
}

/** Answer to DescribeQuorum. */
export interface DescribeQuorumResponse extends MessageBase {
  readonly type: "describe-quorum-response";
  readonly error: ErrorCode;
  readonly epoch: number;
  readonly leaderId: NodeId | -1;
  readonly highWatermark: number;
  readonly voters: readonly ReplicaDescription[];
  readonly observers: readonly ReplicaDescription[];
}

/** AddRaftVoter (KIP-853): make an observer a voter. */
export interface AddRaftVoterRequest extends MessageBase {
  readonly type: "add-raft-voter";
  readonly voter: ReplicaKey;
}

/** RemoveRaftVoter (KIP-853): remove a voter. */
export interface RemoveRaftVoterRequest extends MessageBase {
  readonly type: "remove-raft-voter";
  readonly voter: ReplicaKey;
}

/** Answer to AddRaftVoter / RemoveRaftVoter, sent once the change commits (or is refused). */
export interface VoterChangeResponse extends MessageBase {
  readonly type: "add-raft-voter-response" | "remove-raft-voter-response";
  readonly error: ErrorCode;
  readonly detail: string;
}

/** Every message of the protocol. */
export type Message =
  | VoteRequest
  | VoteResponse
  | BeginQuorumEpochRequest
  | BeginQuorumEpochResponse
  | EndQuorumEpochRequest
  | EndQuorumEpochResponse
  | FetchRequest
  | FetchResponse
  | FetchSnapshotRequest
  | FetchSnapshotResponse
  | DescribeQuorumRequest
  | DescribeQuorumResponse
  | AddRaftVoterRequest
  | RemoveRaftVoterRequest
  | VoterChangeResponse;

/**
 * A timer of a replica. `election`: the election timeout of an unattached voter, a prospective or candidate node
 * (a candidate backing off: the backoff) and a resigned leader; `fetch`: a follower's fetch timeout (an observer:
 * its next bootstrap fetch); `check-quorum`: the leader's check-quorum timer.
 */
export type KRaftTimer = "election" | "fetch" | "check-quorum";

/** Inputs to {@link step}. */
export type Input =
  | { readonly type: "tick" }
  /** Fire `timer` now, whatever the tick count says, so a checker chooses when timers fire (etcd's MsgHup). */
  | { readonly type: "timeout"; readonly timer: KRaftTimer }
  | { readonly type: "message"; readonly message: Message }
  /** Leader proposal of user records. */
  | { readonly type: "append"; readonly records: readonly Uint8Array[] }
  /** Storage made the log durable up to `endOffset`, whose last record has `epoch`. */
  | { readonly type: "persisted"; readonly endOffset: number; readonly epoch: number }
  /** The state machine applied everything below `offset`. */
  | { readonly type: "applied"; readonly offset: number }
  /** The state machine wrote a snapshot of everything below `endOffset` (must be committed and applied). */
  | { readonly type: "create-snapshot"; readonly endOffset: number; readonly data: Uint8Array }
  /** Graceful shutdown of a leader: resign and send EndQuorumEpoch. */
  | { readonly type: "resign" };

/** Roles of Kafka's `QuorumState`. */
export type Role = "unattached" | "prospective" | "candidate" | "leader" | "follower" | "resigned";

/** Why an input was refused. The state is unchanged apart from what the protocol itself requires. */
export type RejectionCode =
  | "not-leader"
  | "invalid-message"
  | "misrouted"
  | "unknown-voter"
  | "stale-epoch"
  | "bad-offset"
  | "invalid-input"
  | "voter-change-refused"
  /** A timeout for a timer the node's role does not run. */
  | "no-such-timer"
  /** The input would break a safety rule (Kafka throws `IllegalStateException` and stops the raft client). */
  | "truncate-below-high-watermark"
  | "two-leaders-in-epoch";

/** Outputs of {@link step}, in order. */
export type Output =
  /**
   * Make durable, in this order: the quorum state, a truncation (drop every record at or after `truncateTo`),
   * new entries, a snapshot (and drop every record below its end offset). Sends that follow in the same step
   * may be sent only once this is durable.
   */
  | {
      readonly type: "persist";
      readonly quorumState?: QuorumStateRecord;
      readonly truncateTo?: number;
      readonly entries?: readonly Entry[];
      readonly snapshot?: Snapshot;
    }
  | { readonly type: "send"; readonly message: Message }
  /** The high watermark moved; `entries` are the newly committed records, in order. */
  | { readonly type: "commit"; readonly highWatermark: number; readonly entries: readonly Entry[] }
  /** The listener must load this snapshot before the next commit (Kafka's `handleLoadSnapshot`). */
  | { readonly type: "load-snapshot"; readonly snapshot: Snapshot }
  | { readonly type: "role-change"; readonly role: Role; readonly epoch: number; readonly leaderId: NodeId | -1 }
  /** A leader accepted an `append`: its records got offsets [baseOffset, endOffset). */
  | { readonly type: "appended"; readonly epoch: number; readonly baseOffset: number; readonly endOffset: number }
  | {
      readonly type: "rejected";
      readonly reason: RejectionCode;
      readonly detail: string;
      readonly leaderHint: NodeId | -1;
    };

/** Typed exception: invalid configuration or persisted state given to {@link createKRaft}. */
export class KRaftConfigError extends Error {
  override readonly name = "KRaftConfigError";
  constructor(
    readonly code: "invalid-config" | "invalid-persisted-state",
    message: string,
  ) {
    super(message);
  }
}

/**
 * A safety rule would be broken (Kafka throws `IllegalStateException` and stops the raft thread). Thrown only
 * inside the core to abandon a step: `step` catches it and returns the state it was given with a `rejected`
 * output whose `reason` is this `code`; the node must stop and an operator must investigate.
 */
export class KRaftFatalError extends Error {
  override readonly name = "KRaftFatalError";
  constructor(
    readonly code: "truncate-below-high-watermark" | "two-leaders-in-epoch",
    message: string,
  ) {
    super(message);
  }
}
