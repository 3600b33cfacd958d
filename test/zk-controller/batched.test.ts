// The batched (arithmetic) ZooKeeper-mode model against the exact run on real znodes, at sizes where both run.
import { describe, expect, it } from "vitest";
import { runZkModeBatched } from "../../src/adapters/zk-controller/batched.js";
import { COMPARE_SCENARIOS, runZkModeExact } from "../../src/adapters/zk-controller/scenarios.js";
import { ZK_MODE_DEFAULT_TIMING } from "../../src/adapters/zk-controller/timing.js";

describe("batched ZooKeeper-mode model agrees with the exact run", () => {
  for (const scenario of COMPARE_SCENARIOS) {
    for (const partitions of [150, 1200]) {
      it(`${scenario}, ${partitions} partitions: same request counts, time within 0.5 % (and 1 ms)`, () => {
        const exact = runZkModeExact({ scenario, partitions, brokers: 5 });
        const batched = runZkModeBatched({ scenario, partitions, brokers: 5 });
        expect(exact.violations).toEqual([]);
        expect(batched.zkReads).toBe(exact.counts.zkReads);
        expect(batched.zkWrites).toBe(exact.counts.zkWrites);
        expect(batched.brokerRecords).toBe(exact.counts.brokerRecords);
        const work = exact.ms - (scenario === "controller-failover" || scenario === "broker-failure" ? ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs : 0);
        expect(Math.abs(batched.ms - exact.ms)).toBeLessThanOrEqual(Math.max(1, 0.005 * work));
      });
    }
  }

  it("also with other timing constants (a slow ensemble, a window of 4, 7 brokers)", () => {
    const timing = { ...ZK_MODE_DEFAULT_TIMING, zkReadServiceMs: 0.3, zkWriteServiceMs: 0.8, zkWriteCommitMs: 5, maxInFlight: 4 };
    for (const scenario of COMPARE_SCENARIOS) {
      const exact = runZkModeExact({ scenario, partitions: 500, brokers: 7, timing });
      const batched = runZkModeBatched({ scenario, partitions: 500, brokers: 7, timing });
      expect(batched.zkWrites, scenario).toBe(exact.counts.zkWrites);
      expect(Math.abs(batched.ms - exact.ms), scenario).toBeLessThanOrEqual(Math.max(2, 0.01 * exact.ms));
    }
  });

  it("scales to 2M partitions in bounded time, failover growing with partitions", () => {
    const small = runZkModeBatched({ scenario: "controller-failover", partitions: 100_000 });
    const large = runZkModeBatched({ scenario: "controller-failover", partitions: 2_000_000 });
    expect(large.zkReads).toBeGreaterThanOrEqual(2_000_000);
    expect(large.ms - ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs).toBeGreaterThan(15 * (small.ms - ZK_MODE_DEFAULT_TIMING.sessionTimeoutMs));
  });
});
