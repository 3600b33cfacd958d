/**
 * The state of one Raft node, and `createRaft`, which builds it from a config and (on restart) from what
 * storage holds.
 * @module
 */
import { applyConfChange, decodeConfChange } from "./confchange.js";
import { RaftError } from "./errors.js";
import { lastIndex, newLog, type RaftLog } from "./log.js";
import { nextState, seedState } from "./prng.js";
import { newTracker, type Tracker } from "./tracker/tracker.js";
import type {
  ConfigState,
  Entry,
  NodeId,
  Output,
  PersistedState,
  RaftConfig,
  ReadRequestId,
  Role,
  Snapshot,
} from "./types.js";

/** Validated options with defaults filled in. */
export interface Options {
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly lazyCommit: boolean;
  readonly readOnly: "safe" | "lease-based";
  readonly maxInflightMsgs: number;
  readonly maxSizePerMsg: number;
  readonly maxUncommittedEntriesSize: number;
}

/** A read request waiting for a heartbeat round to confirm leadership. */
export interface PendingRead {
  readonly requestId: ReadRequestId;
  /** The commit index when the request arrived: served once applied up to it. */
  readonly index: number;
  /** The heartbeat round that must be acknowledged by a quorum. */
  readonly round: number;
}

/** ReadIndex bookkeeping of a leader. */
export interface ReadState {
  /** Last heartbeat round started for reads. */
  round: number;
  /** Requests waiting for their round to be acknowledged, in order. */
  pending: PendingRead[];
  /** Requests that arrived before the leader committed an entry of its term. */
  waiting: ReadRequestId[];
  /** Highest round each peer acknowledged. */
  acked: Map<NodeId, number>;
  /**
   * Lease reads only (§6.4.1), on a leader: for each of its last `electionTick - 1` ticks, oldest first, the last
   * round started before that tick. A round above the oldest mark was sent within the lease; empty elsewhere.
   */
  roundAtTick: number[];
  /** Lease reads only: this leader sent `timeout-now` in its term, so its followers may vote at once (no lease). */
  leaseRevoked: boolean;
}

/** A snapshot being received in chunks. */
export interface IncomingSnapshot {
  readonly from: NodeId;
  readonly index: number;
  readonly term: number;
  readonly config: ConfigState;
  readonly size: number;
  readonly chunks: Uint8Array[];
  received: number;
}

/** Per-step scratch: outputs collected while handling one input (reset by every step). */
export interface Outbox {
  /**
   * `send` outputs in order; created on first use. The step puts the `persist` output before them (a leader's
   * after them).
   */
  sends: Output[] | undefined;
  /** Outputs that follow the sends: apply, read-ready, role changes, rejections; created on first use. */
  post: Output[] | undefined;
  /** New entries to persist, in order (undefined: none). */
  entries: Entry[] | undefined;
  /** Lowest index truncated in this step (0: none). */
  truncateFrom: number;
  /** Snapshot to persist in this step. */
  snapshot: Snapshot | undefined;
  /**
   * Persist the hard state even if it did not change: a send of this step vouches for it (a vote granted
   * again), so that send must wait for this step's write — and so for every earlier write still in flight.
   */
  syncHardState: boolean;
}

/**
 * The whole state of a node: plain data (objects, arrays, Maps), so `structuredClone` copies it. `step`
 * mutates it in place; keep a clone if an older version is needed. Read it through the observers in
 * `observe.ts` rather than by field.
 */
export interface RaftState {
  readonly id: NodeId;
  readonly opts: Options;
  /** PRNG state (see prng.ts). */
  rng: number;
  term: number;
  vote: NodeId | 0;
  role: Role;
  leader: NodeId | 0;
  log: RaftLog;
  tracker: Tracker;
  /** Configuration in force at the log's offset (the latest snapshot). */
  baseConfig: ConfigState;
  /** Configurations applied after the offset, by entry index, oldest first. */
  configHistory: { index: number; config: ConfigState }[];
  electionElapsed: number;
  /**
   * Lease reads only: restarted from a persisted term, this node may have answered a leader's heartbeat before it
   * crashed, and that leader's lease counts on its promise not to vote; it refuses votes as if in contact with a
   * leader until its election timer has run once (or it campaigns).
   */
  restartLease: boolean;
  heartbeatElapsed: number;
  randomizedElectionTimeout: number;
  /** Leadership transfer target (0: none). */
  leadTransferee: NodeId | 0;
  /** Index of the latest conf-change entry proposed by this leader. */
  pendingConfIndex: number;
  /** Bytes of data in uncommitted entries appended by this leader. */
  uncommittedSize: number;
  reads: ReadState;
  incoming: IncomingSnapshot | undefined;
  /**
   * A follower's acknowledgement that waits for storage (0: none): the highest index it verified against the
   * current leader's log but does not hold durably yet. Sent when a `persisted` input covers it.
   */
  pendingAck: number;
  out: Outbox;
}

function fail(message: string): never {
  throw new RaftError("invalid-config", message);
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x > 0;
}

function checkIds(name: string, ids: unknown): NodeId[] {
  if (!Array.isArray(ids)) fail(`${name} must be an array of node ids`);
  const seen = new Set<number>();
  for (const id of ids as unknown[]) {
    if (!isPositiveInt(id)) fail(`${name} must hold positive integers, got ${JSON.stringify(id)}`);
    if (seen.has(id)) fail(`${name} lists node ${id} twice`);
    seen.add(id);
  }
  return ids as NodeId[];
}

/** Validates a config; throws a {@link RaftError} (`invalid-config`) saying what to fix. */
export function validateConfig(c: RaftConfig): Options {
  if (typeof c !== "object" || c === null) fail("config must be an object");
  if (!isPositiveInt(c.id)) fail(`config.id must be a positive integer, got ${JSON.stringify(c.id)}`);
  const voters = checkIds("config.voters", c.voters);
  const learners = checkIds("config.learners", c.learners ?? []);
  for (const id of learners) if (voters.includes(id)) fail(`node ${id} cannot be both voter and learner`);
  if (!isPositiveInt(c.heartbeatTick)) fail("config.heartbeatTick must be a positive integer");
  if (!isPositiveInt(c.electionTick) || c.electionTick <= c.heartbeatTick) {
    fail(`config.electionTick (${c.electionTick}) must be an integer above heartbeatTick (${c.heartbeatTick}); etcd uses 10 and 1`);
  }
  if (typeof c.seed !== "number" || !Number.isInteger(c.seed)) fail("config.seed must be an integer");
  const readOnly = c.readOnly ?? "safe";
  if (readOnly !== "safe" && readOnly !== "lease-based") fail(`config.readOnly must be "safe" or "lease-based"`);
  if (readOnly === "lease-based" && c.checkQuorum !== true) {
    fail('config.readOnly "lease-based" is only safe with checkQuorum: true; enable it or use "safe"');
  }
  const maxInflightMsgs = c.maxInflightMsgs ?? 256;
  if (!isPositiveInt(maxInflightMsgs)) fail("config.maxInflightMsgs must be a positive integer");
  const maxSizePerMsg = c.maxSizePerMsg ?? Infinity;
  if (!(maxSizePerMsg === Infinity || isPositiveInt(maxSizePerMsg))) fail("config.maxSizePerMsg must be a positive integer");
  const maxUncommittedEntriesSize = c.maxUncommittedEntriesSize ?? Infinity;
  if (!(maxUncommittedEntriesSize === Infinity || isPositiveInt(maxUncommittedEntriesSize))) {
    fail("config.maxUncommittedEntriesSize must be a positive integer");
  }
  if (c.applied !== undefined && !(Number.isInteger(c.applied) && c.applied >= 0)) fail("config.applied must be a non-negative integer");
  return {
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    preVote: c.preVote === true,
    checkQuorum: c.checkQuorum === true,
    lazyCommit: c.lazyCommit === true,
    readOnly,
    maxInflightMsgs,
    maxSizePerMsg,
    maxUncommittedEntriesSize,
  };
}

function badPersisted(message: string): never {
  throw new RaftError("invalid-persisted-state", message);
}

/** Checks that persisted entries are contiguous after the snapshot with non-decreasing terms. */
function checkPersisted(p: PersistedState): void {
  const hs = p.hardState;
  if (typeof hs !== "object" || hs === null) badPersisted("persisted.hardState is missing");
  for (const k of ["term", "vote", "commit"] as const) {
    if (!Number.isInteger(hs[k]) || hs[k] < 0) badPersisted(`persisted.hardState.${k} must be a non-negative integer`);
  }
  if (!Array.isArray(p.entries)) badPersisted("persisted.entries must be an array");
  let index = p.snapshot?.index ?? 0;
  let term = p.snapshot?.term ?? 0;
  for (const e of p.entries) {
    if (e.index !== index + 1) badPersisted(`persisted entries must be contiguous: expected index ${index + 1}, got ${e.index}`);
    if (!(e.term >= term)) badPersisted(`persisted entry ${e.index} has term ${e.term} below its predecessor's ${term}`);
    if (e.term > hs.term) badPersisted(`persisted entry ${e.index} has term ${e.term} above the hard state's term ${hs.term}`);
    index = e.index;
    term = e.term;
  }
  if (hs.commit > index) badPersisted(`persisted commit ${hs.commit} is beyond the last persisted entry ${index}`);
}

/** Draws a new randomized election timeout in [electionTick, 2·electionTick). */
export function resetRandomizedElectionTimeout(s: RaftState): void {
  s.rng = nextState(s.rng);
  s.randomizedElectionTimeout = s.opts.electionTick + (s.rng % s.opts.electionTick);
}

/** A fresh, empty per-step outbox. */
export function newOutbox(): Outbox {
  return { sends: undefined, post: undefined, entries: undefined, truncateFrom: 0, snapshot: undefined, syncHardState: false };
}

/** Queues an output that follows this step's sends (apply, read-ready, role change, rejection). */
export function emit(s: RaftState, o: Output): void {
  const out = s.out;
  if (out.post === undefined) out.post = [o];
  else out.post.push(o);
}

/**
 * Creates a node. Without `persisted` it starts empty (term 0, no log); with it, the node restarts from
 * exactly what storage acknowledged as durable — hard state, snapshot and entries — and anything it had not
 * persisted is gone. Entries committed but not yet applied (above `config.applied`) are handed out again by
 * the first step. Throws {@link RaftError} (`invalid-config`, `invalid-persisted-state`) on bad arguments.
 */
export function createRaft(config: RaftConfig, persisted?: PersistedState): RaftState {
  const opts = validateConfig(config);
  if (persisted !== undefined) checkPersisted(persisted);
  const snapshot = persisted?.snapshot;
  const log = newLog(snapshot?.index ?? 0, snapshot?.term ?? 0, persisted ? [...persisted.entries] : [], snapshot);
  const hs = persisted?.hardState ?? { term: 0, vote: 0, commit: 0 };
  log.committed = Math.max(hs.commit, log.offset);
  const applied = Math.min(Math.max(config.applied ?? log.offset, log.offset), log.committed);
  log.applied = applied;
  log.applying = applied;
  const baseConfig: ConfigState = snapshot?.config ?? {
    voters: [...config.voters],
    votersOutgoing: [],
    learners: [...(config.learners ?? [])],
    learnersNext: [],
    autoLeave: false,
  };
  // Conf changes already applied before the crash take effect again; later ones when handed out again.
  const configHistory: { index: number; config: ConfigState }[] = [];
  let current = baseConfig;
  for (let i = log.offset + 1; i <= applied; i++) {
    const e = log.entries[i - log.offset - 1]!;
    if (e.kind !== "conf-change") continue;
    const change = decodeConfChange(e.data);
    const r = change === undefined ? undefined : applyConfChange(current, change);
    if (r?.ok === true) {
      current = r.config;
      configHistory.push({ index: i, config: current });
    }
  }
  const s: RaftState = {
    id: config.id,
    opts,
    rng: seedState(config.seed),
    term: hs.term,
    vote: hs.vote,
    role: "follower",
    leader: 0,
    log,
    tracker: newTracker(current, lastIndex(log) + 1, opts.maxInflightMsgs),
    baseConfig,
    configHistory,
    electionElapsed: 0,
    restartLease: opts.readOnly === "lease-based" && hs.term > 0,
    heartbeatElapsed: 0,
    randomizedElectionTimeout: opts.electionTick,
    leadTransferee: 0,
    pendingConfIndex: 0,
    uncommittedSize: 0,
    reads: { round: 0, pending: [], waiting: [], acked: new Map(), roundAtTick: [], leaseRevoked: false },
    incoming: undefined,
    pendingAck: 0,
    out: newOutbox(),
  };
  resetRandomizedElectionTimeout(s);
  return s;
}
