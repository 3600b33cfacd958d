// Starts a real ZooKeeper 3.8 (Debian's package) for differential tests: ZooKeeperServerMain on a free loopback
// port with a temp data dir, TTL nodes on and the container reaper effectively off (so no zxid is used behind the
// test's back); stopped by PID.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { exchange } from "./harness.js";

export const ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar";

/** A running ZooKeeper. */
export interface RealZooKeeper {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts ZooKeeper and resolves once it serves (`srvr` answers with a mode); rejects after `ms`. */
export async function startRealZooKeeper(tickTimeMs = 200, ms = 30_000): Promise<RealZooKeeper> {
  if (!existsSync(ZOOKEEPER_JAR)) throw new Error(`${ZOOKEEPER_JAR} is missing: install Debian's zookeeper package`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "quorate-realzk-"));
  const port = await freePort();
  const cfg = path.join(dir, "zoo.cfg");
  writeFileSync(cfg, `tickTime=${tickTimeMs}\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n`);
  const child = spawn(
    "java",
    ["-Xmx256m", "-Dzookeeper.extendedTypesEnabled=true", "-Dzookeeper.4lw.commands.whitelist=srvr", "-Dznode.container.checkIntervalMs=1000000000", "-cp", `/etc/zookeeper/conf:${ZOOKEEPER_JAR}`, "org.apache.zookeeper.server.ZooKeeperServerMain", cfg],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && child.pid !== undefined && process.kill(child.pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) break;
    const r = await exchange(port, new TextEncoder().encode("srvr"), 500).catch(() => undefined);
    if (r !== undefined && r.data.toString().includes("Mode: standalone")) return { port, pid: child.pid!, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`ZooKeeper did not start within ${ms} ms: ${stderr.slice(-2000)}`);
}
