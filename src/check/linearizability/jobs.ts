/**
 * One unit of manifest work: read a history file, parse it, check it. Used in-process and by `worker.ts`
 * (worker threads load the compiled copy from `dist/`). This module only does file I/O and dispatch.
 *
 * It loads only the fast path up front; the general parser, models and checker are loaded the first time a
 * file needs them, so a manifest of ordinary histories never pays for loading them.
 */
import { readFileSync } from "node:fs";
import { fastVerdictOfBytes } from "./fast/index.js";
import { wasmVerdictOfBytes } from "./fast-wasm/index.js";
import type { HistoryFormat } from "./formats/index.js";
import { decodeHistoryText } from "./formats/text.js";
import type { Value, Verdict } from "./types.js";

/** What to check. */
export interface CheckJob {
  readonly id: number;
  /** Absolute path to read. */
  readonly path: string;
  /** Name used in messages (the manifest's relative path). */
  readonly label: string;
  readonly format: HistoryFormat;
  readonly model: string;
  readonly initial?: Value;
  readonly timeoutMs?: number;
}

/** What came of it: a verdict, or an error (bad file, bad model) with its message. */
export interface CheckJobResult {
  readonly id: number;
  readonly verdict: Verdict | "error";
  readonly ms: number;
  /**
   * CPU time of the whole process (all its threads: V8's compiler and collector too) while the job ran, in ms;
   * on a busy machine a truer cost than `ms`. Jobs that ran beside others on worker threads count theirs too.
   */
  readonly cpuMs: number;
  readonly ops?: number;
  readonly error?: string;
}

/** The general path's verdict on `text`: parsed, validated against the model and checked. @throws typed errors for bad input. */
async function generalVerdict(text: string, job: CheckJob): Promise<{ verdict: Verdict; ops: number }> {
  const [{ parseHistory }, { modelByName }, { validateOperations }, { checkLinearizability }] = await Promise.all([
    import("./formats/index.js"),
    import("./models/index.js"),
    import("./validate.js"),
    import("./check.js"),
  ]);
  const history = parseHistory(text, job.format, job.label);
  const model = modelByName(job.model, job.initial);
  validateOperations(history, model, job.label);
  const result = checkLinearizability(history, model, job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {});
  return { verdict: result.verdict, ops: history.length };
}

/** Runs one job; never rejects for bad input (the error is in the result). */
export async function runCheckJob(job: CheckJob): Promise<CheckJobResult> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const cpuMs = (): number => {
    const used = process.cpuUsage(cpuStart);
    return (used.user + used.system) / 1000;
  };
  try {
    const bytes = readFileSync(job.path);
    // Ordinary histories (one op per line, a register or a kv store) that are linearizable are settled by the
    // fast path in WebAssembly (fast from a process's first file on), else by the integer-coded fast path in
    // JavaScript, which reads the text in chunks; anything else — other shapes, other models, other verdicts,
    // text that is not UTF-8 — by the general path, which also gives the precise errors.
    const fast =
      job.format === "jepsen-edn" ? (wasmVerdictOfBytes(bytes, job.model, job.initial) ?? fastVerdictOfBytes(bytes, job.model, job.initial)) : undefined;
    if (fast !== undefined) return { id: job.id, verdict: fast.verdict, ms: performance.now() - start, cpuMs: cpuMs(), ops: fast.ops };
    const general = await generalVerdict(decodeHistoryText(bytes, job.label), job);
    return { id: job.id, verdict: general.verdict, ms: performance.now() - start, cpuMs: cpuMs(), ops: general.ops };
  } catch (error) {
    // Typed errors (bad file, bad model, unreadable path) carry a code; anything else is a bug.
    const e = error as Error & { code?: unknown };
    if (typeof e.code !== "string") throw error;
    return { id: job.id, verdict: "error", ms: performance.now() - start, cpuMs: cpuMs(), error: e.message };
  }
}
