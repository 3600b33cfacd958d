// Differential property: the integer-coded fast path of `check --manifest` (src/check/linearizability/fast/)
// says "linearizable" exactly when the general parser + checker does, with the same op count — on every recorded
// history, and on generated one-op-per-line histories (cas-register and kv: overlapping ops, :fail, :info and
// pending ops, nemesis lines, read values sometimes corrupted). Two deliberately broken variants (mutants) prove
// the property catches a wrong transition.
// Replay a failure: LIN_FAST_SEED=<seed printed below> npx vitest run test/properties/lin-fast-path.test.ts
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLinearizability, modelByName, parseJepsenEdn, validateOperations } from "../../src/check/linearizability/index.js";
import { ANY, CAS, encodeHistory, READ } from "../../src/check/linearizability/fast/encode.js";
import type { EncodedHistory, FastModelName } from "../../src/check/linearizability/fast/encode.js";
import { fastVerdict } from "../../src/check/linearizability/fast/index.js";
import { searchHistory, TextStates } from "../../src/check/linearizability/fast/search.js";

const seed = Number(process.env["LIN_FAST_SEED"] ?? 20261205);
const numRuns = 400;
const recordedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../data/histories/recorded");

function withSeed(property: () => void): void {
  try {
    property();
  } catch (error) {
    throw new Error(`${(error as Error).message}\nreplay: LIN_FAST_SEED=${seed} npx vitest run test/properties/lin-fast-path.test.ts`);
  }
}

/** The general path's answer: verdict and op count, or the error it reports. */
function general(text: string, model: string): { verdict: string; ops: number } | { error: string } {
  try {
    const history = parseJepsenEdn(text, "h.edn");
    const m = modelByName(model);
    validateOperations(history, m, "h.edn");
    return { verdict: checkLinearizability(history, m).verdict, ops: history.length };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The fast path run on an encoding changed by `mutate` (a mutant), as `fastVerdict` runs it. */
function mutantVerdict(text: string, model: FastModelName, mutate: (h: EncodedHistory) => void): "linearizable" | undefined {
  const h = encodeHistory(text, model);
  if (h === undefined) return undefined;
  mutate(h);
  const states = model === "kv" ? new TextStates(h.texts, h.textIds) : undefined;
  return searchHistory(h, states, 1 << 18, 2 ** 26) < 0 ? undefined : "linearizable";
}

// A generated history: processes invoke ops and complete them later; each op takes effect on a real object at its
// invocation or its completion (so the history is linearizable) unless the outcome is unknown and it is dropped;
// then, sometimes, a read's value is changed (then it usually is not).
interface Step {
  readonly process: number;
  readonly f: number;
  readonly key: number;
  readonly value: number;
  readonly atInvoke: boolean;
  readonly outcome: "ok" | "info" | "pending";
  readonly nilInvoke: boolean;
}
const step = fc.record({
  process: fc.nat({ max: 3 }),
  f: fc.nat({ max: 2 }),
  key: fc.nat({ max: 1 }),
  value: fc.nat({ max: 3 }),
  atInvoke: fc.boolean(),
  outcome: fc.constantFrom<Step["outcome"]>("ok", "ok", "ok", "ok", "info", "pending"),
  nilInvoke: fc.nat({ max: 9 }).map((k) => k === 0),
});
const scenario = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 14 }),
  corrupt: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 3 })), { nil: undefined }),
  nemesis: fc.option(fc.nat(), { nil: undefined }),
  extras: fc.boolean(),
});

/** Renders a scenario as a Jepsen EDN history for `model`, one op map per line in the recorder's field order. */
function render(model: FastModelName, s: { steps: readonly Step[]; corrupt: [number, number] | undefined; nemesis: number | undefined; extras: boolean }): string {
  const lines: string[] = [];
  let register: number | null = null;
  const texts = ["", ""];
  const strings = ["x", " a1", " b", "xy"];
  const open = new Map<number, { step: Step; line: number; effect: () => string }>();
  let reads = 0;
  const readLines: number[] = [];
  const field = (f: number): string => (model === "kv" ? ["get", "put", "append"][f]! : ["read", "write", "cas"][f]!);
  const fields = (type: string, st: Step, value: string): string => {
    const key = model === "kv" ? `, :key "k${st.key}"` : "";
    const extra = s.extras ? `, :time ${lines.length * 1000 + 17}, :index ${lines.length}${type === "info" ? ", :error :timeout" : ""}` : "";
    return `{:type :${type}, :f :${field(st.f)}${key}, :value ${value}, :process ${st.process}${extra}}`;
  };
  // The op's effect on the real object; returns the completion's value.
  const effectOf = (st: Step): (() => string) => {
    if (model === "kv") {
      const arg = strings[st.value]!;
      if (st.f === 0) return () => (st.value === 3 ? "nil" : JSON.stringify(texts[st.key]!));
      if (st.f === 1) return () => ((texts[st.key] = arg), JSON.stringify(arg));
      return () => ((texts[st.key] += arg), JSON.stringify(arg));
    }
    const v = st.value === 3 ? null : st.value;
    if (st.f === 0) return () => (register === null ? "nil" : String(register));
    if (st.f === 1) return () => ((register = v), v === null ? "nil" : String(v));
    const expected = (st.value + 1) % 4 === 3 ? null : (st.value + 1) % 4;
    return () => {
      if (register !== expected) return "fail";
      register = v;
      return `[${expected === null ? "nil" : expected} ${v === null ? "nil" : v}]`;
    };
  };
  const invokeValue = (st: Step): string => {
    if (st.f === 0 || (st.f === 1 && st.nilInvoke)) return "nil";
    if (model === "kv") return JSON.stringify(strings[st.value]!);
    const v = st.value === 3 ? "nil" : String(st.value);
    if (st.f === 1) return v;
    const expected = (st.value + 1) % 4 === 3 ? "nil" : String((st.value + 1) % 4);
    return `[${expected} ${v}]`;
  };
  for (const st of s.steps) {
    if (s.nemesis !== undefined && lines.length === s.nemesis % (s.steps.length + 1)) lines.push(`{:type :info, :f :pause, :value "n1", :process :nemesis, :time 5, :index 0}`);
    const pending = open.get(st.process);
    if (pending !== undefined) {
      // Complete the pending op of this process, unless it never completes (then the process stays busy).
      const p = pending.step;
      if (p.outcome === "pending") continue;
      open.delete(st.process);
      let value = p.atInvoke ? pending.effect() : "";
      if (p.outcome === "info") {
        // Unknown outcome: the effect may have happened (at invoke) or not.
        lines.push(fields("info", p, invokeValue(p)));
        continue;
      }
      if (!p.atInvoke) value = pending.effect();
      if (value === "fail") {
        lines.push(fields("fail", p, invokeValue(p)));
        continue;
      }
      if (p.f === 0) readLines.push(lines.length), reads++;
      lines.push(fields("ok", p, value));
      continue;
    }
    const effect = effectOf(st);
    let once: string | undefined;
    const run = (): string => (once ??= effect());
    open.set(st.process, { step: st, line: lines.length, effect: run });
    if (st.atInvoke && st.outcome !== "pending") run();
    lines.push(fields("invoke", st, invokeValue(st)));
  }
  if (s.corrupt !== undefined && reads > 0) {
    const at = readLines[s.corrupt[0] % reads]!;
    const wrong = model === "kv" ? JSON.stringify(["x", "q", " a1", ""][s.corrupt[1]]!) : ["0", "1", "nil", "7"][s.corrupt[1]]!;
    lines[at] = lines[at]!.replace(/:value ([^,]+), :process/, `:value ${wrong}, :process`);
  }
  return `; generated\n[${lines.join("\n ")}]\n`;
}

describe("the integer-coded fast path of check --manifest", () => {
  const files = readdirSync(recordedDir).filter((f) => f.endsWith(".edn"));
  const manifest = JSON.parse(readFileSync(path.join(recordedDir, "expected.json"), "utf8")) as { histories: { file: string; model: string }[] };

  it("takes every recorded history, with the general path's verdict and op count", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const { file, model } of manifest.histories) {
      const text = readFileSync(path.join(recordedDir, file), "utf8");
      const fast = fastVerdict(text, model, undefined);
      expect(fast, file).toBeDefined();
      expect(fast, file).toEqual(general(text, model));
    }
  });

  for (const model of ["cas-register", "kv"] as const) {
    it(`says linearizable exactly when the general path does, on generated ${model} histories`, () => {
      const verdicts = { linearizable: 0, other: 0 };
      withSeed(() =>
        fc.assert(
          fc.property(scenario, (s) => {
            const text = render(model, s);
            const reference = general(text, model);
            expect(reference, text).toHaveProperty("verdict");
            const fast = fastVerdict(text, model, undefined);
            const { verdict, ops } = reference as { verdict: string; ops: number };
            if (verdict === "linearizable") {
              verdicts.linearizable++;
              expect(fast, text).toEqual({ verdict, ops });
            } else {
              verdicts.other++;
              expect(fast, text).toBeUndefined();
            }
          }),
          { seed, numRuns },
        ),
      );
      // Not vacuous: both answers occur often.
      expect(verdicts.linearizable).toBeGreaterThan(numRuns / 4);
      expect(verdicts.other).toBeGreaterThan(numRuns / 20);
    });
  }

  // Mutants: a compare-and-set that ignores its compare, a read that accepts any state. The same property, run
  // against each, must find a history where it disagrees with the general path.
  it.each([
    ["cas-register", "a cas that ignores its compare", (h: EncodedHistory) => h.kind.forEach((k, i) => k === CAS && (h.guard[i] = ANY))],
    ["kv", "a get that accepts any state", (h: EncodedHistory) => h.kind.forEach((k, i) => k === READ && (h.guard[i] = ANY))],
  ] as const)("catches the %s mutant: %s", (model, _what, mutate) => {
    const outcome = fc.check(
      fc.property(scenario, (s) => {
        const text = render(model, s);
        const reference = general(text, model) as { verdict: string };
        return (mutantVerdict(text, model, mutate) === "linearizable") === (reference.verdict === "linearizable");
      }),
      { seed, numRuns },
    );
    expect(outcome.failed).toBe(true);
  });

  it.each([
    ["another model", "register", "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}]"],
    ["another field order", "cas-register", "[{:f :read, :type :invoke, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}]"],
    ["a float", "cas-register", "[{:type :invoke, :f :write, :value 1.5, :process 0}\n {:type :ok, :f :write, :value 1.5, :process 0}]"],
    ["a keyword value", "cas-register", "[{:type :invoke, :f :write, :value :x, :process 0}\n {:type :ok, :f :write, :value :x, :process 0}]"],
    ["an op the model does not define", "cas-register", "[{:type :invoke, :f :put, :value 1, :process 0}\n {:type :ok, :f :put, :value 1, :process 0}]"],
    ["a cas without [old new]", "cas-register", "[{:type :invoke, :f :cas, :value 1, :process 0}\n {:type :ok, :f :cas, :value 1, :process 0}]"],
    ["a kv op without a key", "kv", '[{:type :invoke, :f :put, :value "x", :process 0}\n {:type :ok, :f :put, :value "x", :process 0}]'],
    ["a kv op with a pair value", "kv", '[{:type :invoke, :f :put, :key "k", :value [1 2], :process 0}\n {:type :ok, :f :put, :key "k", :value [1 2], :process 0}]'],
    ["a completion without invocation", "cas-register", "[{:type :ok, :f :read, :value nil, :process 0}]"],
    ["a completion of another f", "cas-register", "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :write, :value 1, :process 0}]"],
    ["a second invocation while one is pending", "cas-register", "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :invoke, :f :read, :value nil, :process 0}]"],
    ["content after the vector", "cas-register", "[{:type :invoke, :f :read, :value nil, :process 0}] 3"],
    ["a string process", "cas-register", '[{:type :invoke, :f :read, :value nil, :process "p"}\n {:type :ok, :f :read, :value nil, :process "p"}]'],
    ["no client op", "cas-register", '[{:type :info, :f :pause, :value "n1", :process :nemesis}]'],
  ])("leaves %s to the general path", (_what, model, text) => {
    expect(fastVerdict(text, model, undefined)).toBeUndefined();
  });

  it("leaves an initial value, a non-linearizable history and a search past its step limit to the general path", () => {
    const text = "[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :write, :value 1, :process 0}\n {:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value 1, :process 0}]";
    expect(fastVerdict(text, "cas-register", undefined)).toEqual({ verdict: "linearizable", ops: 2 });
    expect(fastVerdict(text, "cas-register", 0)).toBeUndefined();
    expect(fastVerdict(text.replace(":value 1, :process 0}]", ":value 2, :process 0}]"), "cas-register", undefined)).toBeUndefined();
    expect(fastVerdict(text, "cas-register", undefined, { maxSteps: 1 })).toBeUndefined();
  });
});
