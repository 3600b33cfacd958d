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
 */
export function fastVerdict(text: string, model: string, initial: Value | undefined, options: FastOptions = {}): FastVerdict | undefined {
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
