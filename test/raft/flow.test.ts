/** Flow control: progress states (probe / replicate / snapshot), in-flight limits, bytes per message, batching. */
import { describe, expect, it } from "vitest";
import { addInflight, freeFirstInflight, freeInflightsUpTo, inflightsFull, newInflights } from "../../src/core/raft/tracker/inflights.js";
import { becomeProbe, becomeReplicate, becomeSnapshot, isPaused, maybeDecrTo, maybeUpdate, newProgress } from "../../src/core/raft/tracker/progress.js";
import { Cluster, sends } from "./harness.js";

describe("inflights ring", () => {
  it("fills up to capacity, frees in order, wraps around", () => {
    const f = newInflights(3);
    addInflight(f, 5);
    addInflight(f, 7);
    addInflight(f, 9);
    expect(inflightsFull(f)).toBe(true);
    freeInflightsUpTo(f, 6);
    expect(f.count).toBe(2);
    addInflight(f, 11); // wraps into slot 0
    expect(inflightsFull(f)).toBe(true);
    freeFirstInflight(f);
    expect(f.count).toBe(2);
    freeInflightsUpTo(f, 100);
    expect(f.count).toBe(0);
    freeFirstInflight(f);
    expect(f.count).toBe(0);
  });
});

describe("progress", () => {
  it("probe pauses after one send; a successful response updates match/next", () => {
    const pr = newProgress(2, 10, 4, false);
    expect(isPaused(pr)).toBe(false);
    pr.probeSent = true;
    expect(isPaused(pr)).toBe(true);
    expect(maybeUpdate(pr, 9)).toBe(true);
    expect([pr.match, pr.next, pr.probeSent]).toEqual([9, 10, false]);
    expect(maybeUpdate(pr, 5)).toBe(false); // stale
  });

  it("rejections lower next toward the hint but never to or below match; stale ones are ignored", () => {
    const pr = newProgress(2, 10, 4, false);
    pr.match = 3;
    expect(maybeDecrTo(pr, 8, 5)).toBe(false); // not the probe we sent (next-1 = 9)
    expect(maybeDecrTo(pr, 9, 5)).toBe(true);
    expect(pr.next).toBe(6);
    expect(maybeDecrTo(pr, 5, 0)).toBe(true);
    expect(pr.next).toBe(4); // match + 1
    becomeReplicate(pr);
    pr.next = 20;
    expect(maybeDecrTo(pr, 2, 0)).toBe(false); // at or below match: stale
    expect(maybeDecrTo(pr, 15, 0)).toBe(true);
    expect(pr.next).toBe(4);
  });

  it("snapshot state pauses, and on leaving it probing resumes after the snapshot", () => {
    const pr = newProgress(2, 1, 4, false);
    becomeSnapshot(pr, 50);
    expect(isPaused(pr)).toBe(true);
    becomeProbe(pr);
    expect([pr.state, pr.next]).toEqual(["probe", 51]);
  });
});

describe("flow control in a cluster", () => {
  it("a follower in replicate state receives at most maxInflightMsgs unacknowledged appends", () => {
    const c = new Cluster([1, 2, 3], { maxInflightMsgs: 2 });
    c.campaign(1);
    c.drop = (m) => m.type === "append-response" && m.from === 2;
    for (let i = 0; i < 6; i++) c.propose(1, `p${i}`);
    const appendsTo2 = c.outputs.get(1)!.filter((o) => o.type === "send" && o.message.type === "append" && o.message.to === 2 && o.message.entries.length > 0);
    // One before the drop rule matched nothing new: the election's append; then 2 in flight at most.
    expect(appendsTo2.length).toBeLessThanOrEqual(3);
    expect(c.node(1).tracker.progress.get(2)!.inflights.count).toBe(2);
    // Node 3 keeps up, so entries commit anyway.
    expect(c.appliedData(1)).toHaveLength(6);
    // Acknowledgements resume: a heartbeat response frees a slot and node 2 catches up.
    c.heal();
    c.tickAll(3);
    expect(c.appliedData(2)).toHaveLength(6);
  });

  it("appends carry at most maxSizePerMsg bytes (but always at least one entry)", () => {
    const c = new Cluster([1, 2], { maxSizePerMsg: 10 });
    c.campaign(1);
    c.isolate(2);
    c.step(1, { type: "propose", data: ["aaaaaa", "bbbbbb", "cccccc", "dddddddddddddddddd"].map((s) => new TextEncoder().encode(s)) });
    c.heal();
    c.tickAll(6);
    const sizes = c.outputs
      .get(1)!
      .filter((o) => o.type === "send" && o.message.type === "append" && o.message.entries.length > 0)
      .map((o) => (o.type === "send" && o.message.type === "append" ? o.message.entries.reduce((n, e) => n + e.data.length, 0) : 0));
    expect(sizes.filter((n) => n > 10)).toEqual([18]); // only the single oversized entry alone
    expect(c.appliedData(2)).toHaveLength(4);
  });

  it("a proposal of many entries is one append per follower (batching)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const out = c.step(1, { type: "propose", data: Array.from({ length: 64 }, (_, i) => new TextEncoder().encode(`e${i}`)) });
    const appends = sends(out).filter((m) => m.type === "append");
    expect(appends).toHaveLength(2);
    expect(appends.every((m) => m.type === "append" && m.entries.length === 64)).toBe(true);
  });

  it("proposals paused by a full window go out together once acknowledgements arrive", () => {
    const c = new Cluster([1, 2], { maxInflightMsgs: 1 });
    c.campaign(1);
    c.step(1, { type: "propose", data: new TextEncoder().encode("first") });
    for (let i = 0; i < 5; i++) c.step(1, { type: "propose", data: new TextEncoder().encode(`q${i}`) });
    c.deliver();
    const batched = c.outputs.get(1)!.filter((o) => o.type === "send" && o.message.type === "append" && o.message.entries.length === 5);
    expect(batched).toHaveLength(1);
    expect(c.appliedData(2)).toEqual(["first", "q0", "q1", "q2", "q3", "q4"]);
  });

  it("maxUncommittedEntriesSize drops proposals while the uncommitted tail is too large", () => {
    const c = new Cluster([1, 2, 3], { maxUncommittedEntriesSize: 8 });
    c.campaign(1);
    c.isolate(1);
    const ok = c.step(1, { type: "propose", data: new Uint8Array(6) });
    expect(ok.some((o) => o.type === "rejected")).toBe(false);
    const dropped = c.step(1, { type: "propose", data: new Uint8Array(6) });
    expect(dropped).toContainEqual(expect.objectContaining({ type: "rejected", reason: "proposal-dropped" }));
    const droppedMany = c.step(1, { type: "propose", data: [new Uint8Array(3), new Uint8Array(3)] });
    expect(droppedMany).toContainEqual(expect.objectContaining({ reason: "proposal-dropped" }));
    c.heal();
    c.tickAll(2);
    expect(c.step(1, { type: "propose", data: new Uint8Array(6) }).some((o) => o.type === "rejected")).toBe(false);
  });
});
