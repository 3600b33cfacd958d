/**
 * `quorate compare --real`, the running half: for each partition count, each design as real processes
 * ({@link KafkaLocalCluster}) — create the partitions, (ZooKeeper mode) probe the ZooKeeper server's costs,
 * `kill -9` the active controller and time the failover ({@link measureFailover}) — then the simulated
 * counterpart of the same cluster (`zk-controller/real-compare.ts`). Each cluster lives in its own temp dir
 * and is stopped by PID before the next starts.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  diffPct, simulateKraftFailover, simulateZkFailover, timingFromProbe, type RealCompareRow,
} from "../zk-controller/real-compare.js";
import type { ZkModeTiming } from "../zk-controller/timing.js";
import { KafkaLocalCluster } from "./kafka-cluster.js";
import { measureFailover, type RealFailover } from "./kafka-failover.js";
import type { KafkaNodeStatus } from "../node/kafka-node.js";

/** Options of {@link runRealCompare}. */
export interface RealCompareOptions {
  readonly partitions: readonly number[];
  readonly modes: readonly ("kraft" | "zk")[];
  /** Brokers in both designs (KRaft adds 3 controllers, ZooKeeper mode one ZooKeeper server). Default 3. */
  readonly brokers?: number;
  /** ZooKeeper mode's `zookeeper.session.timeout.ms`. Default 18,000. */
  readonly sessionTimeoutMs?: number;
  /** ZooKeeper servers: 1 (default) or an odd ensemble. */
  readonly zookeepers?: number;
  /** ZooKeeper's tickTime. Default 2,000. */
  readonly zkTickTimeMs?: number;
  /** The simulator's ZooKeeper-mode costs before the probe replaces the ZooKeeper ones (CPU per record stays). */
  readonly baseTiming: ZkModeTiming;
  /** Seeds of the simulated KRaft failover (its time depends on random election timeouts). Default 9. */
  readonly kraftSeeds?: number;
  /**
   * KRaft: failovers per count (the killed controller is restarted and caught up between them); the real figure
   * is their median. Default 3. ZooKeeper mode kills once (a restarted broker would not rejoin the ISRs: the
   * model has no replica fetching).
   */
  readonly kraftKills?: number;
  /** Keep each cluster's directory (logs) instead of removing it. */
  readonly keepDirs?: boolean;
  readonly progress?: (status: string) => void;
}

/** The report: rows, and the costs the probe gave per ZooKeeper-mode row. */
export interface RealCompareReport {
  readonly rows: readonly RealCompareRow[];
  readonly zkTiming: Readonly<Record<number, ZkModeTiming>>;
  readonly failovers: readonly RealFailover[];
}

/** Runs every mode at every count, real then simulated. */
export async function runRealCompare(o: RealCompareOptions): Promise<RealCompareReport> {
  const brokers = o.brokers ?? 3;
  const session = o.sessionTimeoutMs ?? 18_000;
  const rows: RealCompareRow[] = [];
  const zkTiming: Record<number, ZkModeTiming> = {};
  const failovers: RealFailover[] = [];
  for (const n of o.partitions) {
    for (const mode of o.modes) {
      const dir = await mkdtemp(join(tmpdir(), `quorate-real-${mode}-${n}-`));
      o.progress?.(`${mode} ${n}: starting processes in ${dir}`);
      const c = await KafkaLocalCluster.start({ mode, brokers, dir, sessionTimeoutMs: session, zkTickTimeMs: o.zkTickTimeMs ?? 2000, zookeepers: o.zookeepers ?? 1 });
      const samples: RealFailover[] = [];
      let probe;
      try {
        o.progress?.(`${mode} ${n}: creating ${n} partitions`);
        await c.createPartitions(n);
        if (mode === "zk") {
          o.progress?.(`${mode} ${n}: probing ZooKeeper's costs`);
          probe = await c.probeZooKeeper();
        }
        await new Promise((r) => setTimeout(r, 1000)); // let the last requests settle
        const kills = mode === "kraft" ? (o.kraftKills ?? 3) : 1;
        for (let k = 0; k < kills; k++) {
          if (k > 0) {
            const back = c.processes.find((p) => p.name === samples[k - 1]!.killed)!;
            o.progress?.(`${mode} ${n}: restarting ${back.name}`);
            await c.restart(back);
            await c.waitFor(`${back.name} catching up`, Date.now() + 60_000, async () => {
              const s = await c.status<KafkaNodeStatus>(back);
              return s !== undefined && s.partitions === n && s.quorumLeader >= 0 ? true : undefined;
            });
            await new Promise((r) => setTimeout(r, 1000));
          }
          o.progress?.(`${mode} ${n}: kill -9 the active controller (${k + 1} of ${kills})`);
          samples.push(await measureFailover(c, n));
        }
      } finally {
        await c.stop();
        if (o.keepDirs !== true) await rm(dir, { recursive: true, force: true });
      }
      failovers.push(...samples);
      const median = (xs: number[]): number => {
        const v = [...xs].sort((a, b) => a - b);
        return v.length % 2 === 1 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
      };
      const f = samples[samples.length - 1]!;
      const realMs = median(samples.map((x) => x.failoverMs));
      const realActiveMs = median(samples.map((x) => x.activeMs));
      o.progress?.(`${mode} ${n}: simulating`);
      if (mode === "zk") {
        const timing = timingFromProbe(probe!, o.baseTiming, session);
        zkTiming[n] = timing;
        const sim = simulateZkFailover(n, brokers, timing);
        const dflt = simulateZkFailover(n, brokers, { ...o.baseTiming, sessionTimeoutMs: session });
        rows.push({
          partitions: n, mode, realMs, realActiveMs, realSamplesMs: samples.map((x) => x.failoverMs), simMs: sim.ms, simActiveMs: sim.activeMs, diffPct: diffPct(realMs, sim.ms),
          reference: `default costs: ${(dflt.ms / 1000).toFixed(1)} s (${diffPct(realMs, dflt.ms) > 0 ? "+" : ""}${diffPct(realMs, dflt.ms)}%)`,
          killed: f.killed, successor: f.successor, epochs: [f.oldEpoch, f.newEpoch],
        });
      } else {
        const sim = simulateKraftFailover(n, brokers, o.kraftSeeds ?? 9);
        rows.push({
          partitions: n, mode, realMs, realActiveMs, realSamplesMs: samples.map((x) => x.failoverMs), simMs: sim.ms, simActiveMs: sim.ms, diffPct: diffPct(realMs, sim.ms),
          reference: `real: median of ${samples.map((x) => x.failoverMs).join(", ")} ms; sim: median of seeds 1..${o.kraftSeeds ?? 9}, ${Math.round(sim.min)}..${Math.round(sim.max)} ms`,
          killed: f.killed, successor: f.successor, epochs: [f.oldEpoch, f.newEpoch],
        });
      }
    }
  }
  return { rows, zkTiming, failovers };
}
