/**
 * A local cluster of `quorate node` child processes on loopback free ports, each with its data directory, stopped
 * by PID. Optionally every directed peer link goes through a {@link FaultProxy}. Used by `quorate cluster`,
 * `quorate torture` and the cluster bench.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FaultProxy } from "./fault-proxy.js";
import { freePorts } from "./ports.js";
import { supervisedEnv } from "./supervision.js";

/** Options of {@link LocalCluster.start}. */
export interface LocalClusterOptions {
  readonly nodes: number;
  /** Parent directory of the nodes' data directories (`node-N/`) and logs (`node-N.log`). */
  readonly dir: string;
  /** Start nodes with `--lose-unsynced`. */
  readonly loseUnsynced?: boolean;
  /** Route every directed peer link through a fault proxy. */
  readonly proxies?: boolean;
  readonly tickMs?: number;
  /** Start nodes with `--slow-sync MS` (a slow disk). */
  readonly slowSyncMs?: number;
  /** Nodes snapshot and compact their log every this many applied entries (`--snapshot-count`). Default: the node's. */
  readonly snapshotCount?: number;
  /** Extra environment of the node processes (the tests' planted bugs). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Node.js options of the node processes, put before the script (e.g. `--cpu-prof`, which NODE_OPTIONS
   * refuses). Default: {@link DEFAULT_NODE_ARGS}.
   */
  readonly nodeArgs?: readonly string[];
  /**
   * Called with each line a node writes to stdout after its ready line (e.g. V8's `--trace-gc` lines), as it
   * arrives. Without it that output is read and dropped (a full pipe would stall the node).
   */
  readonly onStdout?: (id: number, line: string) => void;
}

/**
 * The Node.js options a local cluster starts its nodes with. `--single-threaded-gc`: V8's parallel and concurrent
 * GC helper threads cost more CPU than they save on a machine whose cores are all busy (a 3-node cluster on 2
 * cores), and CPU per put is what limits one client's throughput there (docs/runtime-log.md, "Item 8: garbage
 * collection on the main thread").
 */
export const DEFAULT_NODE_ARGS: readonly string[] = ["--single-threaded-gc"];

/** One node's status as its `GET /status` reports it. */
export interface NodeStatus {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number;
  readonly commit: number;
  readonly applied: number;
  /** Index of the snapshot the node's log starts after (0: never compacted). */
  readonly snapshotIndex: number;
  readonly revision: number;
}

/** Free loopback ports (below the kernel's ephemeral range: `ports.ts`). */
export { freePorts };

const BIN = fileURLToPath(new URL("../../../bin/quorate.js", import.meta.url));

/** A running local cluster. */
export class LocalCluster {
  private readonly procs = new Map<number, ChildProcess>();
  private readonly watchers = new Set<(id: number, line: string) => void>();
  /** Proxies by `from→to`. */
  readonly links = new Map<string, FaultProxy>();
  readonly ids: readonly number[];

  private constructor(
    private readonly o: LocalClusterOptions,
    private readonly peerPorts: readonly number[],
    readonly clientPorts: readonly number[],
  ) {
    this.ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  }

  /** Allocates ports, starts the proxies and every node, and waits until each serves `/status`. */
  static async start(o: LocalClusterOptions): Promise<LocalCluster> {
    const ports = await freePorts(2 * o.nodes);
    const c = new LocalCluster(o, ports.slice(0, o.nodes), ports.slice(o.nodes));
    try {
      if (o.proxies === true) {
        for (const a of c.ids) for (const b of c.ids) if (a !== b) c.links.set(`${a}→${b}`, await FaultProxy.start({ host: "127.0.0.1", port: c.peerPorts[b - 1]! }));
      }
      await Promise.all(c.ids.map((id) => c.startNode(id)));
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** A node's client URL base. */
  url(id: number): string {
    return `http://127.0.0.1:${this.clientPorts[id - 1]}`;
  }

  /** The PID of a running node. */
  pid(id: number): number | undefined {
    return this.procs.get(id)?.pid;
  }

  /** Starts (or restarts) node `id` and waits for its ready line. */
  async startNode(id: number): Promise<void> {
    const dir = join(this.o.dir, `node-${id}`);
    await mkdir(dir, { recursive: true });
    const peerOf = (to: number): string => (to === id || this.o.proxies !== true ? `127.0.0.1:${this.peerPorts[to - 1]}` : `127.0.0.1:${this.links.get(`${id}→${to}`)!.port}`);
    const args = [
      ...(this.o.nodeArgs ?? DEFAULT_NODE_ARGS), BIN, "node", "--id", String(id),
      "--peers", this.ids.map((p) => `${p}=${peerOf(p)}`).join(","),
      "--client-peers", this.ids.map((p) => `${p}=127.0.0.1:${this.clientPorts[p - 1]}`).join(","),
      "--data", dir, "--client", `127.0.0.1:${this.clientPorts[id - 1]}`, "--tick-ms", String(this.o.tickMs ?? 50),
      ...(this.o.loseUnsynced === true ? ["--lose-unsynced"] : []),
      ...(this.o.slowSyncMs !== undefined && this.o.slowSyncMs > 0 ? ["--slow-sync", String(this.o.slowSyncMs)] : []),
      ...(this.o.snapshotCount === undefined ? [] : ["--snapshot-count", String(this.o.snapshotCount)]),
    ];
    // A lose-unsynced node takes disk fault commands on stdin (see `disk`).
    const child = spawn(process.execPath, args, { stdio: [this.o.loseUnsynced === true ? "pipe" : "ignore", "pipe", "pipe"], env: supervisedEnv(this.o.env) });
    child.stdin?.on("error", () => undefined); // a node that died cannot take commands: nothing to do
    this.procs.set(id, child);
    this.tee(id, child);
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`node ${id} did not start within 20 s (see ${join(this.o.dir, `node-${id}.log`)})`)), 20_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) (clearTimeout(timer), resolve());
      });
      child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`node ${id} exited with ${code} at start (see ${join(this.o.dir, `node-${id}.log`)})`))));
    });
    const onStdout = this.o.onStdout;
    if (onStdout !== undefined) {
      let partial = "";
      child.stdout!.on("data", (d: Buffer) => {
        const lines = (partial + d.toString()).split("\n");
        partial = lines.pop()!;
        for (const line of lines) onStdout(id, line);
      });
    }
    child.stdout!.resume();
  }

  /**
   * Calls `watch(id, line)` for every line a node writes to its log (stderr) from now on, as it arrives; returns
   * the function that stops watching. The torture nemesis times faults by these lines.
   */
  watch(watch: (id: number, line: string) => void): () => void {
    this.watchers.add(watch);
    return () => void this.watchers.delete(watch);
  }

  /** Copies a node's stderr to its log file (`node-N.log`) and hands each line to the watchers. */
  private tee(id: number, child: ChildProcess): void {
    const file = createWriteStream(join(this.o.dir, `node-${id}.log`), { flags: "a" });
    file.on("error", () => undefined); // a log that cannot be written must not stop the cluster
    let partial = "";
    child.stderr!.on("data", (d: Buffer) => {
      file.write(d);
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop()!;
      for (const line of lines) for (const w of this.watchers) w(id, line);
    });
    child.stderr!.on("end", () => file.end());
  }

  /** `kill -9` node `id` and waits for it to be gone. */
  async kill(id: number): Promise<void> {
    const p = this.procs.get(id);
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGCONT"); // a paused process must be able to die and be reaped
    p.kill("SIGKILL");
    await gone;
    this.procs.delete(id);
  }

  /**
   * Stalls a node's disk (every fdatasync hangs) or lets it go on; only with `loseUnsynced` (a node restarts
   * with a working disk).
   */
  disk(id: number, command: "stall" | "resume"): void {
    const stdin = this.procs.get(id)?.stdin;
    if (stdin !== undefined && stdin !== null && stdin.writable) stdin.write(`disk ${command}\n`);
  }

  /** SIGSTOP / SIGCONT. */
  signal(id: number, signal: "SIGSTOP" | "SIGCONT"): void {
    this.procs.get(id)?.kill(signal);
  }

  /** A node's status, or undefined if it does not answer within `ms`. */
  async status(id: number, ms = 1000): Promise<NodeStatus | undefined> {
    try {
      const res = await fetch(`${this.url(id)}/status`, { signal: AbortSignal.timeout(ms) });
      return (await res.json()) as NodeStatus;
    } catch {
      return undefined;
    }
  }

  /** SIGTERM every node (SIGKILL after 5 s), then closes the proxies. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.procs.entries()].map(async ([id, p]) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const gone = new Promise((r) => p.once("exit", r));
        p.kill("SIGCONT");
        p.kill("SIGTERM");
        const timer = setTimeout(() => p.kill("SIGKILL"), 5000);
        await gone;
        clearTimeout(timer);
        this.procs.delete(id);
      }),
    );
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}
