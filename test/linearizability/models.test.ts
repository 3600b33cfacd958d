// The search and each model on small hand-written histories whose verdicts are worked out by hand.
import { describe, expect, it } from "vitest";
import {
  casRegister,
  checkLinearizability,
  InvalidHistoryError,
  knossosCasRegister,
  kv,
  kvUnpartitioned,
  modelByName,
  ModelConfigError,
  multiRegister,
  mutex,
  queue,
  register,
  setModel,
} from "../../src/check/linearizability/index.js";
import type { History, Model } from "../../src/check/linearizability/index.js";
import { failed, info, ok } from "./helpers.js";

const verdict = <S>(history: History, model: Model<S>): string => checkLinearizability(history, model).verdict;

describe("Wing & Gong search: real-time order", () => {
  it("accepts concurrent write and read in either order", () => {
    expect(verdict([ok(0, "write", 1, 1, 0, 10), ok(1, "read", null, 1, 1, 9)], register())).toBe("linearizable");
    expect(verdict([ok(0, "write", 1, 1, 0, 10), ok(1, "read", null, null, 1, 9)], register())).toBe("linearizable");
  });

  it("rejects a stale read that starts after the write returned (a checker ignoring real time would accept)", () => {
    const h = [ok(0, "write", 1, 1, 0, 1), ok(1, "read", null, null, 2, 3)];
    expect(verdict(h, register())).toBe("not-linearizable");
  });

  it("treats ops that touch at one instant as concurrent", () => {
    const h = [ok(0, "write", 1, 1, 0, 5), ok(1, "read", null, null, 5, 6)];
    expect(verdict(h, register())).toBe("linearizable");
  });

  it("rejects a read that sees a value before it is written", () => {
    const h = [ok(1, "read", null, 1, 0, 1), ok(0, "write", 1, 1, 2, 3)];
    expect(verdict(h, register())).toBe("not-linearizable");
  });

  it("needs backtracking: the first order tried fails, a later one works", () => {
    // w1 and w2 overlap; r(2) then r(1) after both: impossible; r(1) alone after both: w2 then w1.
    const good = [ok(0, "write", 1, 1, 0, 10), ok(1, "write", 2, 2, 1, 9), ok(2, "read", null, 1, 11, 12)];
    expect(verdict(good, register())).toBe("linearizable");
    const bad = [...good, ok(3, "read", null, 2, 13, 14)];
    expect(verdict(bad, register())).toBe("not-linearizable");
  });

  it("an empty history, and one of only pending ops, are linearizable", () => {
    expect(verdict([], register())).toBe("linearizable");
    expect(verdict([info(0, "write", 1, 0)], register())).toBe("linearizable");
  });

  it("rejects bad times with a typed error", () => {
    expect(() => checkLinearizability([ok(0, "write", 1, 1, 5, 4)], register())).toThrow(InvalidHistoryError);
    expect(() => checkLinearizability([ok(0, "write", 1, 1, Number.NaN, 4)], register())).toThrow(/call time must be a finite number/);
  });

  it("reports the stuck op and the longest linearizable prefix with states", () => {
    const h = [ok(0, "write", 1, 1, 0, 1), ok(1, "write", 2, 2, 2, 3), ok(2, "read", null, 1, 4, 5), ok(3, "write", 3, 3, 6, 7)];
    const result = checkLinearizability(h, register());
    expect(result.verdict).toBe("not-linearizable");
    const failure = result.partitions[0]!.failure!;
    expect(failure.stuckOp).toBe(2); // the read of 1 after 2 was written
    expect(failure.longestPrefix.map((s) => s.op)).toEqual([0, 1]);
    expect(failure.longestPrefix.map((s) => s.stateAfter)).toEqual([1, 2]);
  });

  it("returns a full linearization with states when linearizable", () => {
    const h = [ok(0, "write", 1, 1, 0, 10), ok(1, "read", null, null, 1, 2)];
    const part = checkLinearizability(h, register()).partitions[0]!;
    expect(part.linearization!.map((s) => s.op)).toEqual([1, 0]);
    expect(part.linearization!.map((s) => s.stateAfter)).toEqual([null, 1]);
  });

  it("gives unknown when the time limit is reached", () => {
    // A fake clock that jumps past the deadline as soon as it is read during the search.
    let t = 0;
    const now = (): number => (t += 1000);
    const h = Array.from({ length: 40 }, (_, i) => info(i, "write", i % 3, 0)).concat([ok(99, "read", null, 7, 1, 2)]);
    const result = checkLinearizability(h, register(), { timeoutMs: 1, now });
    expect(result.verdict).toBe("unknown");
    expect(result.partitions[0]!.reason).toMatch(/time limit/);
  });

  it("gives unknown when the memo cache outgrows its budget", () => {
    const h = Array.from({ length: 24 }, (_, i) => ok(i, "write", i, i, 0, 100)).concat([ok(99, "read", null, 1000, 101, 102)]);
    const result = checkLinearizability(h, register(), { maxCacheBytes: 64 * 1024 });
    expect(result.verdict).toBe("unknown");
    expect(result.partitions[0]!.reason).toMatch(/memo cache/);
  });
});

describe("ops of unknown outcome (info)", () => {
  it("may take effect long after their call", () => {
    const h = [info(0, "write", 1, 0), ok(1, "read", null, null, 1, 2), ok(1, "read", null, 1, 50, 51)];
    expect(verdict(h, casRegister())).toBe("linearizable");
  });

  it("may never take effect", () => {
    const h = [info(0, "write", 1, 0), ok(1, "read", null, null, 100, 101)];
    expect(verdict(h, casRegister())).toBe("linearizable");
  });

  it("cannot take effect before their call", () => {
    const h = [ok(1, "read", null, 1, 0, 1), info(0, "write", 1, 2)];
    expect(verdict(h, casRegister())).toBe("not-linearizable");
  });

  it("take effect at most once", () => {
    const h = [ok(9, "write", 0, 0, 0, 1), info(0, "cas", [0, 1], 2), ok(1, "read", null, 1, 3, 4), ok(2, "write", 0, 0, 5, 6), ok(3, "read", null, 1, 7, 8)];
    expect(verdict(h, casRegister())).toBe("not-linearizable");
  });
});

describe("cas-register (Porcupine's etcd semantics)", () => {
  it("a failed cas means the compare failed", () => {
    expect(verdict([ok(0, "write", 1, 1, 0, 1), failed(1, "cas", [2, 3], 2, 3)], casRegister())).toBe("linearizable");
    expect(verdict([ok(0, "write", 1, 1, 0, 1), failed(1, "cas", [1, 3], 2, 3)], casRegister())).toBe("not-linearizable");
  });

  it("a successful cas requires the old value and installs the new one", () => {
    const h = [ok(0, "write", 1, 1, 0, 1), ok(1, "cas", [1, 3], [1, 3], 2, 3), ok(2, "read", null, 3, 4, 5)];
    expect(verdict(h, casRegister())).toBe("linearizable");
    expect(verdict([ok(1, "cas", [1, 3], [1, 3], 2, 3)], casRegister())).toBe("not-linearizable");
  });

  it("nil is a value: a nil read matches only the empty register", () => {
    expect(verdict([ok(0, "read", null, null, 0, 1)], casRegister())).toBe("linearizable");
    expect(verdict([ok(0, "write", 1, 1, 0, 1), ok(1, "read", null, null, 2, 3)], casRegister())).toBe("not-linearizable");
  });

  it("the register model has no cas", () => {
    expect(verdict([ok(1, "cas", [null, 3], [null, 3], 2, 3)], register())).toBe("not-linearizable");
    expect(verdict([ok(1, "cas", [null, 3], [null, 3], 2, 3)], casRegister())).toBe("linearizable");
  });
});

describe("knossos-cas-register", () => {
  it("starts at 0 and a nil read matches anything", () => {
    expect(verdict([ok(0, "read", null, 0, 0, 1)], knossosCasRegister())).toBe("linearizable");
    expect(verdict([ok(0, "write", 4, 4, 0, 1), ok(0, "read", null, null, 2, 3)], knossosCasRegister())).toBe("linearizable");
    expect(verdict([ok(0, "write", 4, 4, 0, 1), ok(0, "read", null, 3, 2, 3)], knossosCasRegister())).toBe("not-linearizable");
  });
});

describe("kv", () => {
  it("get/put/append per key, partitioned by key", () => {
    const h = [ok(0, "put", "a", "a", 0, 1, "k1"), ok(1, "append", "b", "b", 2, 3, "k1"), ok(2, "get", null, "ab", 4, 5, "k1"), ok(3, "get", null, "", 4, 5, "k2")];
    const result = checkLinearizability(h, kv());
    expect(result.verdict).toBe("linearizable");
    expect(result.partitions).toHaveLength(2);
  });

  it("finds a bad read on one key among many", () => {
    const h = [ok(0, "append", "x", "x", 0, 1, "k1"), ok(1, "get", null, "", 2, 3, "k1"), ok(2, "get", null, "", 2, 3, "k2")];
    expect(verdict(h, kv())).toBe("not-linearizable");
    expect(verdict(h, kvUnpartitioned())).toBe("not-linearizable");
  });

  it("accepts Jepsen's independent [key value] tuples", () => {
    const h = [ok(0, "append", ["k", "x"], ["k", "x"], 0, 1), ok(1, "get", ["k", null], ["k", "x"], 2, 3), ok(2, "get", ["j", null], ["j", ""], 2, 3)];
    const result = checkLinearizability(h, kv());
    expect(result.verdict).toBe("linearizable");
    expect(result.partitions).toHaveLength(2);
    expect(verdict([...h, ok(3, "get", ["k", null], ["k", ""], 4, 5)], kv())).toBe("not-linearizable");
  });

  it("rejects an op that names no key (no :key field and no [key value] tuple)", () => {
    const model = kv();
    expect(model.step(model.init(), { f: "put", value: "x" }, { type: "ok", value: "x" })).toBeUndefined();
    expect(model.step(model.init(), { f: "get", value: null }, { type: "ok", value: "" })).toBeUndefined();
    expect(model.acceptedStateHash!({ f: "get", value: null }, { type: "ok", value: "" })).toBeUndefined();
    expect(verdict([ok(0, "put", "x", "x", 0, 1)], model)).toBe("not-linearizable");
  });

  it("the unpartitioned model agrees", () => {
    const h = [ok(0, "put", "a", "a", 0, 1, "k1"), ok(1, "put", "b", "b", 0, 1, "k2"), ok(2, "get", null, "a", 2, 3, "k1"), ok(3, "put", "", "", 4, 5, "k1"), ok(4, "get", null, "", 6, 7, "k1")];
    expect(verdict(h, kvUnpartitioned())).toBe("linearizable");
    expect(verdict(h, kv())).toBe("linearizable");
  });
});

describe("multi-register", () => {
  const model = multiRegister({ initial: { x: 0, y: 0 } });
  const txn = (p: number, ops: unknown[], call: number, ret: number) => ok(p, "txn", ops as never, ops as never, call, ret);

  it("applies a txn atomically; nil reads match anything", () => {
    const h = [txn(0, [["write", "x", 1], ["write", "y", 2]], 0, 1), txn(1, [["read", "x", 1], ["read", "y", null]], 2, 3)];
    expect(verdict(h, model)).toBe("linearizable");
  });

  it("rejects a txn that sees half of another", () => {
    const h = [txn(0, [["write", "x", 1], ["write", "y", 2]], 0, 10), txn(1, [["read", "x", 1], ["read", "y", 0]], 2, 3)];
    expect(verdict(h, model)).toBe("not-linearizable");
  });

  it("checks groups of keys that no txn joins apart; a nil read joins nothing", () => {
    const h = [
      txn(0, [["write", "x", 1], ["write", "y", 1]], 0, 1),
      txn(1, [["write", "z", 5]], 2, 3),
      txn(2, [["read", "z", 5], ["read", "x", null]], 4, 5),
      txn(3, [["read", "x", 1], ["read", "y", 1]], 6, 7),
    ];
    const result = checkLinearizability(h, model);
    expect(result.verdict).toBe("linearizable");
    expect(result.partitions.map((p) => p.originalIndex)).toEqual([[0, 3], [1, 2]]);
  });

  it("finds a stale read in one key group while another group is fine", () => {
    const h = [txn(0, [["write", "x", 1]], 0, 1), txn(1, [["read", "x", 0]], 2, 3), txn(2, [["write", "z", 1]], 0, 1), txn(3, [["read", "z", 1]], 2, 3)];
    const result = checkLinearizability(h, model);
    expect(result.verdict).toBe("not-linearizable");
    expect(result.partitions.find((p) => p.verdict === "not-linearizable")?.originalIndex).toEqual([0, 1]);
  });
});

describe("mutex", () => {
  it("one holder at a time", () => {
    expect(verdict([ok(0, "acquire", null, null, 0, 1), ok(0, "release", null, null, 2, 3), ok(1, "acquire", null, null, 4, 5)], mutex())).toBe("linearizable");
    expect(verdict([ok(0, "acquire", null, null, 0, 1), ok(1, "acquire", null, null, 2, 3)], mutex())).toBe("not-linearizable");
    expect(verdict([ok(0, "release", null, null, 0, 1)], mutex())).toBe("not-linearizable");
    expect(verdict([ok(0, "release", null, null, 0, 1)], mutex({ initial: "held" }))).toBe("linearizable");
  });
});

describe("set", () => {
  it("reads see every added element, in any order", () => {
    const h = [ok(0, "add", 1, 1, 0, 1), ok(1, "add", 2, 2, 0, 1), ok(2, "read", null, [2, 1], 2, 3)];
    expect(verdict(h, setModel())).toBe("linearizable");
    expect(verdict([...h, ok(3, "read", null, [1], 4, 5)], setModel())).toBe("not-linearizable");
  });
});

describe("queue", () => {
  it("dequeues in FIFO order", () => {
    const h = [ok(0, "enqueue", 1, 1, 0, 1), ok(0, "enqueue", 2, 2, 2, 3), ok(1, "dequeue", null, 1, 4, 5), ok(1, "dequeue", null, 2, 6, 7)];
    expect(verdict(h, queue())).toBe("linearizable");
    const swapped = [ok(0, "enqueue", 1, 1, 0, 1), ok(0, "enqueue", 2, 2, 2, 3), ok(1, "dequeue", null, 2, 4, 5)];
    expect(verdict(swapped, queue())).toBe("not-linearizable");
    expect(verdict([ok(1, "dequeue", null, null, 0, 1)], queue())).toBe("linearizable");
  });
});

describe("non-deterministic models (stepAll)", () => {
  // A counter whose `bump` adds 1 or 2: only `stepAll` knows both outcomes.
  const counter: Model<number> = {
    name: "bump-counter",
    init: () => 0,
    step: () => undefined,
    stepAll: (s, input, output) => {
      if (input.f === "bump") return [s + 1, s + 2];
      if (input.f === "read") return output !== undefined && output.value === s ? [s] : [];
      return [];
    },
    equal: (a, b) => a === b,
    hash: (s) => s,
    describeOperation: (input) => input.f,
    describeState: (s) => String(s),
  };

  it("explores every successor", () => {
    for (const [reads, expected] of [[[3], "linearizable"], [[4], "linearizable"], [[2], "linearizable"], [[5], "not-linearizable"], [[1], "not-linearizable"]] as const) {
      const h = [ok(0, "bump", null, null, 0, 1), ok(0, "bump", null, null, 2, 3), ...reads.map((r, i) => ok(1, "read", null, r, 4 + i * 2, 5 + i * 2))];
      expect(verdict(h, counter), `read ${reads.join(",")}`).toBe(expected);
    }
  });

  it("backtracks into a later successor of an earlier op", () => {
    // Only bump=+2 then bump=+1 (or +1 then +2) reaches 3 and then the read of 3 after a read of 2 is impossible.
    const h = [ok(0, "bump", null, null, 0, 1), ok(1, "read", null, 2, 2, 3), ok(0, "bump", null, null, 4, 5), ok(1, "read", null, 3, 6, 7)];
    expect(verdict(h, counter)).toBe("linearizable");
    const bad = [ok(0, "bump", null, null, 0, 1), ok(1, "read", null, 2, 2, 3), ok(0, "bump", null, null, 4, 5), ok(1, "read", null, 5, 6, 7)];
    expect(verdict(bad, counter)).toBe("not-linearizable");
  });
});

describe("modelByName", () => {
  it("knows every built-in model and rejects unknown names and bad initial states", () => {
    for (const name of ["register", "cas-register", "knossos-cas-register", "kv", "kv-unpartitioned", "multi-register", "knossos-multi-register", "mutex", "set", "queue"]) {
      expect(modelByName(name).name).toBe(name);
    }
    expect(() => modelByName("nope")).toThrow(ModelConfigError);
    expect(() => modelByName("kv", 3)).toThrow(/must be a JSON string/);
    expect(() => modelByName("mutex", "locked")).toThrow(/"free" or "held"/);
    expect(() => modelByName("knossos-multi-register", [1])).toThrow(/JSON object/);
    expect(() => modelByName("set", "x")).toThrow(/JSON array/);
  });
});
