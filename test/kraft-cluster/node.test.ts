/**
 * The node composition on its own: configuration errors, role wiring, and inputs a node must refuse without
 * corrupting its state.
 */
import { describe, expect, it } from "vitest";
import * as kraftNode from "../../src/core/kraft-node/index.js";
import type { KafkaNode, NodeInput, NodeMessage, NodeOutput } from "../../src/core/kraft-node/index.js";
import * as kraft from "../../src/core/kraft/index.js";

const base = { voters: [1, 2, 3], seed: 1 } as const;

function run(n: KafkaNode, input: NodeInput): { node: KafkaNode; outputs: NodeOutput[] } {
  const r = kraftNode.step(n, input);
  return { node: r.state, outputs: r.outputs };
}

/** A tiny synchronous cluster: instant delivery and durability, for composition checks without the simulator. */
function tinyCluster(roles: Record<number, kraftNode.NodeRole>) {
  const voters = Object.entries(roles).filter(([, r]) => r !== "broker").map(([id]) => Number(id));
  const nodes = new Map<number, KafkaNode>();
  for (const [id, role] of Object.entries(roles)) nodes.set(Number(id), kraftNode.createNode({ id: Number(id), role, voters, seed: Number(id), tickMs: 50 }));
  const queue: NodeMessage[] = [];
  const events: string[] = [];
  const errors: string[] = [];
  const admin: { id: number; response: unknown }[] = [];
  const feed = (id: number, input: NodeInput): void => {
    const r = kraftNode.step(nodes.get(id)!, input);
    nodes.set(id, r.state);
    let end = -1;
    let epoch = -1;
    for (const o of r.outputs) {
      if (o.type === "send") queue.push(o.message);
      else if (o.type === "persist" && o.write.entries !== undefined && o.write.entries.length > 0) {
        const last = o.write.entries[o.write.entries.length - 1]!;
        end = last.offset + 1;
        epoch = last.epoch;
      } else if (o.type === "event") events.push(`${id}: ${o.what}`);
      else if (o.type === "error") errors.push(`${id}: ${o.detail}`);
      else if (o.type === "admin-reply") admin.push({ id: o.id, response: o.response });
    }
    if (end >= 0) feed(id, { type: "persisted", endOffset: end, epoch });
  };
  const tick = (rounds: number): void => {
    for (let k = 0; k < rounds; k++) {
      for (const id of nodes.keys()) feed(id, { type: "tick" });
      while (queue.length > 0) {
        const m = queue.shift()!;
        if (nodes.has(m.to)) feed(m.to, { type: "message", message: m });
      }
    }
  };
  return { nodes, feed, tick, events, errors, admin };
}

describe("node configuration", () => {
  it("refuses a broker among the voters, a controller outside them, bad roles and timings", () => {
    expect(() => kraftNode.createNode({ ...base, id: 1, role: "broker" })).toThrow(kraftNode.KafkaNodeConfigError);
    expect(() => kraftNode.createNode({ ...base, id: 4, role: "controller" })).toThrow(/not among the voters/);
    expect(() => kraftNode.createNode({ ...base, id: 4, role: "leader" as never })).toThrow(/role must be/);
    expect(() => kraftNode.createNode({ ...base, id: -1, role: "broker" })).toThrow(/id must be/);
    expect(() => kraftNode.createNode({ ...base, voters: [], id: 4, role: "broker" })).toThrow(/voters/);
    expect(() => kraftNode.createNode({ ...base, id: 4, role: "broker", tickMs: 0 })).toThrow(/tickMs/);
    expect(() => kraftNode.createNode({ ...base, id: 4, role: "broker", incarnation: -2 })).toThrow(/incarnation/);
    expect(() => kraftNode.createNode(null as never)).toThrow(/config must be an object/);
    try {
      kraftNode.createNode({ ...base, id: 4, role: "controller" });
    } catch (e) {
      expect((e as kraftNode.KafkaNodeConfigError).code).toBe("invalid-node-config");
    }
  });

  it("gives each role its parts: controllers a controller, brokers an image and a session, combined both", () => {
    const c = kraftNode.createNode({ ...base, id: 1, role: "controller" });
    const b = kraftNode.createNode({ ...base, id: 4, role: "broker" });
    const x = kraftNode.createNode({ ...base, id: 2, role: "combined" });
    expect([c.controller !== null, c.broker !== null, c.lifecycle !== null]).toEqual([true, false, false]);
    expect([b.controller !== null, b.broker !== null, b.lifecycle !== null]).toEqual([false, true, true]);
    expect([x.controller !== null, x.broker !== null, x.lifecycle !== null]).toEqual([true, true, true]);
    expect(kraft.isVoter(b.quorum)).toBe(false);
    expect(kraft.isVoter(c.quorum)).toBe(true);
    expect(kraftNode.brokerImage(c)).toBeNull();
    expect(kraftNode.controllerImage(b)).toBeNull();
    expect(kraftNode.brokerEpoch(c)).toBe(-1);
    expect(kraftNode.activeEpoch(b)).toBe(-1);
    expect(kraftNode.nodeImage(c).offset).toBe(-1);
  });
});

describe("bad inputs are refused and leave the node unchanged", () => {
  const n = kraftNode.createNode({ ...base, id: 4, role: "broker" });
  it("unknown input", () => {
    const r = run(n, { type: "bogus" } as never);
    expect(r.node).toBe(n);
    expect(r.outputs).toEqual([{ type: "rejected", reason: "malformed-input", detail: expect.stringMatching(/unknown input/) }]);
  });
  it("a message for another node, and an unknown message kind", () => {
    const r1 = run(n, { type: "message", message: { kind: "controller-response", from: 1, to: 9, id: 1, response: { type: "Error", errorCode: "NONE", message: "" } } });
    expect(r1.outputs[0]).toMatchObject({ type: "error", detail: expect.stringMatching(/not addressed to node 4/) });
    const r2 = run(n, { type: "message", message: { kind: "gossip", from: 1, to: 4 } as never });
    expect(r2.outputs[0]).toMatchObject({ type: "error", detail: expect.stringMatching(/unknown message kind/) });
  });
  it("a controller request to a broker-only node is answered NOT_CONTROLLER", () => {
    const r = run(n, { type: "message", message: { kind: "controller-request", from: 5, to: 4, id: 7, request: { type: "UnregisterBroker", brokerId: 5 } } });
    expect(r.outputs).toEqual([{ type: "send", message: { kind: "controller-response", from: 4, to: 5, id: 7, response: expect.objectContaining({ errorCode: "NOT_CONTROLLER" }) } }]);
    const a = run(n, { type: "admin", id: 3, request: { type: "UnregisterBroker", brokerId: 5 } });
    expect(a.outputs[0]).toMatchObject({ type: "admin-reply", id: 3, response: { errorCode: "NOT_CONTROLLER" } });
  });
  it("an admin request to a standby controller is answered NOT_CONTROLLER", () => {
    const c = kraftNode.createNode({ ...base, id: 1, role: "controller" });
    const r = run(c, { type: "admin", id: 3, request: { type: "CreateTopics", topics: [{ name: "a", numPartitions: 1, replicationFactor: 1 }] } });
    expect(r.outputs[0]).toMatchObject({ type: "admin-reply", id: 3, response: { errorCode: "NOT_CONTROLLER" } });
  });
  it("a corrupt metadata log entry is reported, not replayed", () => {
    const c = kraftNode.createNode({ ...base, voters: [1], id: 1, role: "combined" });
    const persisted: kraft.PersistedState = {
      quorumState: { epoch: 1, leaderId: 1, votedId: 1, votedDirectoryId: "dir-1" },
      entries: [{ offset: 0, epoch: 1, kind: "data", data: new Uint8Array([9, 9, 9]) }],
    };
    let node = kraftNode.createNode({ ...base, voters: [1], id: 1, role: "combined" }, persisted);
    const errors: string[] = [];
    const drive = (input: NodeInput): void => {
      const r = run(node, input);
      node = r.node;
      for (const o of r.outputs) {
        if (o.type === "error") errors.push(o.detail);
        if (o.type === "persist" && o.write.entries?.length) {
          const last = o.write.entries[o.write.entries.length - 1]!;
          drive({ type: "persisted", endOffset: last.offset + 1, epoch: last.epoch });
        }
      }
    };
    for (let k = 0; k < 200 && errors.length === 0; k++) drive({ type: "tick" });
    expect(errors[0]).toMatch(/metadata log entry 0/);
    expect(c.assembler).toBeNull();
  });
});

describe("composition in a synchronous cluster: 3 controllers, 2 brokers", () => {
  it("elects, activates one controller, registers and unfences the brokers, and fails over after a resignation", () => {
    const t = tinyCluster({ 1: "controller", 2: "controller", 3: "combined", 4: "broker", 5: "broker" });
    t.tick(200);
    const actives = [1, 2, 3].filter((id) => kraftNode.isActiveController(t.nodes.get(id)!));
    expect(actives).toHaveLength(1);
    const active = actives[0]!;
    for (const b of [3, 4, 5]) {
      expect(kraftNode.brokerEpoch(t.nodes.get(b)!)).toBeGreaterThanOrEqual(0);
      expect(t.nodes.get(b)!.lifecycle!.fenced).toBe(false);
      expect(kraftNode.quorumLeader(t.nodes.get(b)!)).toBe(active);
    }
    t.feed(active, { type: "admin", id: 11, request: { type: "CreateTopics", topics: [{ name: "x", numPartitions: 4, replicationFactor: 2 }] } });
    t.tick(20);
    expect(t.admin.find((a) => a.id === 11)?.response).toMatchObject({ errorCode: "NONE" });
    for (const b of [4, 5]) expect(kraftNode.brokerImage(t.nodes.get(b)!)!.topicByName("x")?.partitions.count).toBe(4);
    // Graceful resignation of the quorum leader: its controller goes standby, another takes over with the image.
    const r = kraft.step(t.nodes.get(active)!.quorum, { type: "resign" });
    t.nodes.set(active, { ...t.nodes.get(active)!, quorum: r.state });
    t.tick(1);
    expect(kraftNode.isActiveController(t.nodes.get(active)!)).toBe(false);
    t.tick(300);
    const next = [1, 2, 3].filter((id) => kraftNode.isActiveController(t.nodes.get(id)!));
    expect(next).toHaveLength(1);
    expect(kraftNode.controllerImage(t.nodes.get(next[0]!)!)!.topicByName("x")?.partitions.count).toBe(4);
    expect(t.events.some((e) => /controller: standby/.test(e))).toBe(true);
    expect(t.errors).toEqual([]);
  });

  it("a broker whose session is unknown to the controller registers again", () => {
    const t = tinyCluster({ 1: "controller", 4: "broker" });
    t.tick(100);
    const b = t.nodes.get(4)!;
    expect(kraftNode.brokerEpoch(b)).toBeGreaterThanOrEqual(0);
    // Forge a stale epoch in the broker's lifecycle: the controller answers STALE_BROKER_EPOCH and it re-registers.
    t.nodes.set(4, { ...b, lifecycle: { ...b.lifecycle!, brokerEpoch: 999_999, nextHeartbeatMs: 0, inflight: null } });
    t.tick(60);
    expect(t.events.some((e) => /STALE_BROKER_EPOCH|BROKER_ID_NOT_REGISTERED/.test(e))).toBe(true);
    expect(kraftNode.brokerEpoch(t.nodes.get(4)!)).not.toBe(999_999);
    expect(kraftNode.brokerEpoch(t.nodes.get(4)!)).toBeGreaterThanOrEqual(0);
  });
});
