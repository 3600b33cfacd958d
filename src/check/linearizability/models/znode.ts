/**
 * A sequential specification of znodes for the linearizability checker: each path is a node that is absent
 * (`null`) or holds `[data, version]`. Operations (Jepsen-shaped, `key` = the path):
 * - `create` (value: data) — ok when absent (version 0); a definite failure `NODEEXISTS` when present;
 * - `set` (value: `[data, expectedVersion]`, −1 = any) — ok with the new version as output; definite failures
 *   `NONODE` and `BADVERSION`;
 * - `delete` (value: expectedVersion) — ok; definite failures `NONODE` and `BADVERSION`;
 * - `read` (a linearizable getData) — ok with `[data, version]` or `null` when absent.
 * An op whose outcome is unknown (connection loss) may take effect once at any point, or never.
 * Paths are independent (no parent/child ops), so histories are checked path by path. The ZooKeeper-style
 * service's simulations check their client histories with it (`quorate check FILE --model znode`).
 */
import type { History, JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { hashValue, showValue, valueEqual } from "../values.js";
import { unknownFunction } from "./inputs.js";

/** A znode's state: absent, or `[data, version]`. */
export type ZnodeState = null | readonly [data: string, version: number];

function versionOk(state: ZnodeState, expected: Value): boolean {
  return state !== null && (expected === -1 || expected === state[1]);
}

/** The znode model (`name: "znode"`). */
export function znodeModel(): Model<ZnodeState, JepsenInput, JepsenOutput> {
  return {
    name: "znode",
    init: () => null,
    step(state, input, output) {
      const failed = output?.type === "fail" ? output.value : undefined;
      switch (input.f) {
        case "create": {
          if (failed !== undefined) return failed === "NODEEXISTS" && state !== null ? state : undefined;
          return state === null ? [String(input.value), 0] : undefined;
        }
        case "set": {
          const [data, expected] = Array.isArray(input.value) ? (input.value as readonly Value[]) : [];
          if (failed === "NONODE") return state === null ? state : undefined;
          if (failed === "BADVERSION") return state !== null && !versionOk(state, expected ?? -1) ? state : undefined;
          if (failed !== undefined || !versionOk(state, expected ?? -1)) return undefined;
          const next: ZnodeState = [String(data), state![1] + 1];
          if (output !== undefined && output.value !== next[1]) return undefined;
          return next;
        }
        case "delete": {
          if (failed === "NONODE") return state === null ? state : undefined;
          if (failed === "BADVERSION") return state !== null && !versionOk(state, input.value) ? state : undefined;
          if (failed !== undefined) return undefined;
          return versionOk(state, input.value) ? null : undefined;
        }
        case "read":
          if (output === undefined || failed !== undefined) return undefined;
          return valueEqual(output.value, state as Value) ? state : undefined;
        default:
          return undefined;
      }
    },
    checkInput: (input) => unknownFunction("znode", input, ["create", "set", "delete", "read"]),
    readOnly: (input) => input.f === "read",
    acceptedStateHash: (input, output) => (input.f === "read" && output !== undefined && output.type !== "fail" ? hashValue(output.value) : undefined),
    equal: (a, b) => valueEqual(a as Value, b as Value),
    hash: (s) => hashValue(s as Value),
    partition(history: History<JepsenInput, JepsenOutput>) {
      const byPath = new Map<string, (typeof history)[number][]>();
      for (const op of history) {
        const key = String(op.input.key);
        let list = byPath.get(key);
        if (list === undefined) byPath.set(key, (list = []));
        list.push(op);
      }
      return [...byPath.values()];
    },
    describeOperation(input, output) {
      const outcome = output === undefined ? " (outcome unknown)" : output.type === "fail" ? ` → ${String(output.value)}` : output.value === null || output.value === undefined ? "" : ` → ${showValue(output.value)}`;
      return `${input.f} ${String(input.key)} ${showValue(input.value)}${outcome}`;
    },
    describeState: (s) => (s === null ? "absent" : `${JSON.stringify(s[0])} v${s[1]}`),
  };
}
