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

/** Replays `path` (described actions) from initial state `init`; returns every violation met, in order. */
export function replayPath<S, A>(model: Model<S, A>, init: number, path: readonly unknown[]): ReplayViolation[] {
  const inits = model.init();
  let state = inits[init];
  if (state === undefined) throw new ReplayError(`the model has no initial state ${init}`, 0);
  const found: ReplayViolation[] = [];
  const check = (s: S, step: number) => {
    for (const inv of model.invariants) {
      const detail = inv.check(s);
      if (detail !== undefined) found.push({ step, invariant: inv.name, detail });
    }
  };
  check(state, 0);
  const enabled: A[] = [];
  for (let i = 0; i < path.length; i++) {
    const want = JSON.stringify(path[i]);
    enabled.length = 0;
    model.actions(state, enabled);
    const action = enabled.find((a) => JSON.stringify(model.describe(a)) === want);
    if (action === undefined) throw new ReplayError(`step ${i + 1} (${want}) is not enabled in the state the path reached`, i);
    const next = model.next(state, action);
    if (next === undefined) throw new ReplayError(`step ${i + 1} (${want}) changes nothing`, i);
    for (const inv of model.stepInvariants ?? []) {
      const detail = inv.check(state, action, next);
      if (detail !== undefined) found.push({ step: i + 1, invariant: inv.name, detail });
    }
    state = next;
    check(state, i + 1);
  }
  return found;
}
