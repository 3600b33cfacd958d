/** `checkLinearizability`: validate, split by the model's partition function, search each part. */
import { LinearizationSearch } from "./search.js";
import type { CheckOptions, CheckResult, History, Model, Operation, PartitionResult, Verdict } from "./types.js";
import { InvalidHistoryError } from "./types.js";

const DEFAULT_CACHE_BYTES = 768 * 2 ** 20;
/**
 * Loop iterations of a partition's first slice; slices double up to MAX_SLICE (a few ms each). The first slices
 * are short so that the search loop's exits run before V8 optimizes it: an exit first taken in optimized code
 * has no type feedback and throws the loop back to the interpreter.
 */
const FIRST_SLICE = 1 << 8;
const MAX_SLICE = 1 << 18;

/** Throws `InvalidHistoryError` unless every op has a finite call time and a return at or after it. */
export function validateHistory<I, O>(history: History<I, O>): void {
  history.forEach((op, i) => {
    const where = op.line !== undefined ? `op ${i} (line ${op.line})` : `op ${i}`;
    if (typeof op.call !== "number" || !Number.isFinite(op.call)) {
      throw new InvalidHistoryError(`${where}: call time must be a finite number, got ${String(op.call)}`);
    }
    if (typeof op.return !== "number" || Number.isNaN(op.return) || op.return < op.call) {
      throw new InvalidHistoryError(
        `${where}: return time must be a number at or after the call (${op.call}), or Infinity for an op that never returned; got ${String(op.return)}`,
      );
    }
    if (op.return === Infinity && op.output !== undefined) {
      throw new InvalidHistoryError(`${where}: an op that never returned cannot have an output`);
    }
  });
}

/** Combines partition verdicts: any failure wins, then any unknown. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes("not-linearizable")) return "not-linearizable";
  if (verdicts.includes("unknown")) return "unknown";
  return "linearizable";
}

/** Op indices live in the low bits of a float sort key: up to 2^21 ops, call times integers in [0, 2^31). */
const INDEX_SPACE = 2 ** 21;
const MAX_FAST_CALL = 2 ** 31;

/**
 * The ops of one part in call order, ties by original index. When call times are small non-negative integers
 * (Jepsen histories: positions in the file) one native sort of floats does it, with no comparator calls.
 */
function inCallOrder<I, O>(history: History<I, O>, part: readonly Operation<I, O>[], originalIndex: readonly number[]): { history: Operation<I, O>[]; originalIndex: number[] } {
  const n = part.length;
  const keys = new Float64Array(n);
  let fast = history.length < INDEX_SPACE;
  for (let i = 0; i < n && fast; i++) {
    const call = part[i]!.call;
    const index = originalIndex[i]!;
    if (Number.isInteger(call) && call >= 0 && call < MAX_FAST_CALL && index >= 0) keys[i] = call * INDEX_SPACE + index;
    else fast = false;
  }
  if (fast) {
    keys.sort();
    const ops = new Array<Operation<I, O>>(n);
    const indices = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const index = keys[i]! % INDEX_SPACE;
      ops[i] = history[index]!;
      indices[i] = index;
    }
    return { history: ops, originalIndex: indices };
  }
  const order = Array.from(part.keys()).sort((a, b) => part[a]!.call - part[b]!.call || originalIndex[a]! - originalIndex[b]!);
  return { history: order.map((i) => part[i]!), originalIndex: order.map((i) => originalIndex[i]!) };
}

/** Splits `history` into the model's partitions (or one), each in call order with original indices. */
export function partitionHistory<S, I, O>(
  history: History<I, O>,
  model: Model<S, I, O>,
  partition = true,
): { history: Operation<I, O>[]; originalIndex: number[] }[] {
  if (!(partition && model.partition)) return [inCallOrder(history, history, Array.from(history.keys()))];
  const indexOf = new Map<Operation<I, O>, number>();
  history.forEach((op, i) => indexOf.set(op, i));
  return model.partition(history).map((part) => inCallOrder(history, part, part.map((op) => indexOf.get(op) ?? -1)));
}

/**
 * Checks that `history` is linearizable with respect to `model`. Partitions are searched interleaved, in
 * slices of growing size, so a failing partition is found even when another one is expensive.
 *
 * @example
 * const result = checkLinearizability(history, casRegister({ initial: null }), { timeoutMs: 30_000 });
 * if (result.verdict === "not-linearizable") console.log(formatReport(result, model));
 * @throws InvalidHistoryError when an op's times are missing or inconsistent.
 */
export function checkLinearizability<S, I, O>(
  history: History<I, O>,
  model: Model<S, I, O>,
  options: CheckOptions = {},
): CheckResult<S, I, O> {
  validateHistory(history);
  const now = options.now ?? (() => performance.now());
  const start = now();
  const deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
  const stopOnFailure = options.stopOnFailure ?? true;
  const parts = partitionHistory(history, model, options.partition ?? true);
  const searches = parts.map((p) => new LinearizationSearch(p.history, model, model.init(), options.maxCacheBytes ?? DEFAULT_CACHE_BYTES));
  const ms = parts.map(() => 0);
  const active = new Set(searches.keys());
  let budget = FIRST_SLICE;
  const abandonAll = (reason: string): void => {
    for (const i of active) searches[i]!.abandon(reason);
    active.clear();
  };
  while (active.size > 0) {
    for (const i of [...active]) {
      const t0 = now();
      const done = searches[i]!.run(budget);
      const t1 = now();
      ms[i]! += t1 - t0;
      if (done) {
        active.delete(i);
        if (stopOnFailure && searches[i]!.outcome?.verdict === "not-linearizable") {
          abandonAll("not checked: another partition is not linearizable");
          break;
        }
      }
      if (t1 > deadline) {
        abandonAll("time limit reached");
        break;
      }
    }
    budget = Math.min(budget * 2, MAX_SLICE);
  }
  const results: PartitionResult<S, I, O>[] = parts.map((part, i) => {
    const outcome = searches[i]!.outcome!;
    return {
      ...part,
      initialState: model.init(),
      verdict: outcome.verdict,
      ...(outcome.linearization ? { linearization: outcome.linearization } : {}),
      ...(outcome.failure ? { failure: outcome.failure } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      stats: { steps: outcome.steps, cacheEntries: outcome.cacheEntries, ms: ms[i]! },
    };
  });
  return { verdict: combineVerdicts(results.map((r) => r.verdict)), model: model.name, partitions: results, ms: now() - start };
}
