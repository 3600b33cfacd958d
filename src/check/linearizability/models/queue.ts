/** A FIFO queue: `enqueue v`; `dequeue` returns the oldest element (nil: the queue was empty). */
import type { JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { hashValue, showValue, valueEqual } from "../values.js";
import { unknownFunction } from "./inputs.js";

/** State: the elements, oldest first. */
export type QueueState = readonly Value[];

/** Options of the queue model. */
export interface QueueOptions {
  readonly initial?: readonly Value[];
}

/** The FIFO queue model. */
export function queue(options: QueueOptions = {}): Model<QueueState, JepsenInput, JepsenOutput> {
  const initial = options.initial ?? [];
  return {
    name: "queue",
    init: () => initial,
    step(state, input, output) {
      if (output !== undefined && output.type === "fail") return undefined;
      if (input.f === "enqueue") return [...state, input.value];
      if (input.f === "dequeue") {
        if (output === undefined) return state.length > 0 ? state.slice(1) : undefined;
        if (output.value === null) return state.length === 0 ? state : undefined;
        return state.length > 0 && valueEqual(state[0], output.value) ? state.slice(1) : undefined;
      }
      return undefined;
    },
    checkInput: (input) => unknownFunction("queue", input, ["enqueue", "dequeue"]),
    readOnly: (input, output) => input.f === "dequeue" && output !== undefined && output.value === null,
    equal: (a, b) => a.length === b.length && a.every((v, i) => valueEqual(v, b[i])),
    hash: (s) => hashValue(s),
    describeOperation(input, output) {
      if (input.f === "dequeue") return output === undefined ? "dequeue (outcome unknown)" : `dequeue → ${showValue(output.value)}`;
      return `${input.f} ${showValue(input.value)}${output === undefined ? " (outcome unknown)" : ""}`;
    },
    describeState: (s) => `[${s.map(showValue).join(" ")}]`,
  };
}
