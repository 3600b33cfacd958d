/**
 * Shared helpers of the binary codecs (storage records and transport frames): the metadata codec's
 * `ByteWriter`/`ByteReader` (LEB128 varints, strings) plus byte strings, id lists and a decoder wrapper that
 * turns every malformed input into a typed {@link CodecError} result instead of an exception.
 * @module
 */
import { ByteReader, ByteWriter } from "../../core/metadata/codec.js";
import { MetadataError } from "../../core/metadata/errors.js";

export { ByteReader, ByteWriter };

/** Why bytes could not be decoded. */
export class CodecError extends Error {
  override readonly name = "CodecError";
  /**
   * @param code - `truncated` (ran out of bytes), `malformed` (a bad tag, value or trailing bytes) or `version`
   *   (an unsupported codec version)
   * @param message - details
   */
  constructor(
    readonly code: "truncated" | "malformed" | "version",
    message: string,
  ) {
    super(message);
  }
}

/** The result of a decoder: a value or a typed error, never an exception. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CodecError };

/** Runs `read` over `bytes`, requiring every byte to be consumed; any failure becomes a {@link CodecError}. */
export function decodeWith<T>(bytes: Uint8Array, read: (r: ByteReader) => T): Decoded<T> {
  try {
    const r = new ByteReader(bytes, "MALFORMED_RECORD");
    const value = read(r);
    if (!r.done) return { ok: false, error: new CodecError("malformed", `${bytes.length - r.pos} trailing bytes`) };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof CodecError) return { ok: false, error: e };
    const msg = e instanceof Error ? e.message : String(e);
    const truncated = e instanceof MetadataError && /end of data|overruns/.test(msg);
    return { ok: false, error: new CodecError(truncated ? "truncated" : "malformed", msg) };
  }
}

/** Writes a byte string: varint length, bytes. */
export function writeBytes(w: ByteWriter, b: Uint8Array): void {
  w.varUint(b.length);
  w.bytes(b);
}

/** Reads a byte string written by {@link writeBytes} (a copy, so it does not pin the frame's buffer). */
export function readBytes(r: ByteReader): Uint8Array {
  const n = r.varUint();
  if (r.pos + n > r.buf.length) r.fail(`byte string of ${n} bytes overruns the data`);
  const out = r.buf.slice(r.pos, r.pos + n);
  r.pos += n;
  return out;
}

/** Writes an integer ≥ -1 (ids and offsets where -1 means none). */
export function writeMaybe(w: ByteWriter, v: number): void {
  w.varUint(v + 1);
}

/** Reads an integer written by {@link writeMaybe}. */
export function readMaybe(r: ByteReader): number {
  return r.varUint() - 1;
}

/** Writes a list of non-negative integers. */
export function writeUints(w: ByteWriter, xs: readonly number[]): void {
  w.varUint(xs.length);
  for (const x of xs) w.varUint(x);
}

/** Reads a list written by {@link writeUints}; refuses absurd lengths before allocating. */
export function readUints(r: ByteReader): number[] {
  const n = readCount(r);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.varUint());
  return out;
}

/** Reads an element count, refusing one larger than the bytes left could hold. */
export function readCount(r: ByteReader): number {
  const n = r.varUint();
  if (n > r.buf.length - r.pos) r.fail(`count ${n} exceeds the bytes left`);
  return n;
}

/** Reads a one-of tag and maps it through `values`, failing on an unknown one. */
export function readEnum<T>(r: ByteReader, values: readonly T[], what: string): T {
  const i = r.u8();
  const v = values[i];
  if (v === undefined) throw new CodecError("malformed", `unknown ${what} tag ${i}`);
  return v;
}
