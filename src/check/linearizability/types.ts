/**
 * The vocabulary of the linearizability checker: operations, histories, models and verdicts.
 * Everything here is plain data so that histories can cross worker threads and be serialised.
 */

/** A JSON-like value as found in histories (EDN keywords arrive as strings, `nil` as `null`). */
export type Value = null | boolean | number | string | bigint | readonly Value[] | { readonly [key: string]: Value };

/** The input of an operation in the Jepsen shape every built-in model understands. */
export interface JepsenInput {
  /** The function: `read`, `write`, `cas`, `get`, `put`, `append`, `txn`, `acquire`, … */
  readonly f: string;
  /** The key, for key-value ops that name it in a field (Jepsen's `independent` tuples carry it in `value`). */
  readonly key?: Value;
  /** The invocation's argument (for Jepsen histories a nil invocation value is filled in from the completion). */
  readonly value: Value;
}

/**
 * The observed outcome of a completed operation. `type: "fail"` only appears where a format says a failed op
 * did take effect as a definite failure (a failed compare-and-set in the etcd logs); elsewhere failed ops are
 * removed by the parser because they did not happen.
 */
export interface JepsenOutput {
  readonly type: "ok" | "fail";
  readonly value: Value;
}

/**
 * One operation of a history. `call` and `return` are points in real time (any unit, any origin).
 * An op whose outcome is unknown (Jepsen `:info`, a timeout) has `output: undefined` and `return: Infinity`:
 * it may take effect at any point after its call, or never.
 */
export interface Operation<I = JepsenInput, O = JepsenOutput> {
  /** The client (process, thread) that issued it; ops of one process never overlap. */
  readonly process: number | string;
  readonly input: I;
  /** `undefined` when the outcome is unknown. */
  readonly output: O | undefined;
  readonly call: number;
  /** `Infinity` when the op never returned. */
  readonly return: number;
  /** Where the op came from (1-based line of its completion, or of its invocation if it never completed). */
  readonly line?: number;
}

/** A history: operations in any order (the checker orders them by time). */
export type History<I = JepsenInput, O = JepsenOutput> = readonly Operation<I, O>[];

/**
 * A sequential specification. States are immutable values (never `undefined`); `step` returns the state after
 * the op, or `undefined` when the op cannot happen in `state` with that output. For an op whose outcome is
 * unknown (`output === undefined`) a model may return `undefined` whenever taking effect would not change the
 * state: "never took effect" is always an option for such ops.
 */
export interface Model<S, I = JepsenInput, O = JepsenOutput> {
  /** A short stable name (`cas-register`, `kv`, …). */
  readonly name: string;
  /** The initial state. */
  init(): S;
  /** Deterministic transition. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** Non-deterministic transition: every possible next state. When present the checker uses it instead of `step`. */
  stepAll?(state: S, input: I, output: O | undefined): readonly S[];
  /** State equality (used with `hash` by the memo cache). */
  equal(a: S, b: S): boolean;
  /** A 32-bit hash consistent with `equal`. */
  hash(state: S): number;
  /**
   * Optional: true when the op never changes the state in any state where it is accepted (a read). The search
   * then linearizes such an op as soon as it is enabled and never tries alternatives to that choice: moving a
   * read to the earliest point where it is legal and matches keeps every other step valid.
   */
  readOnly?(input: I, output: O | undefined): boolean;
  /**
   * Optional, for speed: when the op can only be accepted in states whose `hash` is one value (a read that
   * observed a definite value), that hash; otherwise undefined. The search then rejects the op in any other state
   * with one integer compare instead of calling `step`. Must agree with `step` and `hash`: a wrong value makes
   * the checker reject histories it should accept.
   */
  acceptedStateHash?(input: I, output: O | undefined): number | undefined;
  /**
   * Optional: the problem with an op the model does not define (an unknown function such as `put` against a
   * register, a compare-and-set without `[old new]`), in words; `undefined` when the model understands the op.
   * Such an op is bad input, not a violation: `validateOperations` refuses it before the search runs.
   */
  checkInput?(input: I): string | undefined;
  /** P-compositionality: split a history into parts that can be checked independently (e.g. by key). */
  partition?(history: History<I, O>): History<I, O>[];
  /** One op in words, for reports (`write 3`, `cas 1→4 failed`). */
  describeOperation(input: I, output: O | undefined): string;
  /** A state in words, for reports. */
  describeState(state: S): string;
}

/** The three answers. */
export type Verdict = "linearizable" | "not-linearizable" | "unknown";

/** One step of a (partial) linearization: which op (index into the partition's `history`) and the state after it. */
export interface LinearizationStep<S> {
  readonly op: number;
  readonly stateAfter: S;
}

/** Why a partition is not linearizable. */
export interface FailureInfo<S> {
  /**
   * The op (index into the partition's `history`) whose return is where every search got stuck: no
   * linearization of the ops before it could be extended to include it.
   */
  readonly stuckOp: number;
  /** The longest linearizable prefix found when the search got stuck there. */
  readonly longestPrefix: readonly LinearizationStep<S>[];
}

/** The result for one independent part of the history. */
export interface PartitionResult<S, I = JepsenInput, O = JepsenOutput> {
  readonly verdict: Verdict;
  /** The partition's operations, in call order. */
  readonly history: History<I, O>;
  /** Index of each op of `history` in the history given to the checker. */
  readonly originalIndex: readonly number[];
  readonly initialState: S;
  /** A full linearization when `verdict` is `linearizable`. */
  readonly linearization?: readonly LinearizationStep<S>[];
  /** Present when `verdict` is `not-linearizable`. */
  readonly failure?: FailureInfo<S>;
  /** Why the verdict is `unknown` (time limit, memory limit, not checked after an earlier failure). */
  readonly reason?: string;
  /** Search statistics. */
  readonly stats: { readonly steps: number; readonly cacheEntries: number; readonly ms: number };
}

/** What `checkLinearizability` returns. */
export interface CheckResult<S, I = JepsenInput, O = JepsenOutput> {
  readonly verdict: Verdict;
  readonly model: string;
  readonly partitions: readonly PartitionResult<S, I, O>[];
  readonly ms: number;
}

/** Options of `checkLinearizability`. */
export interface CheckOptions {
  /** Give up with `unknown` after this many milliseconds (default: no limit). */
  readonly timeoutMs?: number;
  /** Split by the model's `partition` (default true). */
  readonly partition?: boolean;
  /** Stop at the first non-linearizable partition; the rest are reported `unknown` (default true). */
  readonly stopOnFailure?: boolean;
  /** Memo cache budget per partition in bytes (default 768 MiB); exceeding it gives `unknown`. */
  readonly maxCacheBytes?: number;
  /** The clock used for the time limit (default `performance.now`). */
  readonly now?: () => number;
}

/** A history that cannot be checked (a missing or non-numeric time, a return before its call). */
export class InvalidHistoryError extends Error {
  readonly code = "INVALID_HISTORY";
  constructor(message: string) {
    super(message);
    this.name = "InvalidHistoryError";
  }
}
