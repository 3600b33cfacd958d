/**
 * The one contract every quorate core implements (raft, kraft, zk, zk-ensemble, metadata, kraft-node,
 * zk-controller, and any core a user brings to the explorer or the simulator). See docs/cores.md.
 *
 * - `create(config)` builds a fresh state; everything random comes from a seed inside the config.
 * - `step(state, input)` is the single entry point. It CONSUMES `state`: a core may update it in place and
 *   return it as `result.state` (etcd's style, the fast path), or return a new object. Callers keep only the
 *   returned state; to keep an older version, `clone` it before stepping.
 * - Inputs and outputs are discriminated unions on `type`. Time arrives as inputs (`tick`), and a core with
 *   timers also accepts an explicit `timeout` input (etcd's MsgHup) so a checker decides when a timer fires.
 * - Bad input never throws: `step` returns the state unchanged and a `rejected` output naming why.
 * - State holds data only: no functions, no class instances with behaviour, nothing that `structuredClone`
 *   could not copy.
 * - `clone(state)` is cheap: immutable parts (log entries, snapshots, persistent maps) are shared.
 * - `fingerprint(state)` is a canonical 64-bit hash of the protocol-relevant state: equal states give equal
 *   fingerprints; scratch buffers, outboxes and last outputs are excluded.
 * @module
 */

/** An input or output of a core: a plain object with a `type` discriminant. */
export interface Typed {
  readonly type: string;
}

/** What `step` returns: the next state and the outputs to perform, in order. */
export interface StepResult<S, O extends Typed> {
  readonly state: S;
  readonly outputs: readonly O[];
}

/**
 * The output a core emits for an input it cannot accept (malformed, stale, wrong role, unknown type).
 * `reason` is a short machine-readable code from the core's own union; `detail` is for humans.
 */
export interface Rejected<R extends string = string> {
  readonly type: "rejected";
  readonly reason: R;
  readonly detail: string;
}

/** The explicit timer input: fire `timer` now, whatever the tick count says (etcd's MsgHup). */
export interface TimeoutInput<T extends string = string> {
  readonly type: "timeout";
  readonly timer: T;
}

/**
 * A core: the functions of the contract bundled, so that the simulator and the explorer take any core.
 * `C` is the config, `S` the state, `I` an input and `O` an output.
 */
export interface Core<C, S, I extends Typed, O extends Typed> {
  /** Short name used in traces and reports (`raft`, `kraft`, …). */
  readonly name: string;
  create(config: C): S;
  step(state: S, input: I): StepResult<S, O>;
  clone(state: S): S;
  fingerprint(state: S): bigint;
}
