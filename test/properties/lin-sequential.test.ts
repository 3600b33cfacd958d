// Histories generated from a sequential run of a model, stretched at random in real time, are linearizable;
// the same history with one read result replaced by a value never written is not.
// Replay a failure: LIN_SEED=<seed printed below> npx vitest run test/properties/lin-sequential.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { casRegister, checkLinearizability, kv } from "../../src/check/linearizability/index.js";
import type { History, Operation, Value } from "../../src/check/linearizability/index.js";

const seed = Number(process.env["LIN_SEED"] ?? 4242);
const numRuns = 60;

interface Command {
  readonly f: string;
  readonly key?: string;
  readonly value: Value;
}
interface Stretch {
  readonly before: number;
  readonly after: number;
  readonly unknown: boolean;
}

/** Runs `commands` one after another, op i taking effect at time 10·i, its call and return stretched around it. */
function sequentialHistory(commands: readonly Command[], stretches: readonly Stretch[], apply: (c: Command) => { type: "ok" | "fail"; value: Value }): History {
  return commands.map((c, i): Operation => {
    const s = stretches[i]!;
    const point = 10 * i;
    const output = apply(c);
    const input = c.key === undefined ? { f: c.f, value: c.value } : { f: c.f, key: c.key, value: c.value };
    const isRead = c.f === "read" || c.f === "get";
    if (s.unknown && !isRead) return { process: i, input, output: undefined, call: point - s.before, return: Infinity };
    return { process: i, input, output, call: point - s.before, return: point + s.after };
  });
}

const stretch = fc.record({ before: fc.integer({ min: 0, max: 40 }), after: fc.integer({ min: 0, max: 40 }), unknown: fc.integer({ min: 0, max: 7 }).map((k) => k === 0) });

function replaceRead(history: History, which: number, never: Value): History {
  const reads = history.map((op, i) => [op, i] as const).filter(([op]) => (op.input.f === "read" || op.input.f === "get") && op.output !== undefined);
  const [, index] = reads[which % reads.length]!;
  return history.map((op, i) => (i === index ? { ...op, output: { type: "ok" as const, value: never } } : op));
}

function runProperty(property: fc.IPropertyWithHooks<[unknown]> | fc.IProperty<never>): void {
  try {
    fc.assert(property as fc.IProperty<unknown[]>, { seed, numRuns });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nreplay: LIN_SEED=${seed} npx vitest run test/properties/lin-sequential.test.ts`);
  }
}

describe("sequential runs stretched in time", () => {
  const registerCommand = fc.oneof(
    fc.record({ f: fc.constant("read"), value: fc.constant(null) }),
    fc.record({ f: fc.constant("write"), value: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ f: fc.constant("cas"), value: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })) }),
  );
  const registerRun = fc
    .array(registerCommand, { minLength: 1, maxLength: 60 })
    .map((cs): Command[] => [...cs, { f: "read", value: null }])
    .chain((cs) => fc.tuple(fc.constant(cs), fc.array(stretch, { minLength: cs.length, maxLength: cs.length }), fc.nat()));
  const applyRegister = (): ((c: Command) => { type: "ok" | "fail"; value: Value }) => {
    let state: Value = null;
    return (c) => {
      if (c.f === "read") return { type: "ok", value: state };
      if (c.f === "write") {
        state = c.value;
        return { type: "ok", value: c.value };
      }
      const [from, to] = c.value as [number, number];
      if (state !== from) return { type: "fail", value: c.value };
      state = to;
      return { type: "ok", value: c.value };
    };
  };

  it("cas-register: always linearizable; a read of a never-written value never is", () => {
    runProperty(
      fc.property(registerRun, ([commands, stretches, which]) => {
        const history = sequentialHistory(commands, stretches, applyRegister());
        expect(checkLinearizability(history, casRegister()).verdict).toBe("linearizable");
        expect(checkLinearizability(replaceRead(history, which, 99), casRegister()).verdict).toBe("not-linearizable");
      }),
    );
  });

  const kvCommand = fc.oneof(
    fc.record({ f: fc.constant("get"), key: fc.constantFrom("a", "b", "c"), value: fc.constant(null) }),
    fc.record({ f: fc.constantFrom("put", "append"), key: fc.constantFrom("a", "b", "c"), value: fc.constantFrom("x", "y", "z") }),
  );
  const kvRun = fc
    .array(kvCommand, { minLength: 1, maxLength: 80 })
    .map((cs): Command[] => [...cs, { f: "get", key: "a", value: null }])
    .chain((cs) => fc.tuple(fc.constant(cs), fc.array(stretch, { minLength: cs.length, maxLength: cs.length }), fc.nat()));
  const applyKv = (): ((c: Command) => { type: "ok"; value: Value }) => {
    const store = new Map<string, string>();
    return (c) => {
      const current = store.get(c.key!) ?? "";
      if (c.f === "get") return { type: "ok", value: current };
      store.set(c.key!, c.f === "put" ? String(c.value) : current + String(c.value));
      return { type: "ok", value: c.value };
    };
  };

  it("kv: always linearizable; a get of a never-written value never is", () => {
    runProperty(
      fc.property(kvRun, ([commands, stretches, which]) => {
        const history = sequentialHistory(commands, stretches, applyKv());
        expect(checkLinearizability(history, kv()).verdict).toBe("linearizable");
        expect(checkLinearizability(replaceRead(history, which, "never-written"), kv()).verdict).toBe("not-linearizable");
      }),
    );
  });
});
