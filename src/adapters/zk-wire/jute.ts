/**
 * Jute, ZooKeeper's binary record encoding: big-endian ints (4 bytes), longs (8), booleans (1), buffers and
 * ustrings as a 4-byte length then the bytes (length −1 = null), vectors as a 4-byte count then the elements.
 * Pure: no I/O. A reader never throws to its caller's caller — {@link decodeWith} turns every short or malformed
 * input into a typed {@link JuteError} result.
 */
import { Buffer } from "node:buffer";

/** Why a byte sequence does not decode as the expected record. */
export class JuteError extends Error {
  /** `truncated`: the input ends inside a field; `invalid`: a field holds an impossible value. */
  readonly reason: "truncated" | "invalid";
  /** Byte offset of the field that failed. */
  readonly offset: number;
  constructor(reason: "truncated" | "invalid", offset: number, message: string) {
    super(message);
    this.name = "JuteError";
    this.reason = reason;
    this.offset = offset;
  }
}

/** The outcome of a decode: the value, or the typed error. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: JuteError };

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** Sequential reader over a byte array. Methods throw {@link JuteError}; use {@link decodeWith} at the boundary. */
export class JuteReader {
  private readonly view: DataView;
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.at;
  }
  /** Bytes left. */
  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private need(n: number, what: string): void {
    if (this.at + n > this.bytes.length) throw new JuteError("truncated", this.at, `${what}: needs ${n} bytes at offset ${this.at}, ${this.remaining} left`);
  }
  /** A 4-byte signed int. */
  int(): number {
    this.need(4, "int");
    const v = this.view.getInt32(this.at);
    this.at += 4;
    return v;
  }
  /** An 8-byte signed long, exactly. */
  long(): bigint {
    this.need(8, "long");
    const v = this.view.getBigInt64(this.at);
    this.at += 8;
    return v;
  }
  /** An 8-byte long as a number (exact for |v| ≤ 2^53, rounded beyond). */
  longNumber(): number {
    return Number(this.long());
  }
  /** A boolean (one byte; any non-zero is true, as Java's `readBoolean`). */
  bool(): boolean {
    this.need(1, "boolean");
    return this.bytes[this.at++] !== 0;
  }
  /** A buffer; `null` for length −1. Other negative lengths are invalid. */
  buffer(): Uint8Array | null {
    const start = this.at;
    const len = this.int();
    if (len === -1) return null;
    if (len < 0) throw new JuteError("invalid", start, `buffer length ${len} is negative`);
    this.need(len, "buffer");
    // A copy as a plain Uint8Array: a Buffer's slice would share (and keep alive) the whole received chunk.
    const b = new Uint8Array(this.bytes.subarray(this.at, this.at + len));
    this.at += len;
    return b;
  }
  /** A ustring; `null` for length −1. */
  ustringOrNull(): string | null {
    const start = this.at;
    const len = this.int();
    if (len === -1) return null;
    if (len < 0) throw new JuteError("invalid", start, `buffer length ${len} is negative`);
    this.need(len, "buffer");
    // Decoded straight from the received bytes: a string shares nothing with them, so no copy is needed.
    const text = decoder.decode(this.bytes.subarray(this.at, this.at + len));
    this.at += len;
    return text;
  }
  /** A ustring; a null string reads as `""` (ZooKeeper's paths are never null on the wire). */
  ustring(): string {
    return this.ustringOrNull() ?? "";
  }
  /** A vector; `null` for count −1. Each element is read by `item`. */
  vector<T>(item: (r: JuteReader) => T): T[] | null {
    const start = this.at;
    const count = this.int();
    if (count === -1) return null;
    if (count < 0) throw new JuteError("invalid", start, `vector count ${count} is negative`);
    // Every element takes at least one byte: refuse absurd counts before allocating.
    if (count > this.remaining) throw new JuteError("truncated", start, `vector of ${count} elements in ${this.remaining} bytes`);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(item(this));
    return out;
  }
  /** A vector of ustrings, null read as empty. */
  strings(): string[] {
    return this.vector((r) => r.ustring()) ?? [];
  }
}

/**
 * `n` bytes for a writer: a slice of Node's shared 8 KiB pool when small (`Buffer.allocUnsafe`), so that a reply
 * frame costs no off-heap allocation (a `new Uint8Array` above 64 bytes is a malloc, a zero-fill and backing-store
 * bookkeeping, per reply). Uninitialised: a writer only ever exposes the bytes it wrote. Returned as a plain
 * Uint8Array over the same memory (a `Buffer`'s `slice` would not copy).
 */
function writerBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

const TWO_32 = 2 ** 32;

/** Growable big-endian writer. */
export class JuteWriter {
  private buf: Uint8Array;
  private at = 0;
  constructor(capacity = 256) {
    this.buf = writerBytes(capacity);
  }
  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 16);
    while (size < this.at + n) size *= 2;
    const next = writerBytes(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }
  /** Writes the low 32 bits of `v` big-endian at `at` (room already made). */
  private put32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }
  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }
  /** A 4-byte signed int (must be a 32-bit integer). */
  int(v: number): this {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new RangeError(`jute int out of range: ${v}`);
    this.ensure(4);
    this.put32(this.at, v);
    this.at += 4;
    return this;
  }
  /** An 8-byte signed long from a bigint or a safe integer. */
  long(v: bigint | number): this {
    if (typeof v === "number" && !Number.isSafeInteger(v)) return this.long(BigInt(v));
    this.ensure(8);
    if (typeof v === "number") {
      // Two's complement of a safe integer from two 32-bit halves (no BigInt per Stat field).
      const high = Math.floor(v / TWO_32);
      this.put32(this.at, high);
      this.put32(this.at + 4, v - high * TWO_32);
    } else {
      const u = BigInt.asUintN(64, v);
      this.put32(this.at, Number(u >> 32n));
      this.put32(this.at + 4, Number(u & 0xffffffffn));
    }
    this.at += 8;
    return this;
  }
  /** A boolean byte. */
  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.at++] = v ? 1 : 0;
    return this;
  }
  /** Raw bytes, no length. */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }
  /** A buffer (null → length −1). */
  buffer(b: Uint8Array | null): this {
    if (b === null) return this.int(-1);
    this.int(b.length);
    return this.raw(b);
  }
  /** A ustring (null → length −1). */
  ustring(s: string | null): this {
    return this.buffer(s === null ? null : encoder.encode(s));
  }
  /** A vector (null → count −1). */
  vector<T>(items: readonly T[] | null, item: (w: JuteWriter, x: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const x of items) item(this, x);
    return this;
  }
  /** A vector of ustrings. */
  strings(items: readonly string[]): this {
    return this.vector(items, (w, s) => w.ustring(s));
  }
  /** Overwrites a 4-byte int at `offset` (for a length prefix written last). */
  patchInt(offset: number, v: number): this {
    this.put32(offset, v);
    return this;
  }
  /** A copy of the bytes written. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
  /**
   * The bytes written as a view of the writer's own buffer, without a copy: only for a writer that is not written
   * to again (a finished frame; its buffer is sized for it, so the view keeps little else alive).
   */
  written(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** Runs `read` over `bytes` and returns its value or the typed error (never throws a {@link JuteError}). */
export function decodeWith<T>(bytes: Uint8Array, read: (r: JuteReader) => T): Decoded<T> {
  try {
    return { ok: true, value: read(new JuteReader(bytes)) };
  } catch (e) {
    if (e instanceof JuteError) return { ok: false, error: e };
    if (e instanceof RangeError) return { ok: false, error: new JuteError("invalid", 0, e.message) };
    throw e;
  }
}

/** Encodes with `write` into a fresh writer and returns the bytes. */
export function encodeWith(write: (w: JuteWriter) => void, capacity = 256): Uint8Array {
  const w = new JuteWriter(capacity);
  write(w);
  return w.bytes();
}
