/** `compare --real`'s computing half: the probe's costs as simulator constants, the difference, the table. */
import { describe, expect, it } from "vitest";
import { diffPct, formatRealCompare, simulateKraftFailover, simulateZkFailover, timingFromProbe } from "../../src/adapters/zk-controller/real-compare.js";
import { ZK_MODE_DEFAULT_TIMING } from "../../src/adapters/zk-controller/timing.js";

describe("compare --real: calibration and table", () => {
  it("turns a probe into ZooKeeper costs: service = per request at 10 in flight, network = half the rest of a lone read, commit = lone write − lone read", () => {
    const t = timingFromProbe({ readPerRequest10Ms: 0.05, readLatencyMs: 0.25, writePerRequest10Ms: 1.5, writeLatencyMs: 3.25 }, ZK_MODE_DEFAULT_TIMING, 6000);
    expect(t.zkReadServiceMs).toBe(0.05);
    expect(t.networkOneWayMs).toBe(0.1);
    expect(t.zkWriteServiceMs).toBe(1.5);
    expect(t.zkWriteCommitMs).toBe(3);
    expect(t.sessionTimeoutMs).toBe(6000);
    expect(t.controllerCpuPerRecordMs).toBe(ZK_MODE_DEFAULT_TIMING.controllerCpuPerRecordMs);
    // A lone request faster than the pipeline's per-request time (noise) leaves a floor, never a negative cost.
    const n = timingFromProbe({ readPerRequest10Ms: 0.08, readLatencyMs: 0.06, writePerRequest10Ms: 0.07, writeLatencyMs: 0.05 }, ZK_MODE_DEFAULT_TIMING, 18_000);
    expect(n.networkOneWayMs).toBe(0.005);
    expect(n.zkWriteCommitMs).toBe(0);
  });

  it("the difference is relative to the simulated figure", () => {
    expect(diffPct(1100, 1000)).toBe(10);
    expect(diffPct(19_800, 19_200)).toBe(3.1);
    expect(diffPct(1727, 2050)).toBe(-15.8);
  });

  it("simulates the same cluster: ZooKeeper mode waits for the session timeout and grows with partitions; KRaft reports the median of its seeds", () => {
    const fast = { ...ZK_MODE_DEFAULT_TIMING, sessionTimeoutMs: 2000 };
    const small = simulateZkFailover(100, 3, fast);
    const large = simulateZkFailover(1000, 3, fast);
    expect(small.activeMs).toBeGreaterThanOrEqual(2000);
    expect(large.ms).toBeGreaterThan(small.ms);
    const k = simulateKraftFailover(100, 3, 3);
    expect(k.min).toBeLessThanOrEqual(k.ms);
    expect(k.ms).toBeLessThanOrEqual(k.max);
    expect(k.min).toBeGreaterThan(1000); // a fetch timeout (2 s, minus at most one 500 ms long poll) must pass first
  }, 60_000);

  it("prints one line per row with the signed difference and the reference", () => {
    const text = formatRealCompare(
      [{ partitions: 10_000, mode: "zk", realMs: 33_200, realActiveMs: 15_600, realSamplesMs: [33_200], simMs: 34_400, simActiveMs: 18_000, diffPct: -3.5, reference: "default costs: 21.3 s", killed: "broker-3", successor: "broker-1", epochs: [1, 2] }],
      ["a note"],
    );
    expect(text).toMatch(/10,000 +ZooKeeper +33\.2 s +34\.4 s +-3\.5% +15\.6 s +18\.0 s +default costs: 21\.3 s/);
    expect(text).toMatch(/a note/);
  });
});
