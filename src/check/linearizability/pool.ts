/**
 * Runs check jobs on worker threads (compiled JS from `dist/`), falling back to this thread when the build is
 * missing or one worker is asked for. Jobs are handed out one at a time, largest first, to balance the load.
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
 * Runs every job, on `workers` threads when possible; results come back in job order. `onResult` hears of each
 * result as it arrives (for progress), in completion order.
 */
export async function runJobs(jobs: readonly CheckJob[], workers: number, onResult?: (result: CheckJobResult) => void): Promise<CheckJobResult[]> {
  const results = new Array<CheckJobResult>(jobs.length);
  const workerPath = workers > 1 ? compiledWorkerPath() : undefined;
  if (workerPath === undefined || jobs.length < 2) {
    jobs.forEach((job, i) => {
      results[i] = runCheckJob(job);
      onResult?.(results[i]);
    });
    return results;
  }
  const byId = new Map(jobs.map((job, i) => [job.id, i]));
  const queue = [...jobs].sort((a, b) => sizeOf(b.path) - sizeOf(a.path));
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, () => {
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
