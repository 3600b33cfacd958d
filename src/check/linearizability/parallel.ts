/**
 * P-compositionality on worker threads: the partitions of a large history are split among workers (compiled JS
 * from `dist/`), each searching its share interleaved; the first failure stops the others. Only built-in models
 * (by name) can cross to a worker. Falls back to this thread when the build is missing or one worker is enough.
 */
import { Worker } from "node:worker_threads";
import { checkLinearizability, combineVerdicts, partitionHistory } from "./check.js";
import { modelByName } from "./models/index.js";
import { compiledWorkerPath } from "./pool.js";
import type { CheckOptions, CheckResult, History, JepsenInput, JepsenOutput, LinearizationStep, PartitionResult, Value, Verdict } from "./types.js";

/** A share of partitions sent to a worker. */
export interface PartitionJob {
  readonly kind: "partitions";
  readonly id: number;
  readonly model: string;
  readonly initial?: Value;
  readonly ops: History;
  readonly options: { readonly timeoutMs?: number; readonly maxCacheBytes?: number };
}

/** What a worker sends back per partition (op indices relative to the job's `ops`). */
export interface PartitionReply {
  readonly verdict: Verdict;
  readonly originalIndex: readonly number[];
  readonly linearization?: readonly LinearizationStep<unknown>[];
  readonly failure?: { readonly stuckOp: number; readonly longestPrefix: readonly LinearizationStep<unknown>[] };
  readonly reason?: string;
  readonly stats: { readonly steps: number; readonly cacheEntries: number; readonly ms: number };
}

/** Runs a partition job (in a worker). */
export function runPartitionJob(job: PartitionJob): PartitionReply[] {
  const model = modelByName(job.model, job.initial);
  const result = checkLinearizability(job.ops, model, job.options);
  return result.partitions.map((p) => ({
    verdict: p.verdict,
    originalIndex: p.originalIndex,
    ...(p.linearization ? { linearization: p.linearization } : {}),
    ...(p.failure ? { failure: p.failure } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
    stats: p.stats,
  }));
}

/** Options of `checkLinearizabilityParallel`. */
export interface ParallelOptions extends CheckOptions {
  /** Worker threads to use (default 2). */
  readonly workers?: number;
}

/**
 * `checkLinearizability` for a built-in model named `modelName`, with partitions on worker threads.
 * Falls back to the calling thread when there is one partition, one worker, or no compiled build.
 */
export async function checkLinearizabilityParallel(
  history: History,
  modelName: string,
  initial: Value | undefined,
  options: ParallelOptions = {},
): Promise<CheckResult<unknown, JepsenInput, JepsenOutput>> {
  const model = modelByName(modelName, initial);
  const start = performance.now();
  const parts = partitionHistory(history, model, options.partition ?? true);
  const workerPath = compiledWorkerPath();
  const workers = Math.min(options.workers ?? 2, parts.length);
  if (workerPath === undefined || workers < 2) return checkLinearizability(history, model, options);

  // Largest partitions first, each to the share with the fewest ops so far.
  const shares = Array.from({ length: workers }, () => ({ parts: [] as number[], ops: 0 }));
  [...parts.keys()].sort((a, b) => parts[b]!.history.length - parts[a]!.history.length).forEach((p) => {
    const share = shares.reduce((min, s) => (s.ops < min.ops ? s : min));
    share.parts.push(p);
    share.ops += parts[p]!.history.length;
  });
  const results = new Array<PartitionResult<unknown, JepsenInput, JepsenOutput> | undefined>(parts.length);
  const threads: Worker[] = [];
  let failed = false;
  const jobOptions = { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.maxCacheBytes !== undefined ? { maxCacheBytes: options.maxCacheBytes } : {}) };
  await Promise.all(
    shares.map(
      (share, id) =>
        new Promise<void>((resolve, reject) => {
          // The share's ops, in original order; indices map back through `shareIndex`.
          const shareIndex = share.parts.flatMap((p) => parts[p]!.originalIndex).sort((a, b) => a - b);
          const job: PartitionJob = { kind: "partitions", id, model: modelName, ...(initial !== undefined ? { initial } : {}), ops: shareIndex.map((i) => history[i]!), options: jobOptions };
          const worker = new Worker(workerPath);
          threads.push(worker);
          worker.on("message", (replies: PartitionReply[]) => {
            for (const reply of replies) {
              const originalIndex = reply.originalIndex.map((i) => shareIndex[i]!);
              const index = parts.findIndex((p) => p.originalIndex[0] === originalIndex[0]);
              results[index] = { ...reply, originalIndex, history: originalIndex.map((i) => history[i]!), initialState: model.init() } as PartitionResult<unknown, JepsenInput, JepsenOutput>;
              if (reply.verdict === "not-linearizable" && (options.stopOnFailure ?? true)) failed = true;
            }
            void worker.terminate();
            if (failed) for (const other of threads) if (other !== worker) void other.terminate();
            resolve();
          });
          worker.on("error", reject);
          worker.on("exit", () => resolve());
          worker.postMessage(job);
        }),
    ),
  );
  const partitions = parts.map(
    (part, i) =>
      results[i] ?? {
        ...part,
        initialState: model.init(),
        verdict: "unknown" as const,
        reason: failed ? "not checked: another partition is not linearizable" : "worker stopped",
        stats: { steps: 0, cacheEntries: 0, ms: 0 },
      },
  );
  return { verdict: combineVerdicts(partitions.map((p) => p.verdict)), model: model.name, partitions, ms: performance.now() - start };
}
