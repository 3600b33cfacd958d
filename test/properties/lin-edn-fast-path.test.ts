// Differential property: the one-op-per-line fast path of `jepsen-edn` gives the same history as the general EDN
// reader — on every recorded history, on generated Jepsen histories in many layouts, and on unusual texts, which it
// must hand to the general reader (same history, or the same error).
// Replay a failure: LIN_EDN_SEED=<seed printed below> npx vitest run test/properties/lin-edn-fast-path.test.ts
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJepsenEdn, parseJepsenEdnGeneral } from "../../src/check/linearizability/formats/jepsen-edn.js";
import { readCanonicalMap, readEdnLineMaps, readMapPairs } from "../../src/check/linearizability/formats/jepsen-edn-lines.js";
import type { OpMapFields } from "../../src/check/linearizability/formats/jepsen-edn-lines.js";
import { withReplay } from "../support/replay.js";

const seed = Number(process.env["LIN_EDN_SEED"] ?? 20261205);
const numRuns = 300;
const recordedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../data/histories/recorded");

/** Both parsers' answers: the history, or the error message. */
function bothWays(text: string): { fast: unknown; general: unknown } {
  const run = (parse: (t: string, f: string) => unknown): unknown => {
    try {
      return parse(text, "h.edn");
    } catch (error) {
      return `error: ${(error as Error).message}`;
    }
  };
  return { fast: run(parseJepsenEdn), general: run(parseJepsenEdnGeneral) };
}

function withSeed(property: () => void): void {
  withReplay(`LIN_EDN_SEED=${seed} npx vitest run test/properties/lin-edn-fast-path.test.ts`, property);
}

describe("jepsen-edn fast path", () => {
  const files = readdirSync(recordedDir).filter((f) => f.endsWith(".edn"));

  it("takes every recorded history and agrees with the general reader on each", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const file of files) {
      const text = readFileSync(path.join(recordedDir, file), "utf8");
      expect(readEdnLineMaps(text), file).toBeDefined();
      const fast = parseJepsenEdn(text, file);
      expect(fast.length, file).toBeGreaterThan(1000);
      expect(fast, file).toEqual(parseJepsenEdnGeneral(text, file));
    }
  });

  // Generated histories: random op maps (register, cas and kv ops, nemesis ops, unknown keys, keys in any order),
  // invocations paired with completions or left pending, laid out in the ways Jepsen and hand-written files do.
  const keyword = fc.constantFrom(":read", ":write", ":cas", ":get", ":put", ":append", ":timed-out", ":a.b", ":x?", ":k-1");
  const atom = fc.oneof(fc.constant("nil"), fc.constant("true"), fc.constant("false"), fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String), fc.constantFrom("0", "12345678901234"), keyword, fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9 ;:,{}\[\]-]{0,12}$/) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z\\n"]{0,6}$/) }).map((s) => `"${s}"`));
  const value = fc.oneof({ weight: 4, arbitrary: atom }, { weight: 1, arbitrary: fc.array(atom, { maxLength: 3 }).map((xs) => `[${xs.join(" ")}]`) }, { weight: 1, arbitrary: fc.tuple(atom, fc.array(atom, { maxLength: 2 })).map(([k, xs]) => `[${k} [${xs.join(" ")}]]`) });
  const separator = fc.constantFrom(", ", " ", ",", "  ,  ", "\t");
  const op = fc.record({
    process: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }).map(String) }, { weight: 1, arbitrary: fc.constant(":nemesis") }),
    f: fc.constantFrom(":read", ":write", ":cas", ":get", ":put"),
    value,
    key: fc.option(atom, { nil: undefined }),
    extra: fc.option(fc.tuple(fc.constantFrom(":time", ":index", ":error", ":node"), value), { nil: undefined }),
    order: fc.integer({ min: 0, max: 5 }),
    sep: separator,
  });
  const layout = fc.record({
    openOwnLine: fc.boolean(),
    closeOwnLine: fc.boolean(),
    comment: fc.boolean(),
    trailingComments: fc.boolean(),
    crlf: fc.boolean(),
    indent: fc.constantFrom("", " ", "  "),
  });

  function historyText(ops: { process: string; f: string; value: string; key?: string | undefined; extra?: [string, string] | undefined; order: number; sep: string; type: string }[], l: { openOwnLine: boolean; closeOwnLine: boolean; comment: boolean; trailingComments: boolean; crlf: boolean; indent: string }): string {
    const maps = ops.map((o) => {
      const fields = [`:type :${o.type}`, `:f ${o.f}`, `:value ${o.value}`, `:process ${o.process}`];
      if (o.key !== undefined) fields.push(`:key ${o.key}`);
      if (o.extra !== undefined) fields.push(`${o.extra[0]} ${o.extra[1]}`);
      const rotated = [...fields.slice(o.order % fields.length), ...fields.slice(0, o.order % fields.length)];
      return `{${rotated.join(o.sep)}}${l.trailingComments ? " ; note" : ""}`;
    });
    const nl = l.crlf ? "\r\n" : "\n";
    const body = maps.map((m, i) => (i === 0 && !l.openOwnLine ? m : `${l.indent}${m}`)).join(nl);
    const open = l.openOwnLine ? `[${nl}` : "[";
    const close = l.closeOwnLine ? `${nl}]` : "]";
    return `${l.comment ? `; a history${nl}` : ""}${open}${body}${close}${nl}`;
  }

  it("agrees with the general reader on generated histories, taking the fast path on most", () => {
    let fastTaken = 0;
    let runs = 0;
    withSeed(() =>
      fc.assert(
        fc.property(fc.array(fc.tuple(op, fc.constantFrom("ok", "fail", "info", "pending")), { maxLength: 12 }), layout, (pairs, l) => {
          runs++;
          // Each op is invoked, then completed (same :f) unless pending; completions follow in order.
          const events = pairs.flatMap(([o, outcome]) => {
            const invoke = { ...o, type: "invoke" };
            return outcome === "pending" ? [invoke] : [invoke, { ...o, type: outcome }];
          });
          const text = historyText(events, l);
          if (readEdnLineMaps(text) !== undefined) fastTaken++;
          const { fast, general } = bothWays(text);
          expect(fast).toEqual(general);
        }),
        { seed, numRuns },
      ),
    );
    // Not vacuous: most generated texts are in the fast path's shape.
    expect(fastTaken).toBeGreaterThan(runs / 2);
  });

  it("agrees with the general reader on random edits of a recorded history (the fast path declines what it does not know)", () => {
    const text = readFileSync(path.join(recordedDir, files.find((f) => f.includes("register"))!), "utf8");
    const head = text.split("\n").slice(0, 40).join("\n");
    const insertions = ["#{1 2}", "1.5", "\\a", '"a\\"b"', "{:x 1}", "(1 2)", "sym", "-0", "007", "99999999999999999", ":ns/kw", "#inst \"2020-01-01\"", "^:m", "\n", "]", "[", "}", "{", ";", ",", " ", "nil", ":ok", "#_ 3"];
    withSeed(() =>
      fc.assert(
        fc.property(fc.nat({ max: head.length }), fc.constantFrom(...insertions), fc.boolean(), (at, insertion, closeIt) => {
          const edited = head.slice(0, at) + insertion + head.slice(at) + (closeIt ? "]" : "");
          const { fast, general } = bothWays(edited);
          expect(fast).toEqual(general);
        }),
        { seed, numRuns },
      ),
    );
  });

  it.each([
    ["a float", "[{:type :invoke, :f :write, :value 1.5, :process 0}\n {:type :ok, :f :write, :value 1.5, :process 0}]"],
    ["a string with an escape", '[{:type :invoke, :f :write, :value "a\\"b", :process 0}\n {:type :ok, :f :write, :value "a\\"b", :process 0}]'],
    ["an escape sequence", '[{:type :invoke, :f :write, :value "x\\ny", :process 0}\n {:type :ok, :f :write, :value "x\\ny", :process 0}]'],
    ["a map spanning lines", "[{:type :invoke,\n  :f :read, :value nil, :process 0}\n {:type :ok, :f :read, :value 3, :process 0}]"],
    ["a set", "[{:type :invoke, :f :add, :value #{1}, :process 0}]"],
    ["a nested map", "[{:type :invoke, :f :txn, :value {:x 1}, :process 0}]"],
    ["a top-level list", "({:type :invoke, :f :read, :value nil, :process 0})"],
    ["a big integer", "[{:type :invoke, :f :write, :value 12345678901234567890, :process 0}]"],
    ["a leading zero (a symbol to EDN)", "[{:type :invoke, :f :write, :value 007, :process 0}]"],
    ["a namespaced keyword", "[{:type :invoke, :f :jepsen/read, :value nil, :process 0}]"],
    ["a tagged literal", '[{:type :invoke, :f :read, :value nil, :process 0, :time #inst "2020-01-01T00:00:00Z"}]'],
    ["content after the vector", "[{:type :invoke, :f :read, :value nil, :process 0}] 3"],
    ["a missing ]", "[{:type :invoke, :f :read, :value nil, :process 0}"],
    ["an empty text", ""],
    ["a bare map", "{:type :invoke, :f :read, :value nil, :process 0}"],
  ])("hands %s to the general reader", (_what, text) => {
    expect(readEdnLineMaps(text)).toBeUndefined();
    const { fast, general } = bothWays(text);
    expect(fast).toEqual(general);
  });

  it("reports a bad op on the fast path exactly as the general reader does", () => {
    const text = "[{:type :invoke, :f :read, :value nil, :process 0}\n {:type :done, :f :read, :value 3, :process 0}]";
    expect(readEdnLineMaps(text)).toBeDefined();
    const { fast, general } = bothWays(text);
    expect(fast).toMatch(/^error: h\.edn:2: op :type must be/);
    expect(fast).toEqual(general);
  });
  // The whole-map match for maps in the recorder's field order (`{:type … :f … [:key …] :value … :process …
  // [:time …] [:index …] [:error …]}`) against the pair-by-pair reader it shortcuts.
  const emptyFields = (): OpMapFields => ({ process: undefined, type: undefined, f: undefined, value: undefined, key: undefined });
  const plainInt = fc.integer({ min: -1000, max: 100_000 }).map(String);
  const plainScalar = fc.oneof(plainInt, fc.constantFrom(":k", ":x-1"), fc.stringMatching(/^[a-z0-9 ,:]{0,6}$/).map((x) => `"${x}"`));
  const fieldsInOrder = fc.oneof(
    // Anything, mostly declined by the whole-map match.
    { weight: 2, arbitrary: fc.record({
      type: fc.constantFrom(":invoke", ":ok", ":fail", ":info", ":done"),
      f: fc.constantFrom(":read", ":write", ":cas", ":get", ":a.b", ":x?", ":ns/f", "3"),
      key: fc.option(atom, { nil: undefined }),
      value,
      process: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom(":nemesis", "-1", "007", '"p"') }),
      time: fc.option(fc.oneof(fc.nat().map(String), atom), { nil: undefined }),
      index: fc.option(fc.oneof(fc.nat().map(String), atom), { nil: undefined }),
      error: fc.option(fc.oneof(keyword, atom), { nil: undefined }),
      sep: fc.constantFrom(", ", ", ", ", ", " ", ","),
    }) },
    // What recorders write, mostly taken.
    { weight: 3, arbitrary: fc.record({
      type: fc.constantFrom(":invoke", ":ok", ":fail", ":info"),
      f: keyword,
      key: fc.option(plainScalar, { nil: undefined }),
      value: fc.oneof(fc.constantFrom("nil", "true", "false"), plainScalar, fc.tuple(plainInt, plainInt).map(([a, b]) => `[${a} ${b}]`)),
      process: fc.oneof(fc.nat({ max: 50 }).map(String), fc.constant(":nemesis")),
      time: fc.option(fc.nat().map(String), { nil: undefined }),
      index: fc.option(fc.nat().map(String), { nil: undefined }),
      error: fc.option(keyword, { nil: undefined }),
      sep: fc.constant(", "),
    }) },
  );
  const canonicalMap = fieldsInOrder
    .map((o) => {
      const fields = [`:type ${o.type}`, `:f ${o.f}`];
      if (o.key !== undefined) fields.push(`:key ${o.key}`);
      fields.push(`:value ${o.value}`, `:process ${o.process}`);
      if (o.time !== undefined) fields.push(`:time ${o.time}`);
      if (o.index !== undefined) fields.push(`:index ${o.index}`);
      if (o.error !== undefined) fields.push(`:error ${o.error}`);
      return `{${fields.join(o.sep)}}`;
    });

  it("reads a map in the recorder's field order with one match, to the same fields as the pair-by-pair reader", () => {
    let taken = 0;
    let runs = 0;
    withSeed(() =>
      fc.assert(
        fc.property(canonicalMap, fc.constantFrom("", "\n", " ; note", ", {", "}"), (map, after) => {
          runs++;
          const text = `${map}${after}`;
          const whole = emptyFields();
          const pairs = emptyFields();
          const end = readCanonicalMap(text, 0, whole);
          const pairsEnd = readMapPairs(text, 1, pairs);
          if (end < 0) {
            expect(whole).toEqual(emptyFields()); // a declined map leaves the fields untouched
            return;
          }
          taken++;
          expect(end).toBe(map.length);
          expect(pairsEnd).toBe(end);
          expect(whole).toEqual(pairs);
        }),
        { seed, numRuns: numRuns * 3 },
      ),
    );
    expect(taken).toBeGreaterThan(runs / 3);
  });

  it("gives the same maps with and without the whole-map match, on histories in the recorder's field order", () => {
    withSeed(() =>
      fc.assert(
        fc.property(fc.array(canonicalMap, { maxLength: 10 }), fc.boolean(), (maps, crlf) => {
          const nl = crlf ? "\r\n" : "\n";
          const text = `[${maps.join(`${nl} `)}]${nl}`;
          expect(readEdnLineMaps(text)).toEqual(readEdnLineMaps(text, { canonicalMaps: false }));
          const { fast, general } = bothWays(text);
          expect(fast).toEqual(general);
        }),
        { seed, numRuns },
      ),
    );
  });

  it("reads the recorder's usual lines with one match each", () => {
    const lines = [
      ['{:type :invoke, :f :get, :key "k1", :value nil, :process 0, :time 36361, :index 0}', { process: 0, type: "invoke", f: "get", key: "k1", value: null }],
      ["{:type :fail, :f :cas, :value [3 -4], :process 12, :time 5, :index 9, :error :compare-failed}", { process: 12, type: "fail", f: "cas", key: undefined, value: [3, -4] }],
      ['{:type :info, :f :pause, :value "n1", :process :nemesis, :time 1, :index 2}', { process: "nemesis", type: "info", f: "pause", key: undefined, value: "n1" }],
      ["{:type :ok, :f :read, :value 0, :process 3}", { process: 3, type: "ok", f: "read", key: undefined, value: 0 }],
    ] as const;
    for (const [line, fields] of lines) {
      const out = emptyFields();
      expect(readCanonicalMap(line, 0, out), line).toBe(line.length);
      expect(out, line).toEqual(fields);
    }
    // Another field order is left to the pair-by-pair reader.
    expect(readCanonicalMap("{:f :read, :type :ok, :value 0, :process 3}", 0, emptyFields())).toBe(-1);
  });
});
