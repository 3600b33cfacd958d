/**
 * Starts a real ZooKeeper 3.8 (Debian's package: ZooKeeperServerMain, jars in /usr/share/java) standalone on a
 * free loopback port with a fresh temp dir, and stops exactly that process by PID; or a replicated ensemble
 * (QuorumPeerMain, one process per member, each stopped by its PID). The one starter for tests
 * (differential), benchmarks (zk-wire) and the recorders (scripts/record-zk-transcripts.ts,
 * scripts/record-histories.ts); each passes the settings it depends on.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../src/adapters/cluster/ports.js";

/** Free loopback ports below the kernel's ephemeral range (the one picker of the product and its tests). */
export { freePort };

const JARS = "/usr/share/java";
const LOGGING_JAR = "slf4j-nop.jar";
const CLASSPATH = [
  "zookeeper.jar",
  "zookeeper-jute.jar",
  "slf4j-api.jar",
  LOGGING_JAR,
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

/** How to run the server. Every field has the default shown. */
export interface RealZooKeeperOptions {
  /** zoo.cfg `tickTime` (ms); sessions may ask for 2 to 20 ticks. Default 200. */
  readonly tickTimeMs?: number;
  /** zoo.cfg `maxSessionTimeout` (ms); default ZooKeeper's own (20 ticks). */
  readonly maxSessionTimeoutMs?: number;
  /** zoo.cfg `maxClientCnxns` (connections per client address); default ZooKeeper's own (60). */
  readonly maxClientCnxns?: number;
  /** `zookeeper.extendedTypesEnabled`: TTL nodes. Default true. */
  readonly extendedTypesEnabled?: boolean;
  /** `znode.container.checkIntervalMs`: how often the container/TTL reaper runs. Default 1000. */
  readonly containerCheckIntervalMs?: number;
  /** Append the server's log (slf4j-simple, on stderr) to this file instead of discarding it. */
  readonly logFile?: string;
  /** Give up when it does not answer `srvr` within this many ms. Default 30 000. */
  readonly readyTimeoutMs?: number;
}

/** A running server: where clients connect, and how to pause, resume and stop exactly this process. */
export interface RealZooKeeper {
  readonly name: "zookeeper";
  readonly pid: number;
  readonly port: number;
  /** `127.0.0.1:port`. */
  readonly address: string;
  /** The version `srvr` reports (3.8.x). */
  readonly version: string;
  /** SIGSTOP: the process freezes; clients time out. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGCONT and SIGTERM, then SIGKILL after 5 s; removes the temp dir. */
  stop(): Promise<void>;
}


/** Sends a four-letter word and returns the server's whole answer (rejects after `ms` without one). */
export function fourLetterWord(port: number, word: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write(word));
    socket.setTimeout(ms, () => socket.destroy(new Error(`no answer to ${word} within ${ms} ms`)));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", reject);
  });
}

/** The server's last processed zxid, read with `srvr`. */
export async function lastZxid(port: number): Promise<number> {
  const answer = await fourLetterWord(port, "srvr");
  const hex = /Zxid: 0x([0-9a-f]+)/.exec(answer)?.[1];
  if (hex === undefined) throw new Error(`srvr gave no Zxid: ${answer}`);
  return parseInt(hex, 16);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a fresh server; resolves once it answers `srvr` as a 3.8 standalone server. */
export async function startRealZooKeeper(options: RealZooKeeperOptions = {}): Promise<RealZooKeeper> {
  for (const jar of CLASSPATH) if (!existsSync(jar)) throw new Error(`ZooKeeper 3.8 not installed: ${jar} is missing (apt-get install zookeeper)`);
  const dir = mkdtempSync(path.join(tmpdir(), "quorate-realzk-"));
  mkdirSync(path.join(dir, "data"));
  const port = await freePort();
  const config = path.join(dir, "zoo.cfg");
  const lines = [
    `tickTime=${options.tickTimeMs ?? 200}`,
    `dataDir=${path.join(dir, "data")}`,
    `clientPort=${port}`,
    `clientPortAddress=127.0.0.1`,
    `admin.enableServer=false`,
    `4lw.commands.whitelist=ruok,srvr`,
    ...(options.maxSessionTimeoutMs === undefined ? [] : [`maxSessionTimeout=${options.maxSessionTimeoutMs}`]),
    ...(options.maxClientCnxns === undefined ? [] : [`maxClientCnxns=${options.maxClientCnxns}`]),
  ];
  writeFileSync(config, `${lines.join("\n")}\n`);
  const props = [
    "-Xmx256m",
    `-Dznode.container.checkIntervalMs=${options.containerCheckIntervalMs ?? 1000}`,
    ...((options.extendedTypesEnabled ?? true) ? ["-Dzookeeper.extendedTypesEnabled=true"] : []),
  ];
  const logFile = options.logFile;
  const classpath = (logFile === undefined ? CLASSPATH : CLASSPATH.map((j) => j.replace(LOGGING_JAR, "slf4j-simple.jar"))).join(":");
  const child = spawn("java", [...props, "-cp", classpath, "org.apache.zookeeper.server.ZooKeeperServerMain", config], {
    stdio: ["ignore", "ignore", logFile === undefined ? "pipe" : openSync(logFile, "a")],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const pid = child.pid;
  if (pid === undefined) throw new Error("java did not start");
  const running = () => child.exitCode === null && child.signalCode === null;
  // Never leave the server behind, whatever way this process ends.
  const killOnExit = () => running() && process.kill(pid, "SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (running()) {
      process.kill(pid, "SIGCONT");
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => running() && process.kill(pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    process.off("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && running()) {
    const answer = await fourLetterWord(port, "srvr", 1000).catch(() => "");
    const version = /Zookeeper version: (.*)/.exec(answer)?.[1];
    if (version !== undefined && answer.includes("Mode: standalone")) {
      if (!version.startsWith("3.8.")) {
        await stop();
        throw new Error(`expected ZooKeeper 3.8, found ${version}`);
      }
      return { name: "zookeeper", pid, port, address: `127.0.0.1:${port}`, version, pause: () => process.kill(pid, "SIGSTOP"), resume: () => process.kill(pid, "SIGCONT"), stop };
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`ZooKeeper did not answer srvr within ${readyTimeoutMs} ms: ${stderr}`);
}

/** A running ZooKeeper ensemble: every member's client port, and how to stop exactly these processes. */
export interface RealZooKeeperEnsemble {
  readonly name: "zookeeper";
  /** Client ports, member 1 first. */
  readonly ports: readonly number[];
  /** `127.0.0.1:port,…` of every member. */
  readonly connectString: string;
  /** SIGTERM every member, SIGKILL after 5 s; removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts an ensemble of `members` ZooKeeper 3.8 servers (QuorumPeerMain) on free loopback ports with a fresh temp
 * dir; resolves once every member answers `srvr` as leader or follower. Options as {@link startRealZooKeeper}
 * (logFile: one file per member, `<logFile>.<id>`).
 */
export async function startRealZooKeeperEnsemble(members = 3, options: RealZooKeeperOptions = {}): Promise<RealZooKeeperEnsemble> {
  for (const jar of CLASSPATH) if (!existsSync(jar)) throw new Error(`ZooKeeper 3.8 not installed: ${jar} is missing (apt-get install zookeeper)`);
  const dir = mkdtempSync(path.join(tmpdir(), "quorate-realzk-ensemble-"));
  const ids = Array.from({ length: members }, (_, i) => i + 1);
  const ports: number[] = [];
  const peers: string[] = [];
  for (const id of ids) {
    ports.push(await freePort());
    peers.push(`server.${id}=127.0.0.1:${await freePort()}:${await freePort()}`);
  }
  const children = ids.map((id) => {
    const data = path.join(dir, `member-${id}`);
    mkdirSync(data);
    writeFileSync(path.join(data, "myid"), `${id}\n`);
    const config = path.join(dir, `zoo-${id}.cfg`);
    const lines = [
      `tickTime=${options.tickTimeMs ?? 200}`,
      "initLimit=10",
      "syncLimit=5",
      `dataDir=${data}`,
      `clientPort=${ports[id - 1]}`,
      "clientPortAddress=127.0.0.1",
      "admin.enableServer=false",
      "4lw.commands.whitelist=ruok,srvr",
      ...(options.maxSessionTimeoutMs === undefined ? [] : [`maxSessionTimeout=${options.maxSessionTimeoutMs}`]),
      ...(options.maxClientCnxns === undefined ? [] : [`maxClientCnxns=${options.maxClientCnxns}`]),
      ...peers,
    ];
    writeFileSync(config, `${lines.join("\n")}\n`);
    const props = [
      "-Xmx256m",
      `-Dznode.container.checkIntervalMs=${options.containerCheckIntervalMs ?? 1000}`,
      ...((options.extendedTypesEnabled ?? true) ? ["-Dzookeeper.extendedTypesEnabled=true"] : []),
    ];
    const logFile = options.logFile === undefined ? undefined : `${options.logFile}.${id}`;
    const classpath = (logFile === undefined ? CLASSPATH : CLASSPATH.map((j) => j.replace(LOGGING_JAR, "slf4j-simple.jar"))).join(":");
    const child = spawn("java", [...props, "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", config], {
      stdio: ["ignore", "ignore", logFile === undefined ? "ignore" : openSync(logFile, "a")],
    });
    if (child.pid === undefined) throw new Error("java did not start");
    return { pid: child.pid, child, exited: new Promise<void>((resolve) => child.once("exit", () => resolve())) };
  });
  const running = (c: (typeof children)[number]) => c.child.exitCode === null && c.child.signalCode === null;
  const killOnExit = () => children.forEach((c) => running(c) && process.kill(c.pid, "SIGKILL"));
  process.once("exit", killOnExit);
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (!running(c)) return;
        process.kill(c.pid, "SIGTERM");
        const timer = setTimeout(() => running(c) && process.kill(c.pid, "SIGKILL"), 5000);
        await c.exited;
        clearTimeout(timer);
      }),
    );
    process.off("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    const modes = await Promise.all(ports.map((p) => fourLetterWord(p, "srvr", 1000).then((a) => /Mode: (\w+)/.exec(a)?.[1], () => undefined)));
    if (modes.every((m) => m === "leader" || m === "follower")) {
      return { name: "zookeeper", ports, connectString: ports.map((p) => `127.0.0.1:${p}`).join(","), stop };
    }
    if (Date.now() > deadline || children.some((c) => !running(c))) {
      await stop();
      throw new Error(`the ZooKeeper ensemble did not form within ${options.readyTimeoutMs ?? 60_000} ms (modes: ${modes.join(", ")})`);
    }
    await sleep(200);
  }
}
