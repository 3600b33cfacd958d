import { describe, expect, it } from "vitest";
import { leaderOf, NO_LEADER } from "../../src/core/metadata/index.js";
import type { AlterConfigsResponse, ControllerResponse, CreateTopicsResponse, BrokerHeartbeatResponse, AlterPartitionResponse, TopicImage } from "../../src/core/metadata/index.js";
import { Harness } from "./harness.js";

const TICK = 50;

function topic(h: Harness, name: string): TopicImage {
  const t = h.active.committed.topicByName(name);
  if (t === undefined) throw new Error(`no topic ${name}`);
  return t;
}
function leaders(t: TopicImage): number[] {
  return Array.from({ length: t.partitions.count }, (_, p) => t.partitions.leader(p));
}
function clean(h: Harness): void {
  expect(h.errors).toEqual([]);
  expect(h.violations).toEqual([]);
}
/** Keeps every broker in `alive` heartbeating for `ms` of controller time. */
function run(h: Harness, ms: number, alive: readonly number[]): void {
  for (let t = 0; t < ms; t += TICK) {
    h.tick();
    h.commit();
    if (t % 2000 === 0) for (const b of alive) h.heartbeat(b);
  }
}

describe("broker registration (ClusterControlManager.registerBroker)", () => {
  it("gives the broker the offset of its RegisterBroker record as its epoch, fenced until caught up", () => {
    const h = new Harness();
    h.elect(0);
    h.commit();
    const epoch = h.register(7);
    const rec = h.committedLog.flatMap((b) => b.records.map((r, i) => ({ r, offset: b.baseOffset + i }))).find((x) => x.r.type === "RegisterBroker");
    expect(rec?.offset).toBe(epoch);
    expect(h.active.committed.broker(7)?.fenced).toBe(true);
    const behind = h.heartbeat(7, { offset: epoch - 1 }) as BrokerHeartbeatResponse;
    expect(behind).toMatchObject({ errorCode: "NONE", isCaughtUp: false, isFenced: true });
    expect(h.active.committed.broker(7)?.fenced).toBe(true);
    const caught = h.heartbeat(7, { offset: epoch }) as BrokerHeartbeatResponse;
    expect(caught).toMatchObject({ errorCode: "NONE", isCaughtUp: true, isFenced: false });
    expect(h.active.committed.broker(7)?.fenced).toBe(false);
    clean(h);
  });

  it("rejects a second incarnation while the first has a live session, accepts it after the session lapses", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([1]);
    const id = h.send({ type: "BrokerRegistration", brokerId: 1, incarnationId: "other" });
    expect(h.replies.get(id)).toMatchObject({ errorCode: "DUPLICATE_BROKER_REGISTRATION", brokerEpoch: -1 });
    run(h, 9000 + 2 * TICK, []);
    expect(h.active.committed.broker(1)?.fenced).toBe(true);
    const again = h.register(1, "other");
    expect(again).toBeGreaterThan(0);
    expect(h.active.committed.broker(1)?.incarnationId).toBe("other");
    clean(h);
  });

  it("re-registration of an unfenced broker moves its leaderships away first", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1, 2]);
    h.createTopic("t", 6, 3);
    expect(leaders(topic(h, "t"))).toContain(0);
    h.register(0); // same incarnation: allowed, and the broker is fenced again
    expect(leaders(topic(h, "t"))).not.toContain(0);
    expect(h.active.committed.broker(0)?.fenced).toBe(true);
    clean(h);
  });

  it("rejects malformed registrations with INVALID_REQUEST and writes nothing", () => {
    const h = new Harness();
    h.elect(0);
    h.commit();
    const before = h.active;
    for (const req of [
      { type: "BrokerRegistration", brokerId: -1, incarnationId: "x" },
      { type: "BrokerRegistration", brokerId: 1.5, incarnationId: "x" },
      { type: "BrokerRegistration", brokerId: 1, incarnationId: "" },
      { type: "BrokerRegistration", brokerId: 1, incarnationId: "x", rack: "" },
    ] as const) {
      const id = h.send(req);
      expect(h.replies.get(id)).toMatchObject({ errorCode: "INVALID_REQUEST" });
    }
    expect(h.tail).toEqual([]);
    expect(h.active.active?.speculative).toBe(before.active?.speculative);
  });
});

describe("heartbeats and fencing (BrokerHeartbeatManager)", () => {
  it("broker failure: fenced after the 9000 ms session timeout, new leaders elected from the ISR, brokers see them", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1, 2, 3]);
    h.createTopic("orders", 8, 3);
    const t0 = topic(h, "orders");
    const victim = t0.partitions.leader(0);
    const alive = [0, 1, 2, 3].filter((b) => b !== victim);
    const start = h.active.nowMs;
    let fencedAt = -1;
    for (let t = 0; t < 12000 && fencedAt < 0; t += TICK) {
      h.tick();
      h.commit();
      if (t % 2000 === 0) for (const b of alive) h.heartbeat(b);
      if (h.active.committed.broker(victim)?.fenced) fencedAt = h.active.nowMs - start;
    }
    // Lapsed means silent for more than 9000 ms; the last contact was at `start` (its heartbeat during startup).
    expect(fencedAt).toBeGreaterThan(9000);
    expect(fencedAt).toBeLessThanOrEqual(9000 + 2 * TICK);
    const t1 = topic(h, "orders");
    for (let p = 0; p < t1.partitions.count; p++) {
      expect(t1.partitions.leader(p)).not.toBe(victim);
      expect(t1.partitions.isrIncludes(p, victim)).toBe(false);
      if (t0.partitions.leader(p) === victim) {
        // The first replica (in replica order) that is in the ISR and alive.
        const expected = t0.partitions.replicas(p).find((r) => r !== victim && t0.partitions.isrIncludes(p, r));
        expect(t1.partitions.leader(p)).toBe(expected);
        expect(t1.partitions.leaderEpoch(p)).toBe(t0.partitions.leaderEpoch(p) + 1);
      } else {
        expect(t1.partitions.leader(p)).toBe(t0.partitions.leader(p));
        expect(t1.partitions.leaderEpoch(p)).toBe(t0.partitions.leaderEpoch(p));
      }
    }
    for (const [, b] of h.brokers) {
      const l = leaderOf(b.image, "orders", 0);
      expect(l.errorCode).toBe("NONE");
      expect(l.leader).toBe(t1.partitions.leader(0));
    }
    clean(h);
  });

  it("does not fence a broker that keeps heartbeating", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    run(h, 30000, [0, 1]);
    expect(h.active.committed.broker(0)?.fenced).toBe(false);
    expect(h.active.committed.broker(1)?.fenced).toBe(false);
    clean(h);
  });

  it("wantFence fences an unfenced broker; a fenced broker asking to shut down is told to", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    h.createTopic("t", 4, 2);
    expect(h.heartbeat(0, { wantFence: true })).toMatchObject({ isFenced: true, shouldShutDown: false });
    expect(h.active.committed.broker(0)?.fenced).toBe(true);
    expect(leaders(topic(h, "t")).every((l) => l === 1)).toBe(true);
    expect(h.heartbeat(0, { wantFence: true })).toMatchObject({ isFenced: true, shouldShutDown: false });
    expect(h.heartbeat(0, { wantShutDown: true })).toMatchObject({ isFenced: true, shouldShutDown: true });
    clean(h);
  });

  it("answers heartbeats with a stale epoch or from unknown brokers with an error and no records", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0]);
    const before = h.active.active?.speculative;
    const stale = h.send({ type: "BrokerHeartbeat", brokerId: 0, brokerEpoch: h.epochOf(0) - 1, currentMetadataOffset: 100, wantFence: false, wantShutDown: false });
    const unknown = h.send({ type: "BrokerHeartbeat", brokerId: 9, brokerEpoch: 1, currentMetadataOffset: 100, wantFence: false, wantShutDown: false });
    const bad = h.send({ type: "BrokerHeartbeat", brokerId: 0, brokerEpoch: h.epochOf(0), currentMetadataOffset: -5, wantFence: false, wantShutDown: false });
    expect(h.replies.get(stale)).toMatchObject({ errorCode: "STALE_BROKER_EPOCH" });
    expect(h.replies.get(unknown)).toMatchObject({ errorCode: "BROKER_ID_NOT_REGISTERED" });
    expect(h.replies.get(bad)).toMatchObject({ errorCode: "INVALID_REQUEST" });
    expect(h.tail).toEqual([]);
    expect(h.active.active?.speculative).toBe(before);
  });

  it("a returning broker re-registers, catches up, is unfenced and leads its leaderless partitions again", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    h.createTopic("solo", 2, 1);
    const t = topic(h, "solo");
    const p = [0, 1].find((i) => t.partitions.leader(i) === 1) as number;
    run(h, 9000 + 2 * TICK, [0]);
    expect(topic(h, "solo").partitions.leader(p)).toBe(NO_LEADER);
    expect(topic(h, "solo").partitions.isr(p)).toEqual([1]); // the last ISR member stays
    expect(leaderOf(h.brokers.get(0)!.image, "solo", p).errorCode).toBe("LEADER_NOT_AVAILABLE");
    h.register(1, "inc-1b");
    h.heartbeat(1);
    expect(topic(h, "solo").partitions.leader(p)).toBe(1);
    clean(h);
  });
});

describe("controlled shutdown (leadership moves away first)", () => {
  it("moves leaders off the broker, then tells it to shut down and fences it", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1, 2]);
    h.createTopic("t", 9, 3);
    const before = topic(h, "t");
    expect(leaders(before)).toContain(2);
    const first = h.heartbeat(2, { wantShutDown: true }) as BrokerHeartbeatResponse;
    expect(first).toMatchObject({ errorCode: "NONE", isFenced: false, shouldShutDown: false });
    const mid = topic(h, "t");
    expect(leaders(mid)).not.toContain(2);
    for (let p = 0; p < mid.partitions.count; p++) expect(mid.partitions.isrIncludes(p, 2)).toBe(false);
    expect(h.active.committed.broker(2)).toMatchObject({ fenced: false, inControlledShutdown: true });
    const second = h.heartbeat(2, { wantShutDown: true }) as BrokerHeartbeatResponse;
    expect(second).toMatchObject({ isFenced: true, shouldShutDown: true });
    expect(h.active.committed.broker(2)?.fenced).toBe(true);
    // It is not unfenced by a plain heartbeat: it must restart and register again.
    expect(h.heartbeat(2)).toMatchObject({ isFenced: true, shouldShutDown: true });
    expect(h.active.committed.broker(2)?.fenced).toBe(true);
    // New topics avoid the shut-down broker.
    const r = h.createTopic("after", 6, 2) as CreateTopicsResponse;
    expect(r.topics[0]?.errorCode).toBe("NONE");
    const after = topic(h, "after");
    for (let p = 0; p < 6; p++) expect(after.partitions.replicasInclude(p, 2)).toBe(false);
    clean(h);
  });

  it("the ControlledShutdown request starts the same sequence", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    h.createTopic("t", 4, 2);
    const id = h.send({ type: "ControlledShutdown", brokerId: 1, brokerEpoch: h.epochOf(1) });
    h.commit();
    expect(h.replies.get(id)).toMatchObject({ type: "ControlledShutdown", errorCode: "NONE", shouldShutDown: false });
    expect(leaders(topic(h, "t"))).toEqual([0, 0, 0, 0]);
    const id2 = h.send({ type: "ControlledShutdown", brokerId: 1, brokerEpoch: h.epochOf(1) });
    h.commit();
    expect(h.replies.get(id2)).toMatchObject({ shouldShutDown: true, isFenced: true });
    clean(h);
  });

  it("keeps the last ISR member and leaves the partition leaderless rather than electing uncleanly", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    h.createTopic("one", 2, 1);
    const p = [0, 1].find((i) => topic(h, "one").partitions.leader(i) === 1) as number;
    h.heartbeat(1, { wantShutDown: true });
    expect(topic(h, "one").partitions.leader(p)).toBe(NO_LEADER);
    expect(topic(h, "one").partitions.isr(p)).toEqual([1]);
    clean(h);
  });
});

function uncleanSetup(config: { uncleanLeaderElection?: boolean }, topicConfigs?: Record<string, string>): { h: Harness; p: number; a: number; b: number } {
  const h = new Harness(1, config);
  h.elect(0);
  h.startBrokers([0, 1]);
  h.createTopic("u", 1, 2, topicConfigs);
  const t = topic(h, "u");
  const a = t.partitions.leader(0);
  const b = a === 0 ? 1 : 0;
  // The leader shrinks the ISR to itself (the follower fell behind), then dies.
  const id = h.send({
    type: "AlterPartition",
    brokerId: a,
    brokerEpoch: h.epochOf(a),
    topics: [{ topicId: t.id, partitions: [{ partitionIndex: 0, leaderEpoch: t.partitions.leaderEpoch(0), partitionEpoch: t.partitions.partitionEpoch(0), newIsr: [a] }] }],
  });
  h.commit();
  expect((h.replies.get(id) as AlterPartitionResponse).topics[0]?.partitions[0]).toMatchObject({ errorCode: "NONE", isr: [a], partitionEpoch: 1 });
  run(h, 9000 + 2 * TICK, [b]);
  return { h, p: 0, a, b };
}

describe("leader election when the ISR is gone (unclean.leader.election.enable)", () => {
  it("off: the partition stays leaderless with its last ISR member", () => {
    const { h, a } = uncleanSetup({});
    expect(topic(h, "u").partitions.leader(0)).toBe(NO_LEADER);
    expect(topic(h, "u").partitions.isr(0)).toEqual([a]);
    clean(h);
  });
  it("on (cluster default): the out-of-sync live replica leads and becomes the whole ISR", () => {
    const { h, b } = uncleanSetup({ uncleanLeaderElection: true });
    expect(topic(h, "u").partitions.leader(0)).toBe(b);
    expect(topic(h, "u").partitions.isr(0)).toEqual([b]);
    clean(h);
  });
  it("on (topic config overrides the cluster default)", () => {
    const { h, b } = uncleanSetup({}, { "unclean.leader.election.enable": "true" });
    expect(topic(h, "u").partitions.leader(0)).toBe(b);
    clean(h);
  });
  it("off (topic config overrides an enabled cluster default)", () => {
    const { h } = uncleanSetup({ uncleanLeaderElection: true }, { "unclean.leader.election.enable": "false" });
    expect(topic(h, "u").partitions.leader(0)).toBe(NO_LEADER);
    clean(h);
  });
});

function reply<T extends ControllerResponse>(h: Harness, id: number): T {
  return h.replies.get(id) as T;
}

describe("CreateTopics (ReplicationControlManager.createTopics, rack-unaware placement)", () => {
  it("spreads leaders and replicas evenly over the unfenced brokers", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1, 2, 3, 4]);
    const r = h.createTopic("spread", 50, 3) as CreateTopicsResponse;
    expect(r.topics[0]).toMatchObject({ name: "spread", errorCode: "NONE" });
    const t = topic(h, "spread");
    expect(t.id).toBe(r.topics[0]?.topicId);
    const leadCount = new Map<number, number>();
    const replicaCount = new Map<number, number>();
    for (let p = 0; p < 50; p++) {
      const reps = t.partitions.replicas(p);
      expect(new Set(reps).size).toBe(3);
      expect(t.partitions.isr(p)).toEqual(reps);
      expect(t.partitions.leader(p)).toBe(reps[0]);
      leadCount.set(reps[0] as number, (leadCount.get(reps[0] as number) ?? 0) + 1);
      for (const b of reps) replicaCount.set(b, (replicaCount.get(b) ?? 0) + 1);
    }
    expect([...leadCount.values()]).toEqual([10, 10, 10, 10, 10]);
    expect([...replicaCount.values()]).toEqual([30, 30, 30, 30, 30]);
    clean(h);
  });

  it("reports per-topic errors and creates the valid topics of the same request", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    h.createTopic("exists", 1, 1);
    const id = h.send({
      type: "CreateTopics",
      topics: [
        { name: "exists", numPartitions: 1, replicationFactor: 1 },
        { name: "bad/name", numPartitions: 1, replicationFactor: 1 },
        { name: "zero", numPartitions: 0, replicationFactor: 1 },
        { name: "toowide", numPartitions: 1, replicationFactor: 3 },
        { name: "rf0", numPartitions: 1, replicationFactor: 0 },
        { name: "badcfg", numPartitions: 1, replicationFactor: 1, configs: { x: 3 as unknown as string } },
        { name: "ok", numPartitions: 2, replicationFactor: 2 },
        { name: "ok", numPartitions: 2, replicationFactor: 2 },
      ],
    });
    h.commit();
    const r = reply<CreateTopicsResponse>(h, id);
    expect(r.topics.map((t) => t.errorCode)).toEqual([
      "TOPIC_ALREADY_EXISTS",
      "INVALID_TOPIC_EXCEPTION",
      "INVALID_PARTITIONS",
      "INVALID_REPLICATION_FACTOR",
      "INVALID_REPLICATION_FACTOR",
      "INVALID_CONFIG",
      "NONE",
      "TOPIC_ALREADY_EXISTS",
    ]);
    expect(topic(h, "ok").partitions.count).toBe(2);
    expect(h.active.committed.topicByName("zero")).toBeUndefined();
    clean(h);
  });

  it("DeleteTopics removes the topic and its configs", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0]);
    h.createTopic("gone", 3, 1, { "retention.ms": "1" });
    expect(h.active.committed.config("topic", "gone", "retention.ms")).toBe("1");
    const id = h.send({ type: "DeleteTopics", names: ["gone", "never"] });
    h.commit();
    expect(reply(h, id)).toMatchObject({ topics: [{ name: "gone", errorCode: "NONE" }, { name: "never", errorCode: "UNKNOWN_TOPIC_OR_PARTITION" }] });
    expect(h.active.committed.topicByName("gone")).toBeUndefined();
    expect(h.active.committed.config("topic", "gone", "retention.ms")).toBeUndefined();
    clean(h);
  });
});

describe("AlterPartition (ISR shrink and expand with partition epoch checks)", () => {
  function setup(): { h: Harness; t: TopicImage; leader: number; follower: number } {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1, 2]);
    h.createTopic("isr", 1, 3);
    const t = topic(h, "isr");
    const leader = t.partitions.leader(0);
    const follower = t.partitions.replicas(0).find((b) => b !== leader) as number;
    return { h, t, leader, follower };
  }
  function alter(h: Harness, brokerId: number, t: TopicImage, newIsr: number[], over: Partial<{ leaderEpoch: number; partitionEpoch: number; brokerEpoch: number; partitionIndex: number; topicId: string }> = {}): AlterPartitionResponse {
    const cur = h.active.committed.topicById(t.id) ?? t;
    const id = h.send({
      type: "AlterPartition",
      brokerId,
      brokerEpoch: over.brokerEpoch ?? h.epochOf(brokerId),
      topics: [
        {
          topicId: over.topicId ?? t.id,
          partitions: [
            {
              partitionIndex: over.partitionIndex ?? 0,
              leaderEpoch: over.leaderEpoch ?? cur.partitions.leaderEpoch(0),
              partitionEpoch: over.partitionEpoch ?? cur.partitions.partitionEpoch(0),
              newIsr,
            },
          ],
        },
      ],
    });
    h.commit();
    return reply<AlterPartitionResponse>(h, id);
  }

  it("shrinks then expands the ISR, bumping the partition epoch but not the leader epoch", () => {
    const { h, t, leader, follower } = setup();
    const full = t.partitions.isr(0);
    const shrunk = full.filter((b) => b !== follower);
    expect(alter(h, leader, t, shrunk).topics[0]?.partitions[0]).toMatchObject({ errorCode: "NONE", isr: shrunk, partitionEpoch: 1, leaderEpoch: 0, leader });
    expect(alter(h, leader, t, full).topics[0]?.partitions[0]).toMatchObject({ errorCode: "NONE", isr: full, partitionEpoch: 2, leaderEpoch: 0 });
    // Unchanged ISR: no record, current state echoed.
    const tailBefore = h.committedLog.length;
    expect(alter(h, leader, t, full).topics[0]?.partitions[0]).toMatchObject({ errorCode: "NONE", partitionEpoch: 2 });
    expect(h.committedLog.length).toBe(tailBefore);
    clean(h);
  });

  it("rejects stale partition epochs, stale leader epochs, non-leaders, bad ISRs and ineligible replicas, leaving the partition intact", () => {
    const { h, t, leader, follower } = setup();
    const full = t.partitions.isr(0);
    const shrunk = full.filter((b) => b !== follower);
    const code = (r: AlterPartitionResponse): string => r.errorCode === "NONE" ? (r.topics[0]?.partitions[0]?.errorCode as string) : r.errorCode;
    expect(code(alter(h, leader, t, shrunk, { partitionEpoch: 5 }))).toBe("INVALID_UPDATE_VERSION");
    expect(code(alter(h, leader, t, shrunk, { leaderEpoch: 3 }))).toBe("FENCED_LEADER_EPOCH");
    expect(code(alter(h, follower, t, shrunk))).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(code(alter(h, leader, t, [follower]))).toBe("INVALID_REQUEST"); // leader missing
    expect(code(alter(h, leader, t, [leader, 99]))).toBe("INVALID_REQUEST"); // not a replica
    expect(code(alter(h, leader, t, [leader, leader]))).toBe("INVALID_REQUEST");
    expect(code(alter(h, leader, t, []))).toBe("INVALID_REQUEST");
    expect(code(alter(h, leader, t, shrunk, { topicId: "nope" }))).toBe("UNKNOWN_TOPIC_ID");
    expect(code(alter(h, leader, t, shrunk, { partitionIndex: 4 }))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(code(alter(h, leader, t, shrunk, { brokerEpoch: 0 }))).toBe("STALE_BROKER_EPOCH");
    expect(code(alter(h, 42, t, shrunk))).toBe("BROKER_ID_NOT_REGISTERED");
    expect(topic(h, "isr").partitions.view(0)).toEqual(t.partitions.view(0));
    // Shrink, fence the follower, then try to add it back: ineligible.
    alter(h, leader, t, shrunk);
    h.heartbeat(follower, { wantFence: true });
    expect(code(alter(h, leader, t, full))).toBe("INELIGIBLE_REPLICA");
    clean(h);
  });
});

describe("NoOp records and leadership", () => {
  it("the active controller writes a NoOp every 500 ms; a standby writes nothing", () => {
    const h = new Harness(2);
    h.elect(0);
    h.commit();
    const before = h.committedLog.length;
    h.tick(100); // 5000 ms
    h.commit();
    const noops = h.committedLog.slice(before).filter((b) => b.records.length === 1 && b.records[0]?.type === "NoOp");
    expect(noops.length).toBe(10);
    expect(h.controllers[1]?.active).toBeNull();
    clean(h);
  });

  it("a standby answers NOT_CONTROLLER", () => {
    const h = new Harness(2);
    h.elect(0);
    const id = h.send({ type: "CreateTopics", topics: [] }, 1);
    expect(h.replies.get(id)).toMatchObject({ type: "Error", errorCode: "NOT_CONTROLLER" });
  });

  it("rollback: uncommitted records are dropped when leadership is lost, their replies fail with NOT_CONTROLLER", () => {
    const h = new Harness(2);
    h.elect(0);
    h.startBrokers([0, 1]);
    const id = h.send({ type: "CreateTopics", topics: [{ name: "lost", numPartitions: 2, replicationFactor: 2 }] });
    expect(h.replies.has(id)).toBe(false); // held until commit
    expect(h.controllers[0]?.active?.speculative.topicByName("lost")).toBeDefined();
    h.elect(1, false);
    expect(h.replies.get(id)).toMatchObject({ errorCode: "NOT_CONTROLLER" });
    for (const c of h.controllers) expect(c.committed.topicByName("lost")).toBeUndefined();
    expect(h.controllers[0]?.active).toBeNull();
    // The new controller serves the retry; the old one follows its records.
    const r = h.createTopic("lost", 2, 2) as CreateTopicsResponse;
    expect(r.topics[0]?.errorCode).toBe("NONE");
    expect(h.controllers[0]?.committed.topicByName("lost")?.id).toBe(r.topics[0]?.topicId);
    clean(h);
  });

  it("a reply computed from uncommitted state waits for the last in-flight write (and fails with it)", () => {
    const h = new Harness(2);
    h.elect(0);
    h.startBrokers([0, 1]);
    h.send({ type: "CreateTopics", topics: [{ name: "pending", numPartitions: 1, replicationFactor: 1 }] });
    // Deleting the not-yet-committed topic succeeds against the speculative image, so its reply must not go out early.
    const del = h.send({ type: "DeleteTopics", names: ["pending"] });
    const hb = h.send({ type: "BrokerHeartbeat", brokerId: 0, brokerEpoch: h.epochOf(0), currentMetadataOffset: h.active.committed.offset, wantFence: false, wantShutDown: false });
    expect(h.replies.has(del)).toBe(false);
    expect(h.replies.has(hb)).toBe(false);
    h.commit();
    expect(h.replies.get(del)).toMatchObject({ errorCode: "NONE" });
    expect(h.replies.get(hb)).toMatchObject({ errorCode: "NONE", isFenced: false });
    // With leadership lost first, the held reply fails instead of reporting state that never committed.
    h.send({ type: "CreateTopics", topics: [{ name: "doomed", numPartitions: 1, replicationFactor: 1 }] });
    const hb2 = h.send({ type: "BrokerHeartbeat", brokerId: 0, brokerEpoch: h.epochOf(0), currentMetadataOffset: h.active.committed.offset, wantFence: false, wantShutDown: false });
    h.elect(1, false);
    expect(h.replies.get(hb2)).toMatchObject({ errorCode: "NOT_CONTROLLER" });
    clean(h);
  });

  it("uncommitted records that the new leader kept still commit, and every controller applies them", () => {
    const h = new Harness(2);
    h.elect(0);
    h.startBrokers([0, 1]);
    h.send({ type: "CreateTopics", topics: [{ name: "kept", numPartitions: 2, replicationFactor: 2 }] });
    h.elect(1, true);
    for (const c of h.controllers) expect(c.committed.topicByName("kept")?.partitions.count).toBe(2);
    clean(h);
  });

  it("a new active controller gives every broker a full session before fencing", () => {
    const h = new Harness(2);
    h.elect(0);
    h.startBrokers([0, 1]);
    run(h, 6000, []); // brokers silent for 6 s
    h.elect(1);
    run(h, 8000, []); // 14 s of silence, but only 8 s under the new controller
    expect(h.active.committed.broker(0)?.fenced).toBe(false);
    run(h, 1200, []);
    expect(h.active.committed.broker(0)?.fenced).toBe(true);
    clean(h);
  });
});

describe("UnregisterBroker and AlterConfigs", () => {
  it("unregistering moves leadership away and removes the broker", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0, 1]);
    h.createTopic("t", 4, 2);
    const id = h.send({ type: "UnregisterBroker", brokerId: 1 });
    h.commit();
    expect(reply(h, id)).toMatchObject({ errorCode: "NONE" });
    expect(h.active.committed.broker(1)).toBeUndefined();
    expect(leaders(topic(h, "t"))).toEqual([0, 0, 0, 0]);
    const again = h.send({ type: "UnregisterBroker", brokerId: 1 });
    const bad = h.send({ type: "UnregisterBroker", brokerId: -3 });
    expect(reply(h, again)).toMatchObject({ errorCode: "BROKER_ID_NOT_REGISTERED" });
    expect(reply(h, bad)).toMatchObject({ errorCode: "INVALID_REQUEST" });
    clean(h);
  });

  it("sets and deletes configs per resource, rejecting bad resources", () => {
    const h = new Harness();
    h.elect(0);
    h.startBrokers([0]);
    h.createTopic("c", 1, 1);
    const id = h.send({
      type: "AlterConfigs",
      resources: [
        { resourceType: "topic", resourceName: "c", configs: { "cleanup.policy": "compact" } },
        { resourceType: "broker", resourceName: "0", configs: { "log.dirs": "/x" } },
        { resourceType: "cluster", resourceName: "", configs: { a: "1" } },
        { resourceType: "topic", resourceName: "missing", configs: { a: "1" } },
        { resourceType: "broker", resourceName: "-1", configs: { a: "1" } },
        { resourceType: "cluster", resourceName: "x", configs: { a: "1" } },
        { resourceType: "nope" as "topic", resourceName: "", configs: {} },
        { resourceType: "cluster", resourceName: "", configs: { "": "1" } },
      ],
    });
    h.commit();
    expect(reply<AlterConfigsResponse>(h, id).resources.map((r) => r.errorCode)).toEqual([
      "NONE", "NONE", "NONE", "UNKNOWN_TOPIC_OR_PARTITION", "INVALID_REQUEST", "INVALID_REQUEST", "INVALID_REQUEST", "INVALID_CONFIG",
    ]);
    expect(h.active.committed.config("topic", "c", "cleanup.policy")).toBe("compact");
    expect(h.active.committed.config("broker", "0", "log.dirs")).toBe("/x");
    const del = h.send({ type: "AlterConfigs", resources: [{ resourceType: "cluster", resourceName: "", configs: { a: null } }] });
    h.commit();
    expect(reply(h, del)).toMatchObject({ errorCode: "NONE" });
    expect(h.active.committed.config("cluster", "", "a")).toBeUndefined();
    clean(h);
  });
});
