/**
 * Worker-thread entry (loaded from `dist/`): answers manifest jobs (`CheckJob` → `CheckJobResult`) and
 * partition jobs (`PartitionJob` → `PartitionReply[]`). Partition jobs' module (the general checker) is loaded
 * on the first such job, so a worker that only checks manifest files starts with the fast path alone.
 */
import { parentPort } from "node:worker_threads";
import { runCheckJob } from "./jobs.js";
import type { CheckJob } from "./jobs.js";
import type { PartitionJob } from "./parallel.js";

parentPort?.on("message", (job: CheckJob | PartitionJob | null) => {
  if (job === null) {
    parentPort?.close();
    return;
  }
  if ("kind" in job && job.kind === "partitions") {
    void import("./parallel.js").then(({ runPartitionJob }) => parentPort?.postMessage(runPartitionJob(job)));
    return;
  }
  runCheckJob(job as CheckJob).then(
    (result) => parentPort?.postMessage(result),
    (error: unknown) =>
      parentPort?.postMessage({ id: job.id, verdict: "error", ms: 0, cpuMs: 0, error: `internal error: ${(error as Error).stack ?? String(error)}` }),
  );
});
