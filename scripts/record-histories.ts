/**
 * Records ordinary histories from real systems, as Jepsen EDN (one op map per line in one vector):
 *
 *   npx tsx scripts/record-histories.ts [--out DIR] [--system etcd|zk|both] [--seeds A..B] [--ops 1500]
 *
 * For every seed: a fresh namespace on a real single-node etcd 3.4 (`/usr/bin/etcd`) or ZooKeeper 3.8
 * (Debian's jars), 5–10 concurrent clients issuing about `--ops` operations — odd seeds one compare-and-set
 * register (read / write / cas), even seeds five string keys (get / put / append) — and one or two
 * pauses of the server (SIGSTOP for 1.5 s) during which in-flight ops time out on the client and become
 * `:info` (unknown outcome; the process is then replaced by a new one, as Jepsen does). The seed fixes each
 * client's sequence of ops and when the pauses come; real timing decides the interleaving, so a re-recording
 * is a new history of the same workload. Servers run on free 127.0.0.1 ports with temporary data
 * directories and are stopped by PID. Writes `<system>-<workload>-<seed>.edn` and `expected.json`.
 */
import { readdirSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { connectZooKeeper, createZnodes, etcdClient, zooKeeperClient } from "./recording/clients.js";
import type { Completion, StoreClient } from "./recording/clients.js";
import { startEtcd, startZooKeeper } from "./recording/servers.js";
import type { RunningServer } from "./recording/servers.js";
import { seededRandom } from "../test/support/seeded-random.js";
import { ednHistory, KV_KEYS, planOp } from "./recording/workload.js";
import type { EdnValue, HistoryEvent, PlannedOp, Workload } from "./recording/workload.js";

const CLIENT_TIMEOUT_MS = 1000;
const PAUSE_MS = 1500;

interface Recording {
  readonly events: HistoryEvent[];
  readonly clients: number;
  readonly infos: number;
}

function invocationValue(op: PlannedOp): EdnValue {
  switch (op.f) {
    case "read":
    case "get":
      return null;
    case "cas":
      return [op.from, op.to];
    default:
      return op.value;
  }
}

const TIMED_OUT = Symbol("timed out");

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one workload against `clients` and the server, returning the events in the order they happened. */
async function record(seed: number, workload: Workload, totalOps: number, server: RunningServer, makeClient: (index: number) => Promise<StoreClient>): Promise<Recording> {
  const random = seededRandom(seed);
  const clientCount = 5 + Math.floor(random() * 6);
  const pauses = new Set<number>();
  const pauseCount = random() < 0.3 ? 2 : 1;
  while (pauses.size < pauseCount) pauses.add(Math.floor(totalOps * (0.2 + random() * 0.6)));
  const clients = await Promise.all(Array.from({ length: clientCount }, (_, i) => makeClient(i)));
  const events: HistoryEvent[] = [];
  const start = process.hrtime.bigint();
  const now = (): number => Number(process.hrtime.bigint() - start);
  let issued = 0;
  let infos = 0;
  const nemesis: Promise<void>[] = [];
  const pause = (): void => {
    events.push({ type: "info", f: "pause", value: server.name, process: "nemesis", time: now() });
    server.pause();
    nemesis.push(
      new Promise((resolve) =>
        setTimeout(() => {
          server.resume();
          events.push({ type: "info", f: "resume", value: server.name, process: "nemesis", time: now() });
          resolve();
        }, PAUSE_MS),
      ),
    );
  };
  const loop = async (index: number): Promise<void> => {
    const client = clients[index]!;
    const own = seededRandom(seed * 1000 + index);
    let processId = index;
    for (let sequence = 0; issued < totalOps; sequence++) {
      if (pauses.has(issued)) pause();
      issued++;
      const op = planOp(workload, own, index, sequence);
      const key = "key" in op ? op.key : undefined;
      const value = invocationValue(op);
      const base = { f: op.f, ...(key !== undefined ? { key } : {}), process: processId };
      events.push({ ...base, type: "invoke", value, time: now() });
      let outcome: Completion | typeof TIMED_OUT;
      let error = "timeout";
      try {
        outcome = await withTimeout(client.run(op), CLIENT_TIMEOUT_MS);
      } catch (e) {
        outcome = TIMED_OUT;
        error = "exception";
        process.stderr.write(`  client ${index}: ${(e as Error).message}\n`);
      }
      if (outcome === TIMED_OUT) {
        events.push({ ...base, type: "info", value, time: now(), error });
        infos++;
        processId += clientCount; // Jepsen: a process whose op is indeterminate never runs again
        continue;
      }
      if (outcome.type === "fail") {
        events.push({ ...base, type: "fail", value, time: now(), error: outcome.error });
        continue;
      }
      events.push({ ...base, type: "ok", value: op.f === "read" || op.f === "get" ? outcome.value : value, time: now() });
    }
  };
  await Promise.all(clients.map((_, i) => loop(i)));
  await Promise.all(nemesis);
  // Abandoned requests may still be pending on the connections: closing drops them.
  for (const client of clients) client.close();
  return { events, clients: clientCount, infos };
}

function parseSeeds(text: string): number[] {
  const match = /^(\d+)\.\.(\d+)$/.exec(text);
  if (match) return Array.from({ length: Number(match[2]) - Number(match[1]) + 1 }, (_, i) => Number(match[1]) + i);
  return text.split(",").map(Number);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "test/data/histories/recorded" },
      system: { type: "string", default: "both" },
      seeds: { type: "string" },
      ops: { type: "string", default: "1500" },
    },
  });
  const out = values.out;
  mkdirSync(out, { recursive: true });
  const totalOps = Number(values.ops);
  const systems = values.system === "both" ? ["etcd", "zk"] : [values.system];
  for (const system of systems) {
    if (system !== "etcd" && system !== "zk") throw new Error(`--system: etcd, zk or both, got ${system}`);
    const seeds = values.seeds !== undefined ? parseSeeds(values.seeds) : system === "etcd" ? parseSeeds("101..115") : parseSeeds("201..215");
    const server = system === "etcd" ? await startEtcd() : await startZooKeeper();
    process.stdout.write(`${server.name} pid ${server.pid} on ${server.address}\n`);
    try {
      for (const seed of seeds) {
        const workload: Workload = seed % 2 === 1 ? "register" : "kv";
        const namespace = `h${seed}`;
        let makeClient: (index: number) => Promise<StoreClient>;
        if (system === "etcd") {
          makeClient = async () => etcdClient(server.address, `${namespace}/`);
        } else {
          const setup = await connectZooKeeper(server.address);
          await createZnodes(setup, [`/${namespace}`, `/${namespace}/r`, ...KV_KEYS.map((k) => `/${namespace}/${k}`)]);
          setup.close();
          makeClient = async () => zooKeeperClient(await connectZooKeeper(server.address), `/${namespace}`);
        }
        const recording = await record(seed, workload, totalOps, server, makeClient);
        const file = `${system}-${workload}-${seed}.edn`;
        const header = `recorded by scripts/record-histories.ts --system ${system} --seeds ${seed} --ops ${totalOps}: ${server.name} (Debian), ${recording.clients} clients, ${workload === "register" ? "one cas register (read/write/cas)" : "five keys (get/put/append)"}, ${recording.infos} ops timed out (:info)`;
        writeFileSync(path.join(out, file), ednHistory(header, recording.events));
        process.stdout.write(`  ${file}: ${recording.clients} clients, ${recording.events.length} events, ${recording.infos} :info\n`);
      }
    } finally {
      await server.stop();
    }
  }
  // The manifest lists every recorded file; both systems promise linearizable single-key operations.
  const files = readdirSync(out).filter((f) => f.endsWith(".edn")).sort();
  const histories = files.map((file) => ({ file, format: "jepsen-edn", model: file.includes("-kv-") ? "kv" : "cas-register", expected: "linearizable" }));
  writeFileSync(path.join(out, "expected.json"), `${JSON.stringify({ histories }, null, 1)}\n`);
}

await main();
