/**
 * `npm run bench -- zk-wire [--clients 1,32] [--ms 2000] [--warmup-ms 500] [--topology single,ensemble3] [--json]`
 *
 * The same client load against quorate's wire server (`quorate zk-server`, its own processes) and against a real
 * ZooKeeper 3.8 (Debian's package, started by the bench), one after the other in the same run, as a single server
 * and as a 3-member ensemble: N node-zookeeper-client sessions (session i on member i mod 3) each run one
 * operation in a closed loop for `ms` milliseconds, with 1 KiB data — create, getData, setData and
 * exists-with-watch (each session re-arming one watcher). Prints ops/s and p99 latency per case; `--json` prints
 * `{"cases":[{"name":"quorate/ensemble3/setData/c32","opsPerSec":…,"p99Ms":…},…]}`. Equal durability: quorate's
 * single node runs with a data directory (every write fdatasynced before it is acknowledged, group commit) as
 * ZooKeeper fsyncs its transaction log (forceSync=yes); in the ensembles both fsync every write on a majority.
 * Each server is warmed up the same way first: every operation for `--warmup-ms` at the largest client count.
 * The machine is shared: compare quorate and ZooKeeper within one run.
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startRealZooKeeper, startRealZooKeeperEnsemble } from "../test/support/real-zookeeper.js";
import { TestEnsemble } from "../test/zk-wire/ensemble-harness.js";
import { Nzk } from "../test/zk-wire/nzk.js";

interface Case {
  name: string;
  opsPerSec: number;
  p99Ms: number;
}

const OPS = ["create", "getData", "setData", "existsWatch"] as const;
type OpName = (typeof OPS)[number];

/** A system under test: its members' client ports (one for a single server) and how to stop it. */
interface Running {
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

const TOPOLOGIES = ["single", "ensemble3"] as const;
type Topology = (typeof TOPOLOGIES)[number];

/** Starts a 3-member `quorate zk-server --ensemble` (compiled dist/, data in a temp dir) and waits for its leader. */
async function startQuorateEnsemble(): Promise<Running> {
  const e = await TestEnsemble.start(3, "tickTime=2000\nmaxClientCnxns=0\n");
  try {
    await e.leader(30_000);
  } catch (err) {
    await e.stop();
    throw err;
  }
  return { ports: e.ports, stop: () => e.stop() };
}

/** Starts a durable `quorate zk-server` (compiled dist/, data in a temp dir) on a free port; resolves with the port and a stop function. */
async function startQuorate(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "quorate-bench-zkwire-"));
  const cfg = join(dir, "zoo.cfg");
  writeFileSync(cfg, "tickTime=2000\nmaxClientCnxns=0\n");
  const child = spawn(process.execPath, [resolve(import.meta.dirname, "../bin/quorate.js"), "zk-server", "--config", cfg, "--port", "0", "--data", join(dir, "data")], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((r) => child.once("close", () => r()));
  const port = await new Promise<number>((ok, fail) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m !== null) ok(Number(m[1]));
    });
    void exited.then(() => fail(new Error("quorate zk-server exited before listening")));
  });
  return {
    ports: [port],
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function p99(latencies: number[]): number {
  if (latencies.length === 0) return 0;
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

/** Runs one op kind with `clients` sessions for `ms`; returns ops/s and p99. */
async function load(ports: readonly number[], op: OpName, clients: number, ms: number, tag: string): Promise<{ opsPerSec: number; p99Ms: number }> {
  const sessions = await Promise.all(Array.from({ length: clients }, (_, i) => Nzk.connect(ports[i % ports.length]!, 30_000, 20_000)));
  const data = Buffer.alloc(1024, 0x61);
  const root = `/bench-${tag}-${op}-c${clients}`;
  await sessions[0]!.create(root, data);
  // Every session works on its own node (created up front for the reads and writes).
  await Promise.all(sessions.map((s, i) => s.create(`${root}/s${i}`, data)));
  const latencies: number[] = [];
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    sessions.map(async (s, i) => {
      // One watcher per session, re-armed by every exists (as a cache re-arms its watch). node-zookeeper-client
      // keeps a listener per distinct watcher function and scans them all on every registration: with a new
      // function per call the load generator's cost per op grew with every op (O(n²) per session), and the case
      // measured that scan, not the server.
      const watcher = (): void => undefined;
      for (let n = 0; performance.now() < end; n++) {
        const t = performance.now();
        if (op === "create") await s.create(`${root}/s${i}/n${n}`, data);
        else if (op === "getData") await s.getData(`${root}/s${i}`);
        else if (op === "setData") await s.setData(`${root}/s${i}`, data);
        else await s.exists(`${root}/s${i}`, watcher);
        latencies.push(performance.now() - t);
        done++;
      }
    }),
  );
  const elapsed = ms + Math.max(0, performance.now() - end);
  await Promise.all(sessions.map((s) => s.close()));
  return { opsPerSec: done / (elapsed / 1000), p99Ms: p99(latencies) };
}

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { clients: { type: "string" }, ms: { type: "string" }, "warmup-ms": { type: "string" }, topology: { type: "string" }, json: { type: "boolean" } }, strict: true });
  const topologies = (values.topology ?? TOPOLOGIES.join(",")).split(",");
  if (topologies.some((t) => !(TOPOLOGIES as readonly string[]).includes(t))) throw new RangeError(`bench zk-wire: --topology must be a comma-separated subset of ${TOPOLOGIES.join(",")}`);
  const clients = (values.clients ?? "1,32").split(",").map(Number);
  const ms = Number(values.ms ?? 2000);
  const warmupMs = Number(values["warmup-ms"] ?? 500);
  if (!Number.isSafeInteger(warmupMs) || warmupMs < 0) throw new RangeError("bench zk-wire: --warmup-ms must be an integer ≥ 0");
  if (clients.some((c) => !Number.isSafeInteger(c) || c <= 0) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError("bench zk-wire: --clients must be positive integers (comma-separated) and --ms a positive integer");
  }
  // node-zookeeper-client adds a listener per exists-with-watch call; thousands are expected here.
  EventEmitter.defaultMaxListeners = 0;
  const cases: Case[] = [];
  const zooKeeperSettings = { tickTimeMs: 2000, maxClientCnxns: 0, containerCheckIntervalMs: 1_000_000_000 };
  const servers: [string, Topology, () => Promise<Running>][] = [
    ["quorate", "single", startQuorate],
    ["zookeeper", "single", async () => {
      const zk = await startRealZooKeeper(zooKeeperSettings);
      return { ports: [zk.port], stop: () => zk.stop() };
    }],
    ["quorate", "ensemble3", startQuorateEnsemble],
    ["zookeeper", "ensemble3", () => startRealZooKeeperEnsemble(3, zooKeeperSettings)],
  ];
  for (const [system, topology, start] of servers) {
    if (!topologies.includes(topology)) continue;
    const server = await start();
    try {
      // Warm-up (JIT, connection set-up) before anything is measured.
      if (warmupMs > 0) for (const op of OPS) await load(server.ports, op, Math.max(...clients), warmupMs, `${system}-warmup`);
      for (const c of clients) {
        for (const op of OPS) {
          const r = await load(server.ports, op, c, ms, system);
          cases.push({ name: `${system}/${topology}/${op}/c${c}`, opsPerSec: Math.round(r.opsPerSec), p99Ms: Math.round(r.p99Ms * 100) / 100 });
        }
      }
    } finally {
      await server.stop();
    }
  }
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ cases })}\n`);
    return;
  }
  process.stdout.write(`zk-wire: node-zookeeper-client load, 1 KiB data, ${ms} ms per case (shared machine: compare within this run)\n`);
  process.stdout.write(`${"case".padEnd(34)} ${"ops/s".padStart(10)} ${"p99 ms".padStart(9)}\n`);
  for (const c of cases) process.stdout.write(`${c.name.padEnd(34)} ${c.opsPerSec.toLocaleString("en-US").padStart(10)} ${c.p99Ms.toFixed(2).padStart(9)}\n`);
}
