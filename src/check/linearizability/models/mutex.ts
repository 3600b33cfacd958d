/** A single lock: `acquire` succeeds only when free, `release` only when held. */
import type { JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { unknownFunction } from "./inputs.js";

/** Options of the mutex model. */
export interface MutexOptions {
  /** `"free"` (default), `"held"`, or a boolean (true: held). */
  readonly initial?: Value;
}

/** The mutex model; its state is `true` while the lock is held. */
export function mutex(options: MutexOptions = {}): Model<boolean, JepsenInput, JepsenOutput> {
  const held = options.initial === true || options.initial === "held";
  return {
    name: "mutex",
    init: () => held,
    step(state, input, output) {
      if (output !== undefined && output.type === "fail") return undefined;
      if (input.f === "acquire") return state ? undefined : true;
      if (input.f === "release") return state ? false : undefined;
      return undefined;
    },
    checkInput: (input) => unknownFunction("mutex", input, ["acquire", "release"]),
    equal: (a, b) => a === b,
    hash: (s) => (s ? 1 : 2),
    describeOperation: (input, output) => `${input.f}${output === undefined ? " (outcome unknown)" : ""}`,
    describeState: (s) => (s ? "held" : "free"),
  };
}
