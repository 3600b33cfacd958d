/** fast-check generators of every Raft, KRaft and ZooKeeper-ensemble message kind. */
import fc from "fast-check";
import type * as raft from "../../src/core/raft/types.js";
import type * as kraft from "../../src/core/kraft/types.js";
import type { EnsembleMessage, ForwardedCommand } from "../../src/core/zk-ensemble/types.js";

const id = fc.integer({ min: 0, max: 1_000_000 });
const num = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const maybe = fc.oneof(fc.constant(-1), num);
const bytes = fc.uint8Array({ maxLength: 64 });
const ids = fc.array(id, { maxLength: 5 });

const raftEntry: fc.Arbitrary<raft.Entry> = fc.record({ index: num, term: num, kind: fc.constantFrom<raft.EntryKind>("normal", "conf-change"), data: bytes });
const config: fc.Arbitrary<raft.ConfigState> = fc.record({ voters: ids, votersOutgoing: ids, learners: ids, learnersNext: ids, autoLeave: fc.boolean() });
const base = { from: id, to: id, term: num };

/** Every Raft message type. */
export const raftMessage: fc.Arbitrary<raft.Message> = fc.oneof(
  fc.record({ ...base, type: fc.constantFrom("vote" as const, "pre-vote" as const), lastIndex: num, lastTerm: num, transfer: fc.boolean() }),
  fc.record({ ...base, type: fc.constantFrom("vote-response" as const, "pre-vote-response" as const), reject: fc.boolean() }),
  fc.record({ ...base, type: fc.constant("append" as const), prevIndex: num, prevTerm: num, entries: fc.array(raftEntry, { maxLength: 4 }), commit: num }),
  fc.record({ ...base, type: fc.constant("append-response" as const), reject: fc.boolean(), index: num, hintIndex: num, hintTerm: num }),
  fc.record({ ...base, type: fc.constant("heartbeat" as const), commit: num, context: num }),
  fc.record({ ...base, type: fc.constant("heartbeat-response" as const), context: num }),
  fc.record({ ...base, type: fc.constant("snapshot" as const), snapshot: fc.record({ index: num, term: num, config }), size: num, offset: num, data: bytes, done: fc.boolean() }),
  fc.record({ ...base, type: fc.constant("snapshot-response" as const), index: num, received: num }),
  fc.record({ ...base, type: fc.constant("timeout-now" as const) }),
);

/** The Raft message types the generator covers. */
export const RAFT_TYPES = ["vote", "pre-vote", "vote-response", "pre-vote-response", "append", "append-response", "heartbeat", "heartbeat-response", "snapshot", "snapshot-response", "timeout-now"];

const str = fc.string({ maxLength: 12 });
const key: fc.Arbitrary<kraft.ReplicaKey> = fc.record({ id, directoryId: str });
const keys = fc.array(key, { maxLength: 4 });
const oe = fc.record({ endOffset: num, epoch: num });
const err = fc.constantFrom<kraft.ErrorCode>("none", "fenced-leader-epoch", "unknown-leader-epoch", "not-leader-or-follower", "invalid-request", "invalid-voter-key", "snapshot-not-found", "position-out-of-range", "request-timed-out", "duplicate-voter", "voter-not-found", "invalid-update-version");
const kEntry: fc.Arbitrary<kraft.Entry> = fc.oneof(
  fc.record({ offset: num, epoch: num, kind: fc.constant("data" as const), data: bytes }),
  fc.record({ offset: num, epoch: num, kind: fc.constant("leader-change" as const), leaderId: id, voters: ids, grantingVoters: ids }),
  fc.record({ offset: num, epoch: num, kind: fc.constant("voters" as const), voters: keys }),
);
const replica: fc.Arbitrary<kraft.ReplicaDescription> = fc.record({ id, directoryId: str, logEndOffset: maybe, lastFetchTick: maybe, lastCaughtUpTick: maybe });
const kb = { from: id, to: id };

/** Every KRaft message type. */
export const kraftMessage: fc.Arbitrary<kraft.Message> = fc.oneof(
  fc.record({ ...kb, type: fc.constant("vote" as const), epoch: num, preVote: fc.boolean(), candidateDirectoryId: str, voterDirectoryId: str, lastEpoch: num, lastEndOffset: num }),
  fc.record({ ...kb, type: fc.constant("vote-response" as const), error: err, epoch: num, leaderId: maybe, preVote: fc.boolean(), granted: fc.boolean() }),
  fc.record({ ...kb, type: fc.constant("begin-quorum-epoch" as const), epoch: num, leaderId: id, voterDirectoryId: str }),
  fc.record({ ...kb, type: fc.constantFrom("begin-quorum-epoch-response" as const, "end-quorum-epoch-response" as const), error: err, epoch: num, leaderId: maybe }),
  fc.record({ ...kb, type: fc.constant("end-quorum-epoch" as const), epoch: num, leaderId: id, preferredSuccessors: keys }),
  fc.record({ ...kb, type: fc.constant("fetch" as const), epoch: num, replicaDirectoryId: str, fetchOffset: num, lastFetchedEpoch: num, highWatermark: maybe }, { requiredKeys: ["type", "from", "to", "epoch", "replicaDirectoryId", "fetchOffset", "lastFetchedEpoch"] }),
  fc.record(
    { ...kb, type: fc.constant("fetch-response" as const), error: err, epoch: num, leaderId: maybe, highWatermark: maybe, fetchOffset: num, lastFetchedEpoch: num, records: fc.array(kEntry, { maxLength: 4 }), divergingEpoch: oe, snapshotId: oe },
    { requiredKeys: ["type", "from", "to", "error", "epoch", "leaderId", "highWatermark", "fetchOffset", "lastFetchedEpoch", "records"] },
  ),
  fc.record({ ...kb, type: fc.constant("fetch-snapshot" as const), epoch: num, replicaDirectoryId: str, snapshotId: oe, position: num }),
  fc.record({ ...kb, type: fc.constant("fetch-snapshot-response" as const), error: err, epoch: num, leaderId: maybe, snapshotId: oe, size: num, position: num, bytes, voters: keys }),
  fc.record({ ...kb, type: fc.constant("describe-quorum" as const) }),
  fc.record({ ...kb, type: fc.constant("describe-quorum-response" as const), error: err, epoch: num, leaderId: maybe, highWatermark: maybe, voters: fc.array(replica, { maxLength: 3 }), observers: fc.array(replica, { maxLength: 3 }) }),
  fc.record({ ...kb, type: fc.constantFrom("add-raft-voter" as const, "remove-raft-voter" as const), voter: key }),
  fc.record({ ...kb, type: fc.constantFrom("add-raft-voter-response" as const, "remove-raft-voter-response" as const), error: err, detail: fc.string({ maxLength: 30 }) }),
) as fc.Arbitrary<kraft.Message>;

/** The KRaft message types the generator covers. */
export const KRAFT_TYPES = [
  "vote", "vote-response", "begin-quorum-epoch", "begin-quorum-epoch-response", "end-quorum-epoch", "end-quorum-epoch-response", "fetch", "fetch-response",
  "fetch-snapshot", "fetch-snapshot-response", "describe-quorum", "describe-quorum-response", "add-raft-voter", "remove-raft-voter", "add-raft-voter-response", "remove-raft-voter-response",
];

const path = fc.constantFrom("/", "/a", "/a/b", "/zookeeper");
const forwardedCommand: fc.Arbitrary<ForwardedCommand> = fc.record({
  sessionId: num,
  xid: num,
  auth: fc.array(fc.record({ scheme: fc.constantFrom("ip", "digest", "super"), id: fc.string({ maxLength: 12 }) }), { maxLength: 2 }),
  request: fc.oneof(
    fc.record({ type: fc.constant("setData" as const), path, data: fc.oneof(fc.constant(null), bytes), version: fc.integer({ min: -1, max: 5 }) }),
    fc.record({ type: fc.constant("delete" as const), path, version: fc.integer({ min: -1, max: 5 }) }),
    fc.record({ type: fc.constant("closeSession" as const) }),
  ),
  origin: id,
}) as fc.Arbitrary<ForwardedCommand>;

/** Every message of the replicated ZooKeeper service (the transport's `zk` family). */
export const ensembleMessage: fc.Arbitrary<EnsembleMessage> = fc.oneof(
  raftMessage.map((message): EnsembleMessage => ({ type: "raft", from: message.from, to: message.to, message })),
  fc.record({ type: fc.constant("forward" as const), from: id, to: id, command: forwardedCommand }),
  fc.record({ type: fc.constant("read-index" as const), from: id, to: id, id: num }),
  fc.record({ type: fc.constant("read-index-response" as const), from: id, to: id, id: num, index: maybe }),
  fc.record({ type: fc.constant("touch" as const), from: id, to: id, sessions: fc.array(num, { maxLength: 5 }) }),
);

/** The ensemble message types the generator covers. */
export const ENSEMBLE_TYPES = ["raft", "forward", "read-index", "read-index-response", "touch"];
