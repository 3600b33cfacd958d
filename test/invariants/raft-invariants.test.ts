import { describe, expect, it } from "vitest";
import { checkRaftTrace } from "../../src/check/invariants/index.js";
import type { RaftInvariant, TraceRecord } from "../../src/check/invariants/index.js";

// Hand-built traces: a good 3-node run, and one small edit per invariant that must turn it red.
const st = (t: number, node: number, term: number, role: string, vote: number, commit: number, applied: number): TraceRecord =>
  ({ type: "state", t, node, term, role, vote, commit, applied }) as TraceRecord;
const log = (t: number, node: number, from: number, entries: [number, string][]): TraceRecord => ({ type: "log", t, node, from, entries });
const dur = (t: number, node: number, term: number, vote: number, from?: number, entries?: [number, string][]): TraceRecord =>
  from === undefined ? { type: "durable", t, node, term, vote } : { type: "durable", t, node, term, vote, from, entries: entries ?? [] };

/** Node 1 leads term 1 and commits "a" at 1 (acknowledged), crashes; node 2 leads term 2 and commits "b" at 2. */
function goodTrace(): TraceRecord[] {
  return [
    { type: "cluster", nodes: [1, 2, 3] },
    st(1, 1, 1, "candidate", 1, 0, 0),
    dur(1, 1, 1, 1),
    st(2, 2, 1, "follower", 1, 0, 0),
    dur(2, 2, 1, 1),
    st(3, 1, 1, "leader", 1, 0, 0),
    { type: "invoke", t: 3, client: 1, id: "w1", f: "write", key: "k", value: "a" },
    log(4, 1, 1, [[1, "a"]]),
    dur(4, 1, 1, 1, 1, [[1, "a"]]),
    log(5, 2, 1, [[1, "a"]]),
    dur(5, 2, 1, 1, 1, [[1, "a"]]),
    st(6, 1, 1, "leader", 1, 1, 0),
    st(6, 1, 1, "leader", 1, 1, 1),
    { type: "ok", t: 6, client: 1, id: "w1", f: "write", key: "k", value: "a", index: 1, term: 1 },
    st(7, 2, 1, "follower", 1, 1, 1),
    { type: "crash", t: 8, node: 1 },
    st(20, 2, 2, "candidate", 2, 1, 1),
    dur(20, 2, 2, 2),
    st(21, 3, 2, "follower", 2, 0, 0),
    dur(21, 3, 2, 2),
    st(22, 2, 2, "leader", 2, 1, 1),
    log(23, 2, 2, [[2, "b"]]),
    dur(23, 2, 2, 2, 2, [[2, "b"]]),
    log(24, 3, 1, [[1, "a"], [2, "b"]]),
    dur(24, 3, 2, 2, 1, [[1, "a"], [2, "b"]]),
    st(25, 2, 2, "leader", 2, 2, 2),
    st(26, 3, 2, "follower", 2, 2, 2),
    { type: "restart", t: 30, node: 1 },
    st(30, 1, 1, "follower", 1, 0, 0),
    log(31, 1, 2, [[2, "b"]]),
    dur(31, 1, 2, 0, 2, [[2, "b"]]),
    st(31, 1, 2, "follower", 0, 2, 2),
  ];
}

function withEdit(edit: (trace: TraceRecord[]) => void): TraceRecord[] {
  const t = goodTrace();
  edit(t);
  return t;
}

/** Inserts records after the first record that matches. */
function after(trace: TraceRecord[], match: (r: TraceRecord) => boolean, ...records: TraceRecord[]): void {
  const k = trace.findIndex(match);
  if (k < 0) throw new Error("test trace: anchor not found");
  trace.splice(k + 1, 0, ...records);
}

const isState = (node: number, role: string, commit: number) => (r: TraceRecord) =>
  r.type === "state" && r.node === node && r.role === role && r.commit === commit;

describe("Raft invariants on hand-built traces", () => {
  it("a correct run breaks no invariant", () => {
    expect(checkRaftTrace(goodTrace())).toEqual([]);
  });

  const bad: [RaftInvariant, () => TraceRecord[]][] = [
    ["election-safety", () => withEdit((t) => after(t, isState(2, "follower", 0), st(2, 3, 1, "leader", 3, 0, 0)))],
    ["leader-append-only", () => withEdit((t) => after(t, isState(1, "leader", 1), log(6, 1, 1, [[1, "x"]])))],
    ["leader-append-only", () => withEdit((t) => after(t, isState(1, "leader", 1), log(6, 1, 1, [])))],
    ["log-matching", () => withEdit((t) => t.push(log(40, 3, 1, [[1, "z"]])))],
    ["log-matching", () => withEdit((t) => t.push(log(40, 3, 3, [[2, "b"], [1, "q"]])))],
    // Node 3, with an empty log, wins term 2 although index 1 is committed.
    [
      "leader-completeness",
      () => withEdit((t) => after(t, isState(2, "follower", 1), st(9, 3, 2, "candidate", 3, 0, 0), st(9, 3, 2, "leader", 3, 0, 0))),
    ],
    // Node 3 ends up with (2, term 1) where (2, term 2) was committed, and commits it.
    ["state-machine-safety", () => withEdit((t) => t.push(log(40, 3, 2, [[1, "q"]]), st(41, 3, 2, "follower", 2, 2, 2)))],
    ["commit-monotonic", () => withEdit((t) => t.push(st(40, 3, 2, "follower", 2, 1, 1)))],
    // Node 1 commits index 1 when only its own copy is durable.
    ["commit-durable-majority", () => withEdit((t) => after(t, (r) => r.type === "durable" && r.node === 1 && r.from === 1, st(4, 1, 1, "leader", 1, 1, 0)))],
    ["commit-durable-majority", () => withEdit((t) => t.push(st(40, 3, 2, "follower", 2, 5, 2)))],
    // Node 2 leads term 2 and commits index 1 (term 1) before any entry of term 2.
    [
      "commit-current-term",
      () => [
        { type: "cluster", nodes: [1, 2, 3] },
        log(1, 1, 1, [[1, "x"]]),
        dur(1, 1, 2, 1, 1, [[1, "x"]]),
        log(1, 2, 1, [[1, "x"]]),
        dur(1, 2, 2, 1, 1, [[1, "x"]]),
        st(2, 1, 2, "leader", 1, 0, 0),
        st(3, 1, 2, "leader", 1, 1, 0),
      ],
    ],
    ["applied-le-commit", () => withEdit((t) => t.push(st(40, 2, 2, "leader", 2, 2, 3)))],
    // Node 2 forgets its durable vote for node 1 in term 1 across a crash, and votes for node 3.
    [
      "single-vote",
      () =>
        withEdit((t) =>
          after(t, isState(2, "follower", 0), { type: "crash", t: 2, node: 2 }, { type: "restart", t: 2, node: 2 }, st(2, 2, 1, "follower", 3, 0, 0)),
        ),
    ],
    ["single-vote", () => withEdit((t) => after(t, isState(2, "follower", 0), st(2, 2, 1, "follower", 3, 0, 0)))],
    ["single-vote", () => withEdit((t) => t.push(dur(40, 3, 1, 3)))],
    // An acknowledged write at (2, 1) that no commit record revealed: the next leader lacks it.
    [
      "acked-write-durable",
      () =>
        withEdit((t) =>
          after(t, isState(2, "follower", 1), { type: "ok", t: 7, client: 2, id: "w2", f: "write", index: 2, term: 1 }),
        ),
    ],
    // A read that starts after w1 (index 1) was acknowledged returns the older absent value.
    [
      "linearizable-read",
      () =>
        withEdit((t) =>
          t.push(
            { type: "invoke", t: 40, client: 3, id: "r1", f: "read", key: "k" },
            { type: "ok", t: 41, client: 3, id: "r1", f: "read", key: "k", value: null, index: 0, node: 2 },
          ),
        ),
    ],
  ];

  it("a read that returns the latest acknowledged write is fine", () => {
    const t = goodTrace();
    t.push(
      { type: "invoke", t: 40, client: 3, id: "r1", f: "read", key: "k" },
      { type: "ok", t: 41, client: 3, id: "r1", f: "read", key: "k", value: "a", index: 1, node: 2 },
    );
    expect(checkRaftTrace(t)).toEqual([]);
  });

  it.each(bad.map(([name, make], k) => [`${name} #${k}`, name, make] as const))("%s is caught", (_label, name, make) => {
    const violations = checkRaftTrace(make());
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]!.invariant).toBe(name);
    expect(violations[0]!.detail.length).toBeGreaterThan(10);
  });

  it("every invariant is exercised by some bad trace", async () => {
    const { RAFT_INVARIANTS } = await import("../../src/check/invariants/index.js");
    expect(new Set(bad.map(([name]) => name))).toEqual(new Set(Object.keys(RAFT_INVARIANTS)));
  });
});
