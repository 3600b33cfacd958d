/**
 * `quorate zk-server [--config zoo.cfg] [--port N] [--data DIR] [--ensemble 1=HOST:PORT,… --id N]`: serves
 * quorate's ZooKeeper-style service over ZooKeeper 3.8's client protocol, on 127.0.0.1 unless the configuration
 * says otherwise: a single node — durable in its data directory (an ensemble of one: the members' log, group
 * commit and recovery), in memory without one — or, with `--ensemble` or `server.N` lines, one member of a
 * replicated ensemble (writes through Raft, its log in the data directory). Prints one `listening on HOST:PORT`
 * line when ready; SIGINT/SIGTERM stop it (exit 0).
 */
import { readFile } from "node:fs/promises";
import { ConfigError, defaultConfig, parseZooCfg } from "../../zk-wire/config.js";
import type { ZkWireConfig } from "../../zk-wire/config.js";
import { startZkWireServer, type ZkWireServer } from "../../zk-wire/server.js";
import { EnsembleBackend } from "../../zk-wire/ensemble-backend.js";
import type { PeerAddress } from "../../transport/index.js";
import { parseAddressList } from "./node.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate zk-server [--config zoo.cfg] [--port N] [--data DIR] [--ensemble 1=HOST:PORT,... --id N]
                         [--lose-unsynced]

Serves quorate's ZooKeeper-style service to real ZooKeeper clients (zkCli.sh, kazoo, Curator, node-zookeeper-client)
over ZooKeeper 3.8's wire protocol.

  --config FILE  a ZooKeeper zoo.cfg (tickTime, clientPort, clientPortAddress, dataDir, min/maxSessionTimeout,
                 extendedTypesEnabled, 4lw.commands.whitelist, server.N, jute.maxbuffer,
                 znode.container.checkIntervalMs); unknown keys are reported on stderr
  --port N       client port (overrides clientPort; 0 picks a free port). Default 2181
  --data DIR     data directory (overrides dataDir): the server's transaction log and snapshots. Every
                 acknowledged write and session is fsynced there first and survives a restart (also after
                 kill -9); required in ensemble mode. A single node without one keeps its state in memory
  --ensemble L   every member's peer address, this one's included: 1=127.0.0.1:7001,2=...,3=...
                 (overrides the server.N lines, whose host:quorumPort are the peer addresses otherwise)
  --id N         this server's id among the members (required in ensemble mode)
  --lose-unsynced  keep unsynced log writes in process memory until fdatasync, so kill -9 loses exactly what a
                 power failure would (for crash tests)

With --ensemble (or server.N lines) the server is one member of a replicated ensemble: writes and sessions go
through the Raft leader, a client on any member sees the same tree, the leader decides session expiry, and sync
makes the next read see everything committed before it. Without them it is a single node: with a data directory
an ensemble of one (the same log and recovery), without one kept in memory.

The server listens on 127.0.0.1 unless clientPortAddress says otherwise. It runs until SIGINT or SIGTERM
(then exits 0); bad usage, a bad configuration or a port that cannot be bound exit 2.
${EXIT_CODES_HELP}
`;

const FLAGS = {
  config: { type: "string" },
  port: { type: "string" },
  data: { type: "string" },
  id: { type: "string" },
  ensemble: { type: "string" },
  "lose-unsynced": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

function fail(message: string): ExitCode {
  process.stderr.write(`quorate zk-server: ${message}\n`);
  return Exit.badInput;
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let v;
  try {
    v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(`${e.message}\n\n${USAGE}`);
  }
  if (v.help === true) {
    process.stdout.write(USAGE);
    return Exit.ok;
  }
  let config: ZkWireConfig = defaultConfig();
  if (v.config !== undefined) {
    let text: string;
    try {
      text = await readFile(v.config, "utf8");
    } catch (e) {
      return fail(`cannot read ${v.config}: ${(e as Error).message}`);
    }
    try {
      const result = parseZooCfg(text);
      config = result.config;
      for (const key of result.unknownKeys) process.stderr.write(`quorate zk-server: ${v.config}: unknown key '${key}' ignored\n`);
      for (const key of result.ignoredKeys) process.stderr.write(`quorate zk-server: ${v.config}: '${key}' has no effect on a quorate single node\n`);
    } catch (e) {
      if (e instanceof ConfigError) return fail(e.message);
      throw e;
    }
  }
  if (v.port !== undefined) {
    if (!/^\d+$/.test(v.port) || Number(v.port) > 65535) return fail(`--port must be an integer in [0, 65535], got ${JSON.stringify(v.port)}`);
    config = { ...config, clientPort: Number(v.port) };
  }
  if (v.data !== undefined) config = { ...config, dataDir: v.data };
  if (v.id !== undefined && !/^\d+$/.test(v.id)) return fail(`--id must be a non-negative integer, got ${JSON.stringify(v.id)}`);
  let members: Map<number, PeerAddress> | undefined;
  try {
    if (v.ensemble !== undefined) members = parseAddressList("--ensemble", v.ensemble);
    else if (config.servers.length > 0) members = new Map(config.servers.map((s) => [s.id, { host: s.host, port: s.quorumPort }]));
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  const loseUnsynced = v["lose-unsynced"] === true;
  if (members === undefined) {
    if (config.dataDir === undefined) return serveSingleNode(config, v.id, loseUnsynced);
    if (v.id !== undefined) process.stderr.write(`quorate zk-server: --id ${v.id} has no effect on a single node\n`);
    // A durable single node is an ensemble of one: the same log, group commit, snapshots and recovery. Its peer
    // transport listens on a free loopback port that no member uses.
    return serveMember(config, 1, new Map([[1, { host: "127.0.0.1", port: 0 }]]), config.dataDir, loseUnsynced, true);
  }
  if (v.id === undefined) return fail("ensemble mode needs --id: this member's id");
  const id = Number(v.id);
  if (!members.has(id)) return fail(`--id ${id} is not among the members ${[...members.keys()].join(",")}`);
  if (config.dataDir === undefined) return fail("ensemble mode needs --data (or dataDir): the member keeps its Raft log there");
  return serveMember(config, id, members, config.dataDir, loseUnsynced);
};

async function serveSingleNode(config: ZkWireConfig, id: string | undefined, loseUnsynced: boolean): Promise<ExitCode> {
  if (id !== undefined) process.stderr.write(`quorate zk-server: --id ${id} has no effect on a single node\n`);
  if (loseUnsynced) process.stderr.write(`quorate zk-server: --lose-unsynced has no effect without a data directory\n`);
  let server;
  try {
    server = await startZkWireServer({ config, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (e) {
    return fail(`cannot listen on ${config.clientPortAddress}:${config.clientPort}: ${(e as Error).message}`);
  }
  // Listen for the stop signal before saying we are up: a supervisor may signal as soon as it reads the line.
  const stopSignal = untilStopSignal();
  process.stdout.write(`quorate zk-server listening on ${server.host}:${server.port}\n`);
  await stopSignal;
  await server.close();
  return Exit.ok;
}

/**
 * One ensemble member (`single`: the durable single node, an ensemble of one); a storage failure stops it and it
 * starts again from its data directory.
 */
async function serveMember(config: ZkWireConfig, id: number, members: Map<number, PeerAddress>, dataDir: string, loseUnsynced: boolean, single = false): Promise<ExitCode> {
  const log = (line: string) => process.stderr.write(`zk-server ${single ? "" : `${id}: `}${line}\n`);
  let current: { backend: EnsembleBackend; server: ZkWireServer } | undefined;
  let stopping = false;
  let port = config.clientPort;
  const start = async (): Promise<{ backend: EnsembleBackend; server: ZkWireServer }> => {
    const backend = await EnsembleBackend.start({
      config,
      id,
      peers: members,
      dataDir,
      log,
      ...(loseUnsynced ? { loseUnsynced } : {}),
      onFatal: (e) => {
        log(`storage failed (${e.message}); restarting from the data directory`);
        const old = current;
        current = undefined;
        void (async () => {
          await old?.server.close();
          await old?.backend.stop();
          if (!stopping) current = await start();
        })().catch((err: unknown) => {
          log(`cannot restart: ${String(err)}`);
          process.exit(Exit.badInput);
        });
      },
    });
    try {
      // A single node leads at once (its own vote): clients are served from the first connection.
      if (single) await backend.leading(10_000);
      const server = await startZkWireServer({ config: { ...config, clientPort: port }, backend, log });
      port = server.port;
      return { backend, server };
    } catch (e) {
      await backend.stop();
      throw e;
    }
  };
  try {
    current = await start();
  } catch (e) {
    return fail(single ? `cannot start on data directory ${dataDir}: ${(e as Error).message}` : `cannot start member ${id}: ${(e as Error).message}`);
  }
  const stopSignal = untilStopSignal();
  const self = members.get(id)!;
  const role = single ? `single node, data in ${dataDir}` : `member ${id} of ${[...members.keys()].join(",")}, peer ${self.host}:${current.backend.peerPort}`;
  process.stdout.write(`quorate zk-server listening on ${current.server.host}:${current.server.port} (${role})\n`);
  await stopSignal;
  stopping = true;
  await current?.server.close();
  await current?.backend.stop();
  return Exit.ok;
}
