/**
 * `quorate cluster --nodes 3 [--data DIR]`: a local cluster of `quorate node` child processes on free loopback
 * ports with a live status line per node (role, term, commit, applied, snapshot index). `--mode kraft|zk` runs Kafka instead:
 * KRaft controllers and brokers, or a ZooKeeper server and ZooKeeper-mode brokers (`KafkaLocalCluster`), with a
 * status line per process. Ctrl-C (SIGINT) or SIGTERM stops every process by its PID and exits 0.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaLocalCluster, type KafkaMode } from "../../cluster/kafka-cluster.js";
import { LocalCluster } from "../../cluster/local-cluster.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate cluster [--nodes N] [--snapshot-count N] [--data DIR]
       quorate cluster --mode kraft [--controllers N] [--brokers N] [--partitions N] [--data DIR]
       quorate cluster --mode zk [--zookeepers N] [--brokers N] [--partitions N] [--session-timeout-ms MS] [--data DIR]

Starts a local cluster as child processes on free 127.0.0.1 ports and shows a live status line per process.
Ctrl-C stops them all.

  --nodes N        key-value mode (default): number of quorate key-value nodes (\`quorate node\`, 1-9). Default 3
  --snapshot-count N  key-value mode: each node snapshots its store and compacts its log every N applied
                   entries (\`quorate node --snapshot-count\`; 0: never). Default 10000
  --mode M         kraft: Kafka in KRaft mode (\`quorate kraft-node\` controllers and brokers);
                   zk: Kafka in ZooKeeper mode (\`quorate zk-server\` and \`quorate zk-broker\` brokers)
  --controllers N  KRaft controllers (1-9). Default 3
  --brokers N      Kafka brokers (3-9). Default 3
  --zookeepers N   ZooKeeper servers (\`quorate zk-server\`): 1 (one node, in memory) or an odd ensemble (3, 5, …:
                   \`--ensemble\`, writes through Raft with a durable log). Default 1
  --partitions N   create N partitions (topics of 100, replication factor 3) once the cluster is up. Default 0
  --session-timeout-ms MS  ZooKeeper mode: zookeeper.session.timeout.ms. Default 18000
  --data DIR       parent of the data directories and logs. Default: a new temp dir
${EXIT_CODES_HELP}
`;

const FLAGS = {
  nodes: { type: "string" },
  "snapshot-count": { type: "string" },
  mode: { type: "string" },
  controllers: { type: "string" },
  brokers: { type: "string" },
  zookeepers: { type: "string" },
  partitions: { type: "string" },
  "session-timeout-ms": { type: "string" },
  data: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let nodes = 3;
  let snapshotCount: number | undefined;
  let dir: string | undefined;
  let kafka: { mode: KafkaMode; controllers: number; brokers: number; zookeepers: number; partitions: number; sessionTimeoutMs: number } | undefined;
  try {
    const v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
    if (v.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    const int = (flag: string, text: string | undefined, dflt: number, min: number, max: number): number => {
      if (text === undefined) return dflt;
      if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`--${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
      return Number(text);
    };
    if (v.mode !== undefined) {
      if (v.mode !== "kraft" && v.mode !== "zk") throw new UsageError(`--mode must be kraft or zk, got ${JSON.stringify(v.mode)}`);
      if (v.nodes !== undefined) throw new UsageError("--nodes is for the key-value cluster; with --mode use --brokers/--controllers");
      kafka = {
        mode: v.mode, controllers: int("controllers", v.controllers, 3, 1, 9), brokers: int("brokers", v.brokers, 3, 3, 9),
        zookeepers: int("zookeepers", v.zookeepers, 1, 1, 9), partitions: int("partitions", v.partitions, 0, 0, 100_000),
        sessionTimeoutMs: int("session-timeout-ms", v["session-timeout-ms"], 18_000, 1000, 600_000),
      };
    } else if (v.controllers !== undefined || v.brokers !== undefined || v.zookeepers !== undefined || v.partitions !== undefined || v["session-timeout-ms"] !== undefined) {
      throw new UsageError("--controllers, --brokers, --zookeepers, --partitions and --session-timeout-ms need --mode kraft|zk");
    }
    if (v["snapshot-count"] !== undefined) {
      if (kafka !== undefined) throw new UsageError("--snapshot-count is for the key-value cluster");
      snapshotCount = int("snapshot-count", v["snapshot-count"], 0, 0, Number.MAX_SAFE_INTEGER);
    }
    if (v.nodes !== undefined) {
      if (!/^[1-9]$/.test(v.nodes)) throw new UsageError(`--nodes must be an integer in [1, 9], got ${JSON.stringify(v.nodes)}`);
      nodes = Number(v.nodes);
    }
    dir = v.data;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate cluster: ${e.message}\n\n${USAGE}`);
    return Exit.badInput;
  }
  dir ??= await mkdtemp(join(tmpdir(), "quorate-cluster-"));
  if (kafka !== undefined) return runKafka(kafka, dir);
  // Listen for the stop signal from the start: a supervisor may signal as soon as the cluster says it is up.
  const stopSignal = untilStopSignal();
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ nodes, dir, tickMs: 100, ...(snapshotCount === undefined ? {} : { snapshotCount }) });
  } catch (e) {
    process.stderr.write(`quorate cluster: ${(e as Error).message}\n`);
    return Exit.badInput;
  }
  process.stdout.write(`quorate cluster: ${nodes} nodes, data and logs in ${dir}\n`);
  for (const id of cluster.ids) process.stdout.write(`  node ${id}: pid ${cluster.pid(id)} client ${cluster.url(id)}\n`);
  const lines = (): Promise<string[]> =>
    Promise.all(
      cluster.ids.map(async (id) => {
        const s = await cluster.status(id, 500);
        return s === undefined ? `node ${id}: not answering` : `node ${id}: ${s.role.padEnd(14)} term ${s.term}  commit ${s.commit}  applied ${s.applied}  snapshot ${s.snapshotIndex}  leader ${s.leader || "-"}`;
      }),
    );
  await statusLoop(lines, stopSignal);
  process.stdout.write("quorate cluster: stopping\n");
  await cluster.stop();
  return Exit.ok;
};

/** `--mode kraft|zk`: a Kafka cluster with a status line per process until Ctrl-C. */
async function runKafka(k: { mode: KafkaMode; controllers: number; brokers: number; zookeepers: number; partitions: number; sessionTimeoutMs: number }, dir: string): Promise<ExitCode> {
  const stopSignal = untilStopSignal();
  let cluster: KafkaLocalCluster;
  try {
    cluster = await KafkaLocalCluster.start({ mode: k.mode, brokers: k.brokers, controllers: k.controllers, zookeepers: k.zookeepers, sessionTimeoutMs: k.sessionTimeoutMs, dir });
  } catch (e) {
    process.stderr.write(`quorate cluster: ${(e as Error).message}\n`);
    return Exit.badInput; // as the key-value cluster: a process that cannot start is reported, exit 2
  }
  const what = k.mode === "kraft" ? `${k.controllers} KRaft controllers and ${k.brokers} brokers` : `${k.zookeepers} ZooKeeper server${k.zookeepers > 1 ? "s" : ""} and ${k.brokers} ZooKeeper-mode brokers`;
  process.stdout.write(`quorate cluster: ${what}, data and logs in ${dir}\n`);
  for (const p of cluster.processes) process.stdout.write(`  ${p.name}: pid ${cluster.pid(p.name)}${p.http === undefined ? "" : ` status http://${p.http}/status`}\n`);
  if (k.partitions > 0) {
    process.stdout.write(`quorate cluster: creating ${k.partitions} partitions\n`);
    try {
      await Promise.race([cluster.createPartitions(k.partitions), stopSignal]);
    } catch (e) {
      process.stderr.write(`quorate cluster: ${(e as Error).message}\n`);
    }
  }
  await statusLoop(() => cluster.statusLines(), stopSignal);
  process.stdout.write("quorate cluster: stopping\n");
  await cluster.stop();
  return Exit.ok;
}

/** Redraws the status lines every 500 ms (in place on a terminal, on change otherwise) until `stop` resolves. */
async function statusLoop(lines: () => Promise<string[]>, stop: Promise<unknown>): Promise<void> {
  const tty = process.stdout.isTTY === true;
  let drawn = 0;
  let last = "";
  let running = true;
  void stop.then(() => (running = false));
  while (running) {
    const now = await lines();
    const text = now.join("\n");
    if (tty) {
      process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F` : ""}${now.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
      drawn = now.length;
    } else if (text !== last) process.stdout.write(`${text}\n`);
    last = text;
    await Promise.race([new Promise((r) => setTimeout(r, 500)), stop]);
  }
}
