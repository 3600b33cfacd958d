/**
 * Properties of the quorum controller over random histories: random requests, heartbeats, silences (ticks),
 * partial commits and leadership changes (keeping or dropping the uncommitted tail). The harness checks every
 * committed image of every controller and broker against the metadata invariants; at the end the log's replay,
 * snapshot loads and every node's image must agree. Failures print fast-check's seed and path; replay with
 * `npx vitest run test/properties/metadata-controller.test.ts` after setting `seed`/`path` in fc.assert.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetadataImage, brokerStep, decodeSnapshot, encodeSnapshot, imageDiff, initBroker, initController, replayBatch, step, takeSnapshot } from "../../src/core/metadata/index.js";
import type { TopicImage } from "../../src/core/metadata/index.js";
import { Harness } from "../metadata/harness.js";

const BROKERS = [0, 1, 2, 3, 4];
const NAMES = ["a", "b", "c"];

type Action =
  | { k: "register"; b: number; inc: number }
  | { k: "heartbeat"; b: number; fence: boolean; shutdown: boolean; lag: number; staleEpoch: boolean }
  | { k: "create"; name: number; parts: number; rf: number }
  | { k: "delete"; name: number }
  | { k: "alter"; name: number; p: number; pick: number; stale: number }
  | { k: "unregister"; b: number }
  | { k: "unclean"; name: number; on: boolean }
  | { k: "alive"; except: number }
  | { k: "tick"; n: number }
  | { k: "commit"; n: number }
  | { k: "failover"; keep: boolean }
  | { k: "reload-broker"; b: number }
  | { k: "restart-standby" };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("register" as const), b: fc.constantFrom(...BROKERS), inc: fc.nat(2) }), weight: 2 },
  {
    // Mostly plain heartbeats; sometimes asking to be fenced or to shut down, with a stale epoch, or lagging.
    arbitrary: fc.record({ b: fc.constantFrom(...BROKERS), mode: fc.nat(12) }).map(({ b, mode }) => ({
      k: "heartbeat" as const,
      b,
      fence: mode === 0,
      shutdown: mode === 1 || mode === 2,
      staleEpoch: mode === 3,
      lag: mode === 4 ? 1 : 0,
    })),
    weight: 6,
  },
  { arbitrary: fc.record({ k: fc.constant("alive" as const), except: fc.constantFrom(-1, ...BROKERS) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant("create" as const), name: fc.nat(2), parts: fc.integer({ min: 1, max: 4 }), rf: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant("delete" as const), name: fc.nat(2) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant("alter" as const), name: fc.nat(2), p: fc.nat(3), pick: fc.nat(15), stale: fc.nat(5) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant("unregister" as const), b: fc.constantFrom(...BROKERS) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant("unclean" as const), name: fc.nat(2), on: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant("tick" as const), n: fc.integer({ min: 1, max: 80 }) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant("commit" as const), n: fc.nat(3) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant("failover" as const), keep: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant("reload-broker" as const), b: fc.constantFrom(...BROKERS) }), weight: 1 },
  { arbitrary: fc.constant({ k: "restart-standby" as const }), weight: 1 },
);

function run(h: Harness, a: Action): void {
  const img = h.active.active?.speculative ?? h.active.committed;
  switch (a.k) {
    case "register":
      h.send({ type: "BrokerRegistration", brokerId: a.b, incarnationId: `inc-${a.b}-${a.inc}` });
      break;
    case "heartbeat": {
      const reg = img.broker(a.b);
      if (reg === undefined) break;
      const seen = h.brokers.get(a.b)?.image.offset ?? -1;
      h.send({
        type: "BrokerHeartbeat",
        brokerId: a.b,
        brokerEpoch: a.staleEpoch ? reg.brokerEpoch - 1 : reg.brokerEpoch,
        currentMetadataOffset: Math.max(-1, seen - (a.lag === 0 ? 0 : a.lag * 5)),
        wantFence: a.fence,
        wantShutDown: a.shutdown,
      });
      break;
    }
    case "alive":
      // Every registered broker but one heartbeats (a broker process that is up), reporting what it has seen.
      for (const b of BROKERS) if (b !== a.except) run(h, { k: "heartbeat", b, fence: false, shutdown: false, lag: 0, staleEpoch: false });
      break;
    case "create":
      h.send({ type: "CreateTopics", topics: [{ name: NAMES[a.name] as string, numPartitions: a.parts, replicationFactor: a.rf }] });
      break;
    case "delete":
      h.send({ type: "DeleteTopics", names: [NAMES[a.name] as string] });
      break;
    case "alter": {
      const t: TopicImage | undefined = img.topicByName(NAMES[a.name] as string);
      if (t === undefined || t.partitions.count === 0) break;
      const p = a.p % t.partitions.count;
      const leader = t.partitions.leader(p);
      if (leader < 0) break;
      const replicas = t.partitions.replicas(p);
      // ISR proposal: the leader plus the replicas selected by the bits of `pick`.
      const isr = [leader, ...replicas.filter((b, i) => b !== leader && ((a.pick >> i) & 1) === 1)];
      const reg = img.broker(leader);
      h.send({
        type: "AlterPartition",
        brokerId: leader,
        brokerEpoch: reg?.brokerEpoch ?? 0,
        topics: [{ topicId: t.id, partitions: [{ partitionIndex: p, leaderEpoch: t.partitions.leaderEpoch(p) - (a.stale === 1 ? 1 : 0), partitionEpoch: t.partitions.partitionEpoch(p) - (a.stale === 2 ? 1 : 0), newIsr: isr }] }],
      });
      break;
    }
    case "unregister":
      h.send({ type: "UnregisterBroker", brokerId: a.b });
      break;
    case "unclean":
      h.send({ type: "AlterConfigs", resources: [{ resourceType: "topic", resourceName: NAMES[a.name] as string, configs: { "unclean.leader.election.enable": a.on ? "true" : "false" } }] });
      break;
    case "tick":
      h.tick(a.n);
      break;
    case "commit":
      h.commit(a.n === 0 ? undefined : a.n);
      break;
    case "failover":
      h.elect(h.leader === 0 ? 1 : 0, a.keep);
      break;
    case "reload-broker": {
      // The broker restarts and catches up from a snapshot of the committed image instead of the log.
      const committed = h.active.committed;
      if (committed.offset < 0) break;
      const r = brokerStep(initBroker(a.b), { type: "load-snapshot", snapshot: encodeSnapshot(committed) });
      expect(r.outputs[0]?.type).toBe("published");
      h.brokers.set(a.b, r.state);
      break;
    }
    case "restart-standby": {
      // The standby controller restarts from a snapshot (losing its heartbeat-free, in-memory state).
      const standby = h.leader === 0 ? 1 : 0;
      const committed = h.active.committed;
      if (committed.offset < 0) break;
      const fresh = initController({ nodeId: standby, seed: 100 + standby });
      const r = step(fresh, { type: "load-snapshot", snapshot: takeSnapshot(h.active) });
      expect(r.outputs).toEqual([]);
      h.controllers[standby] = r.state;
      break;
    }
  }
}

describe("metadata controller properties", () => {
  it("random request/fault histories keep every metadata invariant, and log replay equals snapshot load", () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 5, maxLength: 70 }), fc.boolean(), (actions, unclean) => {
        const h = new Harness(2, { uncleanLeaderElection: unclean });
        for (const b of BROKERS) h.addBroker(b);
        h.elect(0);
        // Prologue: a healthy cluster with two topics, so the random part starts from something worth breaking.
        for (const b of BROKERS) run(h, { k: "register", b, inc: 0 });
        h.commit();
        run(h, { k: "alive", except: -1 });
        h.commit();
        run(h, { k: "create", name: 0, parts: 4, rf: 3 });
        run(h, { k: "create", name: 1, parts: 3, rf: 2 });
        h.commit();
        for (const a of actions) run(h, a);
        h.commit();
        expect(h.errors).toEqual([]);
        expect(h.violations).toEqual([]);
        // Replaying the whole committed log from nothing reproduces every node's image...
        let replayed = MetadataImage.EMPTY;
        const snapshots: Uint8Array[] = [];
        for (const b of h.committedLog) {
          replayed = replayBatch(replayed, b.records, b.baseOffset);
          snapshots.push(encodeSnapshot(replayed));
        }
        for (const c of h.controllers) expect(imageDiff(c.committed, replayed)).toBeUndefined();
        for (const [, b] of h.brokers) expect(imageDiff(b.image, replayed)).toBeUndefined();
        // ...and so does loading a snapshot taken at any batch boundary and replaying the rest.
        const cut = Math.floor(h.committedLog.length / 2);
        let fromSnap = cut === 0 ? MetadataImage.EMPTY : decodeSnapshot(snapshots[cut - 1] as Uint8Array);
        for (const b of h.committedLog.slice(cut)) fromSnap = replayBatch(fromSnap, b.records, b.baseOffset);
        expect(imageDiff(fromSnap, replayed)).toBeUndefined();
        expect(imageDiff(decodeSnapshot(encodeSnapshot(replayed)), replayed)).toBeUndefined();
      }),
      { numRuns: 120, seed: 20261125 },
    );
  });

  it("a broker that stays silent past the session timeout ends up fenced and leading nothing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...BROKERS), (parts, rf, victim) => {
        const h = new Harness(1);
        h.elect(0);
        h.startBrokers(BROKERS);
        h.createTopic("x", parts, rf);
        for (let t = 0; t <= 9600; t += 50) {
          h.tick();
          h.commit();
          if (t % 2000 === 0) for (const b of BROKERS) if (b !== victim) h.heartbeat(b);
        }
        expect(h.active.committed.broker(victim)?.fenced).toBe(true);
        const table = h.active.committed.topicByName("x")!.partitions;
        for (let p = 0; p < table.count; p++) {
          expect(table.leader(p)).not.toBe(victim);
          // With other replicas alive the partition always has a leader again (rf > 1) or stays leaderless (rf = 1).
          if (table.replicaCount(p) > 1) expect(table.leader(p)).toBeGreaterThanOrEqual(0);
        }
        expect(h.errors).toEqual([]);
        expect(h.violations).toEqual([]);
      }),
      { numRuns: 15, seed: 7 },
    );
  });
});
