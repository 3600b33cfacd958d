// Differential property: on small random histories (≤ 8 ops, random overlaps, some of unknown outcome) the
// checker agrees with the brute-force checker, for several models.
// Replay a failure: LIN_SEED=<seed printed below> npx vitest run test/properties/lin-differential.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { casRegister, checkLinearizability, knossosCasRegister, kv, kvUnpartitioned, multiRegister, mutex, queue, znodeModel } from "../../src/check/linearizability/index.js";
import type { History, JepsenOutput, Model, Operation, Value } from "../../src/check/linearizability/index.js";
import { bruteForceLinearizable } from "./lin-brute-force.js";

const seed = Number(process.env["LIN_SEED"] ?? 20261125);
const numRuns = 300;

type OpShape = { f: string; value: Value; key?: Value; out: Value; outType: "ok" | "fail"; call: number; len: number; unknown: boolean };

function toHistory(shapes: readonly OpShape[]): History {
  return shapes.map((s, i): Operation => {
    const input = s.key === undefined ? { f: s.f, value: s.value } : { f: s.f, key: s.key, value: s.value };
    const output: JepsenOutput = { type: s.outType, value: s.out };
    return s.unknown
      ? { process: i, input, output: undefined, call: s.call, return: Infinity }
      : { process: i, input, output, call: s.call, return: s.call + s.len };
  });
}

const timing = { call: fc.integer({ min: 0, max: 12 }), len: fc.integer({ min: 0, max: 8 }), unknown: fc.integer({ min: 0, max: 5 }).map((k) => k === 0) };
const small = fc.constantFrom<Value>(0, 1, 2);
const registerOp = fc.oneof(
  fc.record({ f: fc.constant("read"), value: fc.constant(null), out: fc.constantFrom<Value>(null, 0, 1, 2), outType: fc.constant<"ok">("ok"), ...timing, unknown: fc.constant(false) }),
  fc.record({ f: fc.constant("write"), value: small, out: fc.constant(null), outType: fc.constant<"ok">("ok"), ...timing }),
  fc.record({ f: fc.constant("cas"), value: fc.tuple(fc.constantFrom<Value>(null, 0, 1, 2), small), out: fc.constant(null), outType: fc.constantFrom<"ok" | "fail">("ok", "fail"), ...timing }),
);
const kvOp = fc.oneof(
  fc.record({ f: fc.constant("get"), key: fc.constantFrom("a", "b"), value: fc.constant(null), out: fc.constantFrom<Value>("", "x", "y", "xy", "yx"), outType: fc.constant<"ok">("ok"), ...timing, unknown: fc.constant(false) }),
  fc.record({ f: fc.constantFrom("put", "append"), key: fc.constantFrom("a", "b"), value: fc.constantFrom("x", "y"), out: fc.constant(null), outType: fc.constant<"ok">("ok"), ...timing }),
);
const mutexOp = fc.record({ f: fc.constantFrom("acquire", "release"), value: fc.constant(null), out: fc.constant(null), outType: fc.constant<"ok">("ok"), ...timing });
const queueOp = fc.oneof(
  fc.record({ f: fc.constant("enqueue"), value: small, out: fc.constant(null), outType: fc.constant<"ok">("ok"), ...timing }),
  fc.record({ f: fc.constant("dequeue"), value: fc.constant(null), out: fc.constantFrom<Value>(null, 0, 1, 2), outType: fc.constant<"ok">("ok"), ...timing }),
);

// Txns of one or two micro-ops over x, y, z: the invocation carries nil reads, the completion what was read.
const microOp = fc.oneof(
  fc.record({ f: fc.constant("read"), k: fc.constantFrom("x", "y", "z"), v: fc.constantFrom<Value>(null, 0, 1) }),
  fc.record({ f: fc.constant("write"), k: fc.constantFrom("x", "y", "z"), v: fc.constantFrom<Value>(0, 1) }),
);
const txnOp = fc.record({ micro: fc.array(microOp, { minLength: 1, maxLength: 2 }), ...timing }).map(
  ({ micro, ...time }): OpShape => ({
    f: "txn",
    value: micro.map((m) => [m.f, m.k, m.f === "read" ? null : m.v]),
    out: micro.map((m) => [m.f, m.k, m.v]),
    outType: "ok",
    ...time,
  }),
);

// ZooKeeper-style ops on one path, with the definite failures the znode model knows.
const znodeOp = fc.oneof(
  fc.record({ f: fc.constant("create"), key: fc.constant("/a"), value: fc.constantFrom("x", "y"), out: fc.constantFrom<Value>(null, "NODEEXISTS"), outType: fc.constantFrom<"ok" | "fail">("ok", "fail"), ...timing }),
  fc.record({ f: fc.constant("set"), key: fc.constant("/a"), value: fc.tuple(fc.constantFrom("x", "y"), fc.constantFrom(-1, 0, 1)), out: fc.constantFrom<Value>(1, 2, "BADVERSION", "NONODE"), outType: fc.constantFrom<"ok" | "fail">("ok", "fail"), ...timing }),
  fc.record({ f: fc.constant("delete"), key: fc.constant("/a"), value: fc.constantFrom(-1, 0, 1), out: fc.constantFrom<Value>(null, "NONODE"), outType: fc.constantFrom<"ok" | "fail">("ok", "fail"), ...timing }),
  fc.record({ f: fc.constant("read"), key: fc.constant("/a"), value: fc.constant(null), out: fc.constantFrom<Value>(null, ["x", 0], ["y", 1]), outType: fc.constant<"ok">("ok"), ...timing, unknown: fc.constant(false) }),
);

/** `reference` is the model the brute force uses (the unpartitioned one where the checker partitions). */
function differential(name: string, model: Model<unknown>, op: fc.Arbitrary<OpShape>, reference: Model<unknown> = model): void {
  it(`${name}: agrees with brute force on random histories of up to 8 ops`, () => {
    const seen = { linearizable: 0, "not-linearizable": 0 };
    try {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (shapes) => {
          const history = toHistory(shapes);
          const expected = bruteForceLinearizable(history, reference) ? "linearizable" : "not-linearizable";
          const actual = checkLinearizability(history, model).verdict;
          if (actual === "linearizable" || actual === "not-linearizable") seen[actual]++;
          expect(actual).toBe(expected);
        }),
        { seed, numRuns },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nreplay: LIN_SEED=${seed} npx vitest run test/properties/lin-differential.test.ts`);
    }
    // The generator must exercise both answers, or the property proves little.
    expect(seen.linearizable).toBeGreaterThan(numRuns / 20);
    expect(seen["not-linearizable"]).toBeGreaterThan(numRuns / 20);
  });
}

describe("differential: search vs brute force", () => {
  differential("cas-register", casRegister() as Model<unknown>, registerOp);
  differential("knossos-cas-register", knossosCasRegister() as Model<unknown>, registerOp);
  differential("kv (partitioned, against the unpartitioned model)", kv() as Model<unknown>, kvOp, kvUnpartitioned() as Model<unknown>);
  differential("mutex", mutex() as Model<unknown>, mutexOp);
  const znode = znodeModel();
  const { partition: _byPath, acceptedStateHash: _guard, readOnly: _greedy, ...znodePlain } = znode;
  differential("znode (reads greedy and hash-guarded, against plain steps)", znode as Model<unknown>, znodeOp, znodePlain as Model<unknown>);
  const multi = multiRegister({ initial: { x: 0, y: 0, z: 0 } });
  const { partition: _byKeyGroups, ...multiUnpartitioned } = multi;
  differential("multi-register (key groups, against one state)", multi as Model<unknown>, txnOp, multiUnpartitioned as Model<unknown>);
  differential("queue", queue() as Model<unknown>, queueOp);

  // A non-deterministic model: bump adds 1 or 2; read observes the value.
  const counter: Model<number> = {
    name: "bump-counter",
    init: () => 0,
    step: () => undefined,
    stepAll: (s, input, output) => (input.f === "bump" ? [s + 1, s + 2] : output !== undefined && output.value === s ? [s] : []),
    equal: (a, b) => a === b,
    hash: (s) => s,
    describeOperation: (input) => input.f,
    describeState: String,
  };
  const counterOp = fc.oneof(
    fc.record({ f: fc.constant("bump"), value: fc.constant(null), out: fc.constant(null), outType: fc.constant<"ok">("ok"), ...timing }),
    fc.record({ f: fc.constant("read"), value: fc.constant(null), out: fc.constantFrom<Value>(0, 1, 2, 3, 4), outType: fc.constant<"ok">("ok"), ...timing, unknown: fc.constant(false) }),
  );
  differential("non-deterministic counter", counter as Model<unknown>, counterOp);
});
