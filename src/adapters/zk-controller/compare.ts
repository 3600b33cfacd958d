/**
 * The comparison behind `quorate compare`: the same four scenarios in ZooKeeper mode (the `zk-controller`
 * core on real znodes up to {@link EXACT_MAX_PARTITIONS}, the batched model above) and in KRaft mode (the
 * KRaft scenarios on the simulator, plus the measured CPU per record the simulator does not charge), one row per
 * partition count and mode. Every figure says how it was obtained (`source`). docs/compare.md explains.
 * @module
 */
import { runScenario as runKraftScenario } from "../kraft/scenarios.js";
import { runZkModeBatched } from "./batched.js";
import { COMPARE_SCENARIOS, runZkModeExact, type CompareScenario } from "./scenarios.js";
import type { ZkModeTiming } from "./timing.js";

/** Largest partition count run exactly in ZooKeeper mode; the batched model above it. */
export const EXACT_MAX_PARTITIONS = 5000;
/** Largest partition count of the KRaft controller-failover scenario run on the simulator (its time is flat). */
export const KRAFT_FAILOVER_SIM_MAX = 10_000;
/**
 * Largest partition count at which the KRaft broker-failure, controlled-shutdown and cold-start scenarios run on the simulator
 * (a few seconds each); above it they run at this size and the CPU of the extra records is added.
 */
export const KRAFT_SCENARIO_SIM_MAX = 10_000;
/** Partition counts `compare` accepts. */
export const PARTITIONS_RANGE = { min: 10, max: 2_000_000 } as const;
/** Brokers in both modes (KRaft adds 3 controllers; ZooKeeper mode adds a 3-server ensemble). */
export const BROKERS = 5;

/** One row of the table. `null`: that scenario was not asked for. */
export interface CompareRow {
  readonly partitions: number;
  readonly mode: "zk" | "kraft";
  readonly failoverMs: number | null;
  readonly brokerFailureMs: number | null;
  readonly controlledShutdownMs: number | null;
  readonly loadMs: number | null;
  readonly bytesPerPartition: number;
  /** How each figure was obtained, by scenario. */
  readonly source: Readonly<Partial<Record<CompareScenario, string>>>;
}

/** The whole comparison. */
export interface CompareReport {
  readonly rows: readonly CompareRow[];
  readonly table: {
    readonly partitions: readonly number[];
    readonly scenarios: readonly CompareScenario[];
    readonly maxPartitionsFailoverUnder30s: { readonly zk: number; readonly kraft: string };
    readonly processes: { readonly zk: number; readonly kraft: number };
    readonly systems: { readonly zk: number; readonly kraft: number };
    readonly messagesPerMetadataChange: { readonly zk: number; readonly kraft: number };
    readonly published2M: { readonly controlledShutdownMs: { readonly zk: number; readonly kraft: number }; readonly uncontrolledRecoveryMs: { readonly zk: number; readonly kraft: number } };
    readonly timing: ZkModeTiming;
  };
}

/** What {@link compare} takes. */
export interface CompareOptions {
  readonly partitions: readonly number[];
  readonly scenarios: readonly CompareScenario[];
  readonly timing: ZkModeTiming;
  /** Bytes per partition measured for each mode (see measureBytesPerPartition in the command). */
  readonly bytesPerPartition: { readonly zk: number; readonly kraft: number };
  /** Called after each unit of work (one scenario of one row). */
  readonly progress?: (status: string) => void;
}

/** Runs the comparison. */
export function compare(o: CompareOptions): CompareReport {
  const rows: CompareRow[] = [];
  const kraftFailover = new Map<number, number>();
  const kraftBrokerFailure = new Map<number, number>();
  const kraftSimulated = new Map<string, { ms: number; records: number }>();
  const T = o.timing;
  for (const n of o.partitions) {
    const zk: Record<string, number | null> = { "controller-failover": null, "broker-failure": null, "controlled-shutdown": null, "cold-start": null };
    const kr: Record<string, number | null> = { ...zk };
    const zkSource: Partial<Record<CompareScenario, string>> = {};
    const krSource: Partial<Record<CompareScenario, string>> = {};
    for (const s of o.scenarios) {
      if (n <= EXACT_MAX_PARTITIONS) {
        const r = runZkModeExact({ scenario: s, partitions: n, brokers: BROKERS, timing: T });
        if (r.violations.length > 0) throw new Error(`ZooKeeper-mode ${s} at ${n} partitions broke ${r.violations[0]!.invariant}: ${r.violations[0]!.detail}`);
        zk[s] = r.ms;
        zkSource[s] = "exact: zk-controller core on quorate's ZooKeeper tree";
      } else {
        zk[s] = runZkModeBatched({ scenario: s, partitions: n, brokers: BROKERS, timing: T }).ms;
        zkSource[s] = "batched model of the exact run";
      }
      o.progress?.(`zk ${s} ${n}`);
      const affected = (3 * n) / BROKERS; // partitions with a replica on one broker: each needs a PartitionChangeRecord
      const perRecord = T.controllerCpuPerRecordMs + T.brokerCpuPerRecordMs;
      if (s === "controller-failover") {
        const size = Math.min(n, KRAFT_FAILOVER_SIM_MAX);
        if (!kraftFailover.has(size)) kraftFailover.set(size, kraftScenarioMetric("controller-failover", size, "failoverMs"));
        kr[s] = kraftFailover.get(size)!;
        krSource[s] = size === n ? "KRaft scenario on the simulator" : `KRaft scenario on the simulator at ${size} partitions (the standby holds the image: flat)`;
      } else if (s === "broker-failure") {
        // The simulator charges no CPU: add that of a PartitionChangeRecord per partition with a replica on the broker.
        const size = Math.min(n, KRAFT_SCENARIO_SIM_MAX);
        if (!kraftBrokerFailure.has(size)) kraftBrokerFailure.set(size, kraftScenarioMetric("broker-failure", size, "clientSeesLeaderMs"));
        kr[s] = kraftBrokerFailure.get(size)! + affected * perRecord;
        krSource[s] = `KRaft scenario on the simulator${size === n ? "" : ` at ${size} partitions`} + measured CPU per PartitionChangeRecord at ${n}`;
      } else {
        // The simulator measures the protocol (requests, commits, fetches, elections) in simulated time but charges
        // no CPU: the measured CPU of every record the scenario committed (or replayed) is added, scaled to n above
        // the simulated size.
        const size = Math.min(n, KRAFT_SCENARIO_SIM_MAX);
        const key = `${s}@${size}`;
        if (!kraftSimulated.has(key)) {
          const [ms, records] = s === "controlled-shutdown" ? ["everyBrokerKnowsMs", "recordsCommitted"] : ["everyBrokerHasMetadataMs", "recordsInLog"];
          const [simMs, simRecords] = kraftScenarioMetrics(s, size, [ms, records]);
          kraftSimulated.set(key, { ms: simMs!, records: simRecords! });
        }
        const sim = kraftSimulated.get(key)!;
        kr[s] = sim.ms + (sim.records * n * perRecord) / size;
        const what = s === "controlled-shutdown" ? "PartitionChangeRecord committed" : "record replayed";
        krSource[s] = size === n ? `KRaft scenario on the simulator + measured CPU per ${what}` : `KRaft scenario on the simulator at ${size} partitions + measured CPU per ${what}, records scaled to ${n}`;
      }
      o.progress?.(`kraft ${s} ${n}`);
    }
    rows.push(row(n, "zk", zk, o.bytesPerPartition.zk, zkSource));
    rows.push(row(n, "kraft", kr, o.bytesPerPartition.kraft, krSource));
  }
  return {
    rows,
    table: {
      partitions: o.partitions,
      scenarios: o.scenarios,
      maxPartitionsFailoverUnder30s: { zk: largestUnder(30_000, T), kraft: `≥ ${Math.max(...o.partitions)} (flat: ${[...kraftFailover.values()].map((v) => Math.round(v)).join(", ")} ms)` },
      processes: { zk: BROKERS + 3, kraft: BROKERS + 3 },
      systems: { zk: 2, kraft: 1 },
      // One leader change: ZooKeeper mode = 1 write request + its reply + the ensemble's proposal/ack/commit to
      // 2 followers (6) + LeaderAndIsr to 3 replicas + UpdateMetadata to every broker (and their responses).
      // KRaft = 1 record appended, fetched by 2 standby controllers and every broker (request + response each).
      messagesPerMetadataChange: { zk: 2 + 6 + 2 * 3 + 2 * BROKERS, kraft: 2 * (2 + BROKERS) },
      published2M: { controlledShutdownMs: { zk: 135_000, kraft: 32_000 }, uncontrolledRecoveryMs: { zk: 503_000, kraft: 37_000 } },
      timing: T,
    },
  };
}

function row(n: number, mode: "zk" | "kraft", v: Record<string, number | null>, bytes: number, source: Partial<Record<CompareScenario, string>>): CompareRow {
  const r = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
  return { partitions: n, mode, failoverMs: r(v["controller-failover"]!), brokerFailureMs: r(v["broker-failure"]!), controlledShutdownMs: r(v["controlled-shutdown"]!), loadMs: r(v["cold-start"]!), bytesPerPartition: Math.round(bytes), source };
}

function kraftScenarioMetric(name: CompareScenario, partitions: number, metric: string): number {
  return kraftScenarioMetrics(name, partitions, [metric])[0]!;
}

/** Runs a KRaft scenario once and returns the named metrics; throws when it did not complete. */
function kraftScenarioMetrics(name: CompareScenario, partitions: number, metrics: readonly string[]): number[] {
  const r = runKraftScenario(name, { partitions, seed: 1, brokers: BROKERS });
  const values = metrics.map((m) => r.metrics[m]);
  if (!r.ok || values.some((v) => v === undefined)) throw new Error(`KRaft ${name} at ${partitions} partitions did not complete: ${r.expectations.filter((e) => !e.ok).map((e) => e.detail).join("; ")}`);
  return values as number[];
}

/** The largest partition count (to 1 %) whose ZooKeeper-mode failover stays under `limitMs`, by the batched model. */
export function largestUnder(limitMs: number, timing: ZkModeTiming): number {
  const at = (n: number): number => runZkModeBatched({ scenario: "controller-failover", partitions: n, brokers: BROKERS, timing }).ms;
  if (at(PARTITIONS_RANGE.min) >= limitMs) return 0;
  let lo: number = PARTITIONS_RANGE.min;
  let hi: number = PARTITIONS_RANGE.max;
  if (at(hi) < limitMs) return hi;
  while (hi - lo > lo / 100) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) < limitMs) lo = mid;
    else hi = mid;
  }
  return lo;
}

export { COMPARE_SCENARIOS };
