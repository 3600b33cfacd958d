/**
 * What the explorer searches: a transition system given as initial states, the actions enabled in a state and
 * the state each action leads to, plus the properties to check. Calibration models implement it directly;
 * `actorModel` (actors.ts) builds one from any core implementing the contract of `src/core/contract.ts`.
 * @module
 */

/** A safety property: `check` returns undefined when `state` satisfies it, else a sentence saying why not. */
export interface Invariant<S> {
  readonly name: string;
  check(state: S): string | undefined;
}

/** A property of one transition (`before` → `after` by `action`), e.g. "a commit index never decreases". */
export interface StepInvariant<S, A> {
  readonly name: string;
  check(before: S, action: A, after: S): string | undefined;
}

/** A "sometimes" property: some reachable state satisfies it (an example is reported as its path). */
export interface Goal<S> {
  readonly name: string;
  reached(state: S): boolean;
}

/** A transition system to explore. `S` is a state, `A` an action. */
export interface Model<S, A> {
  /** Short name used in reports. */
  readonly name: string;
  /** The initial states. */
  init(): S[];
  /** Appends the actions enabled in `state` to `out`, always in the same order for equal states. */
  actions(state: S, out: A[]): void;
  /** The state `action` leads to (`state` itself is left unchanged), or undefined when it changes nothing. */
  next(state: S, action: A): S | undefined;
  /** A canonical 64-bit hash: equal states give equal fingerprints. */
  fingerprint(state: S): bigint;
  /**
   * Symmetry reduction: the fingerprint of a representative of `state`'s equivalence class (states equal up to
   * a permutation of interchangeable node ids). Path replay needs it canonical (every member of a class maps
   * to the same value); a representative that is only a permutation still gives sound counts.
   */
  representative?(state: S): bigint;
  /** The state space boundary: states outside are neither counted nor expanded. */
  within?(state: S): boolean;
  /** A JSON-friendly description of an action, for paths. */
  describe(action: A): unknown;
  readonly invariants: readonly Invariant<S>[];
  readonly stepInvariants?: readonly StepInvariant<S, A>[];
  readonly goals?: readonly Goal<S>[];
}
