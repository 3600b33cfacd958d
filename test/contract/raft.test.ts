// The Raft core under the one contract: the Core bundle, clone, fingerprint and the explicit timeout input.
import { describe, expect, it } from "vitest";
import { fingerprintRaft, raftCore } from "../../src/core/raft/index.js";
import type { Input, Output, RaftConfig, RaftState } from "../../src/core/raft/index.js";

const config = (id: number): RaftConfig => ({ id, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: id, preVote: true, checkQuorum: true });
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Three nodes, every message delivered and every write acknowledged at once, in a fixed order. */
function cluster(): RaftState[] {
  const nodes = [1, 2, 3].map((id) => raftCore.create(config(id)));
  const queue: { to: number; input: Input }[] = [{ to: 1, input: { type: "timeout", timer: "election" } }];
  while (queue.length > 0) {
    const { to, input } = queue.shift()!;
    const r = raftCore.step(nodes[to - 1]!, input);
    nodes[to - 1] = r.state;
    for (const o of r.outputs) {
      if (o.type === "send") queue.push({ to: o.to, input: { type: "message", message: o.message } });
      if (o.type === "persist" && o.entries !== undefined) {
        const last = o.entries[o.entries.length - 1]!;
        queue.push({ to, input: { type: "persisted", index: last.index, term: last.term } });
      }
    }
  }
  return nodes;
}

function run(s: RaftState, inputs: readonly Input[]): { state: RaftState; outputs: Output[] } {
  let outputs: Output[] = [];
  for (const i of inputs) {
    const r = raftCore.step(s, i);
    s = r.state;
    outputs = [...r.outputs];
  }
  return { state: s, outputs };
}

describe("raftCore: the Core bundle", () => {
  it("is named and creates a fresh follower", () => {
    expect(raftCore.name).toBe("raft");
    const s = raftCore.create(config(1));
    expect([s.role, s.term]).toEqual(["follower", 0]);
  });

  it("an explicit election timeout makes a follower campaign at once (pre-vote first), without ticking", () => {
    const r = raftCore.step(raftCore.create(config(1)), { type: "timeout", timer: "election" });
    expect(r.state.role).toBe("pre-candidate");
    expect(r.outputs.filter((o) => o.type === "send").map((o) => (o.type === "send" ? [o.to, o.message.type] : []))).toEqual([
      [2, "pre-vote"],
      [3, "pre-vote"],
    ]);
  });

  it("elects a leader from timeouts alone; the leader's heartbeat timer broadcasts heartbeats", () => {
    const nodes = cluster();
    expect(nodes.map((n) => n.role)).toEqual(["leader", "follower", "follower"]);
    const r = raftCore.step(nodes[0]!, { type: "timeout", timer: "heartbeat" });
    expect(r.outputs.filter((o) => o.type === "send").map((o) => (o.type === "send" ? o.message.type : ""))).toEqual(["heartbeat", "heartbeat"]);
  });

  it("a leader's election timer runs check-quorum: without a live majority it steps down", () => {
    const leader = cluster()[0]!;
    const first = raftCore.step(leader, { type: "timeout", timer: "election" }).state; // followers were active: resets
    expect(first.role).toBe("leader");
    const second = raftCore.step(first, { type: "timeout", timer: "election" }).state; // nobody heard from since
    expect(second.role).toBe("follower");
  });

  it("a heartbeat timeout on a follower and an unknown timer are rejected, leaving the state as it was", () => {
    const s = raftCore.create(config(2));
    const before = raftCore.fingerprint(s);
    const a = raftCore.step(s, { type: "timeout", timer: "heartbeat" });
    expect(a.outputs).toMatchObject([{ type: "rejected", reason: "not-leader" }]);
    const b = raftCore.step(a.state, { type: "timeout", timer: "nap" } as unknown as Input);
    expect(b.outputs).toMatchObject([{ type: "rejected", reason: "malformed-input" }]);
    expect(raftCore.fingerprint(b.state)).toBe(before);
  });
});

describe("raftCore.fingerprint and clone", () => {
  it("equal states give equal fingerprints: two nodes built and driven alike", () => {
    const a = cluster();
    const b = cluster();
    for (let i = 0; i < 3; i++) expect(raftCore.fingerprint(a[i]!)).toBe(raftCore.fingerprint(b[i]!));
    expect(new Set(a.map((n) => raftCore.fingerprint(n))).size).toBe(3); // distinct nodes differ
  });

  it("a protocol-relevant change changes the fingerprint: term, vote, an entry's data, a peer's match, a timer", () => {
    const leader = cluster()[0]!;
    const fp = raftCore.fingerprint(leader);
    const changes: ((s: RaftState) => void)[] = [
      (s) => (s.term += 1),
      (s) => (s.vote = 3),
      (s) => (s.log.entries[0] = { ...s.log.entries[0]!, data: enc("x") }),
      (s) => (s.tracker.progress.get(2)!.match += 1),
      (s) => (s.electionElapsed += 1),
      (s) => s.tracker.votes.set(3, false),
    ];
    for (const change of changes) {
      const c = raftCore.clone(leader);
      change(c);
      expect(raftCore.fingerprint(c), change.toString()).not.toBe(fp);
    }
    expect(raftCore.fingerprint(leader)).toBe(fp); // the changes touched clones only
  });

  it("scratch is excluded: the outbox of the last step does not count", () => {
    const leader = cluster()[0]!;
    const stepped = raftCore.step(leader, { type: "propose", data: enc("v") }).state;
    expect(stepped.out.sends).toBeDefined();
    const fresh = raftCore.clone(stepped);
    expect(fresh.out.sends).toBeUndefined();
    expect(raftCore.fingerprint(fresh)).toBe(raftCore.fingerprint(stepped));
  });

  it("a non-leader's peer progress is dead state and does not count; its peers' ids do", () => {
    const follower = cluster()[1]!;
    expect(follower.role).toBe("follower");
    const c = raftCore.clone(follower);
    c.tracker.progress.get(3)!.match += 1;
    c.tracker.progress.get(3)!.recentActive = !c.tracker.progress.get(3)!.recentActive;
    expect(raftCore.fingerprint(c)).toBe(raftCore.fingerprint(follower));
    c.tracker.progress.delete(3);
    expect(raftCore.fingerprint(c)).not.toBe(raftCore.fingerprint(follower));
  });

  it("{ timers: false } leaves out the timers' counters and the PRNG, and nothing else", () => {
    const leader = cluster()[0]!;
    const fp = fingerprintRaft(leader, { timers: false });
    expect(fp).not.toBe(fingerprintRaft(leader)); // the default counts them
    const timers = raftCore.clone(leader);
    timers.electionElapsed += 1;
    timers.heartbeatElapsed += 1;
    timers.randomizedElectionTimeout += 1;
    timers.rng += 1;
    expect(fingerprintRaft(timers, { timers: false })).toBe(fp);
    expect(fingerprintRaft(timers)).not.toBe(fingerprintRaft(leader));
    const moved = raftCore.clone(leader);
    moved.tracker.progress.get(2)!.match += 1;
    expect(fingerprintRaft(moved, { timers: false })).not.toBe(fp);
  });

  it("renameNode: a node and its renamed twin hash alike under the matching renaming", () => {
    // Node 2 elected, then renamed 1<->2: the twin is node 1's cluster with node 1 elected.
    const elect = (first: number): RaftState[] => {
      const nodes = [1, 2, 3].map((id) => raftCore.create(config(id)));
      const queue: { to: number; input: Input }[] = [{ to: first, input: { type: "timeout", timer: "election" } }];
      while (queue.length > 0) {
        const { to, input } = queue.shift()!;
        const r = raftCore.step(nodes[to - 1]!, input);
        nodes[to - 1] = r.state;
        for (const o of r.outputs) if (o.type === "send") queue.push({ to: o.to, input: { type: "message", message: o.message } });
      }
      return nodes;
    };
    const a = elect(1);
    const b = elect(2);
    expect(a[0]!.role).toBe("leader");
    expect(b[1]!.role).toBe("leader");
    const swap = (id: number): number => (id === 1 ? 2 : id === 2 ? 1 : id);
    const opts = { timers: false, renameNode: swap } as const;
    expect(fingerprintRaft(a[0]!, opts)).toBe(fingerprintRaft(b[1]!, { timers: false }));
    expect(fingerprintRaft(a[1]!, opts)).toBe(fingerprintRaft(b[0]!, { timers: false }));
    expect(fingerprintRaft(a[0]!, { timers: false })).not.toBe(fingerprintRaft(b[1]!, { timers: false })); // ids count
  });

  it("the order in which votes arrived does not matter", () => {
    const a = raftCore.create(config(1));
    const b = raftCore.create(config(1));
    a.tracker.votes.set(2, true);
    a.tracker.votes.set(3, false);
    b.tracker.votes.set(3, false);
    b.tracker.votes.set(2, true);
    expect(raftCore.fingerprint(a)).toBe(raftCore.fingerprint(b));
  });

  it("a clone has the same fingerprint, shares the immutable entries, and steps independently", () => {
    const leader = cluster()[0]!;
    const fp = raftCore.fingerprint(leader);
    const c = raftCore.clone(leader);
    expect(raftCore.fingerprint(c)).toBe(fp);
    expect(c.log.entries[0]).toBe(leader.log.entries[0]); // shared, not copied
    expect(c.log.entries).not.toBe(leader.log.entries);
    const moved = run(c, [{ type: "propose", data: enc("a") }, { type: "timeout", timer: "heartbeat" }, { type: "timeout", timer: "election" }]).state;
    expect(raftCore.fingerprint(moved)).not.toBe(fp);
    expect(raftCore.fingerprint(leader)).toBe(fp);
    // The original still behaves as it did: the same inputs on it and on a fresh clone give the same result.
    const again = raftCore.clone(leader);
    const x = run(leader, [{ type: "propose", data: enc("b") }]);
    const y = run(again, [{ type: "propose", data: enc("b") }]);
    expect(raftCore.fingerprint(x.state)).toBe(raftCore.fingerprint(y.state));
    expect(x.outputs).toEqual(y.outputs);
  });
});
