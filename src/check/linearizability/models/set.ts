/** A set: `add v`, and `read` returning every element (in any order). */
import type { JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { hashValue, showValue, valueEqual } from "../values.js";
import { unknownFunction } from "./inputs.js";

/** State: the elements, sorted by hash then rendering, without duplicates. */
export type SetState = readonly Value[];

/** Options of the set model. */
export interface SetOptions {
  readonly initial?: readonly Value[];
}

function canonical(values: readonly Value[]): SetState {
  const out: Value[] = [];
  for (const v of values) if (!out.some((x) => valueEqual(x, v))) out.push(v);
  return out.sort((a, b) => hashValue(a) - hashValue(b) || (showValue(a) < showValue(b) ? -1 : showValue(a) > showValue(b) ? 1 : 0));
}

function sameElements(state: SetState, observed: Value): boolean {
  if (!Array.isArray(observed)) return false;
  const seen = canonical(observed as readonly Value[]);
  return seen.length === state.length && seen.every((v, i) => valueEqual(v, state[i]));
}

/** The set model. */
export function setModel(options: SetOptions = {}): Model<SetState, JepsenInput, JepsenOutput> {
  const initial = canonical(options.initial ?? []);
  return {
    name: "set",
    init: () => initial,
    step(state, input, output) {
      if (output !== undefined && output.type === "fail") return undefined;
      if (input.f === "add") {
        if (state.some((x) => valueEqual(x, input.value))) return output === undefined ? undefined : state;
        return canonical([...state, input.value]);
      }
      if (input.f === "read") {
        if (output === undefined) return undefined;
        return sameElements(state, output.value) ? state : undefined;
      }
      return undefined;
    },
    checkInput: (input) => unknownFunction("set", input, ["add", "read"]),
    readOnly: (input) => input.f === "read",
    equal: (a, b) => a.length === b.length && a.every((v, i) => valueEqual(v, b[i])),
    hash: (s) => hashValue(s),
    describeOperation(input, output) {
      if (input.f === "read") return output === undefined ? "read (outcome unknown)" : `read → #{${(Array.isArray(output.value) ? (output.value as Value[]) : [output.value]).map(showValue).join(" ")}}`;
      return `${input.f} ${showValue(input.value)}${output === undefined ? " (outcome unknown)" : ""}`;
    },
    describeState: (s) => `#{${s.map(showValue).join(" ")}}`,
  };
}
