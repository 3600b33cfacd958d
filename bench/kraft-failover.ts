/**
 * `npm run bench -- kraft-failover [--sizes 1000,10000,100000] [--seeds 1,2,3] [--json]`: controller failover
 * time in the simulator against the partition count (issue 6). Runs the `controller-failover` scenario of
 * `quorate simulate --system kraft` per size and seed and prints simulated failover milliseconds (deterministic),
 * the records the new controller replayed between the crash and its activation, and the wall time of each run
 * (noisy on a shared machine; nearly all of it is creating the partitions before the fault).
 */
import { parseArgs } from "node:util";
import { runScenario } from "../src/adapters/kraft/index.js";

export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { sizes: { type: "string" }, seeds: { type: "string" }, json: { type: "boolean" } } });
  const sizes = (values.sizes ?? "1000,10000,100000").split(",").map(Number);
  const seeds = (values.seeds ?? "1,2,3").split(",").map(Number);
  const rows: { partitions: number; seed: number; ok: boolean; failoverMs: number; replayed: number; wallMs: number }[] = [];
  for (const partitions of sizes) {
    for (const seed of seeds) {
      const t = performance.now();
      const r = runScenario("controller-failover", { partitions, seed });
      rows.push({ partitions, seed, ok: r.ok, failoverMs: r.metrics.failoverMs ?? -1, replayed: r.metrics.recordsReplayedAtFailover ?? -1, wallMs: Math.round(performance.now() - t) });
      if (values.json !== true) {
        const x = rows[rows.length - 1]!;
        process.stdout.write(`partitions ${String(partitions).padStart(7)}  seed ${seed}  failover ${String(x.failoverMs).padStart(5)} ms (simulated)  replayed ${x.replayed} records  ${x.ok ? "ok" : "FAILED"}  wall ${(x.wallMs / 1000).toFixed(1)} s\n`);
      }
    }
  }
  if (values.json === true) process.stdout.write(`${JSON.stringify({ suite: "kraft-failover", rows })}\n`);
}
