/** §5.3 Log replication, the log states of Figure 7, and the follower side of AppendEntries. */
import { describe, expect, it } from "vitest";
import { assertInvariants, type AppendRequest, type Message, type Output, type RaftState } from "../../src/core/raft/index.js";
import { Cluster, entriesOfTerms, nodeWithLog, sends, checkedStep as step } from "./harness.js";

const cfg = (id: number) => ({ id, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: id });

function deliver(s: RaftState, m: Message): Output[] {
  const r = step(s, { type: "message", message: m });
  assertInvariants(r.state);
  return r.outputs;
}

function append(prevIndex: number, prevTerm: number, terms: number[], commit: number, term = 5): AppendRequest {
  return { type: "append", from: 1, to: 2, term, prevIndex, prevTerm, entries: entriesOfTerms(terms, prevIndex + 1), commit };
}

const terms = (s: RaftState) => s.log.entries.map((e) => e.term);

// Figure 7: the leader (term 8) and six possible follower logs, (a)–(f).
const LEADER = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const FIGURE7: Record<string, number[]> = {
  a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
  b: [1, 1, 1, 4],
  c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
  d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
  e: [1, 1, 1, 4, 4, 4, 4],
  f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
};

describe("Figure 7: a new leader brings every possible follower log into agreement with its own", () => {
  for (const [name, follower] of Object.entries(FIGURE7)) {
    it(`follower (${name})`, () => {
      const c = new Cluster([1, 2, 3]);
      c.load(1, LEADER, 7);
      c.load(2, follower, 7);
      c.load(3, LEADER, 7); // votes for the leader, whatever (d) thinks
      c.campaign(1);
      expect(c.node(1).role).toBe("leader");
      expect(c.node(1).term).toBe(8);
      // The leader never rewrote its own log: its entries plus the empty entry of its term.
      expect(c.terms(1)).toEqual([...LEADER, 8]);
      expect(c.terms(2)).toEqual([...LEADER, 8]);
      expect(c.node(2).log.committed).toBe(11);
      c.assertAppliedPrefixes();
    });
  }

  it("the fast back-off needs few round trips even for follower (f)", () => {
    const c = new Cluster([1, 2, 3]);
    c.load(1, LEADER, 7);
    c.load(2, FIGURE7.f!, 7);
    c.load(3, LEADER, 7);
    c.campaign(1);
    const rejects = c.outputs.get(2)!.filter((o) => o.type === "send" && o.message.type === "append-response" && o.message.reject);
    // Follower hints (10, term 3); the leader jumps to its last entry of term ≤ 3 (index 3): one rejection.
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ message: { index: 10, hintIndex: 10, hintTerm: 3 } });
  });
});

describe("§5.3 log replication (follower side)", () => {
  it("rejects an append whose (prevIndex, prevTerm) it does not hold, with a conflict hint", () => {
    const s = nodeWithLog(cfg(2), [1, 1, 2, 2, 2], 5);
    const out = sends(deliver(s, append(5, 3, [5], 0)));
    // Largest index ≤ 5 with term ≤ 3: index 5 (term 2).
    expect(out).toMatchObject([{ type: "append-response", reject: true, index: 5, hintIndex: 5, hintTerm: 2 }]);
    expect(terms(s)).toEqual([1, 1, 2, 2, 2]);
    const beyond = sends(deliver(s, append(9, 5, [5], 0)));
    expect(beyond).toMatchObject([{ reject: true, index: 9, hintIndex: 5, hintTerm: 2 }]);
  });

  it("hints below a whole conflicting term so the leader skips it in one round trip", () => {
    const s = nodeWithLog(cfg(2), [1, 3, 3, 3, 3], 5);
    const out = sends(deliver(s, append(5, 2, [5], 0)));
    expect(out).toMatchObject([{ reject: true, hintIndex: 1, hintTerm: 1 }]);
  });

  it("truncates only at the first conflicting entry and appends the rest", () => {
    const s = nodeWithLog(cfg(2), [1, 1, 2, 2], 5);
    const outputs = deliver(s, append(2, 1, [1, 3, 3], 0));
    expect(terms(s)).toEqual([1, 1, 1, 3, 3]);
    expect(outputs[0]).toMatchObject({ type: "persist", truncateFrom: 3 });
    const persisted = outputs[0]!.type === "persist" ? outputs[0]!.entries!.map((e) => e.index) : [];
    expect(persisted).toEqual([3, 4, 5]);
  });

  it("a stale (reordered) append matching a prefix never truncates newer entries", () => {
    const s = nodeWithLog(cfg(2), [1, 1, 1, 1], 5);
    const outputs = deliver(s, append(1, 1, [1], 0, 5));
    expect(terms(s)).toEqual([1, 1, 1, 1]);
    expect(outputs.some((o) => o.type === "persist" && o.truncateFrom !== undefined)).toBe(false);
    expect(sends(outputs)).toMatchObject([{ reject: false, index: 2 }]);
  });

  it("the acknowledgement follows the persist output of the entries it acknowledges", () => {
    const s = nodeWithLog(cfg(2), [1], 5);
    const outputs = deliver(s, append(1, 1, [5, 5], 0));
    expect(outputs.map((o) => o.type)).toEqual(["persist", "send", "role-change"]);
    expect(outputs[1]).toMatchObject({ message: { type: "append-response", index: 3 } });
  });

  it("an append at or below the commit index is acknowledged with the commit index", () => {
    const s = nodeWithLog(cfg(2), [1, 1, 1], 1, 3);
    expect(sends(deliver(s, append(1, 1, [1], 3, 1)))).toMatchObject([{ reject: false, index: 3 }]);
  });

  it("committed entries are never replaced: an append below the commit index only gets the commit index back", () => {
    const s = nodeWithLog(cfg(2), [1, 1, 1], 1, 3);
    const outputs = deliver(s, append(1, 1, [2, 2], 3, 2));
    expect(terms(s)).toEqual([1, 1, 1]);
    expect(sends(outputs)).toMatchObject([{ reject: false, index: 3 }]);
  });
});

describe("§5.3 log replication (leader side)", () => {
  it("a new leader appends an empty entry of its term and replicates it", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    expect(c.node(1).log.entries).toMatchObject([{ term: 1, index: 1, kind: "normal" }]);
    expect(c.node(1).log.entries[0]!.data.length).toBe(0);
    for (const id of [1, 2, 3]) expect(c.node(id).log.committed).toBe(1);
  });

  it("entries proposed to the leader reach every follower in order and are applied once", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    for (let i = 0; i < 20; i++) c.propose(1, `v${i}`);
    const expected = Array.from({ length: 20 }, (_, i) => `v${i}`);
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(expected);
  });

  it("a follower that missed appends catches up once it is reachable again", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 5; i++) c.propose(1, `x${i}`);
    expect(c.appliedData(3)).toEqual([]);
    expect(c.appliedData(1)).toHaveLength(5);
    c.heal();
    c.tickAll(2);
    expect(c.appliedData(3)).toEqual(c.appliedData(1));
  });

  it("a leader ignores appends claiming its own term from another node", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const outputs = c.step(1, { type: "message", message: { ...append(0, 0, [], 0, 1), from: 2, to: 1 } });
    expect(outputs.some((o) => o.type === "rejected" && o.reason === "malformed-message")).toBe(true);
    expect(c.node(1).role).toBe("leader");
  });
});
