/**
 * Real servers for the history recorder: a single-node etcd 3.4 and a standalone ZooKeeper 3.8 (test/support), both from
 * Debian, each on free loopback ports with a fresh temporary data directory, started and stopped by PID only.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startRealZooKeeper } from "../../test/support/real-zookeeper.js";

/** A running server: where clients connect, and how to pause, resume and stop exactly this process. */
export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  /** `host:port` of the client port. */
  readonly address: string;
  /** SIGSTOP: the process freezes; clients time out. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGTERM, then SIGKILL after 5 s; removes the data directory. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, child: ChildProcess, deadlineMs: number, ready: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before it was ready`);
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`${what} not ready after ${deadlineMs} ms`);
}

function manage(name: string, child: ChildProcess, dir: string, address: string): RunningServer {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    pid,
    address,
    pause: () => process.kill(pid, "SIGSTOP"),
    resume: () => process.kill(pid, "SIGCONT"),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, "SIGCONT");
        process.kill(pid, "SIGTERM");
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `/usr/bin/etcd` (single member) and waits until `/health` answers. */
export async function startEtcd(): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "quorate-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    "/usr/bin/etcd",
    ["--name", "n1", "--data-dir", path.join(dir, "data"), "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `n1=${peer}`, "--log-level", "error", "--logger", "zap"],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  const server = manage("etcd", child, dir, `127.0.0.1:${clientPort}`);
  try {
    await waitUntil("etcd", child, 30_000, async () => {
      try {
        const response = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
        return response.ok && ((await response.json()) as { health?: string }).health === "true";
      } catch {
        return false;
      }
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Starts ZooKeeper 3.8 standalone (tickTime 500, sessions up to 20 s, no TTL nodes) and waits until it answers. */
export function startZooKeeper(): Promise<RunningServer> {
  return startRealZooKeeper({ tickTimeMs: 500, maxSessionTimeoutMs: 20_000, extendedTypesEnabled: false, containerCheckIntervalMs: 60_000, readyTimeoutMs: 60_000 });
}
