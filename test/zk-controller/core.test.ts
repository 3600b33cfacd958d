// The ZooKeeper-mode controller core driven by hand-written ZooKeeper replies: election, epoch fencing, the
// in-flight limit, rejections, clone and fingerprint. Whole scenarios on real znodes are in cluster.test.ts.
import { describe, expect, it } from "vitest";
import { electLeader, encodeAssignment, encodePartitionState, zkControllerCore } from "../../src/core/zk-controller/index.js";
import type { PartitionState, ZkControllerInput, ZkControllerOutput, ZkControllerState, ZkRequest } from "../../src/core/zk-controller/index.js";

const requests = (outs: readonly ZkControllerOutput[]) => outs.filter((o): o is Extract<ZkControllerOutput, { type: "zk-request" }> => o.type === "zk-request");

/** Elects broker 1 against an empty ensemble, with the epoch node at version 4 (epoch 7). */
function elected(maxInFlight = 10): { s: ZkControllerState; outs: ZkControllerOutput[] } {
  let s = zkControllerCore.create({ brokerId: 1, maxInFlight });
  let r = zkControllerCore.step(s, { type: "start" });
  expect(requests(r.outputs).map((o) => o.request)).toEqual([{ op: "exists", path: "/controller", watch: true }]);
  r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 1, code: "no-node" });
  expect(requests(r.outputs).map((o) => o.request)).toEqual([{ op: "getData", path: "/controller_epoch", watch: false }]);
  r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 2, code: "ok", data: "7", version: 4 });
  const reg = requests(r.outputs)[0]!.request as Extract<ZkRequest, { op: "multi" }>;
  expect(reg.ops[0]).toMatchObject({ op: "create", path: "/controller", ephemeral: true });
  expect(reg.ops[1]).toEqual({ op: "setData", path: "/controller_epoch", data: "8", version: 4 });
  r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 3, code: "ok", results: [{ code: "ok", version: 0 }, { code: "ok", version: 5 }] });
  expect(r.outputs[0]).toEqual({ type: "became-active", epoch: 8 });
  s = r.state;
  return { s, outs: [...r.outputs] };
}

const st = (p: Partial<PartitionState>): PartitionState => ({ topic: "t", partition: 0, replicas: [1, 2, 3], leader: 1, leaderEpoch: 4, isr: [1, 2, 3], controllerEpoch: 1, ...p });

describe("zk-controller: election and failover load", () => {
  it("registers through a multi that bumps /controller_epoch at its version, then loads brokers and topics with watches", () => {
    const { s, outs } = elected();
    expect(s.role).toBe("active");
    expect(s.controllerEpoch).toBe(8);
    expect(s.epochZkVersion).toBe(5);
    expect(requests(outs).map((o) => o.request)).toEqual([{ op: "getChildren", path: "/brokers/ids", watch: true }]);
  });

  it("reads partition state znodes pipelined, never more than maxInFlight outstanding, then sends UpdateMetadata and LeaderAndIsr", () => {
    let { s } = elected(3);
    let r = zkControllerCore.step(s, { type: "zk-reply", xid: 4, code: "ok", children: ["1", "2", "3"] });
    r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 5, code: "ok", children: ["t"] });
    const assignment = Array.from({ length: 8 }, (_, p) => [1 + (p % 3), 1 + ((p + 1) % 3), 1 + ((p + 2) % 3)]);
    r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 6, code: "ok", data: encodeAssignment(assignment), version: 0 });
    let outstanding = requests(r.outputs).map((o) => o.xid);
    expect(outstanding).toHaveLength(3);
    s = r.state;
    const sends: ZkControllerOutput[] = [];
    let served = 0;
    while (outstanding.length > 0) {
      const xid = outstanding.shift()!;
      const p = served++;
      r = zkControllerCore.step(s, { type: "zk-reply", xid, code: "ok", version: 2, data: encodePartitionState(st({ partition: p, replicas: assignment[p]!, leader: assignment[p]![0]!, isr: assignment[p]! })) });
      s = r.state;
      outstanding.push(...requests(r.outputs).map((o) => o.xid));
      expect(outstanding.length).toBeLessThanOrEqual(3);
      sends.push(...r.outputs.filter((o) => o.type === "send"));
    }
    expect(served).toBe(8);
    const um = sends.filter((o) => o.type === "send" && o.request.kind === "UpdateMetadata");
    expect(um.map((o) => (o as { broker: number }).broker)).toEqual([1, 2, 3]);
    expect(um.every((o) => o.type === "send" && o.request.partitions.length === 8 && o.request.controllerEpoch === 8)).toBe(true);
    expect(sends.filter((o) => o.type === "send" && o.request.kind === "LeaderAndIsr")).toHaveLength(3);
    expect(s.work).toBeUndefined();
  });

  it("a write whose /controller_epoch check fails means another controller took over: it resigns and re-elects", () => {
    let { s } = elected();
    let r = zkControllerCore.step(s, { type: "zk-reply", xid: 4, code: "ok", children: ["2", "3"] });
    r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 5, code: "ok", children: ["t"] });
    r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 6, code: "ok", data: encodeAssignment([[1, 2, 3]]), version: 0 });
    r = zkControllerCore.step(r.state, { type: "zk-reply", xid: 7, code: "ok", version: 3, data: encodePartitionState(st({})) });
    const write = requests(r.outputs)[0]!;
    expect(write.request).toEqual({ op: "multi", ops: [{ op: "check", path: "/controller_epoch", version: 5 }, { op: "setData", path: "/brokers/topics/t/partitions/0/state", version: 3, data: encodePartitionState(st({ leader: 2, isr: [2, 3], leaderEpoch: 5, controllerEpoch: 8 })) }] });
    r = zkControllerCore.step(r.state, { type: "zk-reply", xid: write.xid, code: "bad-version", results: [{ code: "bad-version" }, { code: "other" }] });
    expect(r.outputs.map((o) => o.type)).toEqual(["resigned", "zk-request"]);
    expect(r.outputs.filter((o) => o.type === "send")).toEqual([]);
    expect(r.state.role).toBe("electing");
    expect(r.state.partitions.size).toBe(0);
  });
});

describe("zk-controller: contract", () => {
  it("bad input is rejected and changes nothing", () => {
    const { s } = elected();
    const fp = zkControllerCore.fingerprint(s);
    const cases: [unknown, string][] = [
      [null, "malformed-input"],
      [{ type: "nope" }, "malformed-input"],
      [{ type: "zk-reply", xid: 99, code: "ok" }, "unknown-xid"],
      [{ type: "zk-reply", xid: "4", code: "ok" }, "malformed-input"],
      [{ type: "tick", nowMs: -5 }, "malformed-input"],
      [{ type: "timeout", timer: "heartbeat" }, "no-such-timer"],
      [{ type: "start" }, "malformed-input"],
      [{ type: "zk-watch", event: "deleted" }, "malformed-input"],
    ];
    for (const [input, reason] of cases) {
      const r = zkControllerCore.step(s, input as ZkControllerInput);
      expect(r.outputs, JSON.stringify(input)).toEqual([expect.objectContaining({ type: "rejected", reason })]);
      expect(zkControllerCore.fingerprint(r.state)).toBe(fp);
    }
    const standby = zkControllerCore.create({ brokerId: 2 });
    expect(zkControllerCore.step(standby, { type: "controlled-shutdown", broker: 3, correlationId: 1 }).outputs).toEqual([expect.objectContaining({ type: "rejected", reason: "not-controller" })]);
  });

  it("a clone has the same fingerprint and steps independently; a protocol change changes the fingerprint", () => {
    const { s } = elected();
    const copy = zkControllerCore.clone(s);
    const fp = zkControllerCore.fingerprint(s);
    expect(zkControllerCore.fingerprint(copy)).toBe(fp);
    const r = zkControllerCore.step(copy, { type: "zk-reply", xid: 4, code: "ok", children: ["1"] });
    expect(zkControllerCore.fingerprint(r.state)).not.toBe(fp);
    expect(zkControllerCore.fingerprint(s)).toBe(fp);
    expect(s.liveBrokers.size).toBe(0);
    expect(zkControllerCore.fingerprint(elected().s)).toBe(fp);
  });

  it("the election timeout makes a standby try again now", () => {
    const s = zkControllerCore.create({ brokerId: 4 });
    const r = zkControllerCore.step(s, { type: "timeout", timer: "election" });
    expect(requests(r.outputs).map((o) => o.request.op)).toEqual(["exists"]);
  });
});

describe("electLeader (Kafka's election algorithms, unclean off)", () => {
  const live = new Set([2, 3]);
  it("offline: the first live ISR replica in assignment order; the dead leave the ISR; the leader epoch grows", () => {
    expect(electLeader(st({}), "offline", live, new Set(), 9)).toEqual(st({ leader: 2, isr: [2, 3], leaderEpoch: 5, controllerEpoch: 9 }));
    expect(electLeader(st({ isr: [1] }), "offline", live, new Set(), 9)).toEqual(st({ leader: -1, isr: [1], leaderEpoch: 5, controllerEpoch: 9 }));
    expect(electLeader(st({ leader: -1, isr: [1] }), "offline", live, new Set(), 9)).toBeUndefined();
    expect(electLeader(st({ leader: 2 }), "offline", live, new Set(), 9)).toEqual(st({ leader: 2, isr: [2, 3], leaderEpoch: 5, controllerEpoch: 9 }));
    expect(electLeader(st({ leader: 2, isr: [2, 3] }), "offline", live, new Set(), 9)).toBeUndefined();
  });
  it("controlled shutdown moves leadership to another ISR member and removes the broker from the ISR", () => {
    const all = new Set([1, 2, 3]);
    expect(electLeader(st({}), "controlled-shutdown", all, new Set([1]), 9)).toEqual(st({ leader: 2, isr: [2, 3], leaderEpoch: 5, controllerEpoch: 9 }));
    expect(electLeader(st({ isr: [1] }), "controlled-shutdown", all, new Set([1]), 9)).toBeUndefined();
    expect(electLeader(st({ leader: 3 }), "controlled-shutdown", all, new Set([1]), 9)).toEqual(st({ leader: 3, isr: [2, 3], leaderEpoch: 5, controllerEpoch: 9 }));
  });
  it("new partitions start with the live replicas as ISR, epoch 0", () => {
    expect(electLeader(st({ leader: -1, leaderEpoch: -1, isr: [] }), "new", live, new Set(), 9)).toEqual(st({ leader: 2, isr: [2, 3], leaderEpoch: 0, controllerEpoch: 9 }));
  });
});
