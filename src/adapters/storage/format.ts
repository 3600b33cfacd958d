/**
 * The byte layout of everything the write-ahead log puts on disk, as pure encode/decode functions (no I/O).
 *
 * - A frame: `u32 LE body length`, `u32 LE CRC32C(body)`, `body`. A body is a one-byte record type and fields,
 *   integers as LEB128 varints (the metadata codec's `ByteWriter`/`ByteReader`).
 * - A segment file `<seq:16 hex>.wal`: a `segment` header frame, then batches, then zeros up to its preallocated
 *   size (free space: a frame's length is never 0, so a zero header is no frame). A batch (one group commit, one
 *   fdatasync) is a `batch` frame (magic `QBAT`, batch sequence number, byte length of the frames that follow)
 *   and then `entry` / `truncate` / `snapshot` / `commit` frames.
 * - The hard-state file `state` and snapshot files `snap-<index:16 hex>-<term:16 hex>.snap`: a 4-byte magic and
 *   one frame. They are written to a `.tmp` name, synced, renamed and the directory synced: never torn. They are
 *   encoded as parts (`FileParts`: everything up to the payload, then the payload in the parts it came in), so
 *   that a snapshot's payload is written as it is, never copied into a file-sized buffer.
 *
 * See docs/runtime.md for the full layout.
 * @module
 */
import { crc32c } from "@node-rs/crc32";
import { ByteReader, ByteWriter } from "../../core/metadata/codec.js";
import { MetadataError } from "../../core/metadata/errors.js";

/** Format version written in segment headers and files; a reader refuses a newer one. */
export const FORMAT_VERSION = 1;
/** Bytes of a frame header (length + CRC). */
export const FRAME_HEADER = 8;
/** Largest body a frame may declare (a snapshot file's body may be larger: it is one file, checked by size). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** The most bytes a record other than an entry's payload takes: frame header, tag, magic and varints. */
const RECORD_OVERHEAD = FRAME_HEADER + 1 + 4 + 3 * 8;

/** Record type tags. */
const T = { segment: 1, batch: 2, entry: 3, truncate: 4, snapshot: 5, commit: 6, state: 7, snapfile: 8 } as const;

const BATCH_MAGIC = [0x51, 0x42, 0x41, 0x54]; // "QBAT"
const SEGMENT_MAGIC = [0x51, 0x57, 0x41, 0x4c]; // "QWAL"
/** Magic of the hard-state file. */
export const STATE_MAGIC = new Uint8Array([0x51, 0x48, 0x53, 0x54]); // "QHST"
/** Magic of a snapshot file. */
export const SNAPSHOT_MAGIC = new Uint8Array([0x51, 0x53, 0x4e, 0x50]); // "QSNP"

/** The header of a segment: where the log stood when the segment was cut. */
export interface SegmentHeader {
  readonly type: "segment";
  readonly version: number;
  /** The record vocabulary (`raft`, `kraft`): a log is only ever reopened with the same one. */
  readonly vocabulary: string;
  readonly seq: number;
  readonly snapIndex: number;
  readonly snapTerm: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly commit: number;
}

/** Opens a batch: `length` bytes of frames follow. */
export interface BatchHeader {
  readonly type: "batch";
  readonly seq: number;
  readonly length: number;
}

/** A log entry: `payload` is the vocabulary's encoding of the entry body. */
export interface EntryRecord {
  readonly type: "entry";
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array;
}

/** An entry to write: its payload may come in parts, written one after the other (the same bytes, no concatenation). */
export interface EntryWrite {
  readonly type: "entry";
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array | readonly Uint8Array[];
}

/** Drop every entry with index ≥ `from`. */
export interface TruncateRecord {
  readonly type: "truncate";
  readonly from: number;
}

/** The snapshot at (index, term) is installed; `clear`: the entries after it were dropped too. */
export interface SnapshotMarker {
  readonly type: "snapshot";
  readonly index: number;
  readonly term: number;
  readonly clear: boolean;
}

/** The commit index (Raft's hard-state commit) is now `index`. */
export interface CommitRecord {
  readonly type: "commit";
  readonly index: number;
}

/** Every record of a segment. */
export type WalRecord = SegmentHeader | BatchHeader | EntryRecord | TruncateRecord | SnapshotMarker | CommitRecord;

/** A record as it is written: an entry's payload may come in parts. */
export type WalWriteRecord = Exclude<WalRecord, EntryRecord> | EntryWrite;

/** The length of an entry's payload, whole or in parts. */
function payloadLength(payload: Uint8Array | readonly Uint8Array[]): number {
  if (payload instanceof Uint8Array) return payload.length;
  let n = 0;
  for (const p of payload) n += p.length;
  return n;
}

/** The content of the hard-state file: the generic term (Raft term, KRaft epoch) and the vocabulary's payload. */
export interface StateFile {
  readonly vocabulary: string;
  readonly term: number;
  readonly payload: Uint8Array;
}

/** The content of a snapshot file. */
export interface SnapshotFile {
  readonly vocabulary: string;
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array;
}

/** A snapshot file to write: its payload may come in parts, written one after the other (the same bytes, no concatenation). */
export interface SnapshotFileWrite {
  readonly vocabulary: string;
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array | readonly Uint8Array[];
}

/** Outcome of reading one frame at an offset. */
export type FrameRead =
  | { readonly kind: "ok"; readonly record: WalRecord; readonly end: number }
  /** The frame header or body runs past the end of the bytes. */
  | { readonly kind: "short" }
  /** The body's CRC does not match, or the body does not parse. */
  | { readonly kind: "bad"; readonly why: string };

// ---------------------------------------------------------------------------------------------------------
// Encoding

/** Appends one frame around the body written by `body` to `out`. */
function frame(out: ByteWriter, body: (w: ByteWriter) => void): void {
  const start = out.length;
  out.skip(FRAME_HEADER);
  body(out);
  const buf = out.view();
  const bodyBytes = buf.subarray(start + FRAME_HEADER);
  putUint32LE(buf, start, bodyBytes.length);
  putUint32LE(buf, start + 4, crc32c(bodyBytes));
}

function putUint32LE(buf: Uint8Array, at: number, n: number): void {
  buf[at] = n & 0xff;
  buf[at + 1] = (n >>> 8) & 0xff;
  buf[at + 2] = (n >>> 16) & 0xff;
  buf[at + 3] = n >>> 24;
}

/** Appends the frame of `r` to `out`. */
export function writeRecord(out: ByteWriter, r: WalWriteRecord): void {
  frame(out, (w) => {
    switch (r.type) {
      case "segment":
        w.u8(T.segment);
        for (const b of SEGMENT_MAGIC) w.u8(b);
        w.varUint(r.version);
        w.string(r.vocabulary);
        w.varUint(r.seq);
        w.varUint(r.snapIndex);
        w.varUint(r.snapTerm);
        w.varUint(r.lastIndex);
        w.varUint(r.lastTerm);
        w.varUint(r.commit);
        break;
      case "batch":
        w.u8(T.batch);
        for (const b of BATCH_MAGIC) w.u8(b);
        w.varUint(r.seq);
        w.varUint(r.length);
        break;
      case "entry":
        w.u8(T.entry);
        w.varUint(r.index);
        w.varUint(r.term);
        if (r.payload instanceof Uint8Array) w.bytes(r.payload);
        else for (const p of r.payload) w.bytes(p);
        break;
      case "truncate":
        w.u8(T.truncate);
        w.varUint(r.from);
        break;
      case "snapshot":
        w.u8(T.snapshot);
        w.varUint(r.index);
        w.varUint(r.term);
        w.u8(r.clear ? 1 : 0);
        break;
      case "commit":
        w.u8(T.commit);
        w.varUint(r.index);
        break;
    }
  });
}

/** One batch as written by one group commit: the batch frame, then the frames of `records`. */
export function encodeBatch(seq: number, records: readonly WalWriteRecord[]): Uint8Array {
  // Sized up front (a record's frame is its payload plus at most RECORD_OVERHEAD bytes), with room in front for
  // the batch frame, written last: the batch's entries are copied once, into the buffer that is written.
  let estimate = RECORD_OVERHEAD;
  for (const r of records) estimate += RECORD_OVERHEAD + (r.type === "entry" ? payloadLength(r.payload) : 0);
  const out = new ByteWriter(estimate);
  out.skip(RECORD_OVERHEAD);
  for (const r of records) writeRecord(out, r);
  const header = new ByteWriter(RECORD_OVERHEAD);
  writeRecord(header, { type: "batch", seq, length: out.length - RECORD_OVERHEAD });
  const bytes = out.view();
  const start = RECORD_OVERHEAD - header.length;
  bytes.set(header.view(), start);
  return bytes.subarray(start);
}

/** A segment file's initial content: its header frame. */
export function encodeSegmentHeader(h: Omit<SegmentHeader, "type" | "version">): Uint8Array {
  const out = new ByteWriter(64);
  writeRecord(out, { type: "segment", version: FORMAT_VERSION, ...h });
  return out.finish();
}

/**
 * A hard-state or snapshot file's content as parts written one after the other: `head` (the magic, the frame
 * header and the body's fields), then the payload itself, whole or in its parts, not copied (a snapshot's can be
 * tens of megabytes). The file is exactly their concatenation: the magic and one frame (as {@link writeRecord}'s)
 * whose length and CRC32C cover the fields and the payload.
 */
export type FileParts = readonly [head: Uint8Array, ...payload: Uint8Array[]];

function fileParts(magic: Uint8Array, fields: (w: ByteWriter) => void, payload: Uint8Array | readonly Uint8Array[]): FileParts {
  const out = new ByteWriter(64);
  out.bytes(magic);
  out.skip(FRAME_HEADER);
  fields(out);
  // The writer's buffer is this call's alone: a view, no copy.
  const head = out.view();
  const fieldBytes = head.subarray(magic.length + FRAME_HEADER);
  const parts = payload instanceof Uint8Array ? [payload] : payload;
  // CRC32C continued over each part: the CRC of the whole body without concatenating it.
  let crc = crc32c(fieldBytes);
  for (const p of parts) crc = crc32c(p, crc);
  putUint32LE(head, magic.length, fieldBytes.length + payloadLength(payload));
  putUint32LE(head, magic.length + 4, crc);
  return [head, ...parts];
}

/** The parts as one buffer (a copy of the payload): for tools and tests; the log writes the parts. */
function concatParts(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The hard-state file's content, as the parts written one after the other. */
export function stateFileParts(s: StateFile): FileParts {
  return fileParts(
    STATE_MAGIC,
    (w) => {
      w.u8(T.state);
      w.varUint(FORMAT_VERSION);
      w.string(s.vocabulary);
      w.varUint(s.term);
    },
    s.payload,
  );
}

/** A snapshot file's content, as the parts written one after the other (the payload not copied). */
export function snapshotFileParts(s: SnapshotFileWrite): FileParts {
  return fileParts(
    SNAPSHOT_MAGIC,
    (w) => {
      w.u8(T.snapfile);
      w.varUint(FORMAT_VERSION);
      w.string(s.vocabulary);
      w.varUint(s.index);
      w.varUint(s.term);
    },
    s.payload,
  );
}

/** The hard-state file's content in one buffer: the concatenation of {@link stateFileParts}. */
export function encodeStateFile(s: StateFile): Uint8Array {
  return concatParts(stateFileParts(s));
}

/** A snapshot file's content in one buffer: the concatenation of {@link snapshotFileParts}. */
export function encodeSnapshotFile(s: SnapshotFileWrite): Uint8Array {
  return concatParts(snapshotFileParts(s));
}

// ---------------------------------------------------------------------------------------------------------
// Decoding (never throws)

function readFrameBody(bytes: Uint8Array, offset: number, maxBody: number): { body: Uint8Array; end: number } | "short" | string {
  if (offset + FRAME_HEADER > bytes.length) return "short";
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER);
  const len = dv.getUint32(0, true);
  const crc = dv.getUint32(4, true);
  // Every body holds at least its type byte, so zeros (a preallocated segment's free space) never read as a frame.
  if (len === 0) return "a zero-length frame";
  if (len > maxBody) return `frame declares ${len} bytes (limit ${maxBody})`;
  const end = offset + FRAME_HEADER + len;
  if (end > bytes.length) return "short";
  const body = bytes.subarray(offset + FRAME_HEADER, end);
  if (crc32c(body) !== crc) return "CRC32C mismatch";
  return { body, end };
}

function expectMagic(r: ByteReader, magic: readonly number[]): void {
  for (const b of magic) if (r.u8() !== b) r.fail("bad magic");
}

/** Reads the frame at `offset` of a segment's bytes. */
export function readRecord(bytes: Uint8Array, offset: number): FrameRead {
  const f = readFrameBody(bytes, offset, MAX_RECORD_BYTES);
  if (f === "short") return { kind: "short" };
  if (typeof f === "string") return { kind: "bad", why: f };
  try {
    const r = new ByteReader(f.body, "MALFORMED_RECORD");
    const tag = r.u8();
    let record: WalRecord;
    switch (tag) {
      case T.segment: {
        expectMagic(r, SEGMENT_MAGIC);
        const version = r.varUint();
        record = { type: "segment", version, vocabulary: r.string(), seq: r.varUint(), snapIndex: r.varUint(), snapTerm: r.varUint(), lastIndex: r.varUint(), lastTerm: r.varUint(), commit: r.varUint() };
        break;
      }
      case T.batch:
        expectMagic(r, BATCH_MAGIC);
        record = { type: "batch", seq: r.varUint(), length: r.varUint() };
        break;
      case T.entry: {
        const index = r.varUint();
        const term = r.varUint();
        record = { type: "entry", index, term, payload: f.body.subarray(r.pos) };
        r.pos = f.body.length;
        break;
      }
      case T.truncate:
        record = { type: "truncate", from: r.varUint() };
        break;
      case T.snapshot:
        record = { type: "snapshot", index: r.varUint(), term: r.varUint(), clear: r.bool() };
        break;
      case T.commit:
        record = { type: "commit", index: r.varUint() };
        break;
      default:
        return { kind: "bad", why: `unknown record type ${tag}` };
    }
    if (!r.done) return { kind: "bad", why: `${f.body.length - r.pos} trailing bytes in a ${record.type} record` };
    return { kind: "ok", record, end: f.end };
  } catch (e) {
    return { kind: "bad", why: e instanceof MetadataError ? e.message : String(e) };
  }
}

/**
 * Offsets after `from` where a valid batch frame starts (found by its magic, then checked by its CRC). Used to
 * tell a torn tail (nothing valid after the damage) from damage in the middle (a later batch survived).
 */
export function findBatchAfter(bytes: Uint8Array, from: number): number | undefined {
  const needle = Uint8Array.of(T.batch, ...BATCH_MAGIC);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = buf.indexOf(needle, from + 1);
  while (at >= 0) {
    const start = at - FRAME_HEADER;
    if (start > from) {
      const r = readRecord(bytes, start);
      if (r.kind === "ok" && r.record.type === "batch") return start;
    }
    at = buf.indexOf(needle, at + 1);
  }
  return undefined;
}

function readFile<X>(bytes: Uint8Array, magic: Uint8Array, tag: number, what: string, parse: (r: ByteReader, body: Uint8Array) => X): X | string {
  if (bytes.length < magic.length || magic.some((b, i) => bytes[i] !== b)) return `not a ${what} (bad magic)`;
  const f = readFrameBody(bytes, magic.length, Number.MAX_SAFE_INTEGER);
  if (f === "short") return `${what} is truncated`;
  if (typeof f === "string") return `${what}: ${f}`;
  if (f.end !== bytes.length) return `${what} has ${bytes.length - f.end} trailing bytes`;
  try {
    const r = new ByteReader(f.body, "MALFORMED_RECORD");
    if (r.u8() !== tag) return `${what}: wrong record type`;
    const version = r.varUint();
    if (version > FORMAT_VERSION) return `${what} has format version ${version}; this build reads up to ${FORMAT_VERSION}`;
    return parse(r, f.body);
  } catch (e) {
    return `${what}: ${e instanceof MetadataError ? e.message : String(e)}`;
  }
}

/** Decodes the hard-state file; a string says why it is unreadable. */
export function decodeStateFile(bytes: Uint8Array): StateFile | string {
  return readFile(bytes, STATE_MAGIC, T.state, "hard-state file", (r, body) => {
    const vocabulary = r.string();
    const term = r.varUint();
    return { vocabulary, term, payload: body.subarray(r.pos) };
  });
}

/** Decodes a snapshot file; a string says why it is unreadable. */
export function decodeSnapshotFile(bytes: Uint8Array): SnapshotFile | string {
  return readFile(bytes, SNAPSHOT_MAGIC, T.snapfile, "snapshot file", (r, body) => {
    const vocabulary = r.string();
    const index = r.varUint();
    const term = r.varUint();
    return { vocabulary, index, term, payload: body.subarray(r.pos) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// File names

/** Name of the hard-state file. */
export const STATE_FILE = "state";
/** Suffix of a file being written before its atomic rename. */
export const TMP_SUFFIX = ".tmp";

const hex16 = (n: number): string => n.toString(16).padStart(16, "0");

/** Name of segment `seq`. */
export const segmentName = (seq: number): string => `${hex16(seq)}.wal`;
/** Name of the snapshot file of (index, term). */
export const snapshotName = (index: number, term: number): string => `snap-${hex16(index)}-${hex16(term)}.snap`;

/** The sequence number of a segment file name, or undefined if the name is not a segment's. */
export function parseSegmentName(name: string): number | undefined {
  const m = /^([0-9a-f]{16})\.wal$/.exec(name);
  return m === null ? undefined : parseInt(m[1]!, 16);
}

/** (index, term) of a snapshot file name, or undefined. */
export function parseSnapshotName(name: string): { index: number; term: number } | undefined {
  const m = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/.exec(name);
  return m === null ? undefined : { index: parseInt(m[1]!, 16), term: parseInt(m[2]!, 16) };
}

/** The length of `bytes` without its trailing zero bytes: where a preallocated segment's data ends at the latest. */
export function endOfData(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}
