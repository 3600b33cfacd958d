// Small builders for hand-written histories.
import type { JepsenInput, JepsenOutput, Operation, Value } from "../../src/check/linearizability/index.js";

/** A completed op: `f(value)` observed `out`, between `call` and `ret`. */
export function ok(process: number, f: string, value: Value, out: Value, call: number, ret: number, key?: Value): Operation<JepsenInput, JepsenOutput> {
  return { process, input: key === undefined ? { f, value } : { f, key, value }, output: { type: "ok", value: out }, call, return: ret };
}

/** A completed op whose outcome was a definite failure (etcd's failed compare). */
export function failed(process: number, f: string, value: Value, call: number, ret: number): Operation<JepsenInput, JepsenOutput> {
  return { process, input: { f, value }, output: { type: "fail", value }, call, return: ret };
}

/** An op of unknown outcome called at `call`. */
export function info(process: number, f: string, value: Value, call: number, key?: Value): Operation<JepsenInput, JepsenOutput> {
  return { process, input: key === undefined ? { f, value } : { f, key, value }, output: undefined, call, return: Infinity };
}
