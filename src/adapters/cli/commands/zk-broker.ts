/**
 * `quorate zk-broker --id N --zookeeper HOST:PORT[,…] --peers 1=HOST:PORT,… --http HOST:PORT`: one Kafka broker
 * in ZooKeeper mode with its controller component, a client of a ZooKeeper server (`quorate zk-server`). Prints
 * `quorate zk-broker N: peer HOST:PORT http HOST:PORT` when ready; SIGINT/SIGTERM stop it (exit 0).
 */
import { startControlServer } from "../../cluster/control-http.js";
import { ZkBrokerProcess } from "../../zk-controller/broker-process.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";
import { parseAddress, parseAddressList } from "./node.js";

const USAGE = `usage: quorate zk-broker --id N --zookeeper HOST:PORT[,HOST:PORT...] --peers 1=HOST:PORT,...
                         --http HOST:PORT [--session-timeout-ms MS] [--cluster-id ID]

Runs one Kafka broker in ZooKeeper mode: it registers as the ephemeral /brokers/ids/<id>, its controller
component competes for /controller, and the active controller loads the partition state znodes and sends
LeaderAndIsr / UpdateMetadata to the brokers (Kafka 2.8's KafkaController).

  --id N                 broker id (one of --peers)
  --zookeeper LIST       ZooKeeper servers (the first that answers is used)
  --peers LIST           every broker's peer address, this broker's included: it listens on its own
  --http H:P             control endpoint: GET /status
  --session-timeout-ms   zookeeper.session.timeout.ms. Default 18000 (Kafka's)
  --cluster-id ID        checked in every peer handshake. Default quorate-zk

Runs until SIGINT or SIGTERM (then exits 0); bad usage, no ZooKeeper or a port that cannot be bound exit 2;
losing the ZooKeeper connection exits 1.
${EXIT_CODES_HELP}
`;

const FLAGS = {
  id: { type: "string" },
  zookeeper: { type: "string" },
  peers: { type: "string" },
  http: { type: "string" },
  "session-timeout-ms": { type: "string" },
  "cluster-id": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

function fail(message: string): ExitCode {
  process.stderr.write(`quorate zk-broker: ${message}\n`);
  return Exit.badInput;
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let id: number, zookeeper: { host: string; port: number }[], peers: ReturnType<typeof parseAddressList>, http: { host: string; port: number }, sessionTimeoutMs: number;
  let clusterId: string;
  try {
    const v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
    if (v.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    if (v.id === undefined || v.zookeeper === undefined || v.peers === undefined || v.http === undefined) throw new UsageError("--id, --zookeeper, --peers and --http are required");
    if (!/^\d+$/.test(v.id) || Number(v.id) < 1) throw new UsageError(`--id must be a positive integer, got ${JSON.stringify(v.id)}`);
    id = Number(v.id);
    zookeeper = v.zookeeper.split(",").map((a) => parseAddress("--zookeeper", a.trim()));
    peers = parseAddressList("--peers", v.peers);
    if (!peers.has(id)) throw new UsageError(`--id ${id} is not among --peers`);
    http = parseAddress("--http", v.http);
    sessionTimeoutMs = v["session-timeout-ms"] === undefined ? 18_000 : Number(v["session-timeout-ms"]);
    if (!Number.isInteger(sessionTimeoutMs) || sessionTimeoutMs < 100) throw new UsageError(`--session-timeout-ms must be an integer ≥ 100, got ${JSON.stringify(v["session-timeout-ms"])}`);
    clusterId = v["cluster-id"] ?? "quorate-zk";
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(`${e.message}\n\n${USAGE}`);
  }
  const log = (line: string): void => void process.stderr.write(`zk-broker ${id}: ${line}\n`);
  let broker: ZkBrokerProcess;
  try {
    broker = await ZkBrokerProcess.start({
      id, clusterId, zookeeper, sessionTimeoutMs, listen: peers.get(id)!, peers: new Map([...peers].filter(([p]) => p !== id)), log,
      onFatal: () => process.exit(1),
    });
  } catch (e) {
    return fail(`cannot start: ${(e as Error).message}`);
  }
  let control;
  try {
    control = await startControlServer(http.host, http.port, () => broker.status());
  } catch (e) {
    await broker.stop();
    return fail(`cannot listen on ${http.host}:${http.port}: ${(e as Error).message}`);
  }
  const stopSignal = untilStopSignal();
  process.stdout.write(`quorate zk-broker ${id}: peer ${peers.get(id)!.host}:${broker.port} http ${http.host}:${control.port}\n`);
  await stopSignal;
  await control.close();
  await broker.stop();
  return Exit.ok;
};
