/**
 * Replaying an explorer path: each described action is matched (as JSON) against the actions enabled in the
 * current state, and every invariant is checked in every state along the way. This is what
 * `quorate explore --replay FILE` runs.
 * @module
 */
import type { Model } from "./model.js";

/** A path that does not replay: step `step` (0-based) matches no enabled action. */
export class ReplayError extends Error {
  override readonly name = "ReplayError";
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
  }
}

/** A violation met while replaying: after `step` actions (0: in the initial state). */
export interface ReplayViolation {
  readonly step: number;
  readonly invariant: string;
  readonly detail: string;
}

/** The states a path visits: `states[0]` is the initial state, `states[k]` the state after `actions[k - 1]`. */
export interface Walk<S, A> {
  readonly states: readonly S[];
  readonly actions: readonly A[];
}

/**
 * Follows `path` (described actions) from initial state `init`, matching each step against the enabled actions.
 * @throws ReplayError when a step matches no enabled action or changes nothing.
 */
export function walkPath<S, A>(model: Model<S, A>, init: number, path: readonly unknown[]): Walk<S, A> {
  let state = model.init()[init];
  if (state === undefined) throw new ReplayError(`the model has no initial state ${init}`, 0);
  const states: S[] = [state];
  const actions: A[] = [];
  const enabled: A[] = [];
  for (let i = 0; i < path.length; i++) {
    const want = JSON.stringify(path[i]);
    enabled.length = 0;
    model.actions(state, enabled);
    const action = enabled.find((a) => JSON.stringify(model.describe(a)) === want);
    if (action === undefined) throw new ReplayError(`step ${i + 1} (${want}) is not enabled in the state the path reached`, i);
    const next = model.next(state, action);
    if (next === undefined) throw new ReplayError(`step ${i + 1} (${want}) changes nothing`, i);
    actions.push(action);
    states.push(next);
    state = next;
  }
  return { states, actions };
}

/** Replays `path` (described actions) from initial state `init`; returns every violation met, in order. */
export function replayPath<S, A>(model: Model<S, A>, init: number, path: readonly unknown[]): ReplayViolation[] {
  const { states, actions } = walkPath(model, init, path);
  const found: ReplayViolation[] = [];
  for (let k = 0; k < states.length; k++) {
    if (k > 0) {
      for (const inv of model.stepInvariants ?? []) {
        const detail = inv.check(states[k - 1]!, actions[k - 1]!, states[k]!);
        if (detail !== undefined) found.push({ step: k, invariant: inv.name, detail });
      }
    }
    for (const inv of model.invariants) {
      const detail = inv.check(states[k]!);
      if (detail !== undefined) found.push({ step: k, invariant: inv.name, detail });
    }
  }
  return found;
}
