/**
 * Single registers: `register` (read/write), `cas-register` (read/write/cas with Porcupine's etcd semantics:
 * nil is a value, a failed cas means the compare failed) and `knossos-cas-register` (Knossos's: a nil read
 * matches any state; failed ops did not happen, so the parser drops them).
 */
import type { JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { hashValue, showValue, valueEqual } from "../values.js";
import { unknownFunction } from "./inputs.js";

/** Options of the register models. */
export interface RegisterOptions {
  /** Initial value (default `null`: empty). */
  readonly initial?: Value;
}

interface RegisterSemantics {
  readonly name: string;
  readonly allowCas: boolean;
  /** A read whose value is nil matches any state (Knossos: the value is unknown). */
  readonly nilReadMatchesAny: boolean;
}

function casArgs(value: Value): readonly [Value, Value] | undefined {
  return Array.isArray(value) && value.length === 2 ? [value[0] as Value, value[1] as Value] : undefined;
}

function makeRegister(semantics: RegisterSemantics, options: RegisterOptions): Model<Value, JepsenInput, JepsenOutput> {
  const initial = options.initial === undefined ? null : options.initial;
  return {
    name: semantics.name,
    init: () => initial,
    step(state, input, output) {
      switch (input.f) {
        case "read": {
          if (output === undefined || output.type === "fail") return undefined; // no effect: never is as good
          if (output.value === null && semantics.nilReadMatchesAny) return state;
          return valueEqual(output.value, state) ? state : undefined;
        }
        case "write":
          if (output !== undefined && output.type === "fail") return undefined;
          return input.value;
        case "cas": {
          if (!semantics.allowCas) return undefined;
          const args = casArgs(input.value);
          if (args === undefined) return undefined;
          const matches = valueEqual(state, args[0]);
          if (output !== undefined && output.type === "fail") return matches ? undefined : state;
          return matches ? args[1] : undefined;
        }
        default:
          return undefined;
      }
    },
    checkInput(input) {
      const problem = unknownFunction(semantics.name, input, semantics.allowCas ? ["read", "write", "cas"] : ["read", "write"]);
      if (problem !== undefined || input.f !== "cas" || casArgs(input.value) !== undefined) return problem;
      return `:cas needs the value [old new], got ${showValue(input.value)}`;
    },
    readOnly: (input) => input.f === "read",
    acceptedStateHash(input, output) {
      if (input.f !== "read" || output === undefined || output.type === "fail") return undefined;
      return output.value === null && semantics.nilReadMatchesAny ? undefined : hashValue(output.value);
    },
    equal: (a, b) => valueEqual(a, b),
    hash: (s) => hashValue(s),
    describeOperation(input, output) {
      const result = output === undefined ? " (outcome unknown)" : output.type === "fail" ? " (failed)" : "";
      if (input.f === "read") return output === undefined ? "read (outcome unknown)" : `read → ${showValue(output.value)}`;
      if (input.f === "cas") {
        const args = casArgs(input.value);
        return `cas ${args ? `${showValue(args[0])}→${showValue(args[1])}` : showValue(input.value)}${result}`;
      }
      return `${input.f} ${showValue(input.value)}${result}`;
    },
    describeState: (s) => showValue(s),
  };
}

/** A read/write register; a read must return exactly the current value (nil: empty). */
export function register(options: RegisterOptions = {}): Model<Value, JepsenInput, JepsenOutput> {
  return makeRegister({ name: "register", allowCas: false, nilReadMatchesAny: false }, options);
}

/** Porcupine's etcd compare-and-set register: nil is a value; `type: "fail"` on a cas means the compare failed. */
export function casRegister(options: RegisterOptions = {}): Model<Value, JepsenInput, JepsenOutput> {
  return makeRegister({ name: "cas-register", allowCas: true, nilReadMatchesAny: false }, options);
}

/** Knossos's `cas-register`: a read of nil matches any value; initial value 0 unless given. */
export function knossosCasRegister(options: RegisterOptions = {}): Model<Value, JepsenInput, JepsenOutput> {
  return makeRegister(
    { name: "knossos-cas-register", allowCas: true, nilReadMatchesAny: true },
    { initial: options.initial === undefined ? 0 : options.initial },
  );
}
