/**
 * The fast path compiled to WebAssembly (source: ./assembly/index.ts, bytes: ./module.generated.ts): the same
 * reader, model encoding and search as `../fast/`, which V8 compiles with its baseline compiler (Liftoff) in
 * about a millisecond and runs at near-native speed from the first file a process checks — where the
 * JavaScript fast path runs in the interpreter until TurboFan has compiled it, 45–55 ms of CPU in a fresh
 * process or worker (docs/checker-speed.md, round six).
 *
 * It answers "linearizable" or nothing, like `fastVerdictOfBytes`, and declines on anything else: other shapes,
 * bytes that are not printable ASCII, other verdicts, step or memory limits. The caller then runs the JavaScript
 * fast path and the general checker, exactly as without it.
 */
import { setFlagsFromString } from "node:v8";
import { isMainThread } from "node:worker_threads";
import type { Value } from "../types.js";
import { FAST_MAX_STEPS } from "../fast/index.js";
import type { FastVerdict } from "../fast/index.js";
import { FAST_WASM_BASE64 } from "./module.generated.js";

/** Memo cache budget per partition, as the JavaScript fast path's: past it the general checker takes over. */
const FAST_WASM_MAX_CACHE_BYTES = 64 * 2 ** 20;

/** The part of the WebAssembly JavaScript API used here (the project's `lib` has no DOM types, where it is declared). */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
  readonly RuntimeError: new () => Error;
}
const wasmApi = (globalThis as unknown as { readonly WebAssembly: WebAssemblyApi }).WebAssembly;

/** The module's exports (assembly/index.ts). */
export interface FastWasmExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  /** Resets the module's memory; where to write a file of `length` bytes. */
  input(length: number): number;
  /** Checks the bytes written: the op count when linearizable, else negative. Traps past memory limits. */
  check(length: number, kv: number, maxSteps: number, maxCacheBytes: number): number;
}

/** Options of `wasmVerdictOfBytes` (for tests). */
export interface FastWasmOptions {
  readonly maxSteps?: number;
  /** Memo cache budget per partition, in bytes (tests: a small one). */
  readonly maxCacheBytes?: number;
  /** The module to run instead of the committed one (tests: a deliberately broken build). */
  readonly exports?: FastWasmExports;
  /** Memory above which the committed module's instance is dropped after a check (tests: a small one). */
  readonly retainedMemoryBytes?: number;
}

/**
 * True when the process was started with a V8 flag about WebAssembly tiering: then `compileFastWasm` leaves
 * V8's flags as they are.
 */
function tieringChosenByUser(): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ");
  return /liftoff|wasm-tier|wasm-dynamic-tiering/.test(given);
}

/**
 * Compiles and instantiates a fast-path module. V8 would compile its hot functions again with TurboFan on
 * background threads while the first file is checked — CPU that the per-file figure counts (first files at 5–12
 * ms instead of 3–6) for a module that runs for about a millisecond per file. So on the main thread the module
 * is compiled with `--liftoff-only` set just around its compilation (V8 fixes a module's tiering when it is
 * compiled) and the default restored at once; other modules keep theirs. V8's flags are the process's: worker
 * threads leave them alone (their modules tier up as usual), and so does a user who chose WebAssembly tiering
 * flags.
 */
export function compileFastWasm(bytes: Uint8Array): FastWasmExports {
  return instantiate(compileModule(bytes));
}

function compileModule(bytes: Uint8Array): object {
  const pin = isMainThread && !tieringChosenByUser();
  if (pin) setFlagsFromString("--liftoff-only");
  try {
    return new wasmApi.Module(bytes);
  } finally {
    if (pin) setFlagsFromString("--no-liftoff-only");
  }
}

const instantiate = (module: object): FastWasmExports => new wasmApi.Instance(module, {}).exports as unknown as FastWasmExports;

/**
 * WebAssembly memory only grows: an instance that checked a large file (or filled its memo cache) would keep
 * that memory for the life of the process. Past this many bytes the instance is dropped after its check and the
 * next file gets a fresh one (instantiating the compiled module takes microseconds).
 */
const RETAINED_MEMORY_BYTES = 16 * 2 ** 20;

/** The committed module, compiled once per process or worker; null when it could not be (then never used). */
let committed: { readonly module: object; exports: FastWasmExports | undefined } | null | undefined;

function committedModule(): FastWasmExports | null {
  if (committed === undefined) {
    try {
      committed = { module: compileModule(Buffer.from(FAST_WASM_BASE64, "base64")), exports: undefined };
    } catch {
      committed = null;
    }
  }
  if (committed === null) return null;
  return (committed.exports ??= instantiate(committed.module));
}

/** @internal Bytes of WebAssembly memory the committed module's instance holds between checks (0: none). */
export function fastWasmRetainedBytes(): number {
  return committed?.exports?.memory.buffer.byteLength ?? 0;
}

/**
 * The fast path in WebAssembly on a file's bytes: `{ verdict: "linearizable", ops }`, or `undefined` whenever the
 * JavaScript paths must decide. Never throws.
 */
export function wasmVerdictOfBytes(bytes: Uint8Array, model: string, initial: Value | undefined, options: FastWasmOptions = {}): FastVerdict | undefined {
  if ((model !== "cas-register" && model !== "kv") || (initial !== undefined && initial !== null)) return undefined;
  const wasm = options.exports ?? committedModule();
  if (wasm === null) return undefined;
  try {
    const at = wasm.input(bytes.length);
    new Uint8Array(wasm.memory.buffer, at, bytes.length).set(bytes);
    const ops = wasm.check(bytes.length, model === "kv" ? 1 : 0, options.maxSteps ?? FAST_MAX_STEPS, options.maxCacheBytes ?? FAST_WASM_MAX_CACHE_BYTES);
    return ops >= 0 ? { verdict: "linearizable", ops } : undefined;
  } catch (error) {
    // A trap (memory could not grow, or the memo cache reached its budget), or a file too large for its memory.
    if (error instanceof wasmApi.RuntimeError || error instanceof RangeError) return undefined;
    throw error;
  } finally {
    if (committed?.exports === wasm && wasm.memory.buffer.byteLength > (options.retainedMemoryBytes ?? RETAINED_MEMORY_BYTES)) committed.exports = undefined;
  }
}
