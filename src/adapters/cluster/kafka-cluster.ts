/**
 * A local Kafka cluster of child processes, in either design, on free loopback ports with temp directories,
 * stopped by PID:
 * - `kraft`: `quorate kraft-node` controllers (ids 1..C, the metadata quorum) and brokers (ids C+1..C+B);
 * - `zk`: `quorate zk-server` (ZooKeeper, quorate's wire server) and `quorate zk-broker` brokers (ids 1..B), each
 *   with its controller component.
 * Used by `quorate cluster --mode kraft|zk` and `quorate compare --real`.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, utf8 } from "../../core/zk/index.js";
import type { ClientRequest } from "../../core/zk/index.js";
import { encodeAssignment, topicPath } from "../../core/zk-controller/index.js";
import type { KafkaNodeStatus } from "../node/kafka-node.js";
import type { ZkBrokerStatus } from "../zk-controller/broker-process.js";
import { createRequest } from "../zk-controller/zk-ops.js";
import { ZkSession } from "../zk-controller/zk-session.js";
import { freePorts } from "./local-cluster.js";
import { supervisedEnv } from "./supervision.js";

/** Which design. */
export type KafkaMode = "kraft" | "zk";

/** Options of {@link KafkaLocalCluster.start}. */
export interface KafkaClusterOptions {
  readonly mode: KafkaMode;
  /** Brokers (3..9). */
  readonly brokers: number;
  /** KRaft controllers (1..9). Default 3. */
  readonly controllers?: number;
  /** ZooKeeper servers: 1 (a single node in memory) or an ensemble of 3, 5, … (`zk-server --ensemble`). Default 1. */
  readonly zookeepers?: number;
  /** Parent of every process's data directory and log. */
  readonly dir: string;
  /** ZooKeeper mode: `zookeeper.session.timeout.ms`. Default 18,000 (Kafka's). */
  readonly sessionTimeoutMs?: number;
  /** ZooKeeper mode: the server's `tickTime` (session expiry runs on its boundaries). Default 2,000 (ZooKeeper's). */
  readonly zkTickTimeMs?: number;
}

/** One process of the cluster. */
export interface ClusterProcess {
  /** `zookeeper-1`, `controller-1`, `broker-4`, … */
  readonly name: string;
  readonly kind: "zookeeper" | "controller" | "broker";
  readonly id: number;
  /** Control endpoint (`GET /status`), none for ZooKeeper. */
  readonly http: string | undefined;
}

/** What {@link KafkaLocalCluster.probeZooKeeper} measured, ms. */
export interface ZooKeeperProbe {
  /** getData: wall time per request with 10 in flight. */
  readonly readPerRequest10Ms: number;
  /** getData: latency of one request alone. */
  readonly readLatencyMs: number;
  /** multi[check, setData]: wall time per request with 10 in flight. */
  readonly writePerRequest10Ms: number;
  /** multi[check, setData]: latency of one alone. */
  readonly writeLatencyMs: number;
}

/** A bad cluster option, named. */
export class KafkaClusterOptionError extends Error {
  readonly code = "E_KAFKA_CLUSTER_OPTION";
  constructor(message: string) {
    super(message);
    this.name = "KafkaClusterOptionError";
  }
}

/** Partitions per topic when creating many (as the simulated scenarios do). */
export const PARTITIONS_PER_TOPIC = 100;

const BIN = fileURLToPath(new URL("../../../bin/quorate.js", import.meta.url));

/**
 * Spawns `quorate ARGS` with stderr appended to `logPath` and resolves with the child once it printed its first
 * stdout line (its ready line); rejects (and kills it) when it exits first or is silent for 20 s.
 */
async function spawnUntilReady(name: string, args: readonly string[], logPath: string): Promise<ChildProcess> {
  const log = await open(logPath, "a");
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", log.fd], env: supervisedEnv() });
  void log.close();
  try {
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s (see ${logPath})`)), 20_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) (clearTimeout(timer), resolve());
      });
      child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`${name} exited with ${code} at start (see ${logPath})`))));
    });
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    throw e;
  }
  child.stdout!.resume();
  return child;
}

/** The connect string starting at the member after broker `id`'s turn, so brokers spread over the ensemble. */
function rotate(connect: string, id: number): string {
  const list = connect.split(",");
  const k = id % list.length;
  return [...list.slice(k), ...list.slice(0, k)].join(",");
}

/** A running local Kafka cluster. */
export class KafkaLocalCluster {
  readonly processes: ClusterProcess[] = [];
  private readonly children = new Map<string, ChildProcess>();
  private readonly args = new Map<string, string[]>();
  private zkAddresses: { host: string; port: number }[] = [];

  private constructor(readonly o: KafkaClusterOptions) {}

  /** Starts every process and waits for each one's ready line. Throws (after stopping what started) on failure. */
  static async start(o: KafkaClusterOptions): Promise<KafkaLocalCluster> {
    const controllers = o.controllers ?? 3;
    const zookeepers = o.zookeepers ?? 1;
    if (!Number.isInteger(o.brokers) || o.brokers < 3 || o.brokers > 9) throw new KafkaClusterOptionError(`brokers must be in 3..9 (replication factor 3), got ${o.brokers}`);
    if (o.mode === "kraft" && (!Number.isInteger(controllers) || controllers < 1 || controllers > 9)) throw new KafkaClusterOptionError(`controllers must be in 1..9, got ${controllers}`);
    if (o.mode === "zk" && (!Number.isInteger(zookeepers) || zookeepers < 1 || zookeepers > 9 || zookeepers % 2 === 0)) throw new KafkaClusterOptionError(`zookeepers must be odd, in 1..9 (a quorum of a majority), got ${zookeepers}`);
    const c = new KafkaLocalCluster(o);
    try {
      if (o.mode === "kraft") await c.startKraft(controllers);
      else await c.startZk();
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private async startKraft(controllers: number): Promise<void> {
    const n = controllers + this.o.brokers;
    const ports = await freePorts(2 * n);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const peers = ids.map((id) => `${id}=127.0.0.1:${ports[id - 1]}`).join(",");
    const voters = ids.slice(0, controllers).join(",");
    await Promise.all(ids.map(async (id) => {
      const kind = id <= controllers ? "controller" : "broker";
      const http = `127.0.0.1:${ports[n + id - 1]}`;
      const data = join(this.o.dir, `${kind}-${id}`);
      await mkdir(data, { recursive: true });
      await this.spawn({ name: `${kind}-${id}`, kind, id, http }, ["kraft-node", "--id", String(id), "--role", kind, "--peers", peers, "--voters", voters, "--data", data, "--http", http]);
    }));
  }

  private async startZk(): Promise<void> {
    const b = this.o.brokers;
    const z = this.o.zookeepers ?? 1;
    const zkPorts = await freePorts(2 * z);
    const ports = [0, ...(await freePorts(2 * b))];
    const tick = this.o.zkTickTimeMs ?? 2000;
    const cfg = join(this.o.dir, "zoo.cfg");
    await mkdir(this.o.dir, { recursive: true });
    // ZooKeeper's defaults bound a session to [2, 20] ticks; Kafka's 18 s needs tickTime ≥ 900 ms.
    await writeFile(cfg, `tickTime=${tick}\nminSessionTimeout=${2 * tick}\nmaxSessionTimeout=${Math.max(20 * tick, this.o.sessionTimeoutMs ?? 18_000)}\n`);
    this.zkAddresses = zkPorts.slice(0, z).map((port) => ({ host: "127.0.0.1", port }));
    const ensemble = Array.from({ length: z }, (_, i) => `${i + 1}=127.0.0.1:${zkPorts[z + i]}`).join(",");
    await Promise.all(this.zkAddresses.map(async (a, i) => {
      const extra: string[] = [];
      if (z > 1) {
        const data = join(this.o.dir, `zookeeper-${i + 1}`);
        await mkdir(data, { recursive: true });
        extra.push("--ensemble", ensemble, "--id", String(i + 1), "--data", data);
      }
      await this.spawn({ name: `zookeeper-${i + 1}`, kind: "zookeeper", id: i + 1, http: undefined }, ["zk-server", "--config", cfg, "--port", String(a.port), ...extra]);
    }));
    const connect = this.zkAddresses.map((a) => `${a.host}:${a.port}`).join(",");
    // An ensemble member listens before its members elected a leader (it refuses sessions until then).
    const probe = await this.waitFor("the ZooKeeper ensemble serving sessions", Date.now() + 30_000, () =>
      ZkSession.connect({ servers: this.zkAddresses, sessionTimeoutMs: 30_000 }).catch(() => undefined),
    );
    await probe.close();
    const ids = Array.from({ length: b }, (_, i) => i + 1);
    const peers = ids.map((id) => `${id}=127.0.0.1:${ports[id]}`).join(",");
    await Promise.all(ids.map((id) => {
      const http = `127.0.0.1:${ports[b + id]}`;
      return this.spawn({ name: `broker-${id}`, kind: "broker", id, http }, [
        "zk-broker", "--id", String(id), "--zookeeper", rotate(connect, id), "--peers", peers, "--http", http,
        "--session-timeout-ms", String(this.o.sessionTimeoutMs ?? 18_000),
      ]);
    }));
  }

  /** Spawns one process and waits for its first stdout line (its ready line). */
  private async spawn(p: ClusterProcess, args: string[]): Promise<void> {
    const child = await spawnUntilReady(p.name, args, join(this.o.dir, `${p.name}.log`));
    this.children.set(p.name, child);
    this.args.set(p.name, args);
    if (!this.processes.includes(p)) this.processes.push(p);
  }

  /** The PID of a running process. */
  pid(name: string): number | undefined {
    return this.children.get(name)?.pid;
  }

  /** The processes of one kind. */
  of(kind: ClusterProcess["kind"]): ClusterProcess[] {
    return this.processes.filter((p) => p.kind === kind && this.children.has(p.name));
  }

  /** A process's `GET /status`, or undefined when it does not answer within `ms`. */
  async status<T = KafkaNodeStatus | ZkBrokerStatus>(p: ClusterProcess, ms = 1000): Promise<T | undefined> {
    if (p.http === undefined || !this.children.has(p.name)) return undefined;
    try {
      const res = await fetch(`http://${p.http}/status`, { signal: AbortSignal.timeout(ms) });
      return (await res.json()) as T;
    } catch {
      return undefined;
    }
  }

  /** The active controller's process and epoch, or undefined when none is known. */
  async activeController(): Promise<{ process: ClusterProcess; epoch: number } | undefined> {
    const candidates = this.o.mode === "kraft" ? this.of("controller") : this.of("broker");
    const found: { process: ClusterProcess; epoch: number }[] = [];
    for (const p of candidates) {
      const s = await this.status(p, 500);
      if (s === undefined) continue;
      if ("active" in s && s.active) found.push({ process: p, epoch: s.activeEpoch });
      if ("controller" in s && s.controller === "active") found.push({ process: p, epoch: s.controllerEpoch });
    }
    return found.sort((a, b) => b.epoch - a.epoch)[0];
  }

  /**
   * Creates `partitions` partitions (topics `t0`, `t1`, … of 100, replication factor 3) the way each design
   * does: KRaft — CreateTopics to the active controller; ZooKeeper mode — the topic znodes with their
   * assignment (as Kafka's admin client writes them), whose watch makes the controller elect the leaders.
   * Resolves once every broker knows every partition's leader, or rejects after `timeoutMs`.
   */
  async createPartitions(partitions: number, timeoutMs = 120_000): Promise<void> {
    const topics = Math.ceil(partitions / PARTITIONS_PER_TOPIC);
    const count = (t: number): number => Math.min(PARTITIONS_PER_TOPIC, partitions - t * PARTITIONS_PER_TOPIC);
    const deadline = Date.now() + timeoutMs;
    if (this.o.mode === "kraft") {
      const active = await this.waitFor(`an active controller with ${this.o.brokers} unfenced brokers`, deadline, async () => {
        const a = await this.activeController();
        const s = a === undefined ? undefined : await this.status<KafkaNodeStatus>(a.process);
        return s !== undefined && s.unfencedBrokers >= this.o.brokers ? a : undefined;
      });
      for (let first = 0; first < topics; first += 10) {
        const batch = Array.from({ length: Math.min(10, topics - first) }, (_, k) => ({ name: `t${first + k}`, numPartitions: count(first + k), replicationFactor: 3 }));
        const res = await fetch(`http://${active.process.http}/admin`, { method: "POST", body: JSON.stringify({ type: "CreateTopics", topics: batch }), signal: AbortSignal.timeout(30_000) });
        const body = (await res.json()) as { errorCode?: string; topics?: { name: string; errorCode: string }[] };
        const bad = body.topics?.find((t) => t.errorCode !== "NONE");
        if (body.errorCode !== "NONE" || bad !== undefined) throw new Error(`CreateTopics refused: ${JSON.stringify(bad ?? body)}`);
      }
    } else {
      const session = await ZkSession.connect({ servers: this.zkAddresses, sessionTimeoutMs: 30_000 });
      try {
        const n = this.o.brokers;
        const writes = Array.from({ length: topics }, (_, t) => {
          const first = t * PARTITIONS_PER_TOPIC;
          const assignment = Array.from({ length: count(t) }, (_, p) => [0, 1, 2].map((k) => ((first + p + k) % n) + 1));
          const ops = [createRequest(topicPath(`t${t}`), encodeAssignment(assignment), false), createRequest(`${topicPath(`t${t}`)}/partitions`, "", false)];
          assignment.forEach((_, p) => ops.push(createRequest(`${topicPath(`t${t}`)}/partitions/${p}`, "", false)));
          return session.request({ type: "multi", ops });
        });
        for (const r of await Promise.all(writes)) if (r.err !== Code.OK) throw new Error(`creating topic znodes failed: ZooKeeper error ${r.err}`);
      } finally {
        await session.close();
      }
    }
    await this.waitFor(`every broker knowing the leaders of ${partitions} partitions`, deadline, async () => ((await this.brokersKnow(partitions)) ? true : undefined));
  }

  /**
   * ZooKeeper mode: what a request costs on this cluster's ZooKeeper server, right now, from another process
   * over loopback (the controller's path): per-request time with 10 in flight (the pipeline's throughput) and
   * the latency of one alone, for getData and for Kafka's conditional state write (multi[check, setData]).
   */
  async probeZooKeeper(requests = 2000): Promise<ZooKeeperProbe> {
    if (this.zkAddresses.length === 0) throw new Error("no ZooKeeper in a KRaft cluster");
    const session = await ZkSession.connect({ servers: this.zkAddresses, sessionTimeoutMs: 30_000 });
    try {
      const path = "/quorate-probe";
      await session.request(createRequest(path, "{}", false));
      const read = (): ClientRequest => ({ type: "getData", path, watch: false });
      const write = (): ClientRequest => ({ type: "multi", ops: [{ type: "check", path, version: -1 }, { type: "setData", path, data: utf8('{"probe":1}'), version: -1 }] });
      const timed = async (make: () => ClientRequest, inFlight: number, n: number): Promise<number> => {
        let left = n;
        const t = performance.now();
        await Promise.all(Array.from({ length: inFlight }, async () => {
          while (left-- > 0) await session.request(make());
        }));
        return (performance.now() - t) / n;
      };
      await timed(read, 10, Math.min(500, requests)); // warm-up
      const readPerRequest10Ms = await timed(read, 10, requests);
      const readLatencyMs = await timed(read, 1, requests / 4);
      const writePerRequest10Ms = await timed(write, 10, requests);
      const writeLatencyMs = await timed(write, 1, requests / 4);
      await session.request({ type: "delete", path, version: -1 });
      return { readPerRequest10Ms, readLatencyMs, writePerRequest10Ms, writeLatencyMs };
    } finally {
      await session.close();
    }
  }

  /** Whether every live broker knows `partitions` partitions, each led by a live broker. */
  async brokersKnow(partitions: number): Promise<boolean> {
    for (const p of this.of("broker")) {
      const s = await this.status(p, 2000);
      if (s === undefined) return false;
      if ("ledByLive" in s ? s.ledByLive !== partitions : s.partitions !== partitions) return false;
    }
    return true;
  }

  /** Polls `probe` every 25 ms until it gives a value; rejects at `deadline` naming `what`. */
  async waitFor<T>(what: string, deadline: number, probe: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** `kill -9` a process; resolves with the wall-clock ms just before the signal, once it is gone. */
  async kill(p: ClusterProcess): Promise<number> {
    const child = this.children.get(p.name);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) throw new Error(`${p.name} is not running`);
    const gone = new Promise((r) => child.once("exit", r));
    const t0 = Date.now();
    child.kill("SIGKILL");
    await gone;
    this.children.delete(p.name);
    return t0;
  }

  /** Starts a killed process again with its arguments and data directory; resolves once it says it is up. */
  async restart(p: ClusterProcess): Promise<void> {
    if (this.children.has(p.name)) throw new Error(`${p.name} is running`);
    const args = this.args.get(p.name);
    if (args === undefined) throw new Error(`${p.name} was never started`);
    await this.spawn(p, args);
  }

  /** SIGTERM every process (SIGKILL after 5 s) and waits for them. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.children.entries()].map(async ([name, child]) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await gone;
        clearTimeout(timer);
        this.children.delete(name);
      }),
    );
  }

  /** One status line per process. */
  async statusLines(): Promise<string[]> {
    return Promise.all(this.processes.map(async (p) => {
      if (!this.children.has(p.name)) return `${p.name}: stopped`;
      if (p.kind === "zookeeper") return `${p.name}: pid ${this.pid(p.name)} serving on ${this.zkAddresses[p.id - 1]!.host}:${this.zkAddresses[p.id - 1]!.port}`;
      const s = await this.status(p, 500);
      if (s === undefined) return `${p.name}: not answering`;
      if ("quorumRole" in s) {
        return `${p.name}: ${(s.active ? "active controller" : s.quorumRole).padEnd(17)} epoch ${s.quorumEpoch}  leader ${s.quorumLeader < 0 ? "-" : s.quorumLeader}  offset ${s.imageOffset}  partitions ${s.partitions}  unfenced brokers ${s.unfencedBrokers}`;
      }
      return `${p.name}: controller ${s.controller.padEnd(8)} active controller ${s.knownController < 0 ? "-" : s.knownController}  epoch ${s.brokerControllerEpoch || "-"}  partitions ${s.partitions} (${s.ledByLive} led by live brokers)  live brokers ${s.liveBrokers.join(",") || "-"}`;
    }));
  }
}
