/** Bad input never corrupts state: typed rejections for messages and inputs, typed errors for configs. */
import { describe, expect, it } from "vitest";
import { assertInvariants, checkInvariants, createRaft, RaftError, type Input, type Message, type RaftConfig } from "../../src/core/raft/index.js";
import { Cluster, entriesOfTerms, rejections, checkedStep as step } from "./harness.js";

const base: RaftConfig = { id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 1 };

function leaderCluster(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.campaign(1);
  c.propose(1, "a");
  return c;
}

/** Steps `input` into node `id` and checks the node's state is exactly as before, with a rejection of `reason`. */
function expectRefused(c: Cluster, id: number, input: Input, reason: string): void {
  const before = structuredClone(c.node(id));
  const out = c.step(id, input);
  expect(rejections(out)).toEqual([reason]);
  const after = structuredClone(c.node(id));
  before.out = after.out; // the per-step scratch is not state
  expect(after).toEqual(before);
}

describe("bad messages", () => {
  const malformed: unknown[] = [
    null,
    "hello",
    { type: "append", from: 2, to: 1, term: 1 },
    { type: "nope", from: 2, to: 1, term: 1 },
    { type: "vote", from: 0, to: 1, term: 1, lastIndex: 0, lastTerm: 0, transfer: false },
    { type: "vote", from: 2, to: 1, term: -1, lastIndex: 0, lastTerm: 0, transfer: false },
    { type: "vote", from: 2, to: 1, term: 1, lastIndex: 0.5, lastTerm: 0, transfer: false },
    { type: "vote-response", from: 2, to: 1, term: 1, reject: "no" },
    { type: "append", from: 2, to: 1, term: 2, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ term: 1, index: 2, kind: "normal", data: new Uint8Array() }] },
    { type: "append", from: 2, to: 1, term: 2, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ term: 3, index: 1, kind: "normal", data: new Uint8Array() }] },
    { type: "append", from: 2, to: 1, term: 2, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ term: 1, index: 1, kind: "weird", data: new Uint8Array() }] },
    { type: "append", from: 2, to: 1, term: 2, prevIndex: 0, prevTerm: 0, commit: 0, entries: [null] },
    { type: "append-response", from: 2, to: 1, term: 1, reject: false, index: -3, hintIndex: 0, hintTerm: 0 },
    { type: "heartbeat", from: 2, to: 1, term: 1, commit: "x", context: 0 },
    { type: "heartbeat-response", from: 2, to: 1, term: 1 },
    { type: "snapshot", from: 2, to: 1, term: 1, snapshot: { index: 1, term: 1 }, size: 1, offset: 0, data: new Uint8Array(1), done: true },
    { type: "snapshot", from: 2, to: 1, term: 1, snapshot: { index: 1, term: 1, config: { voters: [1], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } }, size: 1, offset: 0, data: new Uint8Array(2), done: true },
    { type: "snapshot", from: 2, to: 1, term: 1, snapshot: { index: 1, term: 1, config: { voters: [1], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } }, size: 1, offset: 0, data: "x", done: true },
    { type: "snapshot-response", from: 2, to: 1, term: 1, index: 1 },
  ];
  for (const m of malformed) {
    it(`refuses ${JSON.stringify(m)?.slice(0, 90)}`, () => {
      expectRefused(leaderCluster(), 1, { type: "message", message: m as Message }, "malformed-message");
    });
  }

  it("refuses messages addressed to another node", () => {
    expectRefused(leaderCluster(), 1, { type: "message", message: { type: "heartbeat-response", from: 2, to: 3, term: 1, context: 0 } }, "malformed-message");
  });

  it("refuses responses and votes from unknown senders, and messages claiming to be from itself", () => {
    const c = leaderCluster();
    expectRefused(c, 1, { type: "message", message: { type: "append-response", from: 9, to: 1, term: 1, reject: false, index: 2, hintIndex: 0, hintTerm: 0 } }, "unknown-sender");
    expectRefused(c, 1, { type: "message", message: { type: "vote", from: 9, to: 1, term: 7, lastIndex: 9, lastTerm: 7, transfer: false } }, "unknown-sender");
    expectRefused(c, 2, { type: "message", message: { type: "heartbeat", from: 2, to: 2, term: 1, commit: 0, context: 0 } }, "unknown-sender");
  });

  it("refuses stale-term messages (and tells a stale leader the current term)", () => {
    const c = leaderCluster();
    c.node(2).term = 3;
    const before = structuredClone(c.node(2).log);
    const out = c.step(2, { type: "message", message: { type: "append", from: 1, to: 2, term: 1, prevIndex: 2, prevTerm: 1, entries: entriesOfTerms([1], 3), commit: 3 } });
    expect(rejections(out)).toEqual(["stale-term"]);
    expect(out).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ type: "append-response", term: 3 }) }));
    expect(c.node(2).log).toEqual(before);
    expectRefused(c, 2, { type: "message", message: { type: "vote-response", from: 1, to: 2, term: 1, reject: false } }, "stale-term");
  });

  it("refuses acknowledgements of indices beyond the leader's log", () => {
    const c = leaderCluster();
    expectRefused(c, 1, { type: "message", message: { type: "append-response", from: 2, to: 1, term: 1, reject: false, index: 99, hintIndex: 0, hintTerm: 0 } }, "index-out-of-range");
    expectRefused(c, 1, { type: "persisted", index: 99, term: 1 }, "index-out-of-range");
  });

  it("ignores an out-of-range rejection hint and stale rejections without corrupting progress", () => {
    const c = leaderCluster();
    c.step(1, { type: "message", message: { type: "append-response", from: 2, to: 1, term: 1, reject: true, index: 99, hintIndex: 99, hintTerm: 1 } });
    c.step(1, { type: "message", message: { type: "append-response", from: 2, to: 1, term: 1, reject: true, index: 1, hintIndex: 0, hintTerm: 0 } });
    c.deliver();
    assertInvariants(c.node(1));
    c.propose(1, "b");
    expect(c.appliedData(2)).toEqual(["a", "b"]);
  });

  it("a snapshot-response claiming more bytes than the snapshot has is refused", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    c.propose(1, ["a", "b"]);
    c.step(1, { type: "applied", index: 3 });
    c.step(1, { type: "snapshot", index: 3, data: new Uint8Array(4) });
    c.heal();
    c.drop = (m) => m.type === "snapshot";
    c.tickAll(2);
    expect(c.node(1).tracker.progress.get(3)!.state).toBe("snapshot");
    expectRefused(c, 1, { type: "message", message: { type: "snapshot-response", from: 3, to: 1, term: 1, index: 3, received: 50 } }, "index-out-of-range");
  });
});

describe("bad local inputs", () => {
  it("proposals to a follower are refused with a leader hint", () => {
    const c = leaderCluster();
    const out = c.step(2, { type: "propose", data: new Uint8Array([1]) });
    expect(out).toEqual([{ type: "rejected", reason: "not-leader", leaderHint: 1, detail: expect.stringContaining("node 1") }]);
    const none = createRaft(base);
    expect(step(none, { type: "propose", data: new Uint8Array([1]) }).outputs).toMatchObject([{ reason: "not-leader", leaderHint: 0 }]);
  });

  it("malformed inputs are refused", () => {
    const c = leaderCluster();
    expectRefused(c, 1, { type: "propose", data: [] }, "malformed-input");
    expectRefused(c, 1, { type: "propose", data: ["x"] as never }, "malformed-input");
    expectRefused(c, 1, { type: "persisted", index: -1, term: 0 }, "malformed-input");
    expectRefused(c, 1, { type: "explode" } as never, "malformed-input");
    expectRefused(c, 1, { type: "snapshot", index: 1, data: "x" as never }, "malformed-input");
    expectRefused(c, 1, { type: "read-index", requestId: { id: 1 } as never }, "malformed-input");
    expectRefused(c, 1, { type: "applied", index: "3" as never }, "malformed-input");
    expectRefused(c, 1, { type: "conf-change", change: undefined as never }, "malformed-conf-change");
    expectRefused(c, 1, { type: "message", message: undefined as never }, "malformed-message");
    expectRefused(c, 1, null as never, "malformed-input");
  });

  it("stale persisted acknowledgements (entries since replaced) are ignored", () => {
    const c = leaderCluster();
    const before = c.node(1).log.stable;
    c.step(1, { type: "persisted", index: 1, term: 7 });
    expect(c.node(1).log.stable).toBe(before);
    c.step(1, { type: "snapshot-persisted", index: 4, term: 4 });
    expect(c.node(1).log.stable).toBe(before);
  });
});

describe("bad configs and persisted states throw typed errors", () => {
  const bad: [string, Partial<RaftConfig>][] = [
    ["electionTick ≤ heartbeatTick", { electionTick: 1, heartbeatTick: 1 }],
    ["electionTick not an integer", { electionTick: 2.5 }],
    ["heartbeatTick 0", { heartbeatTick: 0 }],
    ["id 0", { id: 0 }],
    ["duplicate voters", { voters: [1, 1] }],
    ["voter and learner", { learners: [2] }],
    ["voters not an array", { voters: "1,2" as never }],
    ["bad seed", { seed: 1.5 }],
    ["lease without check-quorum", { readOnly: "lease-based" }],
    ["unknown readOnly", { readOnly: "fast" as never }],
    ["maxInflightMsgs 0", { maxInflightMsgs: 0 }],
    ["maxSizePerMsg negative", { maxSizePerMsg: -1 }],
    ["maxUncommittedEntriesSize 0", { maxUncommittedEntriesSize: 0 }],
    ["applied negative", { applied: -1 }],
  ];
  for (const [name, over] of bad) {
    it(name, () => {
      let err: unknown;
      try {
        createRaft({ ...base, ...over });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RaftError);
      expect((err as RaftError).code).toBe("invalid-config");
    });
  }
  it("a non-object config", () => {
    expect(() => createRaft(null as never)).toThrow(RaftError);
  });

  const hs = { term: 2, vote: 0, commit: 0 };
  const persistedBad: [string, unknown][] = [
    ["missing hard state", { entries: [] }],
    ["negative term", { hardState: { term: -1, vote: 0, commit: 0 }, entries: [] }],
    ["entries not an array", { hardState: hs, entries: {} }],
    ["gap in entries", { hardState: hs, entries: [...entriesOfTerms([1]), ...entriesOfTerms([1], 3)] }],
    ["decreasing terms", { hardState: hs, entries: entriesOfTerms([2, 1]) }],
    ["term above hard state", { hardState: hs, entries: entriesOfTerms([3]) }],
    ["commit beyond log", { hardState: { term: 2, vote: 0, commit: 5 }, entries: entriesOfTerms([1]) }],
  ];
  for (const [name, p] of persistedBad) {
    it(`persisted: ${name}`, () => {
      expect(() => createRaft(base, p as never)).toThrow(expect.objectContaining({ code: "invalid-persisted-state" }));
    });
  }
});

describe("assertInvariants has teeth", () => {
  it("reports each broken invariant", () => {
    const c = leaderCluster();
    const s = structuredClone(c.node(1));
    expect(checkInvariants(s)).toEqual([]);
    s.log.committed = 99;
    s.log.applied = s.log.applying + 1;
    s.log.stable = 100;
    const pr = s.tracker.progress.get(2)!;
    pr.match = pr.next;
    s.vote = 3;
    expect(() => assertInvariants(s)).toThrow(expect.objectContaining({ code: "invariant-violated" }));
    const bad = checkInvariants(s);
    expect(bad.some((b) => b.includes("commit 99 > last index"))).toBe(true);
    expect(bad.some((b) => b.includes("applied"))).toBe(true);
    expect(bad.some((b) => b.includes("match"))).toBe(true);
    expect(bad.some((b) => b.includes("voted for 3"))).toBe(true);
    expect(bad.some((b) => b.includes("stable"))).toBe(true);
  });

  it("catches a broken log and role records", () => {
    const c = leaderCluster();
    const s = structuredClone(c.node(2));
    s.log.entries[1] = { ...s.log.entries[1]!, index: 7 };
    s.leader = 2;
    const bad = checkInvariants(s);
    expect(bad.some((b) => b.includes("expected 2"))).toBe(true);
    expect(bad.some((b) => b.includes("records itself as leader"))).toBe(true);
    const t = structuredClone(c.node(2));
    t.log.entries[0] = { ...t.log.entries[0]!, term: 5 };
    t.role = "candidate";
    expect(checkInvariants(t).some((b) => b.includes("> current term"))).toBe(true);
    expect(checkInvariants(t).some((b) => b.includes("previous term"))).toBe(true);
    expect(checkInvariants(t).some((b) => b.includes("candidate 2 voted"))).toBe(true);
  });
});
