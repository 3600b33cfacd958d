/** Plain-text and JSON-ready summaries of a check result. */
import type { CheckResult, Model, Operation, PartitionResult } from "./types.js";

function time(t: number): string {
  return t === Infinity ? "never" : String(t);
}

/** One op in words with its process, times and source line. */
export function describeOp<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>, index: number): string {
  const where = op.line !== undefined ? `, line ${op.line}` : "";
  return `op #${index} (process ${String(op.process)}${where}, call ${time(op.call)}, return ${time(op.return)}): ${model.describeOperation(op.input, op.output)}`;
}

function partitionLines<S, I, O>(model: Model<S, I, O>, part: PartitionResult<S, I, O>, label: string, maxPrefix: number): string[] {
  const lines = [`${label} (${part.history.length} ops): ${part.verdict}${part.reason ? ` — ${part.reason}` : ""}`];
  if (part.failure === undefined) return lines;
  const { stuckOp, longestPrefix } = part.failure;
  const stuck = part.history[stuckOp];
  if (stuck !== undefined) {
    lines.push(`  every search got stuck at ${describeOp(model, stuck, part.originalIndex[stuckOp]!)}`);
    lines.push("  no order of the ops before it that the model accepts can include it before it returned.");
  }
  lines.push(`  longest linearizable prefix: ${longestPrefix.length} ops, from initial state ${model.describeState(part.initialState)}`);
  const shown = longestPrefix.length > maxPrefix ? longestPrefix.slice(longestPrefix.length - maxPrefix) : longestPrefix;
  if (shown.length < longestPrefix.length) lines.push(`    … ${longestPrefix.length - shown.length} earlier steps (see --json or --html)`);
  const offset = longestPrefix.length - shown.length;
  shown.forEach((step, i) => {
    const op = part.history[step.op]!;
    lines.push(`    ${String(offset + i + 1).padStart(4)}. ${describeOp(model, op, part.originalIndex[step.op]!)}  ⇒ ${model.describeState(step.stateAfter)}`);
  });
  return lines;
}

/** A human-readable report: the verdict, and for each failing partition the stuck op and longest prefix. */
export function formatReport<S, I, O>(result: CheckResult<S, I, O>, model: Model<S, I, O>, options: { maxPrefix?: number } = {}): string {
  const ops = result.partitions.reduce((sum, p) => sum + p.history.length, 0);
  const lines = [
    `${result.verdict} (model ${result.model}, ${ops} ops, ${result.partitions.length} partition${result.partitions.length === 1 ? "" : "s"}, ${result.ms.toFixed(1)} ms)`,
  ];
  result.partitions.forEach((part, i) => {
    if (part.verdict === "linearizable" && result.partitions.length > 1) return;
    if (part.verdict === "unknown" && part.reason?.startsWith("not checked")) return;
    lines.push(...partitionLines(model, part, `partition ${i + 1} of ${result.partitions.length}`, options.maxPrefix ?? 40));
  });
  const unchecked = result.partitions.filter((p) => p.reason?.startsWith("not checked")).length;
  if (unchecked > 0) lines.push(`${unchecked} partition(s) not checked after the first failure`);
  return lines.join("\n") + "\n";
}

/** A JSON-ready summary (op indices refer to the history given to the checker). */
export function summarize<S, I, O>(result: CheckResult<S, I, O>, model: Model<S, I, O>): unknown {
  return {
    verdict: result.verdict,
    model: result.model,
    ms: Number(result.ms.toFixed(3)),
    partitions: result.partitions.map((part) => ({
      verdict: part.verdict,
      ops: part.history.length,
      ...(part.reason ? { reason: part.reason } : {}),
      steps: part.stats.steps,
      cacheEntries: part.stats.cacheEntries,
      ms: Number(part.stats.ms.toFixed(3)),
      ...(part.failure
        ? {
            stuckOp: {
              index: part.originalIndex[part.failure.stuckOp],
              line: part.history[part.failure.stuckOp]?.line,
              description: part.history[part.failure.stuckOp] ? model.describeOperation(part.history[part.failure.stuckOp]!.input, part.history[part.failure.stuckOp]!.output) : undefined,
            },
            longestPrefix: part.failure.longestPrefix.map((s) => ({
              index: part.originalIndex[s.op],
              op: model.describeOperation(part.history[s.op]!.input, part.history[s.op]!.output),
              stateAfter: model.describeState(s.stateAfter),
            })),
          }
        : {}),
    })),
  };
}
