/**
 * `npm run bench -- cluster [--ms 3000] [--clients 1,16,64] [--warmup-ms 3000] [--node-args "…"] [--json]`: put throughput and latency of a 3-node
 * quorate cluster, then of a 3-member etcd 3.4 cluster (Debian /usr/bin/etcd), one after the other (never both at
 * once), on loopback free ports with data in temp dirs, fsync on, stopped by PID; both driven by the same
 * HTTP/JSON client (the etcd v3 gateway) at the leader, 100-byte values. `--json` prints
 * `{"cases":[{"name":"quorate/put/c16","opsPerSec","p50Ms","p99Ms","cpuMsPerOp","wakeupsPerOp","diskKiBPerOp"},…]}`
 * (`cpuMsPerOp`: CPU time of the servers' processes per put; `wakeupsPerOp`: their threads' voluntary context
 * switches per put; `diskKiBPerOp`: what they wrote to the disk per put; all from /proc). Each system is warmed up the same way before its first case (`--warmup-ms` of puts at 4
 * clients, then as long at 1 client): steady state, not start-up — a fresh Node process runs its first seconds
 * in V8's interpreter, and a fresh member of either system prepares its log files. `--node-args` replaces the Node.js options of the quorate nodes (space-separated; default
 * {@link DEFAULT_NODE_ARGS}; `""` for none): to compare a V8 option, or to profile (`--cpu-prof --cpu-prof-dir=D`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, open, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_NODE_ARGS, LocalCluster, freePorts } from "../src/adapters/cluster/local-cluster.js";
import { KvClient } from "../src/adapters/cluster/kv-client.js";

interface Case {
  readonly name: string;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time (user + system) the servers' processes spent per put: the cost that decides throughput on a busy machine. */
  readonly cpuMsPerOp: number;
  /**
   * Voluntary context switches of the servers' threads per put: how often they slept and had to be woken. On a
   * shared machine each wake-up waits for a core, so for one system (not across systems: a Go runtime spins and
   * parks its threads on its own terms) this is the least noisy measure of the hand-offs on a put's path.
   */
  readonly wakeupsPerOp: number;
  /** Bytes the servers' processes caused to be written to the disk per put (`write_bytes` of /proc/<pid>/io), in KiB. */
  readonly diskKiBPerOp: number;
}

/** What the servers' processes used so far (see {@link Case}). */
interface Usage {
  readonly cpuMs: number;
  readonly wakeups: number;
  readonly diskBytes: number;
}

/**
 * CPU milliseconds (user + system) the processes `pids` used so far, the bytes they caused to be written to disk, and their threads' voluntary context
 * switches (Linux /proc; nothing for a process gone).
 */
async function usage(pids: readonly (number | undefined)[]): Promise<Usage> {
  let ticks = 0;
  let wakeups = 0;
  let diskBytes = 0;
  for (const pid of pids) {
    if (pid === undefined) continue;
    try {
      // Fields after the command name (which may hold spaces): state is field 3; utime and stime are 14 and 15.
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      diskBytes += Number(/^write_bytes: (\d+)$/m.exec(await readFile(`/proc/${pid}/io`, "utf8").catch(() => ""))?.[1] ?? 0);
      for (const tid of await readdir(`/proc/${pid}/task`)) {
        const status = await readFile(`/proc/${pid}/task/${tid}/status`, "utf8").catch(() => "");
        wakeups += Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
      }
    } catch {
      // gone
    }
  }
  return { cpuMs: ticks * 10, wakeups, diskBytes }; // USER_HZ is 100 on Linux
}

const VALUE = "v".repeat(100);

/**
 * `clients` loops of put, each waiting for its answer, for `ms`. With `starts`, the start of each put that
 * succeeded (milliseconds since the epoch, `performance.timeOrigin + performance.now()`) is pushed to it, in the
 * order of `latencies`.
 */
export async function drive(base: string, clients: number, ms: number, starts?: number[]): Promise<{ ops: number; latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = new KvClient(base, 10_000);
      let i = 0;
      while (Date.now() < end) {
        const t0 = performance.now();
        const r = await client.put(`bench/${c}/${i++ % 100}`, VALUE);
        if (r.type === "ok") (latencies.push(performance.now() - t0), starts?.push(performance.timeOrigin + t0));
        else errors++;
      }
    }),
  );
  return { ops: latencies.length, latencies, errors };
}

function summarize(system: string, clients: number, ms: number, r: { ops: number; latencies: number[] }, used: Usage): Case {
  const sorted = r.latencies.slice().sort((a, b) => a - b);
  const q = (p: number): number => (sorted.length === 0 ? NaN : Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2)));
  return { name: `${system}/put/c${clients}`, opsPerSec: Math.round((r.ops * 1000) / ms), p50Ms: q(0.5), p99Ms: q(0.99), cpuMsPerOp: r.ops === 0 ? NaN : Number((used.cpuMs / r.ops).toFixed(3)), wakeupsPerOp: r.ops === 0 ? NaN : Number((used.wakeups / r.ops).toFixed(2)), diskKiBPerOp: r.ops === 0 ? NaN : Number((used.diskBytes / 1024 / r.ops).toFixed(1)) };
}

async function waitUntil(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The URL of the quorate cluster's leader, once there is one. */
export async function quorateLeader(cluster: LocalCluster): Promise<string> {
  let leader = "";
  await waitUntil("a quorate leader", async () => {
    for (const id of cluster.ids) if ((await cluster.status(id))?.role === "leader") leader = cluster.url(id);
    return leader !== "";
  });
  return leader;
}

async function startEtcd(dir: string): Promise<{ procs: ChildProcess[]; urls: string[] }> {
  const ports = await freePorts(6);
  const peer = (i: number): string => `http://127.0.0.1:${ports[3 + i]}`;
  const urls = [0, 1, 2].map((i) => `http://127.0.0.1:${ports[i]}`);
  const initial = [0, 1, 2].map((i) => `e${i}=${peer(i)}`).join(",");
  const procs: ChildProcess[] = [];
  for (const i of [0, 1, 2]) {
    const log = await open(join(dir, `etcd-${i}.log`), "w");
    procs.push(
      spawn("/usr/bin/etcd", [
        "--name", `e${i}`, "--data-dir", join(dir, `e${i}`),
        "--listen-client-urls", urls[i]!, "--advertise-client-urls", urls[i]!,
        "--listen-peer-urls", peer(i), "--initial-advertise-peer-urls", peer(i),
        "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", "quorate-bench",
      ], { stdio: ["ignore", log.fd, log.fd] }),
    );
    void log.close();
  }
  return { procs, urls };
}

async function etcdLeader(urls: readonly string[]): Promise<string> {
  let leader = "";
  await waitUntil("an etcd leader", async () => {
    for (const url of urls) {
      try {
        const res = await fetch(`${url}/v3/maintenance/status`, { method: "POST", body: "{}", signal: AbortSignal.timeout(1000) });
        const s = (await res.json()) as { header?: { member_id?: string }; leader?: string };
        if (s.leader !== undefined && s.leader === s.header?.member_id) leader = url;
      } catch {
        // not up yet
      }
    }
    return leader !== "";
  });
  return leader;
}

async function stopAll(procs: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once("exit", r));
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(t);
    }),
  );
}

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { ms: { type: "string" }, clients: { type: "string" }, "warmup-ms": { type: "string" }, "node-args": { type: "string" }, json: { type: "boolean" } }, strict: true });
  const ms = Number(values.ms ?? 3000);
  const warmupMs = Number(values["warmup-ms"] ?? 3000);
  if (!Number.isFinite(warmupMs) || warmupMs < 0) throw new Error(`--warmup-ms must be a number of milliseconds ≥ 0, got ${values["warmup-ms"]}`);
  const warmUp = async (leader: string): Promise<void> => {
    await drive(leader, 4, warmupMs);
    await drive(leader, 1, warmupMs);
  };
  const concurrency = (values.clients ?? "1,16,64").split(",").map(Number);
  const nodeArgs = values["node-args"] === undefined ? DEFAULT_NODE_ARGS : values["node-args"].split(" ").filter((a) => a !== "");
  const log = (line: string): void => void (values.json === true ? undefined : process.stderr.write(`${line}\n`));
  const cases: Case[] = [];
  const dir = await mkdtemp(join(tmpdir(), "quorate-bench-cluster-"));
  try {
    const cluster = await LocalCluster.start({ nodes: 3, dir: join(dir, "quorate"), tickMs: 100, nodeArgs });
    try {
      const leader = await quorateLeader(cluster);
      await warmUp(leader);
      const pids = cluster.ids.map((id) => cluster.pid(id));
      for (const c of concurrency) {
        const u0 = await usage(pids);
        const r = await drive(leader, c, ms);
        const u1 = await usage(pids);
        cases.push(summarize("quorate", c, ms, r, { cpuMs: u1.cpuMs - u0.cpuMs, wakeups: u1.wakeups - u0.wakeups, diskBytes: u1.diskBytes - u0.diskBytes }));
        log(`${JSON.stringify(cases.at(-1))}${r.errors > 0 ? ` (${r.errors} errors)` : ""}`);
      }
    } finally {
      await cluster.stop();
    }
    const etcd = await startEtcd(dir);
    try {
      const leader = await etcdLeader(etcd.urls);
      await warmUp(leader);
      const pids = etcd.procs.map((p) => p.pid);
      for (const c of concurrency) {
        const u0 = await usage(pids);
        const r = await drive(leader, c, ms);
        const u1 = await usage(pids);
        cases.push(summarize("etcd", c, ms, r, { cpuMs: u1.cpuMs - u0.cpuMs, wakeups: u1.wakeups - u0.wakeups, diskBytes: u1.diskBytes - u0.diskBytes }));
        log(`${JSON.stringify(cases.at(-1))}${r.errors > 0 ? ` (${r.errors} errors)` : ""}`);
      }
    } finally {
      await stopAll(etcd.procs);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (values.json === true) process.stdout.write(`${JSON.stringify({ cases })}\n`);
  else {
    process.stdout.write("case               ops/s    p50 ms   p99 ms  cpu ms/op  wakeups/op  disk KiB/op\n");
    for (const c of cases) process.stdout.write(`${c.name.padEnd(18)} ${String(c.opsPerSec).padStart(6)} ${String(c.p50Ms).padStart(9)} ${String(c.p99Ms).padStart(8)} ${String(c.cpuMsPerOp).padStart(10)} ${String(c.wakeupsPerOp).padStart(11)} ${String(c.diskKiBPerOp).padStart(12)}\n`);
  }
}
