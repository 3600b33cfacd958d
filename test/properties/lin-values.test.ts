// History values: equality is structural, hashing agrees with it, rendering is EDN-like.
// Replay a failure: LIN_SEED=<seed> npx vitest run test/properties/lin-values.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashValue, showValue, valueEqual } from "../../src/check/linearizability/index.js";
import type { Value } from "../../src/check/linearizability/index.js";

const seed = Number(process.env["LIN_SEED"] ?? 77);
const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -5, max: 5 }),
    fc.double({ noNaN: true }),
    fc.constantFrom("", "a", "b", "x 1 y"),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("x", "y", "z"), tie("v"), { maxKeys: 3 }),
  ),
})).v;

describe("history values", () => {
  it("equal values hash alike; a value equals its structural copy", () => {
    try {
      fc.assert(
        fc.property(value, value, (a, b) => {
          const copy = JSON.parse(JSON.stringify(a)) as Value;
          if (!Object.is(a, -0) && JSON.stringify(a) === JSON.stringify(copy)) {
            expect(valueEqual(a, copy)).toBe(true);
            expect(hashValue(a)).toBe(hashValue(copy));
          }
          if (valueEqual(a, b)) expect(hashValue(a)).toBe(hashValue(b));
          expect(valueEqual(a, b)).toBe(valueEqual(b, a));
        }),
        { seed, numRuns: 300 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nreplay: LIN_SEED=${seed} npx vitest run test/properties/lin-values.test.ts`);
    }
  });

  it("distinguishes what differs, and treats integer bigints as numbers", () => {
    expect(valueEqual([1, 2], [1, 2])).toBe(true);
    expect(valueEqual([1, 2], [2, 1])).toBe(false);
    expect(valueEqual({ x: 1 }, { x: 1, y: null })).toBe(false);
    expect(valueEqual({ x: 1 }, [1])).toBe(false);
    expect(valueEqual(null, 0)).toBe(false);
    expect(valueEqual("1", 1)).toBe(false);
    expect(valueEqual(3n, 3)).toBe(true);
    expect(hashValue(3n)).toBe(hashValue(3));
    expect(valueEqual(2n ** 70n, 2n ** 70n)).toBe(true);
    expect(showValue([1, null, "a", { x: [true] }])).toBe('[1 nil "a" {x [true]}]');
    expect(showValue(undefined)).toBe("?");
  });
});
