/**
 * The KRaft core's state, per-role sub-states (Kafka's `EpochState` classes) and `createKRaft`.
 */
import { KRaftConfigError } from "./types.js";
import type {
  Entry,
  KRaftConfig,
  NodeId,
  PersistedState,
  QuorumStateRecord,
  ReplicaKey,
  ResolvedConfig,
  Snapshot,
  SnapshotId,
} from "./types.js";
import { appendEntries, emptyLog, type LogView } from "./log.js";
import { nextInt as nextIntLocal, seedRng } from "./prng.js";
import type { VoterHistory } from "./voters.js";

/** Unattached (Kafka's `UnattachedState`, which absorbed `VotedState`): epoch known, no leader, maybe a vote. */
export interface UnattachedRole {
  readonly kind: "unattached";
  readonly votedKey: ReplicaKey | null;
  readonly electionDeadline: number;
  /** Observers fetch from bootstrap voters to discover the leader; next such fetch and round-robin cursor. */
  readonly bootstrapFetchAt: number;
  readonly bootstrapCursor: number;
}

/** KIP-996 pre-vote: same epoch, nothing persisted. */
export interface ProspectiveRole {
  readonly kind: "prospective";
  readonly leaderId: NodeId | -1;
  readonly votedKey: ReplicaKey | null;
  readonly electionDeadline: number;
  readonly granted: readonly NodeId[];
  readonly rejected: readonly NodeId[];
  readonly resendAt: number;
}

/** Candidate (KIP-595): epoch bumped and persisted, voted for itself, collecting votes. */
export interface CandidateRole {
  readonly kind: "candidate";
  readonly electionDeadline: number;
  readonly granted: readonly NodeId[];
  readonly rejected: readonly NodeId[];
  readonly resendAt: number;
  /** Tick at which the backoff after a lost election ends, -1 when not backing off. */
  readonly backoffUntil: number;
}

/** What the leader knows of one replica (Kafka's `LeaderState.ReplicaState`). */
export interface ReplicaProgress {
  readonly directoryId: string;
  /** Acknowledged end offset (the last valid fetch offset), -1 when unknown. */
  readonly endOffset: number;
  readonly lastFetchTick: number;
  readonly lastCaughtUpTick: number;
}

/** A Fetch the leader holds until there is something to return or the wait expires (Kafka's fetch purgatory). */
export interface ParkedFetch {
  readonly from: NodeId;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  readonly deadline: number;
}

/** An AddRaftVoter/RemoveRaftVoter whose `VotersRecord` is appended but not yet committed. */
export interface PendingVoterChange {
  readonly kind: "add" | "remove";
  readonly requester: NodeId;
  readonly offset: number;
}

/** Leader (Kafka's `LeaderState`): replica progress, check-quorum, BeginQuorumEpoch, purgatory, voter change. */
export interface LeaderRole {
  readonly kind: "leader";
  readonly epochStartOffset: number;
  readonly grantingVoters: readonly NodeId[];
  readonly replicas: ReadonlyMap<NodeId, ReplicaProgress>;
  readonly checkQuorumDeadline: number;
  /** Voters that fetched since the check-quorum timer was last reset. */
  readonly fetchedVoters: readonly NodeId[];
  /** Voters that acknowledged this epoch (BeginQuorumEpoch response or a Fetch). */
  readonly acknowledged: readonly NodeId[];
  readonly beginQuorumEpochAt: number;
  readonly parked: readonly ParkedFetch[];
  readonly pendingVoterChange: PendingVoterChange | null;
}

/** A snapshot being downloaded with FetchSnapshot. */
export interface FetchingSnapshot {
  readonly id: SnapshotId;
  readonly position: number;
  readonly buffer: Uint8Array | null;
  readonly voters: readonly ReplicaKey[];
}

/** Follower (Kafka's `FollowerState`): fetches from its leader, maybe downloading a snapshot. */
export interface FollowerRole {
  readonly kind: "follower";
  readonly leaderId: NodeId;
  readonly fetchDeadline: number;
  readonly hasFetchedFromLeader: boolean;
  /** Tick at which the outstanding Fetch/FetchSnapshot was sent, -1 when none. */
  readonly inFlightSince: number;
  /** Appended records await a `persisted` input before the next Fetch (the fetch offset is the acknowledgement). */
  readonly awaitingPersist: boolean;
  readonly fetchingSnapshot: FetchingSnapshot | null;
}

/** A leader that stepped down (graceful shutdown, check-quorum, or removed from the voters). Memory only. */
export interface ResignedRole {
  readonly kind: "resigned";
  readonly electionDeadline: number;
  readonly preferredSuccessors: readonly ReplicaKey[];
  readonly unacked: readonly NodeId[];
  readonly resendAt: number;
}

/** Per-role state, discriminated by `kind`. */
export type RoleState = UnattachedRole | ProspectiveRole | CandidateRole | LeaderRole | FollowerRole | ResignedRole;

/** The whole state of one KRaft replica. Treat as immutable; only `step` produces new ones. */
export interface KRaftState {
  readonly config: ResolvedConfig;
  /** Ticks since creation. */
  readonly now: number;
  readonly rng: number;
  readonly epoch: number;
  readonly role: RoleState;
  readonly log: LogView;
  /** Log end offset acknowledged durable by `persisted`. */
  readonly durableEnd: number;
  readonly snapshot: Snapshot | null;
  /** Exclusive: every offset below is committed. Never decreases while the process lives. */
  readonly highWatermark: number;
  readonly voterHistory: VoterHistory;
  /** Next offset to hand to the listener. */
  readonly delivered: number;
  readonly reportedHighWatermark: number;
  readonly applied: number;
  /** The last quorum-state record emitted for persistence. */
  readonly quorumState: QuorumStateRecord;
  /** Consecutive lost elections, for the binary exponential backoff. */
  readonly electionRetries: number;
}

const posInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x > 0;
const nonNegInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;

/** Validate a config and convert durations to ticks. Throws {@link KRaftConfigError}. */
export function resolveConfig(config: KRaftConfig): ResolvedConfig {
  const fail = (msg: string): never => {
    throw new KRaftConfigError("invalid-config", `${msg}; fix the KRaft config and create the node again`);
  };
  if (config === null || typeof config !== "object") fail("config must be an object");
  if (!nonNegInt(config.id)) fail(`id must be a non-negative integer, got ${String(config.id)}`);
  if (!Number.isInteger(config.seed)) fail(`seed must be an integer, got ${String(config.seed)}`);
  if (!Array.isArray(config.voters) || config.voters.length === 0) fail("voters must be a non-empty array");
  const voters: ReplicaKey[] = config.voters.map((v) => {
    const key = typeof v === "number" ? { id: v, directoryId: `dir-${v}` } : v;
    if (key === null || typeof key !== "object" || !nonNegInt(key.id) || typeof key.directoryId !== "string") {
      return fail(`voter ${JSON.stringify(v)} must be a non-negative id or { id, directoryId }`);
    }
    return { id: key.id, directoryId: key.directoryId };
  });
  if (new Set(voters.map((v) => v.id)).size !== voters.length) fail("voters contain a duplicate id");
  const ms = (name: keyof KRaftConfig, dflt: number): number => {
    const v = config[name] ?? dflt;
    if (!posInt(v)) fail(`${name} must be a positive integer (ms), got ${String(v)}`);
    return v as number;
  };
  const tickMs = ms("tickMs", 50);
  const electionTimeoutMs = ms("electionTimeoutMs", 1000);
  const fetchTimeoutMs = ms("fetchTimeoutMs", 2000);
  const electionBackoffMaxMs = ms("electionBackoffMaxMs", 1000);
  const requestTimeoutMs = ms("requestTimeoutMs", 2000);
  const fetchMaxWaitMs = ms("fetchMaxWaitMs", 500);
  const maxFetchRecords = ms("maxFetchRecords", 1000);
  const snapshotChunkBytes = ms("snapshotChunkBytes", 65536);
  const ticks = (x: number): number => Math.max(1, Math.ceil(x / tickMs));
  if (electionTimeoutMs < tickMs) fail(`electionTimeoutMs (${electionTimeoutMs}) must be at least tickMs (${tickMs})`);
  if (fetchTimeoutMs < 2 * tickMs) fail(`fetchTimeoutMs (${fetchTimeoutMs}) must be at least two ticks (${2 * tickMs} ms)`);
  const directoryId = config.directoryId ?? voters.find((v) => v.id === config.id)?.directoryId ?? `dir-${config.id}`;
  if (typeof directoryId !== "string" || directoryId === "") fail("directoryId must be a non-empty string");
  return {
    id: config.id,
    directoryId,
    bootstrapVoters: voters,
    seed: config.seed,
    tickMs,
    electionTimeoutMs,
    electionTimeoutTicks: ticks(electionTimeoutMs),
    fetchTimeoutTicks: ticks(fetchTimeoutMs),
    electionBackoffMaxMs,
    requestTimeoutTicks: ticks(requestTimeoutMs),
    fetchMaxWaitTicks: ticks(fetchMaxWaitMs),
    checkQuorumTicks: ticks(fetchTimeoutMs * 1.5),
    beginQuorumEpochTicks: ticks(fetchTimeoutMs / 2),
    maxFetchRecords,
    snapshotChunkBytes,
  };
}

/** Checks that a persisted state is a well-formed log; throws {@link KRaftConfigError} otherwise. */
function validatePersisted(p: PersistedState): void {
  const fail = (msg: string): never => {
    throw new KRaftConfigError("invalid-persisted-state", `${msg}; the storage handed to createKRaft is corrupt`);
  };
  const q = p.quorumState;
  if (q === null || typeof q !== "object" || !nonNegInt(q.epoch)) fail("quorumState.epoch must be a non-negative integer");
  if (!(q.leaderId === -1 || nonNegInt(q.leaderId))) fail("quorumState.leaderId must be -1 or a node id");
  if (!(q.votedId === -1 || nonNegInt(q.votedId))) fail("quorumState.votedId must be -1 or a node id");
  if (typeof q.votedDirectoryId !== "string") fail("quorumState.votedDirectoryId must be a string");
  if (p.snapshot !== undefined) {
    const id = p.snapshot.id;
    if (!nonNegInt(id?.endOffset) || !nonNegInt(id?.epoch) || id.epoch > q.epoch) fail("snapshot id is invalid");
    if (!Array.isArray(p.snapshot.voters) || p.snapshot.voters.length === 0) fail("snapshot has no voters");
  }
  if (!Array.isArray(p.entries)) fail("entries must be an array");
  let offset = p.snapshot?.id.endOffset ?? 0;
  let epoch = p.snapshot?.id.epoch ?? 0;
  for (const e of p.entries) {
    if (e === null || typeof e !== "object" || e.offset !== offset) fail(`entry offsets must be contiguous from ${offset}`);
    if (!nonNegInt(e.epoch) || e.epoch < epoch || e.epoch > q.epoch) fail(`entry at offset ${offset} has a bad epoch`);
    if (e.kind !== "data" && e.kind !== "leader-change" && e.kind !== "voters") fail(`entry at ${offset} has a bad kind`);
    offset++;
    epoch = e.epoch;
  }
}

/** Election timeout randomized in [T, 2T), as Kafka's `QuorumState.randomElectionTimeoutMs`, in ticks. */
export function randomElectionTicks(config: ResolvedConfig, rng: number): [ticks: number, rng: number] {
  const r = nextIntLocal(rng, config.electionTimeoutMs);
  return [Math.max(1, Math.ceil((config.electionTimeoutMs + r[0]) / config.tickMs)), r[1]];
}


/**
 * Create a replica. Without `persisted`: a fresh node at epoch 0, unattached. With it: a restart from what
 * storage acknowledged (Kafka's `QuorumState.initialize`): a former leader comes back Resigned, a former
 * candidate comes back Candidate in the same epoch, a follower comes back following, others Unattached.
 * Throws {@link KRaftConfigError} for an invalid config or corrupt persisted state.
 */
export function createKRaft(config: KRaftConfig, persisted?: PersistedState): KRaftState {
  const cfg = resolveConfig(config);
  if (persisted !== undefined) validatePersisted(persisted);
  const snapshot = persisted?.snapshot ?? null;
  let log = emptyLog(snapshot?.id.endOffset ?? 0, snapshot?.id.epoch ?? 0);
  log = appendEntries(log, (persisted?.entries ?? []) as Entry[]);
  let history: VoterHistory = [{ offset: -1, voters: snapshot?.voters ?? cfg.bootstrapVoters }];
  for (const e of persisted?.entries ?? []) if (e.kind === "voters") history = [...history, { offset: e.offset, voters: e.voters }];
  const q: QuorumStateRecord = persisted?.quorumState ?? { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" };
  let rng = seedRng(cfg.seed);
  const [timeout, rng2] = randomElectionTicks(cfg, rng);
  rng = rng2;
  const end = log.startOffset + log.count;
  let role: RoleState;
  if (q.leaderId === cfg.id) {
    role = { kind: "resigned", electionDeadline: timeout, preferredSuccessors: [], unacked: [], resendAt: 0 };
  } else if (q.leaderId >= 0) {
    role = { kind: "follower", leaderId: q.leaderId, fetchDeadline: cfg.fetchTimeoutTicks, hasFetchedFromLeader: false, inFlightSince: -1, awaitingPersist: false, fetchingSnapshot: null };
  } else if (q.votedId === cfg.id) {
    role = { kind: "candidate", electionDeadline: timeout, granted: [cfg.id], rejected: [], resendAt: 0, backoffUntil: -1 };
  } else {
    const votedKey = q.votedId >= 0 ? { id: q.votedId, directoryId: q.votedDirectoryId } : null;
    role = { kind: "unattached", votedKey, electionDeadline: timeout, bootstrapFetchAt: 0, bootstrapCursor: 0 };
  }
  const hw = snapshot?.id.endOffset ?? 0;
  return {
    config: cfg,
    now: 0,
    rng,
    epoch: q.epoch,
    role,
    log,
    durableEnd: end,
    snapshot,
    highWatermark: hw,
    voterHistory: history,
    delivered: 0,
    reportedHighWatermark: 0,
    applied: 0,
    quorumState: q,
    electionRetries: 0,
  };
}
