// An independent brute-force linearizability checker for tiny histories: tries every order of the ops that
// respects real time (an op that returned before another was called comes first), with ops of unknown outcome
// included or left out. No memoisation, no partitioning, no list tricks.
import type { History, Model } from "../../src/check/linearizability/index.js";

export function bruteForceLinearizable<S, I, O>(history: History<I, O>, model: Model<S, I, O>): boolean {
  const n = history.length;
  const placed = new Array<boolean>(n).fill(false);
  const required = history.filter((op) => op.return !== Infinity).length;
  const successors = (state: S, i: number): readonly S[] => {
    const op = history[i]!;
    if (model.stepAll) return model.stepAll(state, op.input, op.output);
    const next = model.step(state, op.input, op.output);
    return next === undefined ? [] : [next];
  };
  const search = (state: S, placedRequired: number): boolean => {
    if (placedRequired === required) return true;
    for (let x = 0; x < n; x++) {
      if (placed[x]) continue;
      // x may come next only if no unplaced op returned before x was called.
      let allowed = true;
      for (let y = 0; y < n; y++) if (!placed[y] && y !== x && history[y]!.return < history[x]!.call) allowed = false;
      if (!allowed) continue;
      placed[x] = true;
      for (const next of successors(state, x)) {
        if (search(next, placedRequired + (history[x]!.return !== Infinity ? 1 : 0))) {
          placed[x] = false;
          return true;
        }
      }
      placed[x] = false;
    }
    return false;
  };
  return search(model.init(), 0);
}
