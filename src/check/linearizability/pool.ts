/**
 * Runs manifest check jobs: on this thread while they are quick, on worker threads (compiled JS from `dist/`)
 * when there is much to do, more than one worker is allowed and the build exists. Jobs are handed out one at a
 * time, largest first, to balance the load.
 */
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { runCheckJob } from "./jobs.js";
import type { CheckJob, CheckJobResult } from "./jobs.js";

/** The compiled worker: beside this module when it runs from `dist/`, else in the checkout's `dist/`. */
export function compiledWorkerPath(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const relative = here.endsWith(".js") ? "./worker.js" : "../../../dist/check/linearizability/worker.js";
  const path = fileURLToPath(new URL(relative, import.meta.url));
  return existsSync(path) ? path : undefined;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * How much CPU time (ms) this thread spends checking jobs itself before it hands the rest to worker threads.
 * Most manifests (dozens of ordinary histories) are done within it: a worker costs a fresh isolate — module
 * loading, and V8 optimizing the parser and the search all over again — which is more than such a manifest takes
 * here. CPU time, not wall time, so that a busy machine does not make a small manifest look large.
 */
export const IN_PROCESS_BUDGET_MS = 1000;

/** Options of `runJobs`. */
export interface RunJobsOptions {
  /** CPU milliseconds of in-process checking before the remaining jobs go to worker threads (default IN_PROCESS_BUDGET_MS). */
  readonly inProcessBudgetMs?: number;
  /** Hears of each result as it arrives (for progress), in completion order. */
  readonly onResult?: (result: CheckJobResult) => void;
}

/**
 * Runs every job; results come back in job order. Jobs are taken largest file first: this thread checks them
 * itself until it has used `inProcessBudgetMs` of CPU time, then the remaining ones go to `workers` threads (when more than
 * one is allowed and the compiled build exists), handed out one at a time.
 */
export async function runJobs(jobs: readonly CheckJob[], workers: number, options: RunJobsOptions = {}): Promise<CheckJobResult[]> {
  const results = new Array<CheckJobResult>(jobs.length);
  const byId = new Map(jobs.map((job, i) => [job.id, i]));
  const queue = [...jobs].sort((a, b) => sizeOf(b.path) - sizeOf(a.path));
  const budget = options.inProcessBudgetMs ?? IN_PROCESS_BUDGET_MS;
  const onResult = options.onResult;
  const workerPath = workers > 1 ? compiledWorkerPath() : undefined;
  const start = process.cpuUsage();
  const cpuMs = (): number => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  while (queue.length > 0 && (workerPath === undefined || queue.length < 2 || cpuMs() < budget)) {
    const job = queue.shift()!;
    const result = await runCheckJob(job);
    results[byId.get(job.id)!] = result;
    onResult?.(result);
  }
  if (queue.length === 0 || workerPath === undefined) return results;
  await Promise.all(
    Array.from({ length: Math.min(workers, queue.length) }, () => {
      const worker = new Worker(workerPath);
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          const job = queue.shift();
          if (job === undefined) {
            void worker.terminate().then(() => resolve());
            return;
          }
          worker.postMessage(job);
        };
        worker.on("message", (result: CheckJobResult) => {
          results[byId.get(result.id)!] = result;
          onResult?.(result);
          feed();
        });
        worker.on("error", reject);
        feed();
      });
    }),
  );
  return results;
}
