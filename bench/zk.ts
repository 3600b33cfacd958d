/**
 * `npm run bench -- zk [--ops N] [--repeat R]`: create / setData / getData operations per second with 1 KiB data
 * on the single-process ZooKeeper-style service (quorate's pure core behind the typed client). Reports the best
 * of R repetitions, since the machine is shared. The 3-replica Raft-replicated figures come with that service.
 */
import { parseArgs } from "node:util";
import { ZkClient, ZkService } from "../src/adapters/zk/index.js";

async function measure(ops: number): Promise<Record<string, number>> {
  const service = new ZkService();
  const client = ZkClient.connect(service, 4000);
  const data = new Uint8Array(1024).fill(0x61);
  await client.create("/bench", "");
  const rate = async (body: (i: number) => Promise<unknown>) => {
    const start = performance.now();
    for (let i = 0; i < ops; i++) await body(i);
    return ops / ((performance.now() - start) / 1000);
  };
  const create = await rate((i) => client.create(`/bench/n${i}`, data));
  const setData = await rate((i) => client.setData(`/bench/n${i}`, data));
  const getData = await rate((i) => client.getData(`/bench/n${i}`));
  return { create, setData, getData };
}

/** Runs the suite: `--ops N` operations per kind (default 50,000), `--repeat R` repetitions (default 3). */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { ops: { type: "string" }, repeat: { type: "string" } }, strict: true });
  const ops = Number(values.ops ?? 50_000);
  const repeat = Number(values.repeat ?? 3);
  if (!Number.isSafeInteger(ops) || ops <= 0 || !Number.isSafeInteger(repeat) || repeat <= 0) {
    throw new RangeError("bench zk: --ops and --repeat must be positive integers");
  }
  const best: Record<string, number> = { create: 0, setData: 0, getData: 0 };
  for (let r = 0; r < repeat; r++) {
    const got = await measure(ops);
    for (const k of Object.keys(best)) best[k] = Math.max(best[k]!, got[k]!);
  }
  process.stdout.write(`zk in-process service, 1 KiB data, ${ops} ops each, best of ${repeat} (shared machine: noisy)\n`);
  for (const [k, v] of Object.entries(best)) process.stdout.write(`  ${k.padEnd(8)} ${Math.round(v).toLocaleString("en-US").padStart(12)} ops/s\n`);
}
