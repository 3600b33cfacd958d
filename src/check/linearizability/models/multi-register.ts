/**
 * Knossos's multi-register: `txn` ops carry `[[f k v] …]` micro-ops over named registers (`read` / `write`),
 * applied atomically in order. A read whose value is nil matches anything (its value was not observed).
 */
import type { History, JepsenInput, JepsenOutput, Model, Operation, Value } from "../types.js";
import { hashString, hashValue, showValue, valueEqual } from "../values.js";
import { unknownFunction } from "./inputs.js";

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

/**
 * P-compositionality for transactions: keys that some txn touches together are joined (union-find), and each
 * group of keys is checked on its own. A read of nil observed nothing, so it joins nothing; a txn that touches
 * no key constrains nothing and goes to a part of its own. Malformed txns go to a part where the model rejects them.
 */
function partitionByKeyGroups(history: History<JepsenInput, JepsenOutput>): History<JepsenInput, JepsenOutput>[] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let x = k; x !== root; ) {
      const up = parent.get(x)!;
      parent.set(x, root);
      x = up;
    }
    return root;
  };
  const keysOf = (op: Operation<JepsenInput, JepsenOutput>): string[] | undefined => {
    const sides = [microOps(op.input.value), op.output === undefined ? [] : microOps(op.output.value)];
    if (op.input.f !== "txn" || sides.some((m) => m === undefined)) return undefined;
    return sides.flatMap((m) => m!.filter(([f, , v]) => f !== "read" || v !== null).map(([, k]) => k));
  };
  const keys = history.map(keysOf);
  for (const ks of keys) {
    for (const k of ks ?? []) if (!parent.has(k)) parent.set(k, k);
    for (let i = 1; i < (ks?.length ?? 0); i++) parent.set(find(ks![i]!), find(ks![0]!));
  }
  const parts = new Map<string, Operation<JepsenInput, JepsenOutput>[]>();
  const loose: Operation<JepsenInput, JepsenOutput>[] = [];
  const malformed: Operation<JepsenInput, JepsenOutput>[] = [];
  history.forEach((op, i) => {
    const ks = keys[i];
    if (ks === undefined) return void malformed.push(op);
    if (ks.length === 0) return void loose.push(op);
    const root = find(ks[0]!);
    let part = parts.get(root);
    if (part === undefined) parts.set(root, (part = []));
    part.push(op);
  });
  return [...parts.values(), ...[loose, malformed].filter((p) => p.length > 0)];
}

/** Transactions over several registers, partitioned into groups of keys that txns touch together. */
export function multiRegister(options: MultiRegisterOptions = {}): Model<MultiRegisterState, JepsenInput, JepsenOutput> {
  const initial = options.initial ?? {};
  return {
    name: "multi-register",
    init: () => initial,
    checkInput(input) {
      const problem = unknownFunction("multi-register", input, ["txn"]);
      if (problem !== undefined) return problem;
      const ops = microOps(input.value);
      if (ops === undefined) return `:txn needs a vector of [f k v] micro-ops, got ${showValue(input.value)}`;
      const bad = ops.find(([f]) => f !== "read" && f !== "write");
      return bad === undefined ? undefined : `:txn micro-op :${bad[0]} is neither :read nor :write`;
    },
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
    readOnly: (input, output) => {
      const ops = microOps(output === undefined ? input.value : output.value);
      return input.f === "txn" && ops !== undefined && ops.every(([f]) => f === "read");
    },
    partition: partitionByKeyGroups,
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
