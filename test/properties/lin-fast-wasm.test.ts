// Differential property: the fast path in WebAssembly (src/check/linearizability/fast-wasm/) answers exactly as
// the JavaScript fast path (src/check/linearizability/fast/) on every text that is printable ASCII — the same op
// count when both say "linearizable", declining when it declines — and so, through the JavaScript fast path's own
// property (lin-fast-path.test.ts), as the general parser + checker. Checked on the recorded histories, on
// generated cas-register and kv histories (linearizable and not, :info, pending and failed ops, nil values), and on
// generated histories with a few characters changed anywhere (it must decline whatever the JavaScript reader
// declines). Deliberately broken builds of the module (mutants) prove the properties catch a wrong reader and a
// wrong transition; the committed module must be what the source compiles to.
// Replay a failure: LIN_FAST_SEED=<seed printed below> npx vitest run test/properties/lin-fast-wasm.test.ts
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { FastModelName } from "../../src/check/linearizability/fast/encode.js";
import { fastVerdict, fastVerdictOfBytes } from "../../src/check/linearizability/fast/index.js";
import { compileFastWasm, fastWasmRetainedBytes, wasmVerdictOfBytes } from "../../src/check/linearizability/fast-wasm/index.js";
import type { FastWasmExports } from "../../src/check/linearizability/fast-wasm/index.js";
import { buildFastWasm, FAST_WASM_GENERATED, FAST_WASM_SOURCE_DIR, fastWasmModuleSource } from "../../scripts/build-fast-wasm.js";
import { generalAnswer, render, scenario } from "../support/fast-path-histories.js";
import { withReplay } from "../support/replay.js";

const seed = Number(process.env["LIN_FAST_SEED"] ?? 20261205);
const numRuns = 400;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const recordedDir = path.join(root, "test/data/histories/recorded");
const manifest = JSON.parse(readFileSync(path.join(recordedDir, "expected.json"), "utf8")) as { histories: { file: string; model: FastModelName }[] };
const encoder = new TextEncoder();

function withSeed(property: () => void): void {
  withReplay(`LIN_FAST_SEED=${seed} npx vitest run test/properties/lin-fast-wasm.test.ts`, property);
}


/** The WebAssembly fast path on `text`, run by `exports` (a mutant) or the committed module. */
function wasm(text: string, model: string, exports?: FastWasmExports): ReturnType<typeof wasmVerdictOfBytes> {
  return wasmVerdictOfBytes(encoder.encode(text), model, undefined, exports === undefined ? {} : { exports });
}

/** A history with a few characters changed: each edit puts one of a few telling characters at a position. */
const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom("", " ", "\n", ",", "0", "7", "-", '"', "\\", ";", "[", "]", "{", "}", ":", "é", "\0", "x")), {
  minLength: 1,
  maxLength: 3,
});
function edited(text: string, changes: readonly (readonly [number, string])[]): string {
  let t = text;
  for (const [at, c] of changes) {
    const i = at % (t.length + 1);
    // Half the edits replace a character, half insert one.
    t = at % 2 === 0 ? t.slice(0, i) + c + t.slice(i + 1) : t.slice(0, i) + c + t.slice(i);
  }
  return t;
}
const printableAscii = (text: string): boolean => /^[\x01-\x7f]*$/.test(text);

describe("the fast path in WebAssembly", () => {
  it("takes every recorded history, with the JavaScript fast path's and the general path's op count", () => {
    expect(manifest.histories.length).toBeGreaterThanOrEqual(30);
    for (const { file, model } of manifest.histories) {
      const bytes = readFileSync(path.join(recordedDir, file));
      const answer = wasmVerdictOfBytes(bytes, model, undefined);
      expect(answer, file).toBeDefined();
      expect(answer, file).toEqual(fastVerdictOfBytes(bytes, model, undefined));
      expect(answer, file).toEqual(generalAnswer(bytes.toString("utf8"), model));
    }
  });

  for (const model of ["cas-register", "kv"] as const) {
    it(`answers as the JavaScript fast path and the general path on generated ${model} histories`, () => {
      const verdicts = { linearizable: 0, other: 0 };
      withSeed(() =>
        fc.assert(
          fc.property(scenario, (s) => {
            const text = render(model, s);
            const answer = wasm(text, model);
            expect(answer, text).toEqual(fastVerdict(text, model, undefined));
            const reference = generalAnswer(text, model) as { verdict: string; ops: number };
            if (reference.verdict === "linearizable") {
              verdicts.linearizable++;
              expect(answer, text).toEqual({ verdict: "linearizable", ops: reference.ops });
            } else {
              verdicts.other++;
              expect(answer, text).toBeUndefined();
            }
          }),
          { seed, numRuns },
        ),
      );
      // Not vacuous: both answers occur often.
      expect(verdicts.linearizable).toBeGreaterThan(numRuns / 4);
      expect(verdicts.other).toBeGreaterThan(numRuns / 20);
    });

    it(`declines exactly what the JavaScript fast path declines, on edited ${model} histories`, () => {
      const seen = { accepted: 0, declined: 0 };
      withSeed(() =>
        fc.assert(
          fc.property(scenario, edits, (s, changes) => {
            const text = edited(render(model, s), changes);
            const answer = wasm(text, model);
            if (!printableAscii(text)) {
              expect(answer, JSON.stringify(text)).toBeUndefined();
              return;
            }
            expect(answer, JSON.stringify(text)).toEqual(fastVerdict(text, model, undefined));
            if (answer === undefined) {
              seen.declined++;
            } else {
              seen.accepted++;
              expect(generalAnswer(text, model), JSON.stringify(text)).toEqual(answer);
            }
          }),
          { seed, numRuns },
        ),
      );
      // Not vacuous: most edits break an op map (declined), some leave a history both paths take.
      expect(seen.accepted).toBeGreaterThanOrEqual(numRuns / 100);
      expect(seen.declined).toBeGreaterThan(numRuns / 4);
    });
  }

  it.each([
    ["another model", "register", "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}]"],
    ["a number not in canonical form", "cas-register", "[{:type :invoke, :f :write, :value 01, :process 0}\n {:type :ok, :f :write, :value 01, :process 0}]"],
    ["an integer of 16 digits", "cas-register", "[{:type :invoke, :f :write, :value 1234567890123456, :process 0}\n {:type :ok, :f :write, :value 1234567890123456, :process 0}]"],
    ["a string with an escape", "kv", '[{:type :invoke, :f :put, :key "k", :value "a\\"b", :process 0}\n {:type :ok, :f :put, :key "k", :value "a\\"b", :process 0}]'],
    ["a NUL byte in a comment", "cas-register", "; \0\n[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}]"],
    ["text that is not ASCII", "kv", '[{:type :invoke, :f :put, :key "k", :value "é", :process 0}\n {:type :ok, :f :put, :key "k", :value "é", :process 0}]'],
    ["a byte-order mark", "cas-register", "\uFEFF[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}]"],
    ["an empty file", "cas-register", ""],
    ["an empty vector", "cas-register", "[]"],
    ["a vector never closed", "cas-register", "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value nil, :process 0}"],
  ])("leaves %s to the JavaScript paths", (_what, model, text) => {
    expect(wasm(text, model)).toBeUndefined();
  });

  it("takes comments, CRLF line ends, negative numbers, nemesis lines and extra fields as the JavaScript fast path does", () => {
    const text =
      "; a history\r\n[{:type :invoke, :f :write, :value -12, :process 3, :time 100000000000000000000, :index 0} ; c\r\n" +
      ' {:type :info, :f :kill, :value "n1", :process :nemesis}\r\n' +
      " {:type :ok, :f :write, :value -12, :process 3, :time 2, :index 1},{:type :invoke, :f :cas, :value [-12 nil], :process -4}\r\n" +
      " {:type :info, :f :cas, :value [-12 nil], :process -4, :error :timeout}\r\n" +
      " {:type :invoke, :f :read, :value nil, :process 5}\n {:type :ok, :f :read, :value nil, :process 5}]\n; end";
    expect(fastVerdict(text, "cas-register", undefined)).toEqual({ verdict: "linearizable", ops: 3 });
    expect(wasm(text, "cas-register")).toEqual({ verdict: "linearizable", ops: 3 });
  });

  it("declines past its memo cache budget (a trap), and checks the next file as before", () => {
    // The first file is a kv history: its partitions' caches grow past their first size, where the budget is checked.
    const { file, model } = manifest.histories[0]!;
    const bytes = readFileSync(path.join(recordedDir, file));
    const expected = wasmVerdictOfBytes(bytes, model, undefined);
    expect(expected).toBeDefined();
    expect(wasmVerdictOfBytes(bytes, model, undefined, { maxCacheBytes: 1024 })).toBeUndefined();
    expect(wasmVerdictOfBytes(bytes, model, undefined)).toEqual(expected);
  });

  it("drops an instance whose memory grew past the retained size, and checks the next file with a fresh one", () => {
    const { file, model } = manifest.histories[0]!;
    const bytes = readFileSync(path.join(recordedDir, file));
    const expected = wasmVerdictOfBytes(bytes, model, undefined);
    expect(fastWasmRetainedBytes()).toBeGreaterThan(0); // kept: below the default retained size
    expect(wasmVerdictOfBytes(bytes, model, undefined, { retainedMemoryBytes: 1 })).toEqual(expected);
    expect(fastWasmRetainedBytes()).toBe(0); // dropped: WebAssembly memory cannot shrink otherwise
    expect(wasmVerdictOfBytes(bytes, model, undefined)).toEqual(expected);
    expect(fastWasmRetainedBytes()).toBeGreaterThan(0);
  });

  it("leaves a non-linearizable history and a search past its step limit to the JavaScript paths", () => {
    const text = "[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :write, :value 1, :process 0}\n {:type :invoke, :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value 1, :process 0}]";
    expect(wasm(text, "cas-register")).toEqual({ verdict: "linearizable", ops: 2 });
    expect(wasmVerdictOfBytes(encoder.encode(text), "cas-register", 0)).toBeUndefined();
    expect(wasm(text.replace(":value 1, :process 0}]", ":value 2, :process 0}]"), "cas-register")).toBeUndefined();
    expect(wasmVerdictOfBytes(encoder.encode(text), "cas-register", undefined, { maxSteps: 1 })).toBeUndefined();
  });
});

// Mutants: the module built from its source with one deliberate mistake. Each property above, run against it,
// must find a history where it disagrees with the JavaScript fast path.
describe("the WebAssembly fast path's tests catch broken builds", () => {
  // Each: the model, what it breaks, the source file, the text replaced and its replacement, and the change to the
  // generated history that shows it (none, trailing text, a 16-digit value).
  const asGenerated = (text: string): string => text;
  const mutants = [
    ["cas-register", "a cas that ignores its compare", "encode.ts", "st(guard, op, ld(values.b, input));", "st(guard, op, ANY);", asGenerated],
    ["kv", "a get that accepts any state", "encode.ts", "st(guard, op, output == NONE ? NO_STATE : output == NIL ? ANY : observed);", "st(guard, op, output == NONE ? NO_STATE : ANY);", asGenerated],
    ["kv", "an append that overwrites", "encode.ts", "st(result, op, k == K_WRITE ? t : APPENDED);", "st(result, op, t);", asGenerated],
    ["cas-register", "a reader that takes any text after the vector", "reader.ts", "return at(end) == 93 && skipSep(end + 1) == length && ops > 0;", "return at(end) == 93 && ops > 0;", (text: string) => text.replace(/\]\n$/, "] 1\n")],
    ["cas-register", "a reader that takes integers of 16 digits", "reader.ts", "if (p - start > 15) return -1;", "if (p - start > 16) return -1;", (text: string) => text.replaceAll(":value 1,", ":value 1000000000000000,")],
  ] as const;
  const built = new Map<string, FastWasmExports>();

  beforeAll(async () => {
    for (const [, what, file, from, to] of mutants) {
      const source = `${FAST_WASM_SOURCE_DIR}/${file}`;
      const text = readFileSync(path.join(root, source), "utf8");
      expect(text.split(from).length, `the mutant "${what}" changes exactly one place`).toBe(2);
      built.set(what, compileFastWasm(await buildFastWasm({ [source]: text.replace(from, to) })));
    }
  }, 120_000);

  it.each(mutants)("catches the %s mutant: %s", (model, what, _file, _from, _to, change) => {
    const mutant = built.get(what)!;
    const outcome = fc.check(
      fc.property(scenario, (s) => {
        const text = change(render(model, s));
        return JSON.stringify(wasm(text, model, mutant)) === JSON.stringify(fastVerdict(text, model, undefined));
      }),
      // More runs than the properties: an append that overwrites shows only when a read follows two appends.
      { seed, numRuns: 5 * numRuns },
    );
    expect(outcome.failed).toBe(true);
  });

  it("the committed module is what the source compiles to (asc's output is deterministic)", async () => {
    const first = await buildFastWasm();
    expect(Buffer.from(await buildFastWasm()).equals(Buffer.from(first))).toBe(true);
    const committed = readFileSync(path.join(root, FAST_WASM_GENERATED), "utf8");
    expect(committed === fastWasmModuleSource(first), `${FAST_WASM_GENERATED} is stale: npm run build:wasm`).toBe(true);
  }, 60_000);
});
