/**
 * Binary encoding of the Raft core's data (entries, hard state, snapshots, configurations) and of every Raft
 * message. Used by the storage adapter (entry and snapshot payloads) and the transport (message frames).
 * @module
 */
import type { ConfigState, Entry, EntryKind, Message, MessageType, SnapshotMeta } from "../../core/raft/types.js";
import { CodecError, readBytes, readCount, readEnum, readUints, writeBytes, writeUints, type ByteReader, type ByteWriter } from "./bytes.js";

/** Message type tags, in wire order: never reorder, only append. */
export const RAFT_MESSAGE_TYPES: readonly MessageType[] = [
  "vote",
  "pre-vote",
  "vote-response",
  "pre-vote-response",
  "append",
  "append-response",
  "heartbeat",
  "heartbeat-response",
  "snapshot",
  "snapshot-response",
  "timeout-now",
];
const ENTRY_KINDS: readonly EntryKind[] = ["normal", "conf-change"];
const TAG = new Map(RAFT_MESSAGE_TYPES.map((t, i) => [t, i]));

/** Writes an entry's body without index and term (the storage record carries those). */
export function writeEntryBody(w: ByteWriter, e: Entry): void {
  w.u8(ENTRY_KINDS.indexOf(e.kind));
  w.bytes(e.data);
}

/** The exact size of {@link writeEntryBody}'s bytes for `e`. */
export function entryBodyBytes(e: Entry): number {
  return 1 + e.data.length;
}

/** Reads an entry body written by {@link writeEntryBody} (the rest of the bytes are the data). */
export function readEntryBody(r: ByteReader, index: number, term: number): Entry {
  const kind = readEnum(r, ENTRY_KINDS, "entry kind");
  const data = r.buf.slice(r.pos);
  r.pos = r.buf.length;
  return { index, term, kind, data };
}

/** Writes a configuration. */
export function writeConfig(w: ByteWriter, c: ConfigState): void {
  writeUints(w, c.voters);
  writeUints(w, c.votersOutgoing);
  writeUints(w, c.learners);
  writeUints(w, c.learnersNext);
  w.u8(c.autoLeave ? 1 : 0);
}

/** Reads a configuration. */
export function readConfig(r: ByteReader): ConfigState {
  return { voters: readUints(r), votersOutgoing: readUints(r), learners: readUints(r), learnersNext: readUints(r), autoLeave: r.bool() };
}

function writeSnapshotMeta(w: ByteWriter, s: SnapshotMeta): void {
  w.varUint(s.index);
  w.varUint(s.term);
  writeConfig(w, s.config);
}

function readSnapshotMeta(r: ByteReader): SnapshotMeta {
  return { index: r.varUint(), term: r.varUint(), config: readConfig(r) };
}

function writeEntry(w: ByteWriter, e: Entry): void {
  w.varUint(e.index);
  w.varUint(e.term);
  w.u8(ENTRY_KINDS.indexOf(e.kind));
  writeBytes(w, e.data);
}

function readEntry(r: ByteReader): Entry {
  return { index: r.varUint(), term: r.varUint(), kind: readEnum(r, ENTRY_KINDS, "entry kind"), data: readBytes(r) };
}

/** Writes a message: type tag, from, to, term, then the fields of its type. */
export function writeRaftMessage(w: ByteWriter, m: Message): void {
  const tag = TAG.get(m.type);
  if (tag === undefined) throw new CodecError("malformed", `unknown Raft message type ${String(m.type)}`);
  w.u8(tag);
  w.varUint(m.from);
  w.varUint(m.to);
  w.varUint(m.term);
  switch (m.type) {
    case "vote":
    case "pre-vote":
      w.varUint(m.lastIndex);
      w.varUint(m.lastTerm);
      w.u8(m.transfer ? 1 : 0);
      return;
    case "vote-response":
    case "pre-vote-response":
      w.u8(m.reject ? 1 : 0);
      return;
    case "append":
      w.varUint(m.prevIndex);
      w.varUint(m.prevTerm);
      w.varUint(m.commit);
      w.varUint(m.entries.length);
      for (const e of m.entries) writeEntry(w, e);
      return;
    case "append-response":
      w.u8(m.reject ? 1 : 0);
      w.varUint(m.index);
      w.varUint(m.hintIndex);
      w.varUint(m.hintTerm);
      return;
    case "heartbeat":
      w.varUint(m.commit);
      w.varUint(m.context);
      return;
    case "heartbeat-response":
      w.varUint(m.context);
      return;
    case "snapshot":
      writeSnapshotMeta(w, m.snapshot);
      w.varUint(m.size);
      w.varUint(m.offset);
      writeBytes(w, m.data);
      w.u8(m.done ? 1 : 0);
      return;
    case "snapshot-response":
      w.varUint(m.index);
      w.varUint(m.received);
      return;
    case "timeout-now":
      return;
  }
}

/** Reads a message written by {@link writeRaftMessage}. */
export function readRaftMessage(r: ByteReader): Message {
  const type = readEnum(r, RAFT_MESSAGE_TYPES, "Raft message type");
  const from = r.varUint();
  const to = r.varUint();
  const term = r.varUint();
  switch (type) {
    case "vote":
    case "pre-vote":
      return { type, from, to, term, lastIndex: r.varUint(), lastTerm: r.varUint(), transfer: r.bool() };
    case "vote-response":
    case "pre-vote-response":
      return { type, from, to, term, reject: r.bool() };
    case "append": {
      const prevIndex = r.varUint();
      const prevTerm = r.varUint();
      const commit = r.varUint();
      const n = readCount(r);
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) entries.push(readEntry(r));
      return { type, from, to, term, prevIndex, prevTerm, entries, commit };
    }
    case "append-response":
      return { type, from, to, term, reject: r.bool(), index: r.varUint(), hintIndex: r.varUint(), hintTerm: r.varUint() };
    case "heartbeat":
      return { type, from, to, term, commit: r.varUint(), context: r.varUint() };
    case "heartbeat-response":
      return { type, from, to, term, context: r.varUint() };
    case "snapshot":
      return { type, from, to, term, snapshot: readSnapshotMeta(r), size: r.varUint(), offset: r.varUint(), data: readBytes(r), done: r.bool() };
    case "snapshot-response":
      return { type, from, to, term, index: r.varUint(), received: r.varUint() };
    case "timeout-now":
      return { type, from, to, term };
  }
}
