import { describe, expect, it } from "vitest";
import { parseFaults, raftConfigFor, raftProtocol, simulate, toNativeHistory } from "../../src/adapters/simulator/index.js";
import { checkLinearizability, modelByName, parseHistory } from "../../src/check/linearizability/index.js";

describe("client histories for the linearizability checker", () => {
  it("converts invoke/ok/fail/info into native JSON operations", () => {
    const h = toNativeHistory([
      { type: "invoke", t: 1, client: 0, id: 1, f: "write", key: "k", value: "a" },
      { type: "invoke", t: 2, client: 1, id: 2, f: "read", key: "k", value: null },
      { type: "ok", t: 3, client: 0, id: 1, f: "write", key: "k", value: "a", index: 1, term: 1 },
      { type: "ok", t: 4, client: 1, id: 2, f: "read", key: "k", value: null, index: 0 },
      { type: "invoke", t: 5, client: 0, id: 3, f: "write", key: "k", value: "b" },
      { type: "info", t: 9, client: 0, id: 3, f: "write", key: "k", value: "b" },
      { type: "invoke", t: 10, client: 1, id: 4, f: "read", key: "k", value: null },
      { type: "fail", t: 11, client: 1, id: 4, f: "read", key: "k", value: null },
    ]);
    expect(h.operations).toEqual([
      { process: 0, f: "write", key: "k", value: "a", type: "ok", call: 1, return: 3 },
      { process: 1, f: "read", key: "k", value: null, type: "ok", output: "", call: 2, return: 4 },
      { process: 0, f: "write", key: "k", value: "b", type: "info", call: 5 },
      { process: 1, f: "read", key: "k", value: null, type: "fail", call: 10, return: 11 },
    ]);
  });

  it("Raft runs under faults give linearizable histories (ReadIndex and lease reads)", () => {
    const faults = parseFaults("drop,dup,reorder,partition,crash,disk");
    let ops = 0;
    for (const seed of [1, 2, 3, 4]) {
      const options = { seed, nodes: 5, steps: 6000, faults };
      const r = simulate(raftProtocol(raftConfigFor(options)), options);
      expect(r.ok).toBe(true);
      const history = parseHistory(JSON.stringify(toNativeHistory(r.history)), "json");
      ops += history.length;
      const verdict = checkLinearizability(history, modelByName("kv"), { timeoutMs: 20_000 }).verdict;
      expect(verdict, `seed ${seed}`).toBe("linearizable");
    }
    expect(ops).toBeGreaterThan(100);
  });
});
