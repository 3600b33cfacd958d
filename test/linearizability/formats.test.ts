// History parsers: each format's conventions, unknown fields ignored, and bad input named by file and line.
import { describe, expect, it } from "vitest";
import {
  HistoryParseError,
  checkLinearizability,
  modelByName,
  parseEtcdLog,
  parseHistory,
  parseJepsenEdn,
  parseKvEdnLines,
  parseManifest,
  parseNativeJson,
} from "../../src/check/linearizability/index.js";

function parseError(fn: () => unknown): HistoryParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryParseError);
    return error as HistoryParseError;
  }
  throw new Error("expected a HistoryParseError");
}

describe("jepsen-edn", () => {
  it("pairs invocations with completions, fills nil invocation values, drops :fail, keeps :info as unknown", () => {
    const h = parseJepsenEdn(
      `; a comment
      [{:process 0, :type :invoke, :f :write, :value 3, :time 5, :extra {:a [1 2]}}
       {:process 1, :type :invoke, :f :read, :value nil}
       {:process 0, :type :ok, :f :write, :value 3}
       {:process 1, :type :ok, :f :read, :value 3}
       {:process 2, :type :invoke, :f :cas, :value [3 4]}
       {:process 2, :type :fail, :f :cas, :value [3 4]}
       {:process :nemesis, :type :info, :f :start, :value nil}
       {:process 3, :type :invoke, :f :write, :value 9}
       {:process 3, :type :info, :f :write, :value 9}
       {:process 4, :type :invoke, :f :read, :value nil}]`,
      "t.edn",
    );
    expect(h).toHaveLength(4);
    expect(h[0]).toMatchObject({ process: 0, input: { f: "write", value: 3 }, output: { type: "ok", value: 3 }, call: 0, return: 2 });
    expect(h[1]).toMatchObject({ process: 1, input: { f: "read", value: 3 }, output: { type: "ok", value: 3 }, call: 1, return: 3 });
    expect(h[2]).toMatchObject({ process: 3, output: undefined, return: Infinity });
    expect(h[3]).toMatchObject({ process: 4, output: undefined, return: Infinity, line: 11 });
  });

  it("accepts a list as well as a vector, and keyword keys for kv", () => {
    const h = parseJepsenEdn(`({:process 0 :type :invoke :f :put :key :k :value "a"} {:process 0 :type :ok :f :put :key :k :value "a"})`, "t.edn");
    expect(h[0]!.input).toEqual({ f: "put", key: "k", value: "a" });
  });

  it("checks kv histories in both key conventions", () => {
    const keyField = parseJepsenEdn(
      `[{:process 0 :type :invoke :f :append :key "k" :value "x"} {:process 0 :type :ok :f :append :key "k" :value "x"}
        {:process 1 :type :invoke :f :get :key "k" :value nil} {:process 1 :type :ok :f :get :key "k" :value "x"}]`,
    );
    const tuple = parseJepsenEdn(
      `[{:process 0 :type :invoke :f :append :value ["k" "x"]} {:process 0 :type :ok :f :append :value ["k" "x"]}
        {:process 1 :type :invoke :f :get :value ["k" nil]} {:process 1 :type :ok :f :get :value ["k" "x"]}]`,
    );
    expect(checkLinearizability(keyField, modelByName("kv", "")).verdict).toBe("linearizable");
    expect(checkLinearizability(tuple, modelByName("kv", "")).verdict).toBe("linearizable");
    const badTuple = parseJepsenEdn(
      `[{:process 0 :type :invoke :f :append :value ["k" "x"]} {:process 0 :type :ok :f :append :value ["k" "x"]}
        {:process 1 :type :invoke :f :get :value ["k" nil]} {:process 1 :type :ok :f :get :value ["k" "y"]}]`,
    );
    expect(checkLinearizability(badTuple, modelByName("kv", "")).verdict).toBe("not-linearizable");
  });

  const bad: [string, string, number, RegExp][] = [
    ["unclosed vector", `[{:process 0, :type :invoke, :f :read, :value nil}\n`, 1, /never closed/],
    ["mismatched bracket", `[{:process 0, :type :invoke,\n :f :read, :value nil]\n]`, 2, /expected '}'/],
    ["unterminated string", `[\n{:process 0, :type :invoke, :f :read, :value "abc}]`, 2, /unterminated string/],
    ["not a vector", `{:process 0}`, 1, /one EDN vector/],
    ["trailing content", `[]\n[]`, 2, /after the end/],
    ["op not a map", `[\n 3]`, 2, /expected an op map/],
    ["bad type", `[{:process 0, :type :done, :f :read}]`, 1, /:type must be/],
    ["missing process", `[\n\n{:type :invoke, :f :read}]`, 3, /no usable :process/],
    ["missing f", `[{:process 0, :type :invoke}]`, 1, /no :f/],
    ["double invoke", `[{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}]`, 2, /still pending/],
    ["orphan completion", `[\n{:process 0, :type :ok, :f :read, :value 1}]`, 2, /without a pending invocation/],
    ["mismatched completion", `[{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :write, :value 1}]`, 2, /does not match/],
    ["empty file", ``, 1, /empty file/],
  ];
  for (const [name, text, line, problem] of bad) {
    it(`rejects ${name} naming file and line`, () => {
      const error = parseError(() => parseJepsenEdn(text, "bad.edn"));
      expect(error.file).toBe("bad.edn");
      expect(error.line).toBe(line);
      expect(error.problem).toMatch(problem);
      expect(error.message).toBe(`bad.edn:${line}: ${error.problem}`);
      expect(error.code).toBe("HISTORY_PARSE");
    });
  }
});

describe("jepsen-etcd-log", () => {
  const log = [
    "2015-01-01 noise line",
    "INFO  jepsen.util - 0\t:invoke\t:write\t3",
    "INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]",
    "INFO  jepsen.util - 0\t:ok\t:write\t3",
    "INFO  jepsen.util - 1\t:fail\t:cas\t[3 4]",
    "INFO  jepsen.util - 2  :invoke  :read  nil",
    "INFO  jepsen.util - 2  :fail  :read  :timed-out",
    "INFO  jepsen.util - 3\t:invoke\t:write\t1",
    "INFO  jepsen.util - 3\t:info\t:write\t:timed-out",
  ].join("\n");

  it("keeps a failed cas as a definite failure, drops failed reads, keeps timeouts as unknown", () => {
    const h = parseEtcdLog(log, "e.log");
    expect(h).toHaveLength(3);
    expect(h[1]).toMatchObject({ input: { f: "cas", value: [3, 4] }, output: { type: "fail" }, line: 5 });
    expect(h[2]).toMatchObject({ input: { f: "write", value: 1 }, output: undefined, return: Infinity });
    // A failed cas of [3 4] is impossible if it started after write 3 completed: the compare would hold.
    const late = parseEtcdLog(log.replace("INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]\n", "").replace("INFO  jepsen.util - 0\t:ok\t:write\t3", "INFO  jepsen.util - 0\t:ok\t:write\t3\nINFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]"), "e.log");
    expect(checkLinearizability(late, modelByName("cas-register", null)).verdict).toBe("not-linearizable");
  });

  it("rejects malformed op lines naming file and line", () => {
    expect(parseError(() => parseEtcdLog("INFO  jepsen.util - x\t:invoke\t:read\tnil", "e.log")).line).toBe(1);
    expect(parseError(() => parseEtcdLog("\nINFO  jepsen.util - 1\t:invoke\t:read\t[1 2", "e.log")).problem).toMatch(/never closed/);
    expect(parseError(() => parseEtcdLog("INFO  jepsen.util - 1\t:invoke\t:read", "e.log")).problem).toMatch(/missing value/);
    expect(parseError(() => parseEtcdLog("INFO  jepsen.util - 1\t:invoke\t:read\t1 2", "e.log")).problem).toMatch(/one EDN value/);
  });
});

describe("kv-edn-lines", () => {
  it("reads one op map per line, ignoring blank lines and unknown fields", () => {
    const h = parseKvEdnLines(`{:process 0, :type :invoke, :f :put, :key "k", :value "v", :x 1}\n\n{:process 0, :type :ok, :f :put, :key "k", :value "v"}\n`, "kv.txt");
    expect(h).toHaveLength(1);
    expect(h[0]!.input).toEqual({ f: "put", key: "k", value: "v" });
  });

  it("rejects bad lines naming file and line", () => {
    expect(parseError(() => parseKvEdnLines(`{:process 0, :type :invoke, :f :put, :key "k", :value "v"}\n{:process 0, :type :ok`, "kv.txt")).line).toBe(2);
    expect(parseError(() => parseKvEdnLines(`\n\n{:process 0, :type :invoke, :f :put, :value "v"}`, "kv.txt")).problem).toMatch(/no :key/);
    expect(parseError(() => parseKvEdnLines(`{:process 0} {:process 1}`, "kv.txt")).problem).toMatch(/one op map/);
  });
});

describe("native json", () => {
  const doc = {
    operations: [
      { process: 0, f: "write", value: 3, call: 0, return: 5, type: "ok", comment: "ignored" },
      { process: 1, f: "read", value: null, output: 3, call: 1, return: 4 },
      { process: 2, f: "cas", value: [3, 4], call: 2, type: "info" },
      { process: 3, f: "write", value: 7, call: 2, return: 3, type: "fail" },
    ],
    producer: "ignored too",
  };

  it("reads operations; fail ops did not happen unless failedOps says completed", () => {
    const h = parseNativeJson(JSON.stringify(doc, null, 1), "h.json");
    expect(h).toHaveLength(3);
    expect(h[1]).toMatchObject({ input: { f: "read", value: null }, output: { type: "ok", value: 3 }, call: 1, return: 4 });
    expect(h[2]).toMatchObject({ output: undefined, return: Infinity });
    const completed = parseNativeJson(JSON.stringify({ ...doc, failedOps: "completed" }), "h.json");
    expect(completed[3]).toMatchObject({ output: { type: "fail", value: 7 } });
    expect(checkLinearizability(h, modelByName("cas-register", null)).verdict).toBe("linearizable");
    expect(parseHistory(JSON.stringify(doc.operations), "json", "a.json")).toHaveLength(3);
  });

  it("rejects bad documents naming file, line and operation", () => {
    const text = `{"operations": [\n  {"process": 0, "f": "write", "value": 1, "call": 0, "return": 1},\n  {"process": 0, "f": "write", "value": 1, "call": 5, "return": 2}\n]}`;
    const error = parseError(() => parseNativeJson(text, "h.json"));
    expect(error.line).toBe(3);
    expect(error.problem).toMatch(/operation 1: field "return" \(2\) is before field "call" \(5\)/);
    expect(parseError(() => parseNativeJson(`{"operations": [\n{"process": 0,}]}`, "h.json")).problem).toMatch(/invalid JSON/);
    expect(parseError(() => parseNativeJson(`{"ops": []}`, "h.json")).problem).toMatch(/expected \{"operations"/);
    expect(parseError(() => parseNativeJson(`[{"process": 0, "f": "read", "call": 0}]`, "h.json")).problem).toMatch(/operation 0: field "return" is required/);
    expect(parseError(() => parseNativeJson(`[{"process": true, "f": "read", "call": 0}]`, "h.json")).problem).toMatch(/"process"/);
    expect(parseError(() => parseNativeJson(`[{"process": 1, "f": "read", "call": 0, "type": "done"}]`, "h.json")).problem).toMatch(/"type"/);
    expect(parseError(() => parseNativeJson(`{"failedOps": "maybe", "operations": []}`, "h.json")).problem).toMatch(/failedOps/);
  });
});

describe("manifest", () => {
  it("reads entries, ignoring unknown fields, and rejects bad entries with their line", () => {
    const entries = parseManifest(JSON.stringify({ histories: [{ file: "a.edn", format: "jepsen-edn", model: "mutex", initial: "free", expected: "linearizable", note: "x", owner: "y" }], extra: 1 }), "m.json");
    expect(entries).toEqual([{ file: "a.edn", format: "jepsen-edn", model: "mutex", initial: "free", expected: "linearizable" }]);
    const text = `{"histories": [\n {"file": "a", "format": "json", "model": "kv"},\n {"file": "b", "format": "yaml", "model": "kv"}\n]}`;
    const error = parseError(() => parseManifest(text, "m.json"));
    expect(error.line).toBe(3);
    expect(error.problem).toMatch(/histories\[1\]: field "format" must be one of "jepsen-edn", "jepsen-etcd-log", "kv-edn-lines", "json"; got "yaml"/);
    expect(parseError(() => parseManifest(`{"histories": [{"file": "a", "format": "json", "model": "kv", "expected": "yes"}]}`, "m.json")).problem).toMatch(/"expected"/);
    expect(parseError(() => parseManifest(`[]`, "m.json")).problem).toMatch(/histories/);
  });
});
