/**
 * The bytes of a log entry: a command (what the leader proposes) as a small JSON header plus the raw data blobs
 * it carries, so 1 KiB of node data is copied once, never turned into base64 or a number array.
 *
 * Frame: `u32 headerLength`, header (UTF-8 JSON in which every `Uint8Array` is replaced by `{"$b": k}`), then
 * for each blob k in order `u32 length` and its bytes. `null` data stays JSON `null`.
 */
import { fromUtf8, utf8 } from "../zk/index.js";

/** A frame that does not decode: a corrupt entry or snapshot. */
export class EnsembleCodecError extends Error {
  /** Stable machine-readable code. */
  readonly code = "E_ZK_ENSEMBLE_CODEC";
  constructor(message: string) {
    super(`zk-ensemble: cannot decode a frame: ${message}; the log entry or snapshot is corrupt`);
    this.name = "EnsembleCodecError";
  }
}

/** Encodes any JSON-like value that may hold `Uint8Array`s. */
export function encodeFrame(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = utf8(
    JSON.stringify(value, (_key: string, v: unknown) => {
      if (v instanceof Uint8Array) {
        blobs.push(v);
        return { $b: blobs.length - 1 };
      }
      return v;
    }),
  );
  let size = 4 + header.length;
  for (const b of blobs) size += 4 + b.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length);
  out.set(header, 4);
  let at = 4 + header.length;
  for (const b of blobs) {
    view.setUint32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
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
    parsed = JSON.parse(fromUtf8(bytes.subarray(4, 4 + headerLength)), (_key, v: unknown) => {
      if (v !== null && typeof v === "object" && "$b" in v) {
        const blob = blobs[(v as { $b: number }).$b];
        if (blob === undefined) throw new EnsembleCodecError(`blob reference ${(v as { $b: number }).$b} out of range`);
        return blob;
      }
      return v;
    });
  } catch (e) {
    if (e instanceof EnsembleCodecError) throw e;
    throw new EnsembleCodecError(`header is not JSON (${(e as Error).message})`);
  }
  return parsed;
}
