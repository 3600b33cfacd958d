/**
 * Follows a path described by selectors through an explorer model: at each step exactly one enabled action must
 * describe itself with every selector part. Shared by the explore tests that pin a counterexample's path.
 */
import type { Model } from "../../src/check/explore/index.js";

/** Per step, the substrings one enabled action's JSON description must all contain. */
export type Selectors = readonly (readonly string[])[];

/** What a walk reached: the described path, the state after it, and the step (1-based) with no single match. */
export interface Walk {
  readonly path: unknown[];
  readonly state: unknown;
  readonly stoppedAt?: number;
  /** How many enabled actions matched at `stoppedAt`. */
  readonly matches?: number;
}

/** Walks `selectors` from the model's initial state, stopping at the first step without a single match. */
export function walkSelectors(model: Model<unknown, unknown>, selectors: Selectors): Walk {
  let state = model.init()[0]!;
  const path: unknown[] = [];
  for (const [k, parts] of selectors.entries()) {
    const actions: unknown[] = [];
    model.actions(state, actions);
    const matching = actions.filter((a) => parts.every((p) => JSON.stringify(model.describe(a)).includes(p)));
    if (matching.length !== 1) return { path, state, stoppedAt: k + 1, matches: matching.length };
    path.push(model.describe(matching[0]!));
    state = model.next(state, matching[0]!) ?? state;
  }
  return { path, state };
}
