// The ZooKeeper-mode controller on real znodes (quorate's ZooKeeper tree), every invariant checked after every
// event; and the checker's teeth, shown on broken views.
import { describe, expect, it } from "vitest";
import { ZkModeCluster } from "../../src/adapters/zk-controller/cluster.js";
import { COMPARE_SCENARIOS, runZkModeExact } from "../../src/adapters/zk-controller/scenarios.js";
import { ZK_MODE_DEFAULT_TIMING } from "../../src/adapters/zk-controller/timing.js";
import { checkConverged, checkZkModeEvent, createZkModeMemory } from "../../src/check/invariants/zk-controller.js";
import type { ZkModeView } from "../../src/check/invariants/zk-controller.js";

describe("ZooKeeper-mode scenarios on real znodes, invariants after every event", () => {
  for (const scenario of COMPARE_SCENARIOS) {
    it(`${scenario}: every invariant holds and every live broker ends with ZooKeeper's partition states`, () => {
      const r = runZkModeExact({ scenario, partitions: 40, brokers: 5, check: true });
      expect(r.violations).toEqual([]);
      expect(r.ms).toBeGreaterThan(0);
      if (scenario === "controller-failover" || scenario === "broker-failure") {
        // The dead broker is noticed only when ZooKeeper expires its session (Kafka's 18 s default).
        expect(r.ms).toBeGreaterThan(ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs);
        expect(r.ms).toBeLessThan(ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs + 1000);
      } else expect(r.ms).toBeLessThan(1000);
    });
  }

  it("failover: the new controller reads every partition state znode and writes one conditional state per partition the dead broker was in", () => {
    const r = runZkModeExact({ scenario: "controller-failover", partitions: 100, brokers: 5 });
    expect(r.violations).toEqual([]);
    expect(r.timeline.filter((e) => e.what.includes("becomes the active controller")).map((e) => e.what)).toEqual([
      "broker 1 becomes the active controller in epoch 1",
      "broker 2 becomes the active controller in epoch 2",
    ]);
    expect(r.counts.zkReads).toBeGreaterThanOrEqual(100 + 1 + 2); // states, topic assignment, /brokers/ids and /brokers/topics
    // 3 replicas on 5 brokers: broker 1 holds a replica of 60 of the 100 partitions; plus the session expiry and
    // the four surviving brokers' registration multis (one wins, three fail with NODEEXISTS: still write requests).
    expect(r.counts.zkWrites).toBe(60 + 1 + 4);
  });

  it("failover grows with the partition count (the new controller reloads everything from ZooKeeper)", () => {
    const small = runZkModeExact({ scenario: "controller-failover", partitions: 100 });
    const large = runZkModeExact({ scenario: "controller-failover", partitions: 2000 });
    expect(large.ms - ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs).toBeGreaterThan(5 * (small.ms - ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs));
  });

  it("a broker cache tampered with after the run is caught by the convergence check", () => {
    const c = new ZkModeCluster({ brokers: 4, partitions: 20 });
    c.startAll();
    c.run();
    expect(c.converged()).toEqual([]);
    const cache = c.brokerCaches().get(3)!;
    const [key, st] = [...cache][0]!;
    cache.set(key, { ...st, leader: st.leader === 1 ? 2 : 1 });
    expect(c.converged().map((v) => v.invariant)).toEqual(["brokers-match-zookeeper"]);
  });
});

describe("the ZooKeeper-mode invariants have teeth (mutant views)", () => {
  const ok = { leader: 1, leaderEpoch: 3, isr: [1, 2, 3] };
  const base = (): ZkModeView => ({
    zookeeper: new Map([["t/0", ok]]),
    registered: new Set([1, 2, 3]),
    controllers: [{ id: 1, active: true, epoch: 4, busy: false, live: new Set([1, 2, 3]), leaders: new Map([["t/0", ok]]) }],
    brokers: new Map([[2, new Map([["t/0", ok]])]]),
    sent: [{ controller: 1, epoch: 4 }],
  });

  it("a sound view passes", () => {
    expect(checkZkModeEvent(base(), createZkModeMemory())).toEqual([]);
    expect(checkConverged(base())).toEqual([]);
  });
  it("two controllers acting in one epoch", () => {
    const m = createZkModeMemory();
    checkZkModeEvent(base(), m);
    expect(checkZkModeEvent({ ...base(), controllers: [], sent: [{ controller: 2, epoch: 4 }] }, m).map((v) => v.invariant)).toEqual(["one-controller-per-epoch"]);
  });
  it("a leader outside its ISR; an idle controller keeping a dead leader", () => {
    const bad = { ...ok, isr: [2, 3] };
    expect(checkZkModeEvent({ ...base(), zookeeper: new Map([["t/0", bad]]) }, createZkModeMemory()).map((v) => v.invariant)).toEqual(["leader-in-isr"]);
    const v = base();
    const dead = { ...v, controllers: [{ ...v.controllers[0]!, live: new Set([2, 3]) }] };
    expect(checkZkModeEvent(dead, createZkModeMemory()).map((x) => x.invariant)).toEqual(["leader-alive"]);
  });
  it("a leader epoch going back, in ZooKeeper or in a broker", () => {
    const m = createZkModeMemory();
    checkZkModeEvent(base(), m);
    const back = { ...ok, leaderEpoch: 2 };
    expect(checkZkModeEvent({ ...base(), zookeeper: new Map([["t/0", back]]), brokers: new Map([[2, new Map([["t/0", back]])]]) }, m).map((x) => x.invariant)).toEqual(["leader-epoch-monotonic", "leader-epoch-monotonic"]);
  });
  it("a broker that never learnt the new leader; a leader not registered", () => {
    const moved = { leader: 2, leaderEpoch: 4, isr: [2, 3] };
    expect(checkConverged({ ...base(), zookeeper: new Map([["t/0", moved]]) }).map((x) => x.invariant)).toEqual(["brokers-match-zookeeper"]);
    expect(checkConverged({ ...base(), registered: new Set([2, 3]) }).map((x) => x.invariant)).toEqual(["leader-alive"]);
  });
});
