/**
 * `quorate kraft-node --id N --role controller|broker --peers 1=HOST:PORT,… --voters 1,2,3 --data DIR --http HOST:PORT`:
 * one Kafka node in KRaft mode (quorum replica + controller, or a broker following the metadata log) as a
 * process, with Kafka's default timing. Prints `quorate kraft-node N: peer HOST:PORT http HOST:PORT` when ready;
 * SIGINT/SIGTERM stop it (exit 0).
 */
import type { ControllerRequest } from "../../../core/metadata/index.js";
import { ControlBadRequest, startControlServer } from "../../cluster/control-http.js";
import { KafkaProcessNode } from "../../node/kafka-node.js";
import { KAFKA_DEFAULT_TIMING } from "../../simulator/kraft-protocol.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";
import { parseAddress, parseAddressList } from "./node.js";
import { DEFAULT_SNAPSHOT_COUNT } from "../../node/compaction.js";

const USAGE = `usage: quorate kraft-node --id N --role controller|broker --peers 1=HOST:PORT,... --voters 1,2,3
                          --data DIR --http HOST:PORT [--tick-ms MS] [--cluster-id ID] [--snapshot-count N]

Runs one Kafka node in KRaft mode: a controller (a voter of the metadata quorum running the quorum controller)
or a broker (an observer of the metadata log keeping an image, registered with the active controller), with
Kafka's default timing (fetch timeout 2 s, election timeout 1 s, broker session 9 s, heartbeat 2 s).

  --id N          this node's id (one of --peers)
  --role R        controller or broker
  --peers LIST    every node's peer address, this node's included: it listens on its own
  --voters LIST   the controllers' ids (controller.quorum.voters)
  --data DIR      data directory of the metadata log (created if missing)
  --http H:P      control endpoint: GET /status, POST /admin (a ControllerRequest as JSON, e.g. CreateTopics)
  --tick-ms MS    timer period. Default 50
  --cluster-id ID checked in every peer handshake. Default quorate-kraft
  --snapshot-count N  write a metadata snapshot (KIP-630) every N applied records, at a batch boundary, and
                  compact the log below it (as \`quorate node --snapshot-count\`; 0: never). Default 10000

Runs until SIGINT or SIGTERM (then exits 0); bad usage or a port that cannot be bound exit 2.
${EXIT_CODES_HELP}
`;

const FLAGS = {
  id: { type: "string" },
  role: { type: "string" },
  peers: { type: "string" },
  voters: { type: "string" },
  data: { type: "string" },
  http: { type: "string" },
  "tick-ms": { type: "string" },
  "cluster-id": { type: "string" },
  "snapshot-count": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

function fail(message: string): ExitCode {
  process.stderr.write(`quorate kraft-node: ${message}\n`);
  return Exit.badInput;
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let v;
  try {
    v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
    if (v.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    if (v.id === undefined || v.role === undefined || v.peers === undefined || v.voters === undefined || v.data === undefined || v.http === undefined) {
      throw new UsageError("--id, --role, --peers, --voters, --data and --http are required");
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(`${e.message}\n\n${USAGE}`);
  }
  let id: number, peers: ReturnType<typeof parseAddressList>, voters: number[], http: { host: string; port: number }, tickMs: number, snapshotCount: number;
  const role = v.role;
  try {
    if (!/^\d+$/.test(v.id) || Number(v.id) < 1) throw new UsageError(`--id must be a positive integer, got ${JSON.stringify(v.id)}`);
    id = Number(v.id);
    if (role !== "controller" && role !== "broker") throw new UsageError(`--role must be controller or broker, got ${JSON.stringify(role)}`);
    peers = parseAddressList("--peers", v.peers);
    if (!peers.has(id)) throw new UsageError(`--id ${id} is not among --peers`);
    voters = v.voters.split(",").map((x) => Number(x.trim()));
    if (voters.some((x) => !Number.isSafeInteger(x) || x < 1 || !peers.has(x))) throw new UsageError(`--voters must be ids of --peers, got ${JSON.stringify(v.voters)}`);
    if ((role === "controller") !== voters.includes(id)) throw new UsageError(`a controller must be among --voters and a broker must not (id ${id}, voters ${voters.join(",")})`);
    http = parseAddress("--http", v.http);
    tickMs = v["tick-ms"] === undefined ? 50 : Number(v["tick-ms"]);
    if (!Number.isInteger(tickMs) || tickMs < 1) throw new UsageError(`--tick-ms must be a positive integer, got ${JSON.stringify(v["tick-ms"])}`);
    snapshotCount = v["snapshot-count"] === undefined ? DEFAULT_SNAPSHOT_COUNT : Number(v["snapshot-count"]);
    if (!/^\d+$/.test(v["snapshot-count"] ?? "0") || !Number.isSafeInteger(snapshotCount)) throw new UsageError(`--snapshot-count must be a non-negative integer, got ${JSON.stringify(v["snapshot-count"])}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(`${e.message}\n\n${USAGE}`);
  }
  const T = KAFKA_DEFAULT_TIMING;
  const log = (line: string): void => void process.stderr.write(`kraft-node ${id}: ${line}\n`);
  let node: KafkaProcessNode;
  try {
    node = await KafkaProcessNode.start({
      id, clusterId: v["cluster-id"] ?? "quorate-kraft", dataDir: v.data, listen: peers.get(id)!, log,
      peers: new Map([...peers].filter(([p]) => p !== id)),
      onFatal: (e) => {
        log(`stopped: ${e.message}`);
        process.exit(1);
      },
      config: {
        id, role, voters: voters.sort((a, b) => a - b), seed: id, tickMs, quorum: T.quorum,
        controller: { sessionTimeoutMs: T.sessionTimeoutMs, noOpIntervalMs: T.noOpIntervalMs },
        heartbeatIntervalMs: T.heartbeatIntervalMs, requestTimeoutMs: T.requestTimeoutMs, snapshotEveryEntries: snapshotCount,
      },
    });
  } catch (e) {
    return fail(`cannot start: ${(e as Error).message}`);
  }
  let control;
  try {
    control = await startControlServer(http.host, http.port, () => node.status(), {
      admin: (body) => {
        if (body === null || typeof body !== "object" || typeof (body as { type?: unknown }).type !== "string") throw new ControlBadRequest("POST /admin takes a ControllerRequest ({type: 'CreateTopics', topics: [...]}, …)");
        return node.admin(body as ControllerRequest);
      },
    });
  } catch (e) {
    await node.stop();
    return fail(`cannot listen on ${v.http}: ${(e as Error).message}`);
  }
  const stopSignal = untilStopSignal();
  process.stdout.write(`quorate kraft-node ${id}: peer ${peers.get(id)!.host}:${node.port} http ${http.host}:${control.port}\n`);
  await stopSignal;
  await control.close();
  await node.stop();
  return Exit.ok;
};
