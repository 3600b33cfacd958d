/**
 * Refusing ops a model does not define before the search runs: `put` against a register is bad input naming
 * the file and line, never a "not linearizable" verdict on the user's system.
 */
import { HistoryParseError } from "./formats/errors.js";
import type { History, Model } from "./types.js";

/**
 * Throws for the first op the model's `checkInput` refuses (models without `checkInput` accept every op).
 * @throws HistoryParseError naming `file`, the op's line and the problem.
 */
export function validateOperations<S, I, O>(history: History<I, O>, model: Model<S, I, O>, file: string): void {
  const check = model.checkInput;
  if (check === undefined) return;
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    const problem = check.call(model, op.input);
    if (problem !== undefined) throw new HistoryParseError(file, op.line ?? 1, problem);
  }
}
