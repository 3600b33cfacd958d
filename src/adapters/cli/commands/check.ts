/**
 * `quorate check`: linearizability of one history file, or of every file a manifest lists.
 *
 *   quorate check FILE --format jepsen-edn|jepsen-etcd-log|kv-edn-lines|json --model NAME
 *                 [--initial JSON] [--timeout 30s] [--json] [--html out.html] [--workers N]
 *   quorate check --manifest expected.json [--json] [--timeout 30s] [--workers N]
 *
 * Exit codes: 0 linearizable (manifest: every verdict as expected), 1 not linearizable (manifest: a
 * mismatch), 2 unknown (time or memory limit), 3 bad input (arguments, files, models).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  builtinModels,
  checkLinearizability,
  checkLinearizabilityParallel,
  formatReport,
  historyFormats,
  isHistoryFormat,
  modelByName,
  parseHistory,
  parseManifest,
  summarize,
} from "../../../check/linearizability/index.js";
import type { Value, Verdict } from "../../../check/linearizability/index.js";
import { renderHtml } from "../../../check/linearizability/html.js";
import type { CheckJob } from "../../../check/linearizability/jobs.js";
import { runJobs } from "../../../check/linearizability/pool.js";
import type { CommandRun } from "../main.js";

const EXIT: Record<Verdict, number> = { linearizable: 0, "not-linearizable": 1, unknown: 2 };
const BAD_INPUT = 3;
/** From this many ops, a single history's partitions are checked on worker threads by default. */
const PARALLEL_MIN_OPS = 5000;

const USAGE = `usage: quorate check FILE --format FORMAT --model MODEL [--initial JSON] [--timeout 30s] [--json] [--html out.html] [--workers N]
       quorate check --manifest MANIFEST.json [--json] [--timeout 30s] [--workers N]

formats: ${historyFormats.join(", ")}
models:
${builtinModels.map((m) => `  ${m.name.padEnd(24)} ${m.summary}`).join("\n")}

--workers N: threads for a manifest's files, or for a large history's partitions (default: up to 4; a single
             history uses them from ${PARALLEL_MIN_OPS} ops on)
exit codes: 0 linearizable (manifest: all verdicts as expected), 1 not linearizable (manifest: mismatches),
            2 unknown (time or memory limit), 3 bad input
`;

class UsageError extends Error {
  readonly code = "USAGE";
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

function fail(message: string): number {
  process.stderr.write(`quorate check: ${message}\n`);
  return BAD_INPUT;
}

async function checkManifest(manifestPath: string, options: { json: boolean; timeoutMs?: number; workers: number }): Promise<number> {
  const start = performance.now();
  const text = readFileSync(manifestPath, "utf8");
  const entries = parseManifest(text, manifestPath);
  const dir = path.dirname(path.resolve(manifestPath));
  const jobs: CheckJob[] = entries.map((e, id) => ({
    id,
    path: path.resolve(dir, e.file),
    label: e.file,
    format: e.format,
    model: e.model,
    ...(e.initial !== undefined ? { initial: e.initial } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  }));
  const outcomes = await runJobs(jobs, options.workers);
  let mismatches = 0;
  const results = entries.map((e, i) => {
    const r = outcomes[i]!;
    const mismatch = e.expected !== undefined && r.verdict !== e.expected;
    if (mismatch) mismatches++;
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
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ results, mismatches, totalMs })}\n`);
  } else {
    for (const r of results) {
      const mark = "mismatch" in r ? "MISMATCH" : r.expected === null ? "        " : "ok      ";
      process.stdout.write(`${mark} ${r.verdict.padEnd(16)} ${r.ms.toFixed(1).padStart(9)} ms  ${r.file}${"error" in r ? `  (${r.error})` : ""}\n`);
    }
    process.stdout.write(`${results.length} histories, ${mismatches} mismatch(es), ${totalMs.toFixed(0)} ms\n`);
  }
  return mismatches === 0 ? 0 : 1;
}

/** The `check` subcommand. */
export const run: CommandRun = async (argv) => {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        format: { type: "string" },
        model: { type: "string" },
        initial: { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean", default: false },
        html: { type: "string" },
        manifest: { type: "string" },
        workers: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const timeoutMs = values.timeout !== undefined ? parseTimeout(values.timeout) : undefined;
    if (values.manifest !== undefined) {
      if (positionals.length > 0) throw new UsageError("give either FILE or --manifest, not both");
      const workers = values.workers !== undefined ? parseWorkers(values.workers) : Math.min(availableParallelism(), 4);
      return await checkManifest(values.manifest, { json: values.json ?? false, workers, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    }
    if (positionals.length !== 1) throw new UsageError(`expected one history FILE (got ${positionals.length})\n\n${USAGE}`);
    const file = positionals[0]!;
    if (values.format === undefined || !isHistoryFormat(values.format)) {
      throw new UsageError(`--format must be one of ${historyFormats.join(", ")}${values.format !== undefined ? ` (got '${values.format}')` : ""}`);
    }
    if (values.model === undefined) throw new UsageError(`--model is required; one of ${builtinModels.map((m) => m.name).join(", ")}`);
    const initial = parseInitial(values.initial);
    const model = modelByName(values.model, initial);
    const history = parseHistory(readFileSync(file, "utf8"), values.format, file);
    const workers = values.workers !== undefined ? parseWorkers(values.workers) : history.length >= PARALLEL_MIN_OPS ? Math.min(availableParallelism(), 4) : 1;
    const options = timeoutMs !== undefined ? { timeoutMs } : {};
    const result = workers > 1 ? await checkLinearizabilityParallel(history, values.model, initial, { ...options, workers }) : checkLinearizability(history, model, options);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ file, ops: history.length, ...(summarize(result, model) as object) })}\n`);
    } else {
      process.stdout.write(formatReport(result, model));
    }
    if (values.html !== undefined) {
      writeFileSync(values.html, renderHtml(result, model, { title: path.basename(file) }));
      if (!values.json) process.stdout.write(`wrote ${values.html}\n`);
    }
    return EXIT[result.verdict];
  } catch (error) {
    const e = error as Error & { code?: unknown };
    if (typeof e.code === "string") return fail(e.message);
    throw error;
  }
};
