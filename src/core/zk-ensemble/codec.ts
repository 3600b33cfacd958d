/**
 * The bytes of a log entry: a command (what the leader proposes) as a small JSON header plus the raw data blobs
 * it carries, so 1 KiB of node data is copied once, never turned into base64 or a number array.
 *
 * Frame: `u32 headerLength`, header (UTF-8 JSON in which every `Uint8Array` is replaced by `{"$b": k}`), then
 * for each blob k in order `u32 length` and its bytes. `null` data stays JSON `null`.
 */
import { fromUtf8 } from "../zk/index.js";

const encoder = new TextEncoder();

/** A frame that does not decode: a corrupt entry or snapshot. */
export class EnsembleCodecError extends Error {
  /** Stable machine-readable code. */
  readonly code = "E_ZK_ENSEMBLE_CODEC";
  constructor(message: string) {
    super(`zk-ensemble: cannot decode a frame: ${message}; the log entry or snapshot is corrupt`);
    this.name = "EnsembleCodecError";
  }
}

/** Puts the blobs back where {@link encodeFrame} left `{ $b: k }` (in place: `value` is freshly parsed). */
function restore(value: unknown, blobs: readonly Uint8Array[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], blobs);
    return value;
  }
  const rec = value as Record<string, unknown>;
  const ref = rec.$b;
  if (typeof ref === "number") {
    const blob = blobs[ref];
    if (blob === undefined) throw new EnsembleCodecError(`blob reference ${ref} out of range`);
    return blob;
  }
  for (const key in rec) rec[key] = restore(rec[key], blobs);
  return rec;
}

/**
 * The header under construction: a scratch buffer reused by every {@link encodeFrame} call (the call is
 * synchronous and never re-entered), so that encoding a command allocates nothing but its output.
 */
let scratch = new Uint8Array(1024);
let pos = 0;
/** A scratch buffer grown past this (a large snapshot's header) is dropped after its frame is written. */
const SCRATCH_KEEP_BYTES = 1 << 20;

function room(n: number): void {
  if (pos + n <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(scratch.subarray(0, pos));
  scratch = next;
}

function ascii(text: string): void {
  room(text.length);
  for (let i = 0; i < text.length; i++) scratch[pos++] = text.charCodeAt(i);
}

/** A JSON string literal: printable ASCII byte by byte, anything else through `JSON.stringify` (escapes, UTF-8). */
function jsonString(text: string): void {
  room(text.length + 2);
  const start = pos;
  scratch[pos++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) {
      pos = start;
      const literal = JSON.stringify(text);
      room(literal.length * 3);
      pos += encoder.encodeInto(literal, scratch.subarray(pos)).written;
      return;
    }
    scratch[pos++] = c;
  }
  scratch[pos++] = 0x22;
}

/** A JSON number as `JSON.stringify` writes it: integers digit by digit, others through `String`. */
function jsonNumber(n: number): void {
  if (!Number.isSafeInteger(n)) {
    ascii(Number.isFinite(n) ? String(n) : "null");
    return;
  }
  room(17);
  if (n < 0) {
    scratch[pos++] = 0x2d;
    n = -n;
  }
  if (n <= 0x7fffffff) {
    smallDigits(n);
    return;
  }
  // Up to 2^53: the digits above the last eight (below 2^31), then those eight, zero-padded; 32-bit arithmetic.
  const high = Math.floor(n / 1e8);
  smallDigits(high);
  let low = n - high * 1e8;
  for (let i = pos + 7; i >= pos; i--) {
    const q = (low / 10) | 0;
    scratch[i] = 0x30 + low - q * 10;
    low = q;
  }
  pos += 8;
}

/** The decimal digits of `n` (0 ≤ n < 2^31). */
function smallDigits(n: number): void {
  let digits = 1;
  for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
  for (let i = pos + digits - 1; i >= pos; i--) {
    const q = (n / 10) | 0;
    scratch[i] = 0x30 + n - q * 10;
    n = q;
  }
  pos += digits;
}

/**
 * Writes `value` as `JSON.stringify` would, every Uint8Array as `{"$b":k}` (its index in `blobs`); false (and
 * nothing written) for a value JSON leaves out (undefined, a function, a symbol).
 */
function jsonValue(value: unknown, blobs: Uint8Array[]): boolean {
  switch (typeof value) {
    case "string":
      jsonString(value);
      return true;
    case "number":
      jsonNumber(value);
      return true;
    case "boolean":
      ascii(value ? "true" : "false");
      return true;
    case "object":
      break;
    case "bigint":
      throw new TypeError("encodeFrame: a BigInt has no JSON form");
    default:
      return false;
  }
  if (value === null) {
    ascii("null");
    return true;
  }
  if (value instanceof Uint8Array) {
    blobs.push(value);
    ascii('{"$b":');
    jsonNumber(blobs.length - 1);
    ascii("}");
    return true;
  }
  if (Array.isArray(value)) {
    ascii("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) ascii(",");
      if (!jsonValue(value[i], blobs)) ascii("null");
    }
    ascii("]");
    return true;
  }
  ascii("{");
  let first = true;
  const rec = value as Record<string, unknown>;
  for (const key in rec) {
    const mark = pos;
    if (!first) ascii(",");
    jsonString(key);
    ascii(":");
    if (jsonValue(rec[key], blobs)) first = false;
    else pos = mark;
  }
  ascii("}");
  return true;
}

/**
 * Frames are carved from 64 KiB slabs: a `new Uint8Array` above 64 bytes is an off-heap allocation (malloc,
 * zero-fill, the garbage collector's backing-store bookkeeping), ≈ 0.5 µs for an entry of 1 KiB, and every write
 * encodes one. A slab is never reused, only dropped when full, so a frame's bytes are written once and never
 * shared with another's; a frame keeps its slab alive (log entries are kept in order until compaction, so they
 * keep little else alive with it). Larger frames (snapshots) get their own buffer.
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_FRAME = 8 * 1024;
let slab = new Uint8Array(0);
let slabAt = 0;

function frameBytes(size: number): Uint8Array {
  if (size > SLAB_MAX_FRAME) return new Uint8Array(size);
  if (slabAt + size > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + size);
  slabAt += size;
  return out;
}

/**
 * Encodes any JSON-like value that may hold `Uint8Array`s. The header is written straight as UTF-8 bytes, the
 * same bytes `JSON.stringify` gives for the value with each Uint8Array replaced by `{"$b": k}` (object keys in
 * `for…in` order), without building that copy or the JSON string (`test/properties/zk-ensemble-codec.test.ts`
 * compares the two).
 */
export function encodeFrame(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  pos = 0;
  if (!jsonValue(value, blobs)) ascii("null");
  const headerLength = pos;
  let size = 4 + headerLength;
  for (const b of blobs) size += 4 + b.length;
  const out = frameBytes(size);
  putUint32(out, 0, headerLength);
  out.set(scratch.subarray(0, headerLength), 4);
  let at = 4 + headerLength;
  for (const b of blobs) {
    putUint32(out, at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  if (scratch.length > SCRATCH_KEEP_BYTES) scratch = new Uint8Array(1024);
  return out;
}

/** Writes `n` big-endian at `at` (a DataView per frame would be one more allocation per entry). */
function putUint32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
}

/** Decodes a frame written by {@link encodeFrame}; blobs are views into `bytes` (never mutated). */
export function decodeFrame(bytes: Uint8Array): unknown {
  if (bytes.length < 4) throw new EnsembleCodecError(`frame of ${bytes.length} bytes is shorter than its 4-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0);
  if (4 + headerLength > bytes.length) throw new EnsembleCodecError(`header length ${headerLength} runs past the frame's ${bytes.length} bytes`);
  const blobs: Uint8Array[] = [];
  let at = 4 + headerLength;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new EnsembleCodecError(`truncated blob length at byte ${at}`);
    const len = view.getUint32(at);
    if (at + 4 + len > bytes.length) throw new EnsembleCodecError(`blob of ${len} bytes at byte ${at} runs past the frame`);
    blobs.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes.subarray(4, 4 + headerLength)));
  } catch (e) {
    throw new EnsembleCodecError(`header is not JSON (${(e as Error).message})`);
  }
  return restore(parsed, blobs);
}
