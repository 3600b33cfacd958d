/**
 * A follower that forgets entries it acknowledged (its storage broke the durability contract: only a planted
 * ack-before-fsync bug or a lying disk does that). quorate keeps etcd's rule: in replicate state a leader ignores
 * a rejection at or below the follower's recorded match, because such a rejection is normally a stale one
 * (reordered or duplicated) and acting on it would undo progress. The price, pinned here: this leader never
 * repairs a forgetful follower (its probes at match are refused, one per round trip) while the others keep
 * committing; a new leader, which knows no match for it, probes down and repairs it. See docs/raft.md.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/core/raft/index.js";
import { Cluster } from "./harness.js";

/** Leader 1 of three with entries 1..4 (its empty entry and a, b, c) replicated everywhere. */
function replicated(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.campaign(1);
  c.propose(1, ["a", "b", "c"]);
  c.heartbeat(1);
  const pr = c.node(1).tracker.progress.get(2)!;
  expect([pr.state, pr.match, pr.next]).toEqual(["replicate", 4, 5]);
  return c;
}

describe("forgetful follower (a follower that forgets acknowledged entries)", () => {
  it("a stale rejection at or below match is ignored in replicate state: progress is not undone", () => {
    const c = replicated();
    const pr = c.node(1).tracker.progress.get(2)!;
    // A rejection of an append at index 3, delayed past the acknowledgement of 4.
    const stale: Message = { type: "append-response", from: 2, to: 1, term: 1, reject: true, index: 3, hintIndex: 2, hintTerm: 1 };
    const out = c.step(1, { type: "message", message: stale });
    expect(out.filter((o) => o.type === "send")).toEqual([]);
    expect([pr.state, pr.match, pr.next]).toEqual(["replicate", 4, 5]);
  });

  it("this leader never repairs it (refused probes at match, one per round trip) but the others commit; a new leader repairs it", () => {
    const c = replicated();
    // Node 2 restarts having lost entries 3 and 4, which it had acknowledged.
    const store = c.storage.get(2)!;
    store.entries = store.entries.filter((e) => e.index <= 2);
    store.hardState = { ...store.hardState, commit: 2 };
    c.restart(2);
    c.step(1, { type: "propose", data: new TextEncoder().encode("d") });
    // The leader and node 2 ping-pong a probe at match (4) and its rejection for as long as we deliver.
    expect(() => c.deliver(400)).toThrow(/did not quiesce/);
    const pr = c.node(1).tracker.progress.get(2)!;
    expect([pr.state, pr.match]).toEqual(["probe", 4]);
    expect(c.terms(2)).toEqual([1, 1]);
    const probes = c.queue.filter((m) => m.type === "append" && m.to === 2);
    expect(probes.every((m) => m.type === "append" && m.prevIndex === 4)).toBe(true);
    // Nodes 1 and 3 are a majority: "d" commits without node 2.
    expect(c.appliedData(1)).toEqual(["a", "b", "c", "d"]);
    expect(c.appliedData(3)).toEqual(["a", "b", "c", "d"]);
    // A new leader starts with no match for node 2, follows its hint down and repairs it.
    c.queue.length = 0;
    c.campaign(3);
    expect(c.leader()).toBe(3);
    expect(c.terms(2)).toEqual(c.terms(3));
    c.heartbeat(3);
    expect(c.appliedData(2).slice(-2)).toEqual(["c", "d"]);
    c.assertAppliedPrefixes();
  });
});
