/**
 * `quorate zk-server [--config zoo.cfg] [--port N] [--data DIR] [--id N]`: serves quorate's ZooKeeper-style
 * service over ZooKeeper 3.8's client protocol, on 127.0.0.1 unless the configuration says otherwise. Prints one
 * `listening on HOST:PORT` line when ready; SIGINT/SIGTERM stop it (exit 0).
 */
import { readFile } from "node:fs/promises";
import { ConfigError, defaultConfig, parseZooCfg } from "../../zk-wire/config.js";
import type { ZkWireConfig } from "../../zk-wire/config.js";
import { startZkWireServer } from "../../zk-wire/server.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate zk-server [--config zoo.cfg] [--port N] [--data DIR] [--id N]

Serves quorate's ZooKeeper-style service to real ZooKeeper clients (zkCli.sh, kazoo, Curator, node-zookeeper-client)
over ZooKeeper 3.8's wire protocol.

  --config FILE  a ZooKeeper zoo.cfg (tickTime, clientPort, clientPortAddress, dataDir, min/maxSessionTimeout,
                 extendedTypesEnabled, 4lw.commands.whitelist, server.N, jute.maxbuffer,
                 znode.container.checkIntervalMs); unknown keys are reported on stderr
  --port N       client port (overrides clientPort; 0 picks a free port). Default 2181
  --data DIR     data directory (overrides dataDir)
  --id N         this server's id among the server.N lines

The server listens on 127.0.0.1 unless clientPortAddress says otherwise. It runs until SIGINT or SIGTERM
(then exits 0); bad usage, a bad configuration or a port that cannot be bound exit 2.
${EXIT_CODES_HELP}
`;

const FLAGS = {
  config: { type: "string" },
  port: { type: "string" },
  data: { type: "string" },
  id: { type: "string" },
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
  if (v.id !== undefined) {
    if (!/^\d+$/.test(v.id)) return fail(`--id must be a non-negative integer, got ${JSON.stringify(v.id)}`);
    if (config.servers.length > 0 && !config.servers.some((s) => s.id === Number(v.id))) return fail(`--id ${v.id} is not among the server.N lines`);
  }
  if (config.servers.length > 0) process.stderr.write("quorate zk-server: server.N lines read; ensemble mode is not available yet, serving as a single node\n");
  if (config.dataDir !== undefined) process.stderr.write(`quorate zk-server: dataDir ${config.dataDir}: state is kept in memory (durable storage is not available yet)\n`);

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
};
