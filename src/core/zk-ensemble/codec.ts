/**
 * The bytes of a log entry: a command (what the leader proposes) as a small JSON header plus the raw data blobs
 * it carries, so 1 KiB of node data is copied once, never turned into base64 or a number array.
 *
 * Frame: `u32 headerLength`, header (UTF-8 JSON in which every `Uint8Array` is replaced by `{"$b": k}`), then
 * for each blob k in order `u32 length` and its bytes. `null` data stays JSON `null`.
 */
import { utf8Length } from "../zk/bytes.js";
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

/** Copies `value` with every Uint8Array replaced by `{ $b: k }` (its index in `blobs`). */
function extract(value: unknown, blobs: Uint8Array[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) {
    blobs.push(value);
    return { $b: blobs.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v) => extract(v, blobs));
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = extract((value as Record<string, unknown>)[key], blobs);
  return out;
}

/** Puts the blobs back where {@link extract} left `{ $b: k }` (in place: `value` is freshly parsed). */
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

/** Encodes any JSON-like value that may hold `Uint8Array`s. */
export function encodeFrame(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = JSON.stringify(extract(value, blobs));
  // The header is encoded straight into the frame (no intermediate bytes to copy): sized first.
  const headerLength = utf8Length(header);
  let size = 4 + headerLength;
  for (const b of blobs) size += 4 + b.length;
  const out = new Uint8Array(size);
  putUint32(out, 0, headerLength);
  encoder.encodeInto(header, out.subarray(4, 4 + headerLength));
  let at = 4 + headerLength;
  for (const b of blobs) {
    putUint32(out, at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
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
