/**
 * The durability side of AppendEntries (etcd's rule): a follower's success response claims only entries that
 * are durable when it leaves. Entries written in the same step are (the send follows the step's persist, and
 * writes become durable in order); entries held from an earlier write still in flight are acknowledged when
 * the `persisted` input for them arrives.
 */
import { describe, expect, it } from "vitest";
import { commitIndex, createRaft, lastIndex, stableIndex, type AppendRequest, type Message, type Output, type RaftState } from "../../src/core/raft/index.js";
import { Cluster, enc, entriesOfTerms, sends, checkedStep as step } from "./harness.js";

const follower = (): RaftState => createRaft({ id: 2, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 2 });

/** An append from leader 1 in term 5: `count` entries of term 5 after (prevIndex, prevTerm). */
function append(prevIndex: number, prevTerm: number, count: number, commit = 0): AppendRequest {
  const terms = Array.from({ length: count }, () => 5);
  return { type: "append", from: 1, to: 2, term: 5, prevIndex, prevTerm, entries: entriesOfTerms(terms, prevIndex + 1), commit };
}

function deliver(s: RaftState, m: Message): Output[] {
  return step(s, { type: "message", message: m }).outputs;
}

/** The success acknowledgements among `outputs`, as (to, term, index). */
function acks(outputs: readonly Output[]): { to: number; term: number; index: number }[] {
  return sends(outputs).flatMap((m) => (m.type === "append-response" && !m.reject ? [{ to: m.to, term: m.term, index: m.index }] : []));
}

describe("a follower acknowledges only durable entries", () => {
  it("entries written by this step are acknowledged at once, after the persist output", () => {
    const s = follower();
    const out = deliver(s, append(0, 0, 2));
    expect(out[0]).toMatchObject({ type: "persist", entries: [{ index: 1 }, { index: 2 }] });
    expect(out[0]).not.toHaveProperty("truncateFrom"); // the log only grows: nothing to delete
    expect(acks(out)).toEqual([{ to: 1, term: 5, index: 2 }]);
  });

  it("a resent append of entries still being written is acknowledged only when storage reports them durable", () => {
    const s = follower();
    deliver(s, append(0, 0, 2)); // the write of entries 1–2 is in flight
    const resent = deliver(s, append(0, 0, 2));
    // No conflict, so nothing to write: an acknowledgement now would overtake the write in flight.
    expect(resent.some((o) => o.type === "persist")).toBe(false);
    expect(acks(resent)).toEqual([]);
    const later = step(s, { type: "persisted", index: 2, term: 5 }).outputs;
    expect(acks(later)).toEqual([{ to: 1, term: 5, index: 2 }]);
  });

  it("an empty append probing an entry still being written waits for the write too", () => {
    const s = follower();
    deliver(s, append(0, 0, 3));
    expect(acks(deliver(s, append(3, 5, 0)))).toEqual([]);
    // Storage reports entries up to 2 first: entry 3 is still not durable, so still nothing to claim.
    expect(acks(step(s, { type: "persisted", index: 2, term: 5 }).outputs)).toEqual([]);
    expect(acks(step(s, { type: "persisted", index: 3, term: 5 }).outputs)).toEqual([{ to: 1, term: 5, index: 3 }]);
  });

  it("an append that writes new entries acknowledges them and the held ones before them (writes are durable in order)", () => {
    const s = follower();
    deliver(s, append(0, 0, 2)); // entries 1–2 in flight
    deliver(s, append(0, 0, 2)); // resent: acknowledgement of 2 waits
    const out = deliver(s, append(2, 5, 1)); // writes entry 3: durable after entries 1–2
    expect(out[0]).toMatchObject({ type: "persist", entries: [{ index: 3 }] });
    expect(acks(out)).toEqual([{ to: 1, term: 5, index: 3 }]);
    // The waiting acknowledgement of 2 is covered by the one of 3: storage reports send nothing more.
    expect(acks(step(s, { type: "persisted", index: 3, term: 5 }).outputs)).toEqual([]);
  });

  it("a waiting acknowledgement is neither lowered nor dropped by a shorter resend", () => {
    const s = follower();
    deliver(s, append(0, 0, 3)); // entries 1–3 in flight
    expect(acks(deliver(s, append(0, 0, 3)))).toEqual([]); // acknowledgement of 3 waits
    expect(acks(deliver(s, append(0, 0, 2)))).toEqual([]); // a stale, shorter resend: 2 is not durable either
    expect(acks(step(s, { type: "persisted", index: 2, term: 5 }).outputs)).toEqual([]);
    // Entries 1–2 are durable now: a resend of them is acknowledged at once, and 3 still waits for its write.
    expect(acks(deliver(s, append(0, 0, 2)))).toEqual([{ to: 1, term: 5, index: 2 }]);
    expect(acks(step(s, { type: "persisted", index: 3, term: 5 }).outputs)).toEqual([{ to: 1, term: 5, index: 3 }]);
  });

  it("an append below the commit index acknowledges the commit index only once it is durable", () => {
    const s = follower();
    deliver(s, append(0, 0, 2, 2)); // entries 1–2, committed 2, write in flight
    expect(s.log.committed).toBe(2);
    expect(acks(deliver(s, append(1, 5, 0)))).toEqual([]);
    expect(acks(step(s, { type: "persisted", index: 2, term: 5 }).outputs)).toEqual([{ to: 1, term: 5, index: 2 }]);
  });

  it("an acknowledgement still waiting when the term changes is never sent: it was owed to the old leader", () => {
    const s = follower();
    deliver(s, append(0, 0, 2));
    deliver(s, append(0, 0, 2)); // acknowledgement of 2 waits
    // Node 3 leads term 6 and has not checked our log yet: its entry 2 may well differ from ours.
    deliver(s, { type: "heartbeat", from: 3, to: 2, term: 6, commit: 0, context: 0 });
    expect([s.term, s.leader]).toEqual([6, 3]);
    expect(acks(step(s, { type: "persisted", index: 2, term: 5 }).outputs)).toEqual([]);
  });

  it("entries durable before the append arrives are acknowledged at once", () => {
    const s = follower();
    deliver(s, append(0, 0, 2));
    step(s, { type: "persisted", index: 2, term: 5 });
    expect(acks(deliver(s, append(0, 0, 2)))).toEqual([{ to: 1, term: 5, index: 2 }]);
  });
});

describe("a vote reply vouches only for a durable vote", () => {
  it("a vote granted again (a resent request) is persisted again, so the reply waits for the first grant's write", () => {
    const s = follower();
    const vote: Message = { type: "vote", from: 3, to: 2, term: 6, lastIndex: 0, lastTerm: 0, transfer: false };
    const first = deliver(s, vote);
    const again = deliver(s, vote);
    for (const out of [first, again]) {
      // Without the persist, the second reply could reach the candidate before the vote is on disk; after a
      // crash node 2 could vote for someone else in term 6.
      expect(out.filter((o) => o.type === "persist" || o.type === "send").map((o) => o.type)).toEqual(["persist", "send"]);
      expect(out[0]).toMatchObject({ hardState: { term: 6, vote: 3, commit: 0 } });
      expect(sends(out)).toEqual([{ type: "vote-response", from: 2, to: 3, term: 6, reject: false }]);
    }
  });
});

describe("a snapshot from the leader is durable only once storage says so", () => {
  const config = { voters: [1, 2, 3], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
  const chunk: Message = {
    type: "snapshot", from: 1, to: 2, term: 5, snapshot: { index: 10, term: 3, config }, size: 2, offset: 0, data: new Uint8Array([7, 7]), done: true,
  };

  it("the snapshot is acknowledged right after its persist; a later claim on it waits for snapshot-persisted", () => {
    const s = follower();
    const installed = deliver(s, chunk);
    // It held nothing: the snapshot replaces the log from index 1.
    expect(installed[0]).toMatchObject({ type: "persist", snapshot: { index: 10, term: 3 }, truncateFrom: 1 });
    expect(acks(installed)).toEqual([{ to: 1, term: 5, index: 10 }]);
    // An empty append at the snapshot's index, while the snapshot write may still be in flight.
    expect(acks(deliver(s, append(10, 3, 0)))).toEqual([]);
    expect(acks(step(s, { type: "snapshot-persisted", index: 10, term: 3 }).outputs)).toEqual([{ to: 1, term: 5, index: 10 }]);
  });
});

describe("a leader replicates while it writes its own log (dissertation §10.2.1)", () => {
  /** The types of the persist and send outputs, in order. */
  const order = (outputs: readonly Output[]): string[] => outputs.filter((o) => o.type === "persist" || o.type === "send").map((o) => o.type);

  it("a leader's appends come before its persist; the leader counts its entry only once persisted, and applies it only then", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    expect(c.leader()).toBe(1);
    c.autoAck = false; // the leader's write of the new entry stays in flight until ackPersist(1)
    const out = c.step(1, { type: "propose", data: enc("x") });
    expect(order(out)).toEqual(["send", "send", "persist"]);
    const index = lastIndex(c.node(1));
    expect(sends(out).map((m) => (m.type === "append" ? m.entries.map((e) => e.index) : []))).toEqual([[index], [index]]);
    // The followers write, acknowledge; their two acknowledgements are a quorum without the leader's own write.
    c.deliver();
    expect(stableIndex(c.node(1))).toBe(index - 1);
    expect(commitIndex(c.node(1))).toBe(index);
    // Committed, but not durable here: not handed to the application yet.
    expect(c.appliedData(1)).toEqual([]);
    c.ackPersist(1);
    expect(c.appliedData(1)).toEqual(["x"]);
  });

  it("with one follower of two down, the entry commits only once the leader's own write is durable", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.autoAck = false;
    c.isolate(3);
    c.step(1, { type: "propose", data: enc("y") });
    c.deliver();
    const index = lastIndex(c.node(1));
    expect(commitIndex(c.node(1))).toBe(index - 1); // node 2's acknowledgement alone is no quorum
    c.ackPersist(1);
    expect(commitIndex(c.node(1))).toBe(index);
  });

  it("a candidate that wins sends its first appends before writing its empty entry (term and vote already durable)", () => {
    const s = createRaft({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 1 });
    const campaign = step(s, { type: "timeout", timer: "election" }).outputs;
    // The vote requests vouch for the new term and the vote: they wait for its persist.
    expect(order(campaign)).toEqual(["persist", "send", "send"]);
    const won = step(s, { type: "message", message: { type: "vote-response", from: 2, to: 1, term: 1, reject: false } }).outputs;
    expect(s.role).toBe("leader");
    expect(order(won)).toEqual(["send", "send", "persist"]);
    expect(won.find((o) => o.type === "persist")).not.toHaveProperty("hardState");
  });

  it("a leader elected in the step that raised its term persists first: its appends carry a term not yet durable", () => {
    const s = createRaft({ id: 1, voters: [1], learners: [2], electionTick: 10, heartbeatTick: 1, seed: 1 });
    const out = step(s, { type: "timeout", timer: "election" }).outputs;
    expect(s.role).toBe("leader");
    expect(order(out)[0]).toBe("persist");
    expect(sends(out).some((m) => m.type === "append" && m.to === 2)).toBe(true);
  });
});

describe("a persist that only raises the commit index delays nothing", () => {
  it("the leader applies a newly committed entry and tells the followers before the commit index is written", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.step(1, { type: "propose", data: enc("z") }); // the leader's write is acknowledged at once (autoAck)
    const index = lastIndex(c.node(1));
    const ack: Message = { type: "append-response", from: 2, to: 1, term: c.node(1).term, reject: false, index, hintIndex: 0, hintTerm: 0 };
    c.queue.length = 0;
    const out = c.step(1, { type: "message", message: ack });
    expect(commitIndex(c.node(1))).toBe(index);
    const types = out.filter((o) => o.type !== "role-change").map((o) => o.type);
    expect(types.at(-1)).toBe("persist");
    expect(types).toContain("apply");
    expect(out.at(-1)).toEqual({ type: "persist", hardState: { term: c.node(1).term, vote: 1, commit: index } });
  });

  it("a follower answers a heartbeat that raises its commit index, and applies, before writing it", () => {
    const s = follower();
    deliver(s, append(0, 0, 2));
    step(s, { type: "persisted", index: 2, term: 5 });
    const out = deliver(s, { type: "heartbeat", from: 1, to: 2, term: 5, commit: 2, context: 0 });
    expect(out.map((o) => o.type)).toEqual(["send", "apply", "persist"]);
    expect(out[2]).toEqual({ type: "persist", hardState: { term: 5, vote: 0, commit: 2 } });
  });

  it("a follower's acknowledgement of entries written in its step still follows their persist", () => {
    const s = follower();
    deliver(s, append(0, 0, 1));
    step(s, { type: "persisted", index: 1, term: 5 });
    const out = deliver(s, append(1, 5, 1, 1)); // a new entry, and the commit index raised
    expect(out.filter((o) => o.type === "persist" || o.type === "send").map((o) => o.type)).toEqual(["persist", "send"]);
  });
});
