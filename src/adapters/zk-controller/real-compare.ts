/**
 * `quorate compare --real`, the computing half: the simulated counterpart of each real failover (same brokers,
 * same partitions, same session timeout; ZooKeeper costs calibrated from a probe of the real server), the
 * difference in %, and the table. No I/O: `src/adapters/cluster/real-compare-run.ts` runs the processes.
 * @module
 */
import { runScenario as runKraftScenario } from "../kraft/scenarios.js";
import { runZkModeBatched } from "./batched.js";
import { EXACT_MAX_PARTITIONS } from "./compare.js";
import { runZkModeExact } from "./scenarios.js";
import type { ZkModeTiming } from "./timing.js";

/** What a probe of the real ZooKeeper server measured (see `KafkaLocalCluster.probeZooKeeper`), ms. */
export interface ZkProbe {
  readonly readPerRequest10Ms: number;
  readonly readLatencyMs: number;
  readonly writePerRequest10Ms: number;
  readonly writeLatencyMs: number;
}

/**
 * The simulator's ZooKeeper costs from a probe of the real server: the serialised part of a request is its
 * time per request with 10 in flight (the pipeline's throughput); the rest of a lone read's latency is the
 * network, both ways; what a lone write takes beyond a lone read is its commit. CPU per record and the
 * in-flight limit stay as `base` has them; the session timeout is the real cluster's.
 */
export function timingFromProbe(p: ZkProbe, base: ZkModeTiming, sessionTimeoutMs: number): ZkModeTiming {
  const round = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    ...base,
    sessionTimeoutMs,
    zkReadServiceMs: round(p.readPerRequest10Ms),
    networkOneWayMs: round(Math.max(0.005, (p.readLatencyMs - p.readPerRequest10Ms) / 2)),
    zkWriteServiceMs: round(p.writePerRequest10Ms),
    zkWriteCommitMs: round(Math.max(0, p.writeLatencyMs - p.readLatencyMs)),
  };
}

/** The simulated ZooKeeper-mode failover with `brokers` brokers: until every broker knows the new leaders, and until the successor is active. */
export function simulateZkFailover(partitions: number, brokers: number, timing: ZkModeTiming): { ms: number; activeMs: number; source: string } {
  if (partitions <= EXACT_MAX_PARTITIONS) {
    const r = runZkModeExact({ scenario: "controller-failover", partitions, brokers, timing });
    if (r.violations.length > 0) throw new Error(`simulated ZooKeeper-mode failover at ${partitions} partitions broke ${r.violations[0]!.invariant}: ${r.violations[0]!.detail}`);
    return { ms: r.ms, activeMs: r.activeMs, source: "exact run" };
  }
  const b = runZkModeBatched({ scenario: "controller-failover", partitions, brokers, timing });
  return { ms: b.ms, activeMs: timing.sessionTimeoutMs, source: "batched model" };
}

/**
 * The simulated KRaft failover (until a standby is active) over `seeds` seeds: median, min and max. The median,
 * not the mean: in some seeds both standbys time out in the same 10 ms slice of the simulator, split the vote
 * and wait an election backoff (~1 s more) — a tail real processes, desynchronised by the OS, rarely show.
 */
export function simulateKraftFailover(partitions: number, brokers: number, seeds: number): { ms: number; min: number; max: number } {
  const all: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runKraftScenario("controller-failover", { partitions, seed, brokers });
    const v = r.metrics.failoverMs;
    if (!r.ok || v === undefined) throw new Error(`simulated KRaft failover at ${partitions} partitions, seed ${seed}, did not complete: ${r.expectations.filter((e) => !e.ok).map((e) => e.detail).join("; ")}`);
    all.push(v);
  }
  const sorted = [...all].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return { ms: sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** One row: a mode at a partition count, real beside simulated. */
export interface RealCompareRow {
  readonly partitions: number;
  readonly mode: "zk" | "kraft";
  /** Wall-clock ms from kill -9 until the cluster served again (real processes). */
  readonly realMs: number;
  /** Of which until the successor was active. */
  readonly realActiveMs: number;
  /** Every real failover measured (`realMs` is their median). */
  readonly realSamplesMs: readonly number[];
  /** The simulator's figure for the same cluster (calibrated costs in ZooKeeper mode; median over seeds in KRaft). */
  readonly simMs: number;
  readonly simActiveMs: number;
  /** (real − simulated) / simulated, in %. */
  readonly diffPct: number;
  /** ZooKeeper mode: the simulator with the default (documented) costs instead of the probe's; KRaft: the seeds' range. */
  readonly reference: string;
  readonly killed: string;
  readonly successor: string;
  readonly epochs: readonly [number, number];
}

/** The difference of `real` from `sim`, in %, to one decimal. */
export function diffPct(real: number, sim: number): number {
  return Math.round(((real - sim) / sim) * 1000) / 10;
}

/** The table as text. */
export function formatRealCompare(rows: readonly RealCompareRow[], notes: readonly string[]): string {
  const s = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
  const head = ["partitions", "mode", "real", "simulated", "diff", "real active", "sim active", "reference"];
  const body = rows.map((r) => [r.partitions.toLocaleString("en"), r.mode === "zk" ? "ZooKeeper" : "KRaft", s(r.realMs), s(r.simMs), `${r.diffPct > 0 ? "+" : ""}${r.diffPct}%`, s(r.realActiveMs), s(r.simActiveMs), r.reference]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 1 || i === 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(head), ...body.map(line), "", ...notes, ""].join("\n");
}
