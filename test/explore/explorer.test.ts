import { describe, expect, it } from "vitest";
import { Hasher } from "../../src/core/fingerprint.js";
import { FingerprintSet, joinFp, splitFp } from "../../src/check/explore/fpset.js";
import { EMPTY_TESTER, linearizable, onInvoke, onReturn } from "../../src/check/explore/models/linearizability-tester.js";
import type { Model } from "../../src/check/explore/model.js";
import { Network, type Envelope } from "../../src/check/explore/network.js";
import { explore } from "../../src/check/explore/search.js";

/** A counter 0..limit with +1 and +2 steps; "below" is violated from `bad` on. */
function counter(limit: number, bad = Infinity): Model<number, 1 | 2> {
  return {
    name: "counter",
    init: () => [0],
    actions: (s, out) => void out.push(1, 2),
    next: (s, a) => (s + a <= limit ? s + a : undefined),
    fingerprint: (s) => new Hasher().int(s).digest(),
    describe: (a) => `+${a}`,
    invariants: [{ name: "below", check: (s) => (s >= bad ? `reached ${s}` : undefined) }],
    stepInvariants: [{ name: "small-steps", check: (_b, a) => (a > 2 ? "big step" : undefined) }],
  };
}

const env = (src: number, dst: number, msg: string): Envelope<string> => ({ src, dst, msg, h: new Hasher().int(src).int(dst).str(msg).digest() });

describe("fingerprint set", () => {
  it("keeps members and parents across growth, refuses duplicates, and remaps the zero fingerprint", () => {
    const set = new FingerprintSet(16);
    const fps = Array.from({ length: 5000 }, (_, i) => splitFp(new Hasher().int(i).digest()));
    for (let i = 0; i < fps.length; i++) expect(set.add(fps[i]!, fps[Math.max(0, i - 1)]!)).toBe(true);
    expect(set.size).toBe(5000);
    for (let i = 0; i < fps.length; i++) {
      expect(set.add(fps[i]!, fps[0]!)).toBe(false);
      expect(set.parent(fps[i]!)).toEqual(fps[Math.max(0, i - 1)]);
    }
    expect(set.has(splitFp(12345n))).toBe(false);
    expect(splitFp(0n)).toEqual({ hi: 0, lo: 1 });
    expect(joinFp(0xdeadbeef, 0x12345678)).toBe(0xdeadbeef12345678n);
  });
});

describe("network semantics", () => {
  it("unordered non-duplicating: a multiset, delivery removes one copy, digest ignores send order", () => {
    const a = new Network<string>("unordered");
    a.send(env(1, 2, "x"));
    a.send(env(1, 2, "x"));
    a.send(env(2, 1, "y"));
    const b = new Network<string>("unordered");
    b.send(env(2, 1, "y"));
    b.send(env(1, 2, "x"));
    expect(a.digest()).not.toBe(b.digest());
    b.send(env(1, 2, "x"));
    expect(a.digest()).toBe(b.digest());
    expect([...a.deliverable()]).toHaveLength(2);
    a.deliver(env(1, 2, "x"));
    expect(a.size).toBe(2);
    expect(() => a.deliver(env(3, 1, "z"))).toThrow(/not in flight/);
  });

  it("duplicating: delivery leaves the message, loss removes it for good", () => {
    const n = new Network<string>("duplicating");
    n.send(env(1, 2, "x"));
    n.send(env(1, 2, "x"));
    expect(n.size).toBe(1);
    n.deliver(env(1, 2, "x"));
    expect(n.size).toBe(1);
    n.drop(env(1, 2, "x"));
    expect(n.size).toBe(0);
  });

  it("ordered: only each link's head is deliverable, and copies do not share queues", () => {
    const n = new Network<string>("ordered");
    n.send(env(1, 2, "a"));
    n.send(env(1, 2, "b"));
    n.send(env(3, 2, "c"));
    expect([...n.deliverable()].map((e) => e.msg).sort()).toEqual(["a", "c"]);
    const copy = n.copy();
    expect(() => n.deliver(env(1, 2, "b"))).toThrow(/head/);
    n.deliver(env(1, 2, "a"));
    expect([...n.deliverable()].map((e) => e.msg).sort()).toEqual(["b", "c"]);
    expect([...copy.deliverable()].map((e) => e.msg).sort()).toEqual(["a", "c"]);
    const swapped = new Network<string>("ordered");
    swapped.send(env(1, 2, "b"));
    swapped.send(env(1, 2, "a"));
    swapped.send(env(3, 2, "c"));
    expect(swapped.digest()).not.toBe(copy.digest());
  });
});

describe("linearizability tester", () => {
  it("accepts a read of the last acknowledged write and refuses a stale read after it", () => {
    let t = onInvoke(EMPTY_TESTER, 1, { type: "write", value: "A" });
    t = onReturn(t, 1, { type: "write-ok" });
    const fresh = onReturn(onInvoke(t, 2, { type: "read" }), 2, { type: "read-ok", value: "A" });
    const stale = onReturn(onInvoke(t, 2, { type: "read" }), 2, { type: "read-ok", value: "\0" });
    expect(linearizable(fresh)).toBe(true);
    expect(linearizable(stale)).toBe(false);
  });

  it("lets a concurrent write take effect or not, and refuses a return without an invocation", () => {
    const w = onInvoke(EMPTY_TESTER, 1, { type: "write", value: "A" });
    expect(linearizable(onReturn(onInvoke(w, 2, { type: "read" }), 2, { type: "read-ok", value: "A" }))).toBe(true);
    expect(linearizable(onReturn(onInvoke(w, 2, { type: "read" }), 2, { type: "read-ok", value: "\0" }))).toBe(true);
    expect(linearizable(onReturn(onInvoke(w, 2, { type: "read" }), 2, { type: "read-ok", value: "B" }))).toBe(false);
    expect(linearizable(onReturn(EMPTY_TESTER, 3, { type: "write-ok" }))).toBe(false);
  });
});

describe("search", () => {
  it("counts every reachable state and reports the shortest path to a violation breadth-first", () => {
    const ok = explore(counter(10));
    expect(ok.states).toBe(11);
    expect(ok.ok).toBe(true);
    expect(ok.complete).toBe(true);
    const bad = explore(counter(10, 7));
    expect(bad.ok).toBe(false);
    expect(bad.invariants[0]!.violation!.path).toHaveLength(4);
    expect(bad.invariants[0]!.violation!.detail).toBe("reached 7");
    // A depth-first search finds a violation too, by a path that replays to a violating state.
    const dfs = explore(counter(10, 7), { strategy: "dfs" });
    const path = dfs.invariants[0]!.violation!.actions;
    expect(path.reduce<number>((s, a) => s + a, 0)).toBeGreaterThanOrEqual(7);
  });

  it("stops at --max-states with an incomplete verdict, and does not expand past max depth", () => {
    const capped = explore(counter(1000), { maxStates: 50 });
    expect(capped.states).toBe(50);
    expect(capped.complete).toBe(false);
    expect(capped.stoppedBy).toBe("max-states");
    const shallow = explore(counter(1000), { maxDepth: 3 });
    // Depth 1 is the initial state: two levels of expansion reach at most 0+2+2.
    expect(shallow.states).toBe(5);
    expect(shallow.complete).toBe(false);
  });

  it("stopping at the first violation checks states when generated: it stops earlier, by a shortest path", () => {
    // Breadth-first with +1/+2 steps: 0; 1, 2; 3, 4; then expanding 3 generates 5, which violates "below 5".
    // (Checked on expansion instead, 4 would be expanded first and 6 generated: 7 states.)
    const early = explore(counter(10, 5), { stopAtFirstViolation: true });
    expect(early.stoppedBy).toBe("first-violation");
    expect(early.states).toBe(6);
    expect(early.invariants[0]!.violation!.path).toEqual(["+1", "+2", "+2"]);
    // Exploring on for every property checks on expansion (Stateright's rule), the same shortest path.
    const full = explore(counter(10, 5));
    expect(full.states).toBe(11);
    expect(full.invariants[0]!.violation!.path).toHaveLength(3);
    // An initial state that violates is still found, with an empty path.
    expect(explore(counter(10, 0), { stopAtFirstViolation: true }).invariants[0]!.violation!.path).toEqual([]);
  });

  it("checks step invariants on every transition", () => {
    const m = counter(10);
    const broken: Model<number, 1 | 2> = { ...m, actions: (s, out) => void out.push(1, 2, 3 as 1) };
    const r = explore(broken);
    expect(r.ok).toBe(false);
    expect(r.invariants.find((i) => i.name === "small-steps")!.violation!.path).toEqual(["+3"]);
  });
});
