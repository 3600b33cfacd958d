/**
 * The comparison scenarios in ZooKeeper mode, exactly: the `zk-controller` core and the broker core on real
 * znodes of quorate's ZooKeeper tree, on the simulator's clock. Each scenario measures from the fault (or the
 * start) until the last broker applied the last controller request — every partition then has a leader every
 * live broker knows, which the run verifies against the znodes.
 * @module
 */
import { ZkModeCluster, type ZkModeCounts } from "./cluster.js";
import type { ZkModeTiming } from "./timing.js";
import type { ZkModeViolation } from "../../check/invariants/zk-controller.js";

/** The scenarios both modes run. */
export const COMPARE_SCENARIOS = ["controller-failover", "broker-failure", "controlled-shutdown", "cold-start"] as const;
/** One of {@link COMPARE_SCENARIOS}. */
export type CompareScenario = (typeof COMPARE_SCENARIOS)[number];

/** Options of one exact ZooKeeper-mode run. */
export interface ZkModeRunOptions {
  readonly scenario: CompareScenario;
  readonly partitions: number;
  /** Brokers (each also a controller candidate, as in Kafka's ZooKeeper mode). Default 5. */
  readonly brokers?: number;
  readonly timing?: ZkModeTiming;
  /** Check every invariant after every event (small sizes). */
  readonly check?: boolean;
}

/** The outcome of an exact run. */
export interface ZkModeRunResult {
  readonly scenario: CompareScenario;
  readonly partitions: number;
  /** Simulated ms from the fault (or start) until every live broker knows every partition's leader. */
  readonly ms: number;
  /** Of which: until the new controller was active (failover only; −1 otherwise). */
  readonly activeMs: number;
  readonly counts: ZkModeCounts;
  readonly violations: readonly ZkModeViolation[];
  readonly timeline: readonly { t_ms: number; what: string }[];
}

/** Runs one scenario exactly. Throws nothing for a scenario that goes wrong: violations say so. */
export function runZkModeExact(o: ZkModeRunOptions): ZkModeRunResult {
  const c = new ZkModeCluster({ brokers: o.brokers ?? 5, partitions: o.partitions, check: o.check ?? false, ...(o.timing === undefined ? {} : { timing: o.timing }) });
  c.startAll();
  const loadEnd = c.run(3_600_000) ? c.lastBrokerApply : Number.NaN;
  const base = { zkReads: c.counts.zkReads, zkWrites: c.counts.zkWrites, brokerRequests: c.counts.brokerRequests, brokerRecords: c.counts.brokerRecords, events: c.counts.events };
  let ms = loadEnd;
  let activeMs = -1;
  const violations: ZkModeViolation[] = [];
  if (o.scenario !== "cold-start") {
    const t0 = c.now;
    const active = c.activeController();
    if (o.scenario === "controller-failover") c.crash(active);
    else {
      const victim = c.brokerIds.find((b) => b !== active)!;
      if (o.scenario === "broker-failure") c.crash(victim);
      else c.controlledShutdown(victim);
    }
    const settled = c.run(t0 + 3_600_000);
    if (!settled) violations.push({ invariant: "brokers-match-zookeeper", detail: "the run did not settle within an hour of simulated time" });
    ms = c.lastBrokerApply - t0;
    if (o.scenario === "controller-failover") {
      const became = c.timeline.find((e) => e.t_ms > t0 && e.what.includes("becomes the active controller"));
      activeMs = became === undefined ? -1 : became.t_ms - t0;
    }
  }
  violations.push(...c.violations, ...c.converged());
  const counts: ZkModeCounts = o.scenario === "cold-start" ? c.counts : {
    zkReads: c.counts.zkReads - base.zkReads, zkWrites: c.counts.zkWrites - base.zkWrites, brokerRequests: c.counts.brokerRequests - base.brokerRequests,
    brokerRecords: c.counts.brokerRecords - base.brokerRecords, events: c.counts.events - base.events,
  };
  return { scenario: o.scenario, partitions: o.partitions, ms, activeMs, counts, violations: violations.slice(0, 20), timeline: c.timeline };
}
