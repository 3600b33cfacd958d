/**
 * `quorate check`: linearizability of one history file, or of every file a manifest lists.
 *
 *   quorate check FILE --format jepsen-edn|jepsen-etcd-log|kv-edn-lines|json --model NAME
 *                 [--initial JSON] [--timeout 30s] [--json] [--html out.html] [--workers N]
 *   quorate check --manifest expected.json [--json] [--timeout 30s] [--workers N]
 *
 * Exit codes (exit-codes.ts): 0 linearizable (manifest: every verdict as expected), 1 not linearizable
 * (manifest: a mismatch, or a not-linearizable file with no expectation), 2 bad usage or bad input (arguments,
 * files, models, ops the model does not define), 3 unknown (time or memory limit).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { Value, Verdict } from "../../../check/linearizability/index.js";
import type { CheckJob, CheckJobResult } from "../../../check/linearizability/jobs.js";
import { parseManifest } from "../../../check/linearizability/manifest.js";
import { runJobs } from "../../../check/linearizability/pool.js";
import { EXIT_CODES_HELP, Exit, UsageError, combineExitCodes } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine, selectMode } from "../flags.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";
import { startProgress } from "../progress.js";

/**
 * The general checker, its parsers, models and reports: loaded for a single FILE and for the usage text only.
 * A manifest's files are checked by `runJobs`, which loads them only for files the fast path does not settle.
 */
const loadChecker = (): Promise<typeof import("../../../check/linearizability/index.js")> => import("../../../check/linearizability/index.js");

const EXIT: Record<Verdict, ExitCode> = { linearizable: Exit.ok, "not-linearizable": Exit.violation, unknown: Exit.unknown };
/** From this many ops, a single history's partitions are checked on worker threads by default. */
const PARALLEL_MIN_OPS = 5000;

type Mode = "file" | "manifest";

/** Which flag goes with which mode: anything else given is refused. */
const FLAGS = {
  format: { type: "string", modes: ["file"] },
  model: { type: "string", modes: ["file"] },
  initial: { type: "string", modes: ["file"] },
  html: { type: "string", modes: ["file"] },
  manifest: { type: "string", modes: ["manifest"] },
  timeout: { type: "string" },
  json: { type: "boolean" },
  workers: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable<Mode>;

async function usage(): Promise<string> {
  const { builtinModels, historyFormats } = await loadChecker();
  return `usage: quorate check FILE --format FORMAT --model MODEL [--initial JSON] [--timeout 30s] [--json] [--html out.html] [--workers N]
       quorate check --manifest MANIFEST.json [--json] [--timeout 30s] [--workers N]

formats: ${historyFormats.join(", ")}
models:
${builtinModels.map((m) => `  ${m.name.padEnd(24)} ${m.summary}`).join("\n")}

--workers N: threads for a manifest's files, or for a large history's partitions (default: up to 4; a single
             history uses them from ${PARALLEL_MIN_OPS} ops on)
--format, --model, --initial and --html go with a FILE; a manifest names them per file.
A manifest run exits 1 on a verdict that differs from the expected one, or a not-linearizable file with no
expectation; 2 when a file cannot be checked; 3 when a verdict is unknown and none was expected.
${EXIT_CODES_HELP}
`;
}

/** "30s", "500ms", "2m", or a number of seconds → milliseconds. */
export function parseTimeout(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`--timeout: expected a duration like 30s, 500ms or 2m, got '${text}'`);
  const n = Number(match[1]);
  const unit = match[2] ?? "s";
  return unit === "ms" ? n : unit === "m" ? n * 60_000 : n * 1000;
}

function parseInitial(text: string | undefined): Value | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Value;
  } catch (error) {
    throw new UsageError(`--initial: not JSON (${(error as Error).message}); e.g. --initial null, --initial 0, --initial '""', --initial '{"x":0}'`);
  }
}

function parseWorkers(text: string): number {
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers: expected an integer 1..64, got '${text}'`);
  return workers;
}

/** The bytes of a file named on the command line. @throws UsageError naming the file when it cannot be read. */
function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

/**
 * Reports bad input: always on stderr, and with `--json` also as one JSON object on stdout, so a CI job that
 * parses stdout sees why there is no verdict instead of an empty stream.
 */
function fail(message: string, code: string, json: boolean): ExitCode {
  process.stderr.write(`quorate check: ${message}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  return Exit.badInput;
}

/** One manifest file's exit code: its verdict against the expectation, or against none. */
function entryExit(result: CheckJobResult, expected: Verdict | undefined): ExitCode {
  if (expected !== undefined && result.verdict !== expected) return Exit.violation;
  if (result.verdict === "error") return Exit.badInput;
  if (expected !== undefined) return Exit.ok;
  return EXIT[result.verdict];
}

/** A file name with nothing `path.resolve` would change under a resolved directory: no `.`/`..` or empty segment, not absolute. */
const PLAIN_RELATIVE = /^(?!\/)(?!.*(?:^|\/)\.{1,2}(?:\/|$))(?!.*\/\/)(?!.*\/$).+$/s;

/**
 * `path.resolve(dir, file)` for a resolved `dir`, without running Node's `normalizeString` for a plain relative
 * name: called once per manifest entry, that loop over characters became hot just before the first file was
 * checked, and its TurboFan compile (3–6 ms of CPU on a background thread) landed in the first file's figure.
 */
export function resolveUnder(dir: string, file: string): string {
  if (!PLAIN_RELATIVE.test(file)) return path.resolve(dir, file);
  return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
}

async function checkManifest(manifestPath: string, options: { json: boolean; timeoutMs?: number; workers: number }): Promise<ExitCode> {
  const start = performance.now();
  const text = readInput(manifestPath, "--manifest").toString("utf8");
  const entries = parseManifest(text, manifestPath);
  const dir = path.dirname(path.resolve(manifestPath));
  const jobs: CheckJob[] = entries.map((e, id) => ({
    id,
    path: resolveUnder(dir, e.file),
    label: e.file,
    format: e.format,
    model: e.model,
    ...(e.initial !== undefined ? { initial: e.initial } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  }));
  const bar = startProgress({ label: "histories", total: jobs.length, quiet: options.json });
  let outcomes: CheckJobResult[];
  try {
    let mismatched = 0;
    outcomes = await runJobs(jobs, options.workers, {
      onResult: (r) => {
        const expected = entries[r.id]!.expected;
        if (expected !== undefined && r.verdict !== expected) mismatched++;
        bar.advance(1, `${mismatched} mismatch(es)`);
      },
    });
  } finally {
    bar.stop();
  }
  let mismatches = 0;
  const codes: ExitCode[] = [];
  const results = entries.map((e, i) => {
    const r = outcomes[i]!;
    const mismatch = e.expected !== undefined && r.verdict !== e.expected;
    if (mismatch) mismatches++;
    codes.push(entryExit(r, e.expected));
    return {
      file: e.file,
      verdict: r.verdict,
      expected: e.expected ?? null,
      ms: Number(r.ms.toFixed(3)),
      cpuMs: Number(r.cpuMs.toFixed(3)),
      ...(r.ops !== undefined ? { ops: r.ops } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(mismatch ? { mismatch: true } : {}),
    };
  });
  const totalMs = Number((performance.now() - start).toFixed(3));
  const errors = results.filter((r) => r.verdict === "error").length;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ results, mismatches, errors, totalMs })}\n`);
  } else {
    for (const r of results) {
      const mark = "mismatch" in r ? "MISMATCH" : r.verdict === "error" ? "ERROR   " : r.expected === null ? "        " : "ok      ";
      process.stdout.write(`${mark} ${r.verdict.padEnd(16)} ${r.ms.toFixed(1).padStart(9)} ms  ${r.file}${"error" in r ? `  (${r.error})` : ""}\n`);
    }
    process.stdout.write(`${results.length} histories, ${mismatches} mismatch(es), ${errors} unreadable, ${totalMs.toFixed(0)} ms\n`);
  }
  return combineExitCodes(codes);
}

/** The `check` subcommand. */
export const run: CommandRun = async (argv) => {
  try {
    const line = parseCommandLine(FLAGS, argv, { positionals: true });
    const { values, positionals } = line;
    if (values.help === true) {
      process.stdout.write(await usage());
      return Exit.ok;
    }
    const mode = selectMode(FLAGS, line, {
      select: (l) => (l.values.manifest !== undefined ? "manifest" : "file"),
      describe: { file: "a history FILE", manifest: "--manifest (a manifest names format, model and initial per file)" },
    });
    const timeoutMs = values.timeout !== undefined ? parseTimeout(values.timeout) : undefined;
    const json = values.json === true;
    if (mode === "manifest") {
      if (positionals.length > 0) throw new UsageError("give either FILE or --manifest, not both");
      const workers = values.workers !== undefined ? parseWorkers(values.workers) : Math.min(availableParallelism(), 4);
      return await checkManifest(values.manifest!, { json, workers, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    }
    if (positionals.length !== 1) throw new UsageError(`expected one history FILE (got ${positionals.length})\n\n${await usage()}`);
    const file = positionals[0]!;
    const { builtinModels, checkLinearizability, checkLinearizabilityParallel, decodeHistoryText, formatReport, historyFormats, isHistoryFormat, modelByName, parseHistory, summarize, validateOperations } =
      await loadChecker();
    if (values.format === undefined || !isHistoryFormat(values.format)) {
      throw new UsageError(`--format must be one of ${historyFormats.join(", ")}${values.format !== undefined ? ` (got '${values.format}')` : ""}`);
    }
    if (values.model === undefined) throw new UsageError(`--model is required; one of ${builtinModels.map((m) => m.name).join(", ")}`);
    const initial = parseInitial(values.initial);
    const model = modelByName(values.model, initial);
    const history = parseHistory(decodeHistoryText(readInput(file, "FILE"), file), values.format, file);
    validateOperations(history, model, file);
    const workers = values.workers !== undefined ? parseWorkers(values.workers) : history.length >= PARALLEL_MIN_OPS ? Math.min(availableParallelism(), 4) : 1;
    const options = timeoutMs !== undefined ? { timeoutMs } : {};
    const result = workers > 1 ? await checkLinearizabilityParallel(history, values.model, initial, { ...options, workers }) : checkLinearizability(history, model, options);
    if (json) {
      process.stdout.write(`${JSON.stringify({ file, ops: history.length, ...(summarize(result, model) as object) })}\n`);
    } else {
      process.stdout.write(formatReport(result, model));
    }
    if (values.html !== undefined) {
      const { renderHtml } = await import("../../../check/linearizability/html.js");
      writeFileSync(values.html, renderHtml(result, model, { title: path.basename(file) }));
      if (!json) process.stdout.write(`wrote ${values.html}\n`);
    }
    return EXIT[result.verdict];
  } catch (error) {
    const e = error as Error & { code?: unknown };
    if (typeof e.code === "string") return fail(e.message, e.code, argv.includes("--json"));
    throw error;
  }
};
