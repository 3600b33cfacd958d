/** The read-only observers agree with what the protocol did. */
import { describe, expect, it } from "vitest";
import * as raft from "../../src/core/raft/index.js";
import { Cluster } from "./harness.js";

describe("observers", () => {
  it("report role, term, leader, vote, indices, entries, config and progress", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, ["a", "b"]);
    const l = c.node(1);
    const f = c.node(2);
    expect([raft.id(l), raft.role(l), raft.term(l), raft.leader(l), raft.vote(l)]).toEqual([1, "leader", 1, 1, 1]);
    expect([raft.role(f), raft.leader(f), raft.vote(f)]).toEqual(["follower", 1, 1]);
    expect(raft.hardState(f)).toEqual({ term: 1, vote: 1, commit: 3 });
    expect([raft.commitIndex(l), raft.lastIndex(l), raft.firstIndex(l), raft.stableIndex(l), raft.applyingIndex(l), raft.appliedIndex(l)]).toEqual([3, 3, 1, 3, 3, 0]);
    expect(raft.termAt(l, 3)).toBe(1);
    expect(raft.termAt(l, 4)).toBeUndefined();
    expect(new TextDecoder().decode(raft.entryAt(l, 2)!.data)).toBe("a");
    expect(raft.config(l).voters).toEqual([1, 2, 3]);
    expect([...raft.progress(l)!.values()].map((p) => [p.id, p.match])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(raft.progress(f)).toBeUndefined();
    c.step(1, { type: "applied", index: 3 });
    c.step(1, { type: "snapshot", index: 2, data: new Uint8Array() });
    expect([raft.snapshotIndex(l), raft.firstIndex(l), raft.appliedIndex(l)]).toEqual([2, 3, 3]);
    expect(raft.termAt(l, 1)).toBeUndefined();
    expect(raft.entryAt(l, 2)).toBeUndefined();
  });

  it("state is plain data: a structured clone steps exactly like the original", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const copy = structuredClone(c.node(2));
    const m: raft.Message = { type: "heartbeat", from: 1, to: 2, term: 1, commit: 1, context: 0 };
    const a = raft.step(c.node(2), { type: "message", message: m }).outputs;
    const b = raft.step(copy, { type: "message", message: m }).outputs;
    expect(b).toEqual(a);
  });
});
