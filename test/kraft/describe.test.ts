// DescribeQuorum (KIP-595 §"DescribeQuorum") and the observation accessors.
import { describe, expect, it } from "vitest";
import * as kraft from "../../src/core/kraft/index.js";
import type { DescribeQuorumResponse } from "../../src/core/kraft/index.js";
import { Cluster } from "./cluster.js";

describe("DescribeQuorum", () => {
  it("the leader reports epoch, high watermark, voters and observers with their end offsets", () => {
    const c = new Cluster({ voters: [1, 2, 3], observers: [4], seed: 9 });
    const l = c.electLeader();
    c.propose(l, "a");
    c.run(20);
    const out = c.input(l, { type: "message", message: { type: "describe-quorum", from: 50, to: l } });
    const res = out.flatMap((o) => (o.type === "send" ? [o.message] : []))[0] as DescribeQuorumResponse;
    expect(res).toMatchObject({ error: "none", leaderId: l, epoch: kraft.epoch(c.node(l)), highWatermark: kraft.highWatermark(c.node(l)) });
    expect(res.voters.map((v) => v.id)).toEqual([1, 2, 3]);
    expect(res.voters.every((v) => v.logEndOffset === kraft.endOffset(c.node(l)))).toBe(true);
    expect(res.observers.map((v) => v.id)).toEqual([4]);
    expect(res.observers[0]!.lastCaughtUpTick).toBeGreaterThan(0);
  });

  it("a non-leader answers not-leader-or-follower with its leader", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 9 });
    const l = c.electLeader();
    const f = c.ids.find((i) => i !== l)!;
    const out = c.input(f, { type: "message", message: { type: "describe-quorum", from: 50, to: f } });
    expect(out.flatMap((o) => (o.type === "send" ? [o.message] : []))[0]).toMatchObject({ error: "not-leader-or-follower", leaderId: l });
  });
});

describe("observation accessors", () => {
  it("expose role, epoch, votes, offsets and progress without copying the log", () => {
    const c = new Cluster({ voters: [1, 2, 3], seed: 9 });
    const l = c.electLeader();
    c.propose(l, "a");
    c.run(10);
    const s = c.node(l);
    expect(kraft.role(s)).toBe("leader");
    expect(kraft.leader(s)).toBe(l);
    expect(kraft.votedId(s)).toBe(-1);
    expect(kraft.nodeId(s)).toBe(l);
    expect(kraft.now(s)).toBeGreaterThan(0);
    expect(kraft.isVoter(s)).toBe(true);
    expect(kraft.startOffset(s)).toBe(0);
    expect(kraft.durableEndOffset(s)).toBe(kraft.endOffset(s));
    expect(kraft.epochStartOffset(s)).toBe(0);
    expect(kraft.entryAt(s, 0)!.kind).toBe("leader-change");
    expect(kraft.epochAt(s, 1)).toBe(kraft.epoch(s));
    expect(kraft.epochAt(s, 99)).toBeUndefined();
    expect(kraft.lastEpochOf(s)).toBe(kraft.epoch(s));
    expect(kraft.snapshot(s)).toBeNull();
    expect([...kraft.replicaProgress(s).keys()].sort()).toEqual([1, 2, 3]);
    const f = c.node(c.ids.find((i) => i !== l)!);
    expect(kraft.replicaProgress(f).size).toBe(0);
    expect(kraft.epochStartOffset(f)).toBe(-1);
  });
});
