/** §5.4.2 Committing entries from previous terms (Figure 8), and how commit indices move. */
import { describe, expect, it } from "vitest";
import { assertInvariants, type Message } from "../../src/core/raft/index.js";
import { Cluster, entriesOfTerms, nodeWithLog, checkedStep as step } from "./harness.js";

describe("§5.4.2 Figure 8: a leader never commits an entry of an older term by counting replicas", () => {
  // S1 led term 2 and wrote index 2; S5 led term 3 with its own index 2. Now S1 leads term 4 (state (c)) and
  // replicates index 2 to S2 and S3 (the paper has S2 holding it already; same situation).
  function figure8(): Cluster {
    const c = new Cluster([1, 2, 3, 4, 5], { maxSizePerMsg: 1 });
    c.load(1, [1, 2], 3, 1);
    c.load(2, [1], 3, 1);
    c.load(3, [1], 3, 1);
    c.load(4, [1], 3, 1);
    c.load(5, [1, 3], 3, 1);
    return c;
  }

  it("(c) index 2 (term 2) on a majority is not committed while the term-4 entry is not", () => {
    const c = figure8();
    // Keep S4 and S5 out; S2 and S3 get only the first append carrying index 3 (S1's term-4 entry), a
    // probe after index 2 that they reject because they lack index 2. Later ones are lost.
    const seen = new Set<number>();
    c.drop = (m) => {
      if (m.to === 4 || m.to === 5) return true;
      if (m.type !== "append" || !m.entries.some((e) => e.index === 3)) return false;
      if (!seen.has(m.to)) {
        seen.add(m.to);
        return false;
      }
      return true;
    };
    c.campaign(1);
    expect(c.node(1).role).toBe("leader");
    expect(c.node(1).term).toBe(4);
    expect(c.terms(2)).toEqual([1, 2]); // replicated: S1, S2, S3 hold index 2
    expect(c.terms(3)).toEqual([1, 2]);
    expect(c.node(1).tracker.progress.get(3)!.match).toBe(2);
    expect(c.node(1).log.committed).toBe(1);

    // (d) S1 crashes; S5 (last term 3) can win with S2, S3, S4 and overwrite index 2: committing it was unsafe.
    c.down.add(1);
    c.heal();
    c.campaign(5); // term 4: S2 and S3 already voted for S1 in it
    c.campaign(5); // term 5
    expect(c.node(5).role).toBe("leader");
    c.tickAll(3);
    expect(c.terms(2).slice(0, 2)).toEqual([1, 3]);
    expect(c.terms(3).slice(0, 2)).toEqual([1, 3]);
    c.assertAppliedPrefixes();
  });

  it("(e) once the term-4 entry is on a majority, both it and index 2 commit, and S5 can no longer win", () => {
    const c = figure8();
    c.drop = (m) => m.to === 4 || m.to === 5;
    c.campaign(1);
    expect(c.node(1).log.committed).toBe(3);
    expect(c.node(2).log.committed).toBe(3);
    c.down.add(1);
    c.heal();
    c.campaign(5);
    c.campaign(5);
    expect(c.node(5).role).not.toBe("leader");
  });
});

describe("§5.4.2 commit index", () => {
  it("the leader counts its own entries only after storage acknowledged them (persisted)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.autoAck = false;
    c.isolate(3);
    c.propose(1, "a"); // node 2 persists and acknowledges; node 1 has not persisted yet
    expect(c.node(1).tracker.progress.get(2)!.match).toBe(2);
    expect(c.node(1).log.committed).toBe(1);
    c.ackPersist(2);
    c.ackPersist(1);
    expect(c.node(1).log.committed).toBe(2);
  });

  it("a single-node cluster commits only once its own write is durable", () => {
    const c = new Cluster([1]);
    c.campaign(1);
    c.autoAck = false;
    c.propose(1, "a");
    expect(c.node(1).log.committed).toBe(1);
    expect(c.appliedData(1)).toEqual([]);
    c.ackPersist(1);
    expect(c.appliedData(1)).toEqual(["a"]);
  });

  it("a follower takes the leader's commit only up to the last entry the append verified", () => {
    const s = nodeWithLog({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2 }, [1, 1, 1, 1, 1], 1);
    // Its entries 3..5 may be stale; the append only verifies up to index 2 (prev 1 + 1 entry).
    const m: Message = { type: "append", from: 1, to: 2, term: 2, prevIndex: 1, prevTerm: 1, entries: entriesOfTerms([1], 2), commit: 5 };
    step(s, { type: "message", message: m });
    assertInvariants(s);
    expect(s.log.committed).toBe(2);
  });

  it("a heartbeat's commit is capped by the follower's log and never lowers its commit index", () => {
    const s = nodeWithLog({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2 }, [1, 1, 1], 1, 2);
    step(s, { type: "message", message: { type: "heartbeat", from: 1, to: 2, term: 1, commit: 9, context: 0 } });
    expect(s.log.committed).toBe(3);
    step(s, { type: "message", message: { type: "heartbeat", from: 1, to: 2, term: 1, commit: 1, context: 0 } });
    expect(s.log.committed).toBe(3);
    assertInvariants(s);
  });

  it("lazyCommit: followers learn a new commit index from the next append or heartbeat, not from a round of its own", () => {
    const eager = new Cluster([1, 2, 3]);
    eager.campaign(1);
    const eager0 = eager.delivered;
    eager.propose(1, "a");
    // Control (etcd's way): an append and an answer per follower, then an empty append and an answer for the commit.
    expect(eager.delivered - eager0).toBe(8);
    expect(eager.appliedData(2)).toEqual(["a"]);

    const c = new Cluster([1, 2, 3], { lazyCommit: true });
    c.campaign(1);
    // A new leader's first entry is the exception: its commit is broadcast at once.
    for (const id of [1, 2, 3]) expect(c.node(id).log.committed).toBe(1);
    const before = c.delivered;
    c.propose(1, "a");
    expect(c.delivered - before).toBe(4);
    expect(c.node(1).log.committed).toBe(2);
    expect([c.node(2).log.committed, c.node(3).log.committed]).toEqual([1, 1]);
    c.propose(1, "b"); // its append carries commit 2
    expect(c.appliedData(2)).toEqual(["a"]);
    c.heartbeat(1); // and a heartbeat commit 3
    for (const id of [2, 3]) expect(c.appliedData(id)).toEqual(["a", "b"]);
  });

  it("lazyCommit: a commit that covers a membership change is broadcast at once (a removed leader would tell no one)", () => {
    const c = new Cluster([1, 2, 3], { lazyCommit: true });
    c.campaign(1);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "remove-node", node: 1 }] } });
    c.deliver();
    expect(c.node(1).role).toBe("follower");
    for (const id of [2, 3]) expect(c.node(id).tracker.config.voters).toEqual([2, 3]);
  });

  it("apply outputs carry committed entries only, each exactly once, in order", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    for (let i = 0; i < 10; i++) c.propose(1, [`a${i}`, `b${i}`]);
    c.heartbeat(1);
    for (const id of [1, 2, 3]) {
      const idx = c.applied.get(id)!.map((e) => e.index);
      expect(idx).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(Math.max(...idx)).toBeLessThanOrEqual(c.node(id).log.committed);
    }
  });
});
