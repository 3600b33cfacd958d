/**
 * `npm run bench -- zk-controller [--ops N] [--rounds R] [--json]`: the calibration behind `quorate compare`
 * (docs/compare.md). Measures on this machine the quorate ZooKeeper ensemble's service time per read and write
 * and the zk-controller and zk-broker cores' CPU per partition record, then times the batched ZooKeeper-mode
 * model at 2M partitions beside its anchor, the exact run at 2,000 partitions, in the same run (shared machine:
 * only the ratio means much).
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { measureZkModeCosts } from "../src/adapters/zk-controller/calibrate.js";
import { runZkModeBatched } from "../src/adapters/zk-controller/batched.js";
import { runZkModeExact } from "../src/adapters/zk-controller/scenarios.js";

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { ops: { type: "string" }, rounds: { type: "string" }, json: { type: "boolean" } } });
  const ops = Number(values.ops ?? 2000);
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(ops) || ops < 1 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write("bench zk-controller: --ops and --rounds must be positive integers\n");
    process.exitCode = 2;
    return;
  }
  const costs = await measureZkModeCosts({ ops, rounds });
  let t = performance.now();
  runZkModeExact({ scenario: "controller-failover", partitions: 2000 });
  const exact2k = performance.now() - t;
  t = performance.now();
  runZkModeBatched({ scenario: "controller-failover", partitions: 2_000_000 });
  const batched2m = performance.now() - t;
  const result = { costs, wallMs: { exactFailover2000: exact2k, batchedFailover2M: batched2m } };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(`zk-controller calibration (${ops} ops, best of ${rounds}):
  ZooKeeper ensemble read service   ${(costs.zkReadServiceMs * 1000).toFixed(2)} µs
  ZooKeeper ensemble write service  ${(costs.zkWriteServiceMs * 1000).toFixed(2)} µs
  controller CPU per record         ${(costs.controllerCpuPerRecordMs * 1000).toFixed(3)} µs
  broker CPU per record             ${(costs.brokerCpuPerRecordMs * 1000).toFixed(3)} µs
wall time, same run: exact failover at 2,000 partitions ${exact2k.toFixed(0)} ms, batched failover at 2M ${batched2m.toFixed(0)} ms
`);
}
