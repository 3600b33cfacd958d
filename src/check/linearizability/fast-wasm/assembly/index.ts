/**
 * The fast path of `../../fast/` (encode.ts + search.ts) in AssemblyScript, compiled to WebAssembly: a
 * one-op-per-line Jepsen EDN history, read from its bytes, encoded for `cas-register` or `kv` and searched with
 * the same Wing & Gong / Lowe search (memo cache, Zobrist hashing, greedy reads, twins). WebAssembly is compiled
 * by V8's baseline compiler (Liftoff) in well under a millisecond and runs fast from its first call, where the
 * JavaScript fast path runs in the interpreter until TurboFan has compiled it (45–55 ms of CPU in a fresh
 * process). Build: `npm run build:wasm` (writes ../module.generated.ts).
 *
 * It answers "linearizable, with n ops" (`check` returns n ≥ 0) or declines (a negative code) on anything
 * outside the narrow shape the JavaScript fast path accepts, on bytes that are not printable ASCII text, and on
 * any verdict but "linearizable"; the caller then runs the JavaScript paths. It means exactly what they mean on
 * what it accepts (test/properties/lin-fast-wasm.test.ts). No imports, no runtime: memory is handed out by a
 * bump allocator reset at every `input` (memory.ts); running out of it traps (the caller declines). The reader
 * is reader.ts, the model encoding encode.ts, the search search.ts.
 */
import { encodeHistory, live } from "./encode";
import { resetMemory } from "./memory";
import { prepareInput, readHistory } from "./reader";
import { searchHistory } from "./search";

/** `check`'s answer for a file the fast path leaves to the JavaScript paths (search.ts has two more). */
const DECLINED: i32 = -1;

/** Resets memory and returns where the caller writes a file of `length` bytes (then calls `check`). */
export function input(length: i32): usize {
  resetMemory();
  return prepareInput(length);
}

/**
 * Checks the `length` bytes written at `input(length)`'s address against `cas-register` (`kv` 0) or kv (1):
 * the number of ops when it found a linearization in at most `maxSteps` steps, else a negative code (the
 * caller runs the JavaScript paths). Traps past `maxCacheBytes` of memo cache in one partition.
 */
export function check(length: i32, kv: i32, maxSteps: i32, maxCacheBytes: i32): i32 {
  if (!readHistory(length) || !encodeHistory(kv == 1)) return DECLINED;
  const found = searchHistory(maxSteps, maxCacheBytes);
  return found < 0 ? found : live;
}
