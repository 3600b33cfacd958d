/** What the built-in models say about ops they do not define (see `Model.checkInput`). */
import type { JepsenInput } from "../types.js";

/** `undefined` when `input.f` is one of `known`; otherwise the problem, naming the model and what it knows. */
export function unknownFunction(model: string, input: JepsenInput, known: readonly string[]): string | undefined {
  if (known.includes(input.f)) return undefined;
  return `model ${model} has no operation :${input.f} (it knows ${known.map((f) => `:${f}`).join(", ")})`;
}
