/**
 * The ZooKeeper-mode scenarios computed arithmetically, for partition counts where the exact run (every znode
 * in quorate's tree, every message through the cores) would take too long or too much memory. It replays the
 * exact run's timing rules — the same FIFO ZooKeeper server with its service times, the same window of
 * `maxInFlight` pipelined requests, the same single-threaded controller and broker CPU per record, the same
 * request order — without building znodes or messages: per request a few additions, O(window) memory beside
 * the per-broker counters. What it leaves out (it is an approximation, and test/zk-controller/batched.test.ts
 * bounds the difference against the exact run): broker responses taking controller CPU, and the losing
 * controllers' registration attempts other than as a queue of writes at the ZooKeeper server.
 * @module
 */
import type { CompareScenario } from "./scenarios.js";
import { ZK_MODE_DEFAULT_TIMING, type ZkModeTiming } from "./timing.js";

/** Options of a batched run: as the exact run's. */
export interface ZkModeBatchedOptions {
  readonly scenario: CompareScenario;
  readonly partitions: number;
  readonly brokers?: number;
  readonly partitionsPerTopic?: number;
  readonly timing?: ZkModeTiming;
}

/** The batched outcome: simulated ms from the fault (or start) until every live broker knows every leader. */
export interface ZkModeBatchedResult {
  readonly scenario: CompareScenario;
  readonly partitions: number;
  readonly ms: number;
  readonly zkReads: number;
  readonly zkWrites: number;
  readonly brokerRecords: number;
}

class Machine {
  ctrl = 0;
  zk = 0;
  readonly broker = new Map<number, number>();
  lastApply = 0;
  zkReads = 0;
  zkWrites = 0;
  brokerRecords = 0;
  constructor(readonly T: ZkModeTiming) {}

  /** One request sent at `at`, served, its reply processed with `records` of CPU: when processing ends. */
  request(at: number, write: boolean, records = 1): number {
    const served = Math.max(at + this.T.networkOneWayMs, this.zk) + (write ? this.T.zkWriteServiceMs : this.T.zkReadServiceMs);
    this.zk = served;
    if (write) this.zkWrites++;
    else this.zkReads++;
    return this.cpu(served + (write ? this.T.zkWriteCommitMs : 0) + this.T.networkOneWayMs, records);
  }

  cpu(at: number, records: number): number {
    this.ctrl = Math.max(at, this.ctrl) + this.T.controllerCpuPerRecordMs * records;
    return this.ctrl;
  }

  /** `n` requests, the first `maxInFlight` sent at `at`, each next one when a reply has been processed. */
  pipeline(at: number, n: number, write: boolean, recordsOf: (i: number) => number): number {
    const W = this.T.maxInFlight;
    const done = new Float64Array(W);
    let last = at;
    for (let i = 0; i < n; i++) {
      const send = i < W ? at : done[i % W]!;
      last = this.request(send, write, recordsOf(i));
      done[i % W] = last;
    }
    return last;
  }

  /** A controller request of `records` partitions reaching broker `b` (sent at `at`). */
  toBroker(at: number, b: number, records: number): void {
    const end = Math.max(at + this.T.networkOneWayMs, this.broker.get(b) ?? 0) + this.T.brokerCpuPerRecordMs * Math.max(1, records);
    this.broker.set(b, end);
    this.brokerRecords += records;
    if (end > this.lastApply) this.lastApply = end;
  }
}

/** Runs one scenario batched. */
export function runZkModeBatched(o: ZkModeBatchedOptions): ZkModeBatchedResult {
  const T = o.timing ?? ZK_MODE_DEFAULT_TIMING;
  const B = o.brokers ?? 5;
  const perTopic = o.partitionsPerTopic ?? 100;
  const P = o.partitions;
  const topics = Math.ceil(P / perTopic);
  const ids = Array.from({ length: B }, (_, i) => i + 1);
  const replicaCount = new Map<number, number>(ids.map((b) => [b, 0]));
  // Replicas of partition i (global index) are brokers i, i+1, i+2 mod B, as ZkModeCluster.populate assigns them.
  const hosts = (i: number, b: number): boolean => [0, 1, 2].some((k) => ids[(i + k) % B] === b);
  for (let i = 0; i < P; i++) for (let k = 0; k < 3; k++) replicaCount.set(ids[(i + k) % B]!, replicaCount.get(ids[(i + k) % B]!)! + 1);
  const countHosting = (b: number): number => replicaCount.get(b)!;
  const m = new Machine(T);
  const ow = T.networkOneWayMs;

  /** Election by `B' = candidates` controllers woken at `at`; the first wins. Returns when the winner is active. */
  const elect = (at: number, candidates: number): number => {
    let t = m.cpu(at, 1);
    for (let k = 1; k < candidates; k++) m.request(t, false); // the others' exists
    t = m.request(t, false); // exists → no node (served first: its watch fires first)
    t = m.request(t, false); // getData /controller_epoch
    const won = m.request(t, true); // multi: create /controller, bump the epoch
    for (let k = 1; k < candidates; k++) {
      m.zk += T.zkReadServiceMs * 2 + T.zkWriteServiceMs; // the losers' getData and failing multi queue behind
      m.zkWrites++;
      m.zkReads += 2;
    }
    return won;
  };

  /** onControllerFailover with `live` brokers; `dead` (or 0) is a broker whose partitions are re-elected. Returns the end of the writes' sends. */
  const failover = (at: number, live: readonly number[], dead: number): void => {
    let t = m.request(at, false); // getChildren /brokers/ids
    t = m.request(t, false); // getChildren /brokers/topics
    t = m.pipeline(t, topics + P, false, (i) => (i < topics ? 1 + Math.min(perTopic, P - i * perTopic) : 1));
    const full = live.reduce((s, b) => s + countHosting(b), 0);
    const sendsAt = m.cpu(t, live.length * P + full);
    for (const b of live) {
      m.toBroker(sendsAt, b, P);
      m.toBroker(sendsAt, b, countHosting(b));
    }
    if (dead > 0) writesThenSend(sendsAt, live, dead);
  };

  /** One conditional write per partition with a replica on `dead`, then LeaderAndIsr/UpdateMetadata for them. */
  const writesThenSend = (at: number, live: readonly number[], dead: number): void => {
    const affected = replicaCount.get(dead)!;
    const last = affected > 0 ? m.pipeline(at, affected, true, () => 1) : at;
    const perBroker = new Map<number, number>(live.map((b) => [b, 0]));
    for (let i = 0; i < P; i++) if (hosts(i, dead)) for (let k = 0; k < 3; k++) { const b = ids[(i + k) % B]!; if (perBroker.has(b)) perBroker.set(b, perBroker.get(b)! + 1); }
    let records = 0;
    for (const n of perBroker.values()) records += n;
    records += live.length * affected;
    const sendsAt = m.cpu(last, records);
    for (const b of live) if (perBroker.get(b)! > 0) m.toBroker(sendsAt, b, perBroker.get(b)!);
    for (const b of live) m.toBroker(sendsAt, b, affected);
  };

  const active = 1;
  const start = elect(0, B);
  failover(start, ids, 0);
  const loadEnd = m.lastApply;
  if (o.scenario === "cold-start") return result(loadEnd);
  const t0 = Math.max(loadEnd, m.ctrl, m.zk);
  m.lastApply = 0;
  m.zkReads = m.zkWrites = m.brokerRecords = 0;
  const victim = o.scenario === "controller-failover" ? active : ids.find((b) => b !== active)!;
  const live = ids.filter((b) => b !== victim);
  if (o.scenario === "controller-failover") {
    const expired = Math.max(t0 + T.sessionTimeoutMs, m.zk) + T.zkWriteServiceMs;
    m.zk = expired;
    m.zkWrites++;
    const won = elect(expired + T.zkWriteCommitMs + ow, live.length);
    failover(won, live, victim);
  } else if (o.scenario === "broker-failure") {
    const expired = Math.max(t0 + T.sessionTimeoutMs, m.zk) + T.zkWriteServiceMs;
    m.zk = expired;
    m.zkWrites++;
    const t = m.request(m.cpu(expired + T.zkWriteCommitMs + ow, 1), false); // the controller's getChildren /brokers/ids
    writesThenSend(t, live, victim);
  } else {
    const stopRecords = replicaCount.get(victim)! - Math.ceil(replicaCount.get(victim)! / 3);
    const t = m.cpu(t0 + ow, 1 + stopRecords);
    m.toBroker(t, victim, stopRecords);
    writesThenSend(t, ids, victim);
    const stopped = m.ctrl + ow;
    const expired = Math.max(stopped + ow, m.zk) + T.zkWriteServiceMs;
    m.zk = expired;
    m.zkWrites++;
    const read = m.request(m.cpu(expired + T.zkWriteCommitMs + ow, 1), false);
    const sendsAt = m.cpu(read, 0);
    for (const b of live) m.toBroker(sendsAt, b, 0);
  }
  return result(m.lastApply - t0);

  function result(ms: number): ZkModeBatchedResult {
    return { scenario: o.scenario, partitions: P, ms, zkReads: m.zkReads, zkWrites: m.zkWrites, brokerRecords: m.brokerRecords };
  }
}
