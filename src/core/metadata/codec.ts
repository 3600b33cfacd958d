/**
 * Compact binary encoding of metadata records for the log. Layout per record: a one-byte type tag (the index in
 * {@link RECORD_TYPES}), then the fields in declaration order. Integers are LEB128 varints (zig-zag for fields that
 * may be negative, such as a leader of -1 or -2), strings are a varint byte length plus UTF-8, nullable values carry
 * a one-byte presence flag. A Partition record of a 3-replica partition with a 22-character topic id is ~35 bytes.
 */
import { MetadataError } from "./errors.js";
import { RECORD_TYPES, validateRecord } from "./records.js";
import type { ConfigResourceType, MetadataRecord } from "./records.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A growable byte buffer with varint/string writers. Reused across records to avoid per-record allocation. */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;
  /** A view of `buf` for {@link ByteWriter.f64}, made on first use and again after the buffer grows. */
  private dv: DataView | undefined;
  /** @param initialCapacity - starting buffer size in bytes */
  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }
  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }
  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  /** Leaves `n` bytes (zeros) to be filled in later through {@link ByteWriter.view}. */
  skip(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
  /** Writes one byte. */
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  /** Writes an unsigned integer up to 2^53 as a LEB128 varint. */
  varUint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  /** Writes a signed 32-bit integer, zig-zag encoded. */
  varInt(v: number): void {
    this.varUint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  /** Writes a UTF-8 string with a varint length prefix. */
  string(s: string): void {
    let ascii = s.length <= 128;
    if (ascii) for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) { ascii = false; break; }
    if (ascii) {
      this.varUint(s.length);
      this.ensure(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    const bytes = encoder.encode(s);
    this.varUint(bytes.length);
    this.bytes(bytes);
  }
  /** Writes a number as an IEEE-754 double, big-endian: any JS number, exactly (for fields with no tighter bound). */
  f64(v: number): void {
    this.ensure(8);
    if (this.dv === undefined || this.dv.buffer !== this.buf.buffer) this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.dv.setFloat64(this.pos, v);
    this.pos += 8;
  }
  /** Writes raw bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  /** The bytes written so far, without copying (the view shares the writer's buffer: stop writing after this). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  /** Forgets the content, keeping the buffer. */
  reset(): void {
    this.pos = 0;
  }
}

/** A bounds-checked reader over bytes; every overrun throws {@link MetadataError} with the configured code. */
export class ByteReader {
  /** Current read position. */
  pos: number;
  /** A view of `buf` for {@link ByteReader.f64}, made on first use. */
  private dv: DataView | undefined;
  /**
   * @param buf - bytes to read
   * @param code - error code for malformed input (MALFORMED_RECORD or MALFORMED_SNAPSHOT)
   * @param start - first byte to read
   */
  constructor(
    readonly buf: Uint8Array,
    private readonly code: "MALFORMED_RECORD" | "MALFORMED_SNAPSHOT",
    start = 0,
  ) {
    this.pos = start;
  }
  /** Throws a typed error for malformed input. */
  fail(why: string): never {
    throw new MetadataError(this.code, `${why} at byte ${this.pos} of ${this.buf.length}; the data is truncated or corrupt`);
  }
  /** Whether all bytes were consumed. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  /** Reads one byte. */
  u8(): number {
    if (this.pos >= this.buf.length) this.fail("unexpected end of data");
    return this.buf[this.pos++] as number;
  }
  /** Reads a LEB128 varint up to 2^53. */
  varUint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail("varint exceeds 2^53");
        return result;
      }
      scale *= 0x80;
    }
    return this.fail("varint longer than 8 bytes");
  }
  /** Reads a zig-zag signed 32-bit integer. */
  varInt(): number {
    const z = this.varUint();
    if (z > 0xffffffff) this.fail("signed varint exceeds 32 bits");
    return (z >>> 1) ^ -(z & 1);
  }
  /** Short strings seen by this reader, by content hash: a batch names the same topic id hundreds of times. */
  private readonly interned = new Map<number, string>();
  /** Reads a length-prefixed UTF-8 string. */
  string(): string {
    const n = this.varUint();
    if (this.pos + n > this.buf.length) this.fail(`string of ${n} bytes overruns the data`);
    const start = this.pos;
    this.pos += n;
    const buf = this.buf;
    if (n <= 64) {
      let h = n;
      let ascii = true;
      for (let i = start; i < start + n; i++) {
        const b = buf[i] as number;
        if (b >= 0x80) ascii = false;
        h = Math.imul(h ^ b, 0x01000193);
      }
      if (ascii) {
        const cached = this.interned.get(h);
        if (cached !== undefined && cached.length === n) {
          let same = true;
          for (let i = 0; i < n && same; i++) same = cached.charCodeAt(i) === buf[start + i];
          if (same) return cached;
        }
        const s = decoder.decode(buf.subarray(start, start + n));
        if (this.interned.size < 4096) this.interned.set(h, s);
        return s;
      }
    }
    try {
      return decoder.decode(buf.subarray(start, start + n));
    } catch {
      return this.fail("invalid UTF-8 in string");
    }
  }
  /** Reads a double written by {@link ByteWriter.f64}. */
  f64(): number {
    if (this.pos + 8 > this.buf.length) this.fail("unexpected end of data");
    this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.dv.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  /** The next `n` bytes, as a view into the buffer (not a copy). */
  bytes(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) this.fail(`${n} bytes overrun the data`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Reads a nullable boolean (0 false, 1 true, 2 null). */
  optBool(): boolean | null {
    const v = this.u8();
    if (v > 2) this.fail(`bad boolean flag ${v}`);
    return v === 2 ? null : v === 1;
  }
  /** Reads a strict boolean. */
  bool(): boolean {
    const v = this.u8();
    if (v > 1) this.fail(`bad boolean flag ${v}`);
    return v === 1;
  }
}

function optBool(w: ByteWriter, v: boolean | null): void {
  w.u8(v === null ? 2 : v ? 1 : 0);
}
function brokerList(w: ByteWriter, list: readonly number[]): void {
  w.varUint(list.length);
  for (const b of list) w.varUint(b);
}
function readBrokerList(r: ByteReader): number[] {
  const n = r.varUint();
  if (n > 255) r.fail(`broker list of ${n} entries exceeds 255`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.varUint();
  return out;
}
const TAG = new Map<string, number>(RECORD_TYPES.map((t, i) => [t, i]));
const RESOURCE_TYPES: readonly ConfigResourceType[] = ["topic", "broker", "cluster"];

/**
 * Appends one record's encoding to `w`. The record is validated first.
 * @throws MetadataError INVALID_RECORD if the record is malformed
 */
export function writeRecord(w: ByteWriter, record: MetadataRecord): void {
  const r = validateRecord(record);
  w.u8(TAG.get(r.type) as number);
  switch (r.type) {
    case "RegisterBroker":
      w.varUint(r.brokerId);
      w.string(r.incarnationId);
      w.varUint(r.brokerEpoch);
      w.u8(r.rack === null ? 0 : 1);
      if (r.rack !== null) w.string(r.rack);
      w.u8(r.fenced ? 1 : 0);
      w.u8(r.inControlledShutdown ? 1 : 0);
      return;
    case "UnregisterBroker":
    case "FenceBroker":
    case "UnfenceBroker":
      w.varUint(r.brokerId);
      w.varUint(r.brokerEpoch);
      return;
    case "BrokerRegistrationChange":
      w.varUint(r.brokerId);
      w.varUint(r.brokerEpoch);
      optBool(w, r.fenced);
      optBool(w, r.inControlledShutdown);
      return;
    case "Topic":
      w.string(r.name);
      w.string(r.topicId);
      return;
    case "Partition":
      w.string(r.topicId);
      w.varUint(r.partitionId);
      brokerList(w, r.replicas);
      brokerList(w, r.isr);
      w.varInt(r.leader);
      w.varUint(r.leaderEpoch);
      w.varUint(r.partitionEpoch);
      return;
    case "PartitionChange":
      w.string(r.topicId);
      w.varUint(r.partitionId);
      w.varInt(r.leader);
      w.u8(r.isr === null ? 0 : 1);
      if (r.isr !== null) brokerList(w, r.isr);
      w.u8(r.replicas === null ? 0 : 1);
      if (r.replicas !== null) brokerList(w, r.replicas);
      return;
    case "RemoveTopic":
      w.string(r.topicId);
      return;
    case "Config":
      w.u8(RESOURCE_TYPES.indexOf(r.resourceType));
      w.string(r.resourceName);
      w.string(r.name);
      w.u8(r.value === null ? 0 : 1);
      if (r.value !== null) w.string(r.value);
      return;
    case "FeatureLevel":
      w.string(r.name);
      w.varUint(r.featureLevel);
      return;
    case "NoOp":
      return;
  }
}

/**
 * Reads one record at the reader's position and validates it.
 * @throws MetadataError MALFORMED_RECORD on truncated/corrupt bytes, INVALID_RECORD on out-of-range fields
 */
export function readRecord(r: ByteReader): MetadataRecord {
  const tag = r.u8();
  const type = RECORD_TYPES[tag];
  let rec: MetadataRecord;
  switch (type) {
    case "RegisterBroker": {
      const brokerId = r.varUint();
      const incarnationId = r.string();
      const brokerEpoch = r.varUint();
      const rack = r.bool() ? r.string() : null;
      rec = { type, brokerId, incarnationId, brokerEpoch, rack, fenced: r.bool(), inControlledShutdown: r.bool() };
      break;
    }
    case "UnregisterBroker":
    case "FenceBroker":
    case "UnfenceBroker":
      rec = { type, brokerId: r.varUint(), brokerEpoch: r.varUint() };
      break;
    case "BrokerRegistrationChange":
      rec = { type, brokerId: r.varUint(), brokerEpoch: r.varUint(), fenced: r.optBool(), inControlledShutdown: r.optBool() };
      break;
    case "Topic":
      rec = { type, name: r.string(), topicId: r.string() };
      break;
    case "Partition":
      rec = {
        type,
        topicId: r.string(),
        partitionId: r.varUint(),
        replicas: readBrokerList(r),
        isr: readBrokerList(r),
        leader: r.varInt(),
        leaderEpoch: r.varUint(),
        partitionEpoch: r.varUint(),
      };
      break;
    case "PartitionChange": {
      const topicId = r.string();
      const partitionId = r.varUint();
      const leader = r.varInt();
      const isr = r.bool() ? readBrokerList(r) : null;
      const replicas = r.bool() ? readBrokerList(r) : null;
      rec = { type, topicId, partitionId, leader, isr, replicas };
      break;
    }
    case "RemoveTopic":
      rec = { type, topicId: r.string() };
      break;
    case "Config": {
      const rt = RESOURCE_TYPES[r.u8()];
      if (rt === undefined) r.fail("unknown config resource type");
      const resourceName = r.string();
      const name = r.string();
      rec = { type, resourceType: rt, resourceName, name, value: r.bool() ? r.string() : null };
      break;
    }
    case "FeatureLevel":
      rec = { type, name: r.string(), featureLevel: r.varUint() };
      break;
    case "NoOp":
      rec = { type };
      break;
    default:
      return r.fail(`unknown record type tag ${tag}`);
  }
  return validateRecord(rec);
}

/**
 * Encodes one record.
 * @throws MetadataError INVALID_RECORD if the record is malformed
 */
export function encodeRecord(record: MetadataRecord): Uint8Array {
  const w = new ByteWriter(64);
  writeRecord(w, record);
  return w.finish();
}

/**
 * Decodes exactly one record; trailing bytes are an error.
 * @throws MetadataError MALFORMED_RECORD or INVALID_RECORD
 */
export function decodeRecord(bytes: Uint8Array): MetadataRecord {
  const r: ByteReader = new ByteReader(bytes, "MALFORMED_RECORD");
  const rec = readRecord(r);
  if (!r.done) r.fail("trailing bytes after record");
  return rec;
}

/**
 * Encodes a batch of records (as appended atomically by the controller): a varint count, then the records.
 * @throws MetadataError INVALID_RECORD if any record is malformed
 */
export function encodeBatch(records: readonly MetadataRecord[], writer = new ByteWriter(64 + records.length * 40)): Uint8Array {
  writer.reset();
  writer.varUint(records.length);
  for (const rec of records) writeRecord(writer, rec);
  return writer.finish();
}

/**
 * Decodes a batch written by {@link encodeBatch}.
 * @throws MetadataError MALFORMED_RECORD or INVALID_RECORD
 */
export function decodeBatch(bytes: Uint8Array): MetadataRecord[] {
  const r: ByteReader = new ByteReader(bytes, "MALFORMED_RECORD");
  const n = r.varUint();
  if (n > bytes.length) r.fail(`record count ${n} exceeds the batch size`);
  const out = new Array<MetadataRecord>(n);
  for (let i = 0; i < n; i++) out[i] = readRecord(r);
  if (!r.done) r.fail("trailing bytes after batch");
  return out;
}
