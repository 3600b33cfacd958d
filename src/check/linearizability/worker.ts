/**
 * Worker-thread entry (loaded from `dist/`): answers manifest jobs (`CheckJob` → `CheckJobResult`) and
 * partition jobs (`PartitionJob` → `PartitionReply[]`).
 */
import { parentPort } from "node:worker_threads";
import { runCheckJob } from "./jobs.js";
import type { CheckJob } from "./jobs.js";
import { runPartitionJob } from "./parallel.js";
import type { PartitionJob } from "./parallel.js";

parentPort?.on("message", (job: CheckJob | PartitionJob | null) => {
  if (job === null) {
    parentPort?.close();
    return;
  }
  if ("kind" in job && job.kind === "partitions") {
    parentPort?.postMessage(runPartitionJob(job));
    return;
  }
  try {
    parentPort?.postMessage(runCheckJob(job as CheckJob));
  } catch (error) {
    parentPort?.postMessage({ id: job.id, verdict: "error", ms: 0, cpuMs: 0, error: `internal error: ${(error as Error).stack ?? String(error)}` });
  }
});
