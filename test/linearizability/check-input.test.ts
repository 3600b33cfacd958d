// Model.checkInput refuses only what the model's step never accepts: refusing such ops as bad input changes no
// verdict the checker could reach, it only names the mistake. And every op the models' own docs name is accepted.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtinModels, modelByName } from "../../src/check/linearizability/index.js";
import type { JepsenInput, JepsenOutput, Value } from "../../src/check/linearizability/index.js";

const FUNCTIONS = ["read", "write", "cas", "get", "put", "append", "txn", "acquire", "release", "add", "enqueue", "dequeue", "create", "set", "delete", "lock", "incr"];
const value: fc.Arbitrary<Value> = fc.oneof(fc.constant(null), fc.integer({ min: -2, max: 3 }), fc.constantFrom("a", "x", "NONODE"), fc.tuple(fc.constantFrom("k", "x"), fc.integer({ min: 0, max: 2 })).map((t) => t as unknown as Value));
const input: fc.Arbitrary<JepsenInput> = fc.record({ f: fc.constantFrom(...FUNCTIONS), value, key: fc.option(fc.constantFrom("k", "x"), { nil: undefined }) }).map((r) => (r.key === undefined ? { f: r.f, value: r.value } : { f: r.f, key: r.key, value: r.value }));
const output: fc.Arbitrary<JepsenOutput | undefined> = fc.option(fc.record({ type: fc.constantFrom("ok" as const, "fail" as const), value }), { nil: undefined });

describe("Model.checkInput", () => {
  it("every built-in model has it", () => {
    for (const { name } of builtinModels) expect(typeof modelByName(name).checkInput, name).toBe("function");
  });

  it("refuses only ops that step never accepts, from the initial state or after a write (seeded)", () => {
    for (const { name } of builtinModels) {
      const model = modelByName(name);
      fc.assert(
        fc.property(input, output, input, output, (setup, setupOut, op, out) => {
          if (model.checkInput!(op) === undefined) return;
          const states = [model.init()];
          const after = model.step(model.init(), setup, setupOut);
          if (after !== undefined) states.push(after);
          for (const s of states) {
            expect(model.step(s, op, out), `${name}: ${JSON.stringify(op)} refused but accepted`).toBeUndefined();
            expect(model.stepAll?.(s, op, out) ?? [], name).toEqual([]);
          }
        }),
        { seed: 20261205, numRuns: 300 },
      );
    }
  });

  it("accepts the ops each model documents", () => {
    const ok: [string, JepsenInput][] = [
      ["register", { f: "write", value: 1 }],
      ["cas-register", { f: "cas", value: [1, 2] }],
      ["kv", { f: "put", key: "k", value: "v" }],
      ["kv", { f: "append", value: ["k", "v"] }],
      ["multi-register", { f: "txn", value: [["read", "x", null], ["write", "y", 1]] }],
      ["mutex", { f: "acquire", value: null }],
      ["set", { f: "add", value: 1 }],
      ["queue", { f: "dequeue", value: null }],
      ["znode", { f: "create", key: "/a", value: "d" }],
    ];
    for (const [name, op] of ok) expect(modelByName(name).checkInput!(op), `${name} ${op.f}`).toBeUndefined();
  });
});
