/**
 * Binary encoding of the KRaft core's data (records, quorum state, snapshots) and of every KRaft message. Used
 * by the storage adapter (record and snapshot payloads) and the transport (message frames).
 * @module
 */
import type { Entry, ErrorCode, Message, OffsetAndEpoch, QuorumStateRecord, ReplicaDescription, ReplicaKey, SnapshotId } from "../../core/kraft/types.js";
import { ByteReader, ByteWriter, CodecError, readBytes, readCount, readEnum, readMaybe, readUints, writeBytes, writeMaybe, writeUints } from "./bytes.js";

/** Message type tags, in wire order: never reorder, only append. */
export const KRAFT_MESSAGE_TYPES: readonly Message["type"][] = [
  "vote",
  "vote-response",
  "begin-quorum-epoch",
  "begin-quorum-epoch-response",
  "end-quorum-epoch",
  "end-quorum-epoch-response",
  "fetch",
  "fetch-response",
  "fetch-snapshot",
  "fetch-snapshot-response",
  "describe-quorum",
  "describe-quorum-response",
  "add-raft-voter",
  "remove-raft-voter",
  "add-raft-voter-response",
  "remove-raft-voter-response",
];
/** Error codes, in wire order: never reorder, only append. */
export const KRAFT_ERROR_CODES: readonly ErrorCode[] = [
  "none",
  "fenced-leader-epoch",
  "unknown-leader-epoch",
  "not-leader-or-follower",
  "invalid-request",
  "invalid-voter-key",
  "snapshot-not-found",
  "position-out-of-range",
  "request-timed-out",
  "duplicate-voter",
  "voter-not-found",
  "invalid-update-version",
];
const KINDS: readonly Entry["kind"][] = ["data", "leader-change", "voters"];
const TAG = new Map(KRAFT_MESSAGE_TYPES.map((t, i) => [t, i]));
const ERR = new Map(KRAFT_ERROR_CODES.map((t, i) => [t, i]));

/** Writes a replica key. */
export function writeKey(w: ByteWriter, k: ReplicaKey): void {
  w.varUint(k.id);
  w.string(k.directoryId);
}
/** Reads a replica key. */
export function readKey(r: ByteReader): ReplicaKey {
  return { id: r.varUint(), directoryId: r.string() };
}
/** Writes a list of replica keys. */
export function writeKeys(w: ByteWriter, ks: readonly ReplicaKey[]): void {
  w.varUint(ks.length);
  for (const k of ks) writeKey(w, k);
}
/** Reads a list of replica keys. */
export function readKeys(r: ByteReader): ReplicaKey[] {
  const n = readCount(r);
  const out: ReplicaKey[] = [];
  for (let i = 0; i < n; i++) out.push(readKey(r));
  return out;
}

/** Writes a record's body without offset and epoch (the storage record carries those). */
export function writeRecordBody(w: ByteWriter, e: Entry): void {
  w.u8(KINDS.indexOf(e.kind));
  switch (e.kind) {
    case "data":
      w.bytes(e.data);
      return;
    case "leader-change":
      w.varUint(e.leaderId);
      writeUints(w, e.voters);
      writeUints(w, e.grantingVoters);
      return;
    case "voters":
      writeKeys(w, e.voters);
      return;
  }
}

/** Reads a record body written by {@link writeRecordBody}. */
export function readRecordBody(r: ByteReader, offset: number, epoch: number): Entry {
  const kind = readEnum(r, KINDS, "record kind");
  switch (kind) {
    case "data": {
      const data = r.buf.slice(r.pos);
      r.pos = r.buf.length;
      return { offset, epoch, kind, data };
    }
    case "leader-change":
      return { offset, epoch, kind, leaderId: r.varUint(), voters: readUints(r), grantingVoters: readUints(r) };
    case "voters":
      return { offset, epoch, kind, voters: readKeys(r) };
  }
}

function writeRecord(w: ByteWriter, e: Entry): void {
  w.varUint(e.offset);
  w.varUint(e.epoch);
  const body = new ByteWriter(32);
  writeRecordBody(body, e);
  writeBytes(w, body.view());
}

function readRecord(r: ByteReader): Entry {
  const offset = r.varUint();
  const epoch = r.varUint();
  const body = readBytes(r);
  const br = new ByteReader(body, "MALFORMED_RECORD");
  const e = readRecordBody(br, offset, epoch);
  if (!br.done) br.fail("trailing bytes in a record");
  return e;
}

/** Writes the quorum-state payload (the epoch travels as the generic term). */
export function writeQuorumState(w: ByteWriter, q: QuorumStateRecord): void {
  writeMaybe(w, q.leaderId);
  writeMaybe(w, q.votedId);
  w.string(q.votedDirectoryId);
}

/** Reads the quorum-state payload. */
export function readQuorumState(r: ByteReader, epoch: number): QuorumStateRecord {
  return { epoch, leaderId: readMaybe(r), votedId: readMaybe(r), votedDirectoryId: r.string() };
}

function writeError(w: ByteWriter, e: ErrorCode): void {
  const i = ERR.get(e);
  if (i === undefined) throw new CodecError("malformed", `unknown KRaft error code ${String(e)}`);
  w.u8(i);
}
const readError = (r: ByteReader): ErrorCode => readEnum(r, KRAFT_ERROR_CODES, "KRaft error code");

function writeOE(w: ByteWriter, o: OffsetAndEpoch | SnapshotId): void {
  w.varUint(o.endOffset);
  w.varUint(o.epoch);
}
function readOE(r: ByteReader): { endOffset: number; epoch: number } {
  return { endOffset: r.varUint(), epoch: r.varUint() };
}

function writeReplicas(w: ByteWriter, rs: readonly ReplicaDescription[]): void {
  w.varUint(rs.length);
  for (const x of rs) {
    w.varUint(x.id);
    w.string(x.directoryId);
    writeMaybe(w, x.logEndOffset);
    writeMaybe(w, x.lastFetchTick);
    writeMaybe(w, x.lastCaughtUpTick);
  }
}
function readReplicas(r: ByteReader): ReplicaDescription[] {
  const n = readCount(r);
  const out: ReplicaDescription[] = [];
  for (let i = 0; i < n; i++) out.push({ id: r.varUint(), directoryId: r.string(), logEndOffset: readMaybe(r), lastFetchTick: readMaybe(r), lastCaughtUpTick: readMaybe(r) });
  return out;
}

/** Writes a message: type tag, from, to, then the fields of its type. */
export function writeKRaftMessage(w: ByteWriter, m: Message): void {
  const tag = TAG.get(m.type);
  if (tag === undefined) throw new CodecError("malformed", `unknown KRaft message type ${String(m.type)}`);
  w.u8(tag);
  w.varUint(m.from);
  w.varUint(m.to);
  switch (m.type) {
    case "vote":
      w.varUint(m.epoch);
      w.u8(m.preVote ? 1 : 0);
      w.string(m.candidateDirectoryId);
      w.string(m.voterDirectoryId);
      w.varUint(m.lastEpoch);
      w.varUint(m.lastEndOffset);
      return;
    case "vote-response":
      writeError(w, m.error);
      w.varUint(m.epoch);
      writeMaybe(w, m.leaderId);
      w.u8(m.preVote ? 1 : 0);
      w.u8(m.granted ? 1 : 0);
      return;
    case "begin-quorum-epoch":
      w.varUint(m.epoch);
      w.varUint(m.leaderId);
      w.string(m.voterDirectoryId);
      return;
    case "begin-quorum-epoch-response":
    case "end-quorum-epoch-response":
      writeError(w, m.error);
      w.varUint(m.epoch);
      writeMaybe(w, m.leaderId);
      return;
    case "end-quorum-epoch":
      w.varUint(m.epoch);
      w.varUint(m.leaderId);
      writeKeys(w, m.preferredSuccessors);
      return;
    case "fetch":
      w.varUint(m.epoch);
      w.string(m.replicaDirectoryId);
      w.varUint(m.fetchOffset);
      w.varUint(m.lastFetchedEpoch);
      if (m.highWatermark === undefined) w.u8(0);
      else {
        w.u8(1);
        writeMaybe(w, m.highWatermark);
      }
      return;
    case "fetch-response":
      writeError(w, m.error);
      w.varUint(m.epoch);
      writeMaybe(w, m.leaderId);
      writeMaybe(w, m.highWatermark);
      w.varUint(m.fetchOffset);
      w.varUint(m.lastFetchedEpoch);
      w.varUint(m.records.length);
      for (const e of m.records) writeRecord(w, e);
      w.u8((m.divergingEpoch === undefined ? 0 : 1) | (m.snapshotId === undefined ? 0 : 2));
      if (m.divergingEpoch !== undefined) writeOE(w, m.divergingEpoch);
      if (m.snapshotId !== undefined) writeOE(w, m.snapshotId);
      return;
    case "fetch-snapshot":
      w.varUint(m.epoch);
      w.string(m.replicaDirectoryId);
      writeOE(w, m.snapshotId);
      w.varUint(m.position);
      return;
    case "fetch-snapshot-response":
      writeError(w, m.error);
      w.varUint(m.epoch);
      writeMaybe(w, m.leaderId);
      writeOE(w, m.snapshotId);
      w.varUint(m.size);
      w.varUint(m.position);
      writeBytes(w, m.bytes);
      writeKeys(w, m.voters);
      return;
    case "describe-quorum":
      return;
    case "describe-quorum-response":
      writeError(w, m.error);
      w.varUint(m.epoch);
      writeMaybe(w, m.leaderId);
      writeMaybe(w, m.highWatermark);
      writeReplicas(w, m.voters);
      writeReplicas(w, m.observers);
      return;
    case "add-raft-voter":
    case "remove-raft-voter":
      writeKey(w, m.voter);
      return;
    case "add-raft-voter-response":
    case "remove-raft-voter-response":
      writeError(w, m.error);
      w.string(m.detail);
      return;
  }
}

/** Reads a message written by {@link writeKRaftMessage}. */
export function readKRaftMessage(r: ByteReader): Message {
  const type = readEnum(r, KRAFT_MESSAGE_TYPES, "KRaft message type");
  const from = r.varUint();
  const to = r.varUint();
  switch (type) {
    case "vote":
      return { type, from, to, epoch: r.varUint(), preVote: r.bool(), candidateDirectoryId: r.string(), voterDirectoryId: r.string(), lastEpoch: r.varUint(), lastEndOffset: r.varUint() };
    case "vote-response":
      return { type, from, to, error: readError(r), epoch: r.varUint(), leaderId: readMaybe(r), preVote: r.bool(), granted: r.bool() };
    case "begin-quorum-epoch":
      return { type, from, to, epoch: r.varUint(), leaderId: r.varUint(), voterDirectoryId: r.string() };
    case "begin-quorum-epoch-response":
    case "end-quorum-epoch-response":
      return { type, from, to, error: readError(r), epoch: r.varUint(), leaderId: readMaybe(r) };
    case "end-quorum-epoch":
      return { type, from, to, epoch: r.varUint(), leaderId: r.varUint(), preferredSuccessors: readKeys(r) };
    case "fetch": {
      const epoch = r.varUint();
      const replicaDirectoryId = r.string();
      const fetchOffset = r.varUint();
      const lastFetchedEpoch = r.varUint();
      const has = r.bool();
      return has ? { type, from, to, epoch, replicaDirectoryId, fetchOffset, lastFetchedEpoch, highWatermark: readMaybe(r) } : { type, from, to, epoch, replicaDirectoryId, fetchOffset, lastFetchedEpoch };
    }
    case "fetch-response": {
      const error = readError(r);
      const epoch = r.varUint();
      const leaderId = readMaybe(r);
      const highWatermark = readMaybe(r);
      const fetchOffset = r.varUint();
      const lastFetchedEpoch = r.varUint();
      const n = readCount(r);
      const records: Entry[] = [];
      for (let i = 0; i < n; i++) records.push(readRecord(r));
      const flags = r.u8();
      if (flags > 3) throw new CodecError("malformed", `bad fetch-response flags ${flags}`);
      const out: Record<string, unknown> = { type, from, to, error, epoch, leaderId, highWatermark, fetchOffset, lastFetchedEpoch, records };
      if (flags & 1) out.divergingEpoch = readOE(r);
      if (flags & 2) out.snapshotId = readOE(r);
      return out as unknown as Message;
    }
    case "fetch-snapshot":
      return { type, from, to, epoch: r.varUint(), replicaDirectoryId: r.string(), snapshotId: readOE(r), position: r.varUint() };
    case "fetch-snapshot-response":
      return { type, from, to, error: readError(r), epoch: r.varUint(), leaderId: readMaybe(r), snapshotId: readOE(r), size: r.varUint(), position: r.varUint(), bytes: readBytes(r), voters: readKeys(r) };
    case "describe-quorum":
      return { type, from, to };
    case "describe-quorum-response":
      return { type, from, to, error: readError(r), epoch: r.varUint(), leaderId: readMaybe(r), highWatermark: readMaybe(r), voters: readReplicas(r), observers: readReplicas(r) };
    case "add-raft-voter":
    case "remove-raft-voter":
      return { type, from, to, voter: readKey(r) };
    case "add-raft-voter-response":
    case "remove-raft-voter-response":
      return { type, from, to, error: readError(r), detail: r.string() };
  }
}
