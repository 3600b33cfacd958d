/**
 * Starts Debian's ZooKeeper 3.8 standalone for one recording: a free loopback port, a fresh temp dataDir,
 * tickTime 200, container/TTL reaper every 1000 ms, TTL nodes enabled unless asked otherwise; stopped by PID.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fourLetterWord } from "./wire.js";

const JARS = "/usr/share/java";
const CLASSPATH = [
  "zookeeper.jar",
  "zookeeper-jute.jar",
  "slf4j-api.jar",
  "slf4j-nop.jar",
  "netty-handler.jar",
  "netty-common.jar",
  "netty-buffer.jar",
  "netty-transport.jar",
  "netty-codec.jar",
  "netty-resolver.jar",
  "netty-transport-native-epoll.jar",
  "netty-transport-native-unix-common.jar",
  "metrics-core.jar",
  "commons-io.jar",
].map((j) => path.join(JARS, j));

/** A running server. */
export interface ZooKeeperServer {
  readonly port: number;
  readonly pid: number;
  readonly version: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Starts a fresh server; resolves once it answers `srvr` (at most 30 s). */
export async function startZooKeeper(options: { extendedTypesEnabled: boolean }): Promise<ZooKeeperServer> {
  for (const jar of CLASSPATH) if (!existsSync(jar)) throw new Error(`ZooKeeper 3.8 not installed: ${jar} is missing (apt-get install zookeeper)`);
  const dir = mkdtempSync(path.join(tmpdir(), "quorate-zk-record-"));
  mkdirSync(path.join(dir, "data"));
  const port = await freePort();
  writeFileSync(
    path.join(dir, "zoo.cfg"),
    [`tickTime=200`, `dataDir=${path.join(dir, "data")}`, `clientPort=${port}`, `clientPortAddress=127.0.0.1`, `admin.enableServer=false`, `4lw.commands.whitelist=ruok,srvr`, ""].join("\n"),
  );
  const props = [`-Dznode.container.checkIntervalMs=1000`, ...(options.extendedTypesEnabled ? ["-Dzookeeper.extendedTypesEnabled=true"] : [])];
  // ZK_RECORD_LOG=FILE keeps the server's log (slf4j-simple on stderr) for debugging a recording.
  const logFile = process.env.ZK_RECORD_LOG;
  const classpath = (logFile === undefined ? CLASSPATH : CLASSPATH.map((j) => j.replace("slf4j-nop", "slf4j-simple"))).join(":");
  const stdio = logFile === undefined ? "ignore" : ["ignore", "ignore", openSync(logFile, "a")];
  const child: ChildProcess = spawn("java", [...props, "-cp", classpath, "org.apache.zookeeper.server.ZooKeeperServerMain", path.join(dir, "zoo.cfg")], { stdio: stdio as "ignore" });
  const pid = child.pid!;
  // Never leave the server behind, whatever way this process ends.
  const killOnExit = () => child.exitCode === null && process.kill(pid, "SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    process.off("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const answer = await fourLetterWord(port, "srvr");
      const version = /Zookeeper version: (.*)/.exec(answer)?.[1];
      if (version !== undefined) {
        if (!version.startsWith("3.8.")) {
          await stop();
          throw new Error(`expected ZooKeeper 3.8, found ${version}`);
        }
        return { port, pid, version, stop };
      }
    } catch (e) {
      if ((e as Error).message.startsWith("expected ZooKeeper")) throw e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error("ZooKeeper did not answer srvr within 30 s");
}

/** The server's last processed zxid, read with `srvr`. */
export async function lastZxid(port: number): Promise<number> {
  const answer = await fourLetterWord(port, "srvr");
  const hex = /Zxid: 0x([0-9a-f]+)/.exec(answer)?.[1];
  if (hex === undefined) throw new Error(`srvr gave no Zxid: ${answer}`);
  return parseInt(hex, 16);
}
