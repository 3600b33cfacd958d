/** §6 (dissertation §4): membership changes by joint consensus, one-step changes, learners, promotion. */
import { describe, expect, it } from "vitest";
import { applyConfChange, decodeConfChange, encodeConfChange, type ConfigState } from "../../src/core/raft/index.js";
import { Cluster, rejections } from "./harness.js";

const conf = (voters: number[], extra: Partial<ConfigState> = {}): ConfigState => ({ voters, votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false, ...extra });

/**
 * Adds a fresh node `id` to the network. Like every member it starts from the bootstrap configuration
 * (voters 1, 2, 3); it learns later changes by replaying the log (or from a snapshot).
 */
function join(c: Cluster, id: number): void {
  c.add(id, { id, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: id });
}

describe("applyConfChange (pure)", () => {
  it("one voter added or removed is a one-step change", () => {
    const r = applyConfChange(conf([1, 2, 3]), { changes: [{ type: "add-voter", node: 4 }] });
    expect(r).toEqual({ ok: true, config: conf([1, 2, 3, 4]) });
  });

  it("more than one voter changed enters a joint configuration (auto-leave by default)", () => {
    const r = applyConfChange(conf([1, 2, 3]), { changes: [{ type: "add-voter", node: 4 }, { type: "remove-node", node: 1 }] });
    expect(r).toEqual({ ok: true, config: conf([2, 3, 4], { votersOutgoing: [1, 2, 3], autoLeave: true }) });
  });

  it("demoting a voter in a joint change makes it a learner only on leaving", () => {
    const r = applyConfChange(conf([1, 2, 3]), { changes: [{ type: "add-learner", node: 3 }], joint: true, autoLeave: false });
    expect(r).toEqual({ ok: true, config: conf([1, 2], { votersOutgoing: [1, 2, 3], learnersNext: [3] }) });
    const left = applyConfChange((r as { config: ConfigState }).config, { changes: [] });
    expect(left).toEqual({ ok: true, config: conf([1, 2], { learners: [3] }) });
  });

  it("refuses: leaving when not joint, entering while joint, no voters left, malformed items", () => {
    expect(applyConfChange(conf([1]), { changes: [] }).ok).toBe(false);
    const joint = conf([1, 2], { votersOutgoing: [1] });
    expect(applyConfChange(joint, { changes: [{ type: "add-voter", node: 3 }] }).ok).toBe(false);
    expect(applyConfChange(conf([1]), { changes: [{ type: "remove-node", node: 1 }] }).ok).toBe(false);
    const bad: unknown[] = [
      null,
      { changes: "x" },
      { changes: [{ type: "add-voter", node: 0 }] },
      { changes: [{ type: "promote", node: 2 }] },
      { changes: [1] },
      { changes: [{ type: "add-voter", node: 2 }, { type: "remove-node", node: 2 }] },
      { changes: [], joint: "yes" },
      { changes: [], autoLeave: 1 },
    ];
    for (const b of bad) expect(applyConfChange(conf([1]), b as never).ok, JSON.stringify(b)).toBe(false);
  });

  it("adding a node that is already a voter leaves the voters as they are", () => {
    expect(applyConfChange(conf([1, 2, 3]), { changes: [{ type: "add-voter", node: 2 }] })).toEqual({ ok: true, config: conf([1, 2, 3]) });
  });

  it("learners do not vote: adding two learners is a one-step change, and existing learners stay", () => {
    const r = applyConfChange(conf([1, 2, 3], { learners: [4] }), { changes: [{ type: "add-learner", node: 5 }, { type: "add-learner", node: 6 }] });
    expect(r).toEqual({ ok: true, config: conf([1, 2, 3], { learners: [4, 5, 6] }) });
    expect(applyConfChange(conf([1, 2, 3], { learners: [4] }), { changes: [{ type: "add-voter", node: 5 }] })).toEqual({
      ok: true,
      config: conf([1, 2, 3, 5], { learners: [4] }),
    });
  });

  it("leaving a joint configuration keeps the learners it already had", () => {
    const joint = conf([1, 2], { votersOutgoing: [1, 2, 3], learners: [4], learnersNext: [3] });
    expect(applyConfChange(joint, { changes: [] })).toEqual({ ok: true, config: conf([1, 2], { learners: [4, 3] }) });
  });

  it("refusals say what is wrong, and odd shapes are refused rather than thrown", () => {
    const reason = (config: ConfigState, change: unknown): string => {
      const r = applyConfChange(config, change as never);
      return r.ok ? "accepted" : r.reason;
    };
    const add2 = [{ type: "add-voter", node: 2 }];
    const cases: [ConfigState, unknown, RegExp][] = [
      [conf([1]), null, /must be an object/],
      [conf([1]), {}, /`changes` must be an array/],
      [conf([1]), { changes: add2, joint: "yes" }, /`joint` must be a boolean/],
      [conf([1]), { changes: add2, autoLeave: 1 }, /`autoLeave` must be a boolean/],
      [conf([1]), { changes: [null] }, /each conf change item must be/],
      [conf([1]), { changes: [{ type: "promote", node: 2 }] }, /unknown conf change type "promote"/],
      [conf([1]), { changes: [{ type: "add-voter", node: 2.5 }] }, /must be a positive integer, got 2.5/],
      [conf([1]), { changes: [{ type: "add-voter", node: "2" }] }, /must be a positive integer, got "2"/],
      [conf([1]), { changes: [...add2, { type: "remove-node", node: 2 }] }, /node 2 appears twice/],
      [conf([1]), { changes: [] }, /not in one/],
      [conf([1, 2], { votersOutgoing: [1] }), { changes: add2 }, /already in a joint configuration/],
      [conf([1]), { changes: [{ type: "remove-node", node: 1 }] }, /at least one voter/],
    ];
    for (const [config, change, why] of cases) expect(reason(config, change), JSON.stringify(change)).toMatch(why);
  });

  it("encodes and decodes; undecodable data gives undefined", () => {
    const c = { changes: [{ type: "add-learner" as const, node: 5 }] };
    expect(decodeConfChange(encodeConfChange(c))).toEqual(c);
    expect(decodeConfChange(new TextEncoder().encode("{nope"))).toBeUndefined();
    expect(decodeConfChange(new TextEncoder().encode('{"changes":[{"type":"x","node":1}]}'))).toBeUndefined();
  });
});

describe("membership changes in a running cluster", () => {
  it("adds a learner that replicates but does not vote, then promotes it", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "before");
    join(c, 4);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "add-learner", node: 4 }] } });
    c.deliver();
    c.tickAll(3);
    expect(c.node(1).tracker.config.learners).toEqual([4]);
    expect(c.node(4).tracker.config.learners).toEqual([4]);
    expect(c.appliedData(4)).toEqual(["before"]);
    // A learner's acknowledgement does not count: with 2 and 3 down nothing commits.
    c.down.add(2);
    c.down.add(3);
    const commit = c.node(1).log.committed;
    c.propose(1, "stuck");
    expect(c.node(1).log.committed).toBe(commit);
    c.down.clear();
    c.tickAll(2);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "add-voter", node: 4 }] } });
    c.deliver();
    expect(c.node(1).tracker.config.voters).toEqual([1, 2, 3, 4]);
    expect(c.node(1).tracker.progress.get(4)!.isLearner).toBe(false);
    expect(c.appliedData(4)).toEqual(["before", "stuck"]);
  });

  it("replaces two voters through a joint configuration, leaving it automatically", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    join(c, 4);
    join(c, 5);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "add-voter", node: 4 }, { type: "add-voter", node: 5 }, { type: "remove-node", node: 3 }] } });
    c.deliver();
    c.tickAll(3);
    for (const id of [1, 2, 4, 5]) {
      expect(c.node(id).tracker.config.voters, `node ${id}`).toEqual([1, 2, 4, 5]);
      expect(c.node(id).tracker.config.votersOutgoing).toEqual([]);
    }
    c.propose(1, "new-config");
    for (const id of [1, 2, 4, 5]) expect(c.appliedData(id)).toContain("new-config");
  });

  it("in a joint configuration a decision needs majorities of both halves", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    join(c, 4);
    join(c, 5);
    join(c, 6);
    c.step(1, { type: "conf-change", change: { changes: [...[4, 5, 6].map((node) => ({ type: "add-voter" as const, node })), ...[2, 3].map((node) => ({ type: "remove-node" as const, node }))], autoLeave: false } });
    c.deliver();
    c.tickAll(2);
    const cfg = c.node(1).tracker.config;
    expect(cfg.votersOutgoing).toEqual([1, 2, 3]);
    expect(cfg.voters).toEqual([1, 4, 5, 6]);
    // Old half has a majority (1, 2, 3) but the new half only 1 of 4: nothing commits.
    c.down.add(4);
    c.down.add(5);
    c.down.add(6);
    const commit = c.node(1).log.committed;
    c.propose(1, "needs-both");
    expect(c.node(1).log.committed).toBe(commit);
    c.down.clear();
    c.tickAll(2);
    expect(c.node(1).log.committed).toBeGreaterThan(commit);
    // Leaving explicitly.
    c.step(1, { type: "conf-change", change: { changes: [] } });
    c.deliver();
    expect(c.node(1).tracker.config).toEqual(conf([1, 4, 5, 6]));
  });

  it("a leader elected while the cluster is joint (auto-leave) leaves the joint configuration", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    join(c, 4);
    join(c, 5);
    // Only the entering entry gets through; node 1 then dies before proposing to leave.
    c.drop = (m) => m.from === 1 && m.type === "append" && m.entries.some((e) => e.kind === "conf-change" && new TextDecoder().decode(e.data) === '{"changes":[]}');
    c.step(1, { type: "conf-change", change: { changes: [{ type: "add-voter", node: 4 }, { type: "add-voter", node: 5 }] } });
    c.deliver();
    c.tickAll(2);
    expect(c.node(2).tracker.config.votersOutgoing).toEqual([1, 2, 3]);
    c.down.add(1);
    c.heal();
    c.campaign(2);
    expect(c.node(2).role).toBe("leader");
    c.tickAll(3);
    for (const id of [2, 3, 4, 5]) expect(c.node(id).tracker.config).toEqual(conf([1, 2, 3, 4, 5]));
  });

  it("allows one pending change at a time", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "add-learner", node: 4 }] } });
    const out = c.step(1, { type: "conf-change", change: { changes: [{ type: "add-learner", node: 5 }] } });
    expect(rejections(out)).toEqual(["conf-change-pending"]);
  });

  it("refuses malformed changes and changes on a follower", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    expect(rejections(c.step(1, { type: "conf-change", change: { changes: [{ type: "add-voter", node: -1 }] } }))).toEqual(["malformed-conf-change"]);
    expect(rejections(c.step(1, { type: "conf-change", change: { changes: [] } }))).toEqual(["malformed-conf-change"]);
    expect(rejections(c.step(2, { type: "conf-change", change: { changes: [{ type: "add-learner", node: 4 }] } }))).toEqual(["not-leader"]);
  });

  it("a removed leader steps down once the change is committed; the rest elect a new leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "remove-node", node: 1 }] } });
    c.deliver();
    expect(c.node(1).role).toBe("follower");
    expect(c.node(2).tracker.config.voters).toEqual([2, 3]);
    c.down.add(1);
    c.tickAll(40);
    const leader = c.leader();
    expect([2, 3]).toContain(leader);
    c.propose(leader as number, "after-removal");
    expect(c.appliedData(2)).toContain("after-removal");
    expect(c.appliedData(3)).toContain("after-removal");
  });

  it("messages from a removed node are refused as unknown senders", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.step(1, { type: "conf-change", change: { changes: [{ type: "remove-node", node: 3 }] } });
    c.deliver();
    c.tickAll(1);
    const out = c.step(2, { type: "message", message: { type: "vote", from: 3, to: 2, term: 5, lastIndex: 99, lastTerm: 5, transfer: false } });
    expect(rejections(out)).toEqual(["unknown-sender"]);
    expect(c.node(2).term).toBe(1);
  });
});
