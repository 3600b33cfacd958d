import { describe, expect, it } from "vitest";
import type { Core } from "../../src/core/contract.js";
import { Simulator, coreProtocol, noFaults, simulate } from "../../src/adapters/simulator/index.js";
import type { CoreAdapter, DriverNode, SimOptions } from "../../src/adapters/simulator/index.js";

/**
 * A small immutable core under the contract, for the generic driver: each tick raises a node's value, writes
 * it and then gossips it (the sends follow the write, so they must wait until it is durable); a node adopts
 * the highest value it hears. Node 1 takes client writes; the others refuse without stepping their core.
 */
interface GossipConfig {
  readonly id: number;
  readonly peers: readonly number[];
}
interface GossipState {
  readonly id: number;
  readonly peers: readonly number[];
  readonly value: number;
  readonly durable: number;
  readonly writes: number;
}
type GossipInput =
  | { readonly type: "tick" }
  | { readonly type: "message"; readonly value: number }
  | { readonly type: "persisted"; readonly value: number }
  | { readonly type: "write"; readonly requestId: number };
type GossipOutput =
  | { readonly type: "persist"; readonly value: number }
  | { readonly type: "send"; readonly to: number; readonly value: number }
  | { readonly type: "reply"; readonly requestId: number; readonly index: number };

const gossipCore: Core<GossipConfig, GossipState, GossipInput, GossipOutput> = {
  name: "gossip",
  create: (c) => ({ id: c.id, peers: c.peers, value: 0, durable: 0, writes: 0 }),
  step(s, input) {
    switch (input.type) {
      case "tick": {
        const value = s.value + 1;
        return { state: { ...s, value }, outputs: [{ type: "persist", value }, ...s.peers.map((to) => ({ type: "send" as const, to, value }))] };
      }
      case "message":
        return { state: input.value > s.value ? { ...s, value: input.value } : s, outputs: [] };
      case "persisted":
        return { state: { ...s, durable: Math.max(s.durable, input.value) }, outputs: [] };
      case "write":
        return { state: { ...s, writes: s.writes + 1 }, outputs: [{ type: "reply", requestId: input.requestId, index: s.value }] };
    }
  },
  clone: (s) => ({ ...s }),
  fingerprint: (s) => BigInt(s.id * 1_000_003 + s.value),
};

type GossipNode = DriverNode<GossipState> & { settled: { stepped: number; idle: number } };

function gossipAdapter(reverseOutputs = false): CoreAdapter<GossipConfig, GossipState, GossipInput, GossipOutput, number, number, { value: number }, GossipNode> {
  return {
    core: gossipCore,
    name: "gossip",
    disk: {
      empty: () => ({ value: 0 }),
      apply(disk, write) {
        disk.value = write;
        return { term: 1, vote: 0, commit: write };
      },
    },
    boot: (id, cluster, _seed, disk) => ({ id, state: { ...gossipCore.create({ id, peers: cluster.filter((p) => p !== id) }), value: disk.value, durable: disk.value }, settled: { stepped: 0, idle: 0 } }),
    tick: { type: "tick" },
    message: (value) => ({ type: "message", value }),
    perform(_node, o, fx) {
      if (o.type === "persist") fx.persist(o.value);
      else if (o.type === "send") fx.send(o.to, o.value);
      else fx.reply(o.requestId, { ok: true, index: o.index, term: 1 });
    },
    durable: (node, value, fx, driver) => void driver.step(node, { type: "persisted", value }, fx),
    request(node, r, fx, driver) {
      if (node.id !== 1 || r.f === "read") fx.reply(r.id, { ok: false, leaderHint: 1, reason: "not-leader" });
      else if (reverseOutputs) driver.perform(node, [...driver.run(node, { type: "write", requestId: r.id })].reverse(), fx);
      else driver.step(node, { type: "write", requestId: r.id }, fx);
    },
    ...(reverseOutputs
      ? {
          // A broken driver: performs a tick's outputs in reverse, so the gossip leaves before the write.
          beforeTick(node, fx, driver) {
            driver.perform(node, [...driver.run(node, { type: "tick" })].reverse(), fx);
          },
        }
      : {}),
    settle(node, _fx, _driver, stepped) {
      if (stepped) node.settled.stepped++;
      else node.settled.idle++;
    },
    view(s, out) {
      out.term = 1;
      out.role = s.id === 1 ? "leader" : "follower";
      out.vote = 0;
      out.commit = s.durable;
      out.applied = s.durable;
      out.leader = 1;
    },
    describe: (value) => ({ kind: "gossip", term: value }),
  };
}

const options: SimOptions = { seed: 5, nodes: 3, steps: 2000, faults: { ...noFaults(), disk: true }, sendOrder: "contract", trace: true, liveness: false };

type Rec = Record<string, unknown> & { type: string };

/** Sends of a value that left before their node's write of it was durable (the durability contract). */
function sendsBeforeDurable(trace: readonly string[]): string[] {
  const durable = new Map<number, number>();
  const bad: string[] = [];
  for (const line of trace) {
    const r = JSON.parse(line) as Rec;
    if (r.type === "durable") durable.set(r.node as number, Math.max(durable.get(r.node as number) ?? 0, r.commit as number));
    if (r.type === "msg" && r.ev === "send" && (r.term as number) > (durable.get(r.from as number) ?? 0)) bad.push(line);
  }
  return bad;
}

describe("the generic simulator driver (coreProtocol)", () => {
  it("keeps the state each step returns: an immutable core's nodes make progress and converge", () => {
    const sim = new Simulator(coreProtocol(gossipAdapter()), { ...options, trace: false });
    sim.advance(500);
    const r = sim.finish();
    expect(r.ok).toBe(true);
    // Each node ticks every 10 ms: 500 ms of ticks make values near 50, and every node has written one.
    expect(r.stats.committed).toBeGreaterThan(30);
    expect(r.stats.ok).toBeGreaterThan(0);
  });

  it("performs outputs in order: a send that follows a write leaves once the write is durable", () => {
    const r = simulate(coreProtocol(gossipAdapter()), options);
    expect(r.trace!.filter((l) => l.includes('"ev":"send"')).length).toBeGreaterThan(100);
    expect(sendsBeforeDurable(r.trace!)).toEqual([]);
  });

  it("the order check has teeth: a driver that performs a step's outputs in reverse lets sends overtake the write", () => {
    const r = simulate(coreProtocol(gossipAdapter(true)), options);
    expect(sendsBeforeDurable(r.trace!).length).toBeGreaterThan(10);
  });

  it("settles every event and says whether it stepped the core (a refused request does not)", () => {
    const nodes = new Map<number, GossipNode>();
    const adapter = gossipAdapter();
    const protocol = coreProtocol({ ...adapter, boot: (id, cluster, seed, disk) => {
      const n = adapter.boot(id, cluster, seed, disk);
      nodes.set(id, n);
      return n;
    } });
    const r = simulate(protocol, { ...options, trace: false });
    expect(r.ok).toBe(true);
    const leader = nodes.get(1)!.settled;
    const follower = nodes.get(2)!.settled;
    // Ticks, deliveries and acknowledgements step every node; only refused requests (at followers, and reads) do not.
    expect(leader.stepped).toBeGreaterThan(100);
    expect(follower.stepped).toBeGreaterThan(100);
    expect(follower.idle).toBeGreaterThan(0);
  });

  it("the same seed gives the same trace", () => {
    const a = simulate(coreProtocol(gossipAdapter()), options);
    const b = simulate(coreProtocol(gossipAdapter()), options);
    expect(a.trace).toEqual(b.trace);
    expect(simulate(coreProtocol(gossipAdapter()), { ...options, seed: 6 }).trace).not.toEqual(a.trace);
  });
});
