/**
 * `npm run bench -- zk-ensemble [--ops N] [--rounds N] [--json]`: the replicated ZooKeeper service, 3 replicas
 * in process over a synchronously delivered network (every message delivered before a call returns) with
 * in-memory disks. One client session, one request at a time (each awaited), 1 KiB of data:
 * create (N new nodes), setData (each once), getData (each once; local reads, and linearizable reads through
 * ReadIndex). The session is attached to the leader, then to a follower (which forwards writes to the leader).
 * After one unmeasured warm-up round, best of `rounds` fresh clusters; ops/s per phase.
 */
import { parseArgs } from "node:util";
import { EnsembleClient, EnsembleCluster } from "../src/adapters/zk-ensemble/index.js";

interface Case {
  readonly via: "leader" | "follower";
  readonly phase: "create" | "setData" | "getData" | "getData-linearizable";
  readonly ops: number;
  readonly opsPerSec: number;
  readonly usPerOp: number;
}

async function round(via: "leader" | "follower", ops: number, data: Uint8Array): Promise<Map<Case["phase"], number>> {
  const cluster = EnsembleCluster.started({ replicas: 3, seed: 1 });
  const leader = cluster.leader()!;
  const replica = via === "leader" ? leader : cluster.ids.find((id) => id !== leader)!;
  const client = await EnsembleClient.connect(cluster, { replica, timeoutMs: 4000 });
  await client.create("/bench");
  const out = new Map<Case["phase"], number>();
  const time = async (phase: Case["phase"], op: (i: number) => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) await op(i);
    out.set(phase, performance.now() - t0);
  };
  await time("create", (i) => client.create(`/bench/n${i}`, data));
  await time("setData", (i) => client.setData(`/bench/n${i}`, data));
  await time("getData", (i) => client.getData(`/bench/n${i}`));
  await time("getData-linearizable", (i) => client.getData(`/bench/n${i}`, { linearizable: true }));
  return out;
}

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { ops: { type: "string" }, rounds: { type: "string" }, json: { type: "boolean" } },
  });
  const ops = Number(values.ops ?? 5000);
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(ops) || ops < 1 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write("bench zk-ensemble: --ops and --rounds must be positive integers\n");
    process.exitCode = 2;
    return;
  }
  const data = new Uint8Array(1024).fill(7);
  await round("follower", Math.min(ops, 1000), data); // warm-up: let the JIT settle before measuring
  const cases: Case[] = [];
  for (const via of ["leader", "follower"] as const) {
    const best = new Map<Case["phase"], number>();
    for (let r = 0; r < rounds; r++) {
      for (const [phase, ms] of await round(via, ops, data)) best.set(phase, Math.min(best.get(phase) ?? Infinity, ms));
    }
    for (const [phase, ms] of best) {
      const c: Case = { via, phase, ops, opsPerSec: Math.round((ops / ms) * 1000), usPerOp: Math.round((ms / ops) * 1000 * 10) / 10 };
      cases.push(c);
      if (values.json !== true) process.stdout.write(`zk-ensemble 3 replicas, via ${via.padEnd(8)} ${phase.padEnd(21)} 1 KiB: ${String(c.opsPerSec).padStart(8)} ops/s (${c.usPerOp} µs/op)\n`);
    }
  }
  if (values.json === true) process.stdout.write(`${JSON.stringify({ cases })}\n`);
}
