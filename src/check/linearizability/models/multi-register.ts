/**
 * Knossos's multi-register: `txn` ops carry `[[f k v] …]` micro-ops over named registers (`read` / `write`),
 * applied atomically in order. A read whose value is nil matches anything (its value was not observed).
 */
import type { JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { hashString, hashValue, showValue, valueEqual } from "../values.js";

/** State: register name → value. */
export type MultiRegisterState = { readonly [key: string]: Value };

/** Options of the multi-register model. */
export interface MultiRegisterOptions {
  /** Initial values (default `{}`; a register never written reads as nil). */
  readonly initial?: MultiRegisterState;
}

type MicroOp = readonly [string, string, Value];

function microOps(value: Value): MicroOp[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: MicroOp[] = [];
  for (const m of value as readonly Value[]) {
    if (!Array.isArray(m) || m.length !== 3 || typeof m[0] !== "string") return undefined;
    out.push([m[0] as string, String(m[1]), m[2] as Value]);
  }
  return out;
}

/** Transactions over several registers (one state, no partitioning: a txn may span keys). */
export function multiRegister(options: MultiRegisterOptions = {}): Model<MultiRegisterState, JepsenInput, JepsenOutput> {
  const initial = options.initial ?? {};
  return {
    name: "multi-register",
    init: () => initial,
    step(state, input, output) {
      if (input.f !== "txn") return undefined;
      if (output !== undefined && output.type === "fail") return undefined;
      // Reads are taken from the completion (it carries the observed values); unknown outcome: the invocation.
      const ops = microOps(output === undefined ? input.value : output.value);
      if (ops === undefined) return undefined;
      let next: { [key: string]: Value } | undefined;
      let changed = false;
      for (const [f, k, v] of ops) {
        const current = (next ?? state)[k] ?? null;
        if (f === "read") {
          if (v !== null && !valueEqual(v, current)) return undefined;
        } else if (f === "write") {
          if (!valueEqual(current, v)) {
            next ??= { ...state };
            next[k] = v;
            changed = true;
          }
        } else {
          return undefined;
        }
      }
      if (output === undefined && !changed) return undefined;
      return next ?? state;
    },
    equal: (a, b) => valueEqual(a, b),
    hash(s) {
      let h = 0;
      for (const k of Object.keys(s)) h = (h + (Math.imul(hashString(k), 31) ^ hashValue(s[k]))) | 0;
      return h;
    },
    describeOperation(input, output) {
      const shown = showValue(output === undefined ? input.value : output.value);
      return `txn ${shown}${output === undefined ? " (outcome unknown)" : ""}`;
    },
    describeState: (s) => showValue(s),
  };
}
