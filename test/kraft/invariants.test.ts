// The invariant predicates have teeth: each detects a hand-made violation and accepts a healthy cluster.
import { describe, expect, it } from "vitest";
import { invariants } from "../../src/core/kraft/index.js";
import type { KRaftState } from "../../src/core/kraft/index.js";
import { Cluster } from "./cluster.js";
import { logOf, node, qs } from "./helpers.js";

function healthy() {
  const c = new Cluster({ voters: [1, 2, 3], seed: 12 });
  const l = c.electLeader();
  c.propose(l, "a", "b");
  c.run(10);
  return { c, l };
}

describe("KRaft invariants", () => {
  it("hold on a healthy cluster", () => {
    const { c, l } = healthy();
    const h = invariants.emptyHistory();
    const all = c.ids.map((i) => c.node(i));
    expect(invariants.atMostOneLeaderPerEpoch(all, h)).toBeNull();
    expect(invariants.committedNeverDiverges(all, h)).toBeNull();
    expect(invariants.highWatermarkHeldByMajority(c.node(l), all)).toBeNull();
    for (const s of all) expect(invariants.logMatchesCommitted(s, h)).toBeNull();
  });

  it("atMostOneLeaderPerEpoch catches two leaders in one epoch, even at different times", () => {
    const { c, l } = healthy();
    const h = invariants.emptyHistory();
    expect(invariants.atMostOneLeaderPerEpoch([c.node(l)], h)).toBeNull();
    const other = c.ids.find((i) => i !== l)!;
    const forged: KRaftState = { ...c.node(other), role: c.node(l).role, epoch: c.node(l).epoch };
    expect(invariants.atMostOneLeaderPerEpoch([forged], h)).toMatch(/two leaders in epoch/);
  });

  it("epochMonotonic and highWatermarkMonotonic catch regressions", () => {
    const a = node(1, [1, 2, 3], { quorumState: qs(5), entries: [] });
    const b = node(1, [1, 2, 3], { quorumState: qs(4), entries: [] });
    expect(invariants.epochMonotonic(a, b)).toMatch(/epoch went from 5 to 4/);
    expect(invariants.epochMonotonic(b, a)).toBeNull();
    expect(invariants.highWatermarkMonotonic({ ...a, highWatermark: 3 }, { ...a, highWatermark: 2 })).toMatch(/high watermark went from 3 to 2/);
    expect(invariants.highWatermarkMonotonic({ ...a, highWatermark: 2 }, { ...a, highWatermark: 3 })).toBeNull();
  });

  it("highWatermarkHeldByMajority catches a leader whose HW only it holds", () => {
    const { c, l } = healthy();
    const lead = c.node(l);
    const others = c.ids.filter((i) => i !== l).map((i) => {
      const s = c.node(i);
      return { ...s, log: { ...s.log, count: 1 }, durableEnd: 1 };
    });
    expect(invariants.highWatermarkHeldByMajority(lead, [lead, ...others])).toMatch(/held by 1 of 3/);
    expect(invariants.highWatermarkHeldByMajority(c.node(c.ids.find((i) => i !== l)!), [])).toBeNull(); // not a leader
  });

  it("committedNeverDiverges catches two nodes committing different records at one offset", () => {
    const x = { ...node(1, [1, 2, 3], { quorumState: qs(3, 2), entries: logOf([1, 1, 2]) }), highWatermark: 3 };
    const y = { ...node(2, [1, 2, 3], { quorumState: qs(3, 2), entries: logOf([1, 1, 3]) }), highWatermark: 3 };
    const h = invariants.emptyHistory();
    expect(invariants.committedNeverDiverges([x], h)).toBeNull();
    expect(invariants.committedNeverDiverges([y], h)).toMatch(/offset 2 committed with epoch 2/);
    expect(invariants.logMatchesCommitted(y, h)).toMatch(/offset 2: epoch 3, committed epoch 2/);
  });

  it("committedNeverDiverges re-checks a node whose high watermark dropped after a restart", () => {
    const h = invariants.emptyHistory();
    const x = { ...node(1, [1, 2, 3], { quorumState: qs(3, 2), entries: logOf([1, 2]) }), highWatermark: 2 };
    expect(invariants.committedNeverDiverges([x], h)).toBeNull();
    const restarted = { ...node(1, [1, 2, 3], { quorumState: qs(3, 2), entries: logOf([1, 3]) }), highWatermark: 1 };
    expect(invariants.committedNeverDiverges([restarted], h)).toBeNull();
    expect(invariants.committedNeverDiverges([{ ...restarted, highWatermark: 2 }], h)).toMatch(/offset 1/);
  });
});
