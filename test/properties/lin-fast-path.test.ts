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
import { ANY, CAS, encodeHistory, READ } from "../../src/check/linearizability/fast/encode.js";
import type { EncodedHistory, FastModelName } from "../../src/check/linearizability/fast/encode.js";
import { fastVerdict } from "../../src/check/linearizability/fast/index.js";
import { searchHistory, TextStates } from "../../src/check/linearizability/fast/search.js";
import { generalAnswer, render, scenario } from "../support/fast-path-histories.js";
import { withReplay } from "../support/replay.js";

const seed = Number(process.env["LIN_FAST_SEED"] ?? 20261205);
const numRuns = 400;
const recordedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../data/histories/recorded");

function withSeed(property: () => void): void {
  withReplay(`LIN_FAST_SEED=${seed} npx vitest run test/properties/lin-fast-path.test.ts`, property);
}


/** The fast path run on an encoding changed by `mutate` (a mutant), as `fastVerdict` runs it. */
function mutantVerdict(text: string, model: FastModelName, mutate: (h: EncodedHistory) => void): "linearizable" | undefined {
  const h = encodeHistory(text, model);
  if (h === undefined) return undefined;
  mutate(h);
  const states = model === "kv" ? new TextStates(h.texts, h.textIds) : undefined;
  return searchHistory(h, states, 1 << 18, 2 ** 26) < 0 ? undefined : "linearizable";
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
      expect(fast, file).toEqual(generalAnswer(text, model));
    }
  });

  for (const model of ["cas-register", "kv"] as const) {
    it(`says linearizable exactly when the general path does, on generated ${model} histories`, () => {
      const verdicts = { linearizable: 0, other: 0 };
      withSeed(() =>
        fc.assert(
          fc.property(scenario, (s) => {
            const text = render(model, s);
            const reference = generalAnswer(text, model);
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
        const reference = generalAnswer(text, model) as { verdict: string };
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
    ["an opening bracket in a comment", "cas-register", "; x [{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}]"],
    ["a closing bracket in a comment", "cas-register", "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0};]\n"],
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
