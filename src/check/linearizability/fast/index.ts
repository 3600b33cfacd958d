/**
 * The integer-coded fast path for ordinary histories: a one-op-per-line Jepsen EDN history on a `cas-register`
 * or `kv` model, checked with no per-op objects and the model's transition inside the search loop. It answers
 * "linearizable" or nothing: for any other history, any other verdict, or a search longer than a few hundred
 * thousand steps, the caller runs the general parser and checker (which report failures in full, honour time
 * limits, and give the precise errors for bad input).
 */
import { CacheFullError } from "../cache.js";
import type { Value } from "../types.js";
import { encodeHistory } from "./encode.js";
import type { FastModelName } from "./encode.js";
import { searchHistory, TextStates } from "./search.js";

/** Loop iterations of the whole fast search before it leaves the history to the general checker. */
export const FAST_MAX_STEPS = 1 << 18;
/** Memo cache budget of the fast search per partition: past it the general checker, with its own budget, takes over. */
const FAST_MAX_CACHE_BYTES = 64 * 2 ** 20;

/** A history the fast path found linearizable. */
export interface FastVerdict {
  readonly verdict: "linearizable";
  /** Number of ops, as the general parser's history has them. */
  readonly ops: number;
}

/** Options of `fastVerdict` (for tests). */
export interface FastOptions {
  readonly maxSteps?: number;
}

/**
 * Checks `text` (a `jepsen-edn` history) against the built-in model `model` with initial state `initial` on the
 * fast path: `{ verdict: "linearizable" }`, or `undefined` when the general checker must decide. Never throws.
 * `text` may come in chunks cut where lines end (`textChunks`).
 */
export function fastVerdict(text: string | readonly string[], model: string, initial: Value | undefined, options: FastOptions = {}): FastVerdict | undefined {
  if ((model !== "cas-register" && model !== "kv") || (initial !== undefined && initial !== null)) return undefined;
  const h = encodeHistory(text, model as FastModelName);
  if (h === undefined) return undefined;
  const states = model === "kv" ? new TextStates(h.texts, h.textIds) : undefined;
  try {
    if (searchHistory(h, states, options.maxSteps ?? FAST_MAX_STEPS, FAST_MAX_CACHE_BYTES) < 0) return undefined;
  } catch (error) {
    if (error instanceof CacheFullError) return undefined;
    throw error;
  }
  return { verdict: "linearizable", ops: h.n };
}

/**
 * Bytes of text per chunk of `textChunks`: well under V8's large-object size (128 KiB) even as two-byte text,
 * so that a file's text is ordinary young garbage. A history read as one string of 250–300 KB is a large
 * object, moved to the old generation by any scavenge that meets it alive — one per scavenge, until a full
 * mark-compact (8–12 ms, landing on whichever file the run is at) frees them.
 */
const CHUNK_BYTES = 48 * 1024;
const NEWLINE = 10;
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * The UTF-8 text of a history file in chunks of at most about `CHUNK_BYTES`, each ending where a line ends
 * (after a newline byte, which never occurs inside a multi-byte character), or `undefined` when the fast path
 * should leave the file to `decodeHistoryText` and the general parser: a NUL byte, text that is not UTF-8, a
 * line longer than a chunk, or a chunk that would start with a byte-order mark (the decoder would drop it).
 */
export function textChunks(bytes: Uint8Array): string[] | undefined {
  if (bytes.indexOf(0) >= 0) return undefined;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const chunks: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.length;
    if (end - start > CHUNK_BYTES) {
      end = bytes.lastIndexOf(NEWLINE, start + CHUNK_BYTES - 1) + 1;
      if (end <= start) return undefined;
    }
    if (start > 0 && bytes[start] === BOM[0] && bytes[start + 1] === BOM[1] && bytes[start + 2] === BOM[2]) return undefined;
    try {
      chunks.push(decoder.decode(bytes.subarray(start, end)));
    } catch {
      return undefined;
    }
    start = end;
  }
  return chunks;
}

/** `fastVerdict` on a file's bytes, read in chunks (`textChunks`); `undefined` whenever the general path must run. Never throws. */
export function fastVerdictOfBytes(bytes: Uint8Array, model: string, initial: Value | undefined): FastVerdict | undefined {
  if ((model !== "cas-register" && model !== "kv") || (initial !== undefined && initial !== null)) return undefined;
  const chunks = textChunks(bytes);
  return chunks === undefined ? undefined : fastVerdict(chunks, model, initial);
}
