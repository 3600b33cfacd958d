/** Worker-thread entry: receives `CheckJob` messages, answers `CheckJobResult`s. Loaded from `dist/`. */
import { parentPort } from "node:worker_threads";
import { runCheckJob } from "./jobs.js";
import type { CheckJob } from "./jobs.js";

parentPort?.on("message", (job: CheckJob | null) => {
  if (job === null) {
    parentPort?.close();
    return;
  }
  try {
    parentPort?.postMessage(runCheckJob(job));
  } catch (error) {
    parentPort?.postMessage({ id: job.id, verdict: "error", ms: 0, error: `internal error: ${(error as Error).stack ?? String(error)}` });
  }
});
