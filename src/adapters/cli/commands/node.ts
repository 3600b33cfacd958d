/**
 * `quorate node --id N --peers 1=HOST:PORT,2=…,3=… --data DIR --client HOST:PORT [--lose-unsynced]`: one node of
 * the replicated KV service as a process. Prints `quorate node N: peer HOST:PORT client HOST:PORT` on stdout when
 * ready; SIGINT/SIGTERM stop it cleanly (exit 0). If its storage fails it stops and restarts from what is durable.
 */
import { createInterface, type Interface as ReadlineInterface } from "node:readline";
import { KvService, type KvServiceOptions } from "../../kv/index.js";
import type { PlantedBug } from "../../node/index.js";
import { loseUnsynced, nodeFileSystem, randomSyncDelays, slowSync } from "../../storage/index.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import { untilStopSignal } from "../signals.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate node --id N --peers 1=HOST:PORT,2=HOST:PORT,... --data DIR --client HOST:PORT
                    [--client-peers 1=HOST:PORT,...] [--cluster-id ID] [--tick-ms MS] [--snapshot-count N]
                    [--snapshot-catch-up N] [--segment-bytes N] [--peer-queue-bytes N]
                    [--peer-unreachable-frames N] [--lose-unsynced] [--slow-sync MS]

Runs one node of quorate's replicated key-value service (Raft, durable log, etcd v3 JSON API over HTTP).

  --id N             this node's id (one of the ids of --peers)
  --peers LIST       every node's peer (Raft) address, this node's included: it listens on its own
  --data DIR         data directory (created if missing; recovered on restart)
  --client HOST:PORT HTTP client address (/v3/kv/put, /v3/kv/range, /v3/kv/deleterange, /v3/kv/txn, GET /status)
  --client-peers LIST every node's client address: a follower forwards requests to the leader's
  --cluster-id ID    cluster id checked in every peer handshake and data directory. Default quorate
  --tick-ms MS       milliseconds per Raft tick (election timeout 10 ticks). Default 100
  --snapshot-count N snapshot the store and compact the log every N applied entries (0: never). Default 10000
  --snapshot-catch-up N  entries kept in the log behind a snapshot for slow followers.
                     Default min(5000, snapshot-count / 2)
  --segment-bytes N  start a new write-ahead log segment at N bytes; compaction deletes whole segments.
                     Default 67108864 (64 MiB)
  --peer-queue-bytes N  bytes queued for one peer before new messages to it are dropped. Default 8388608 (8 MiB)
  --peer-unreachable-frames N  messages kept for a peer it cannot reach (the newest; older ones are dropped,
                     never replayed as a backlog). Default 64
  --lose-unsynced    keep unsynced writes in process memory until fdatasync, so kill -9 loses exactly what a
                     power failure would (for torture tests); then the lines "disk stall" and "disk resume"
                     on stdin hang every fdatasync and let them go on (a stalled disk)
  --slow-sync MS     a slow disk: every fdatasync first waits a random 0..MS ms (for torture tests)

Runs until SIGINT or SIGTERM (then exits 0); bad usage, a data directory of another cluster or a port that
cannot be bound exit 2.
${EXIT_CODES_HELP}
`;

const FLAGS = {
  id: { type: "string" },
  peers: { type: "string" },
  data: { type: "string" },
  client: { type: "string" },
  "client-peers": { type: "string" },
  "cluster-id": { type: "string" },
  "tick-ms": { type: "string" },
  "snapshot-count": { type: "string" },
  "snapshot-catch-up": { type: "string" },
  "segment-bytes": { type: "string" },
  "peer-queue-bytes": { type: "string" },
  "peer-unreachable-frames": { type: "string" },
  "lose-unsynced": { type: "boolean" },
  "slow-sync": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

/** `HOST:PORT` → its parts. */
export function parseAddress(flag: string, text: string): { host: string; port: number } {
  const i = text.lastIndexOf(":");
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !/^\d+$/.test(text.slice(i + 1)) || port > 65535) throw new UsageError(`${flag}: expected HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: text.slice(0, i), port };
}

/** `1=HOST:PORT,2=HOST:PORT` → a map by node id. */
export function parseAddressList(flag: string, text: string): Map<number, { host: string; port: number }> {
  const out = new Map<number, { host: string; port: number }>();
  for (const part of text.split(",")) {
    const m = /^(\d+)=(.+)$/.exec(part.trim());
    if (m === null || Number(m[1]) < 1) throw new UsageError(`${flag}: expected ID=HOST:PORT (ID ≥ 1), got ${JSON.stringify(part)}`);
    if (out.has(Number(m[1]))) throw new UsageError(`${flag}: node ${m[1]} is listed twice`);
    out.set(Number(m[1]), parseAddress(flag, m[2]!));
  }
  return out;
}

/** The planted durability bug, from an environment variable only the torture tests set. */
function plantedBug(): PlantedBug | undefined {
  const v = process.env["QUORATE_PLANTED_BUG"];
  return v === "ack-before-fsync" || v === "vote-before-durable" ? v : undefined;
}

function options(v: ReturnType<typeof parseCommandLine<typeof FLAGS>>["values"]): KvServiceOptions {
  if (v.id === undefined || v.peers === undefined || v.data === undefined || v.client === undefined) throw new UsageError("--id, --peers, --data and --client are required");
  if (!/^\d+$/.test(v.id) || Number(v.id) < 1) throw new UsageError(`--id must be a positive integer, got ${JSON.stringify(v.id)}`);
  const id = Number(v.id);
  const peers = parseAddressList("--peers", v.peers);
  const self = peers.get(id);
  if (self === undefined) throw new UsageError(`--id ${id} is not among --peers`);
  const tickMs = v["tick-ms"] === undefined ? 100 : Number(v["tick-ms"]);
  if (!Number.isInteger(tickMs) || tickMs < 1) throw new UsageError(`--tick-ms must be a positive integer, got ${JSON.stringify(v["tick-ms"])}`);
  const count = (flag: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) throw new UsageError(`--${flag} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const snapshotCount = count("snapshot-count", v["snapshot-count"], 0);
  const catchUpEntries = count("snapshot-catch-up", v["snapshot-catch-up"], 0);
  const segmentBytes = count("segment-bytes", v["segment-bytes"], 4096);
  const queueBytes = count("peer-queue-bytes", v["peer-queue-bytes"], 65536);
  const unreachableLimit = count("peer-unreachable-frames", v["peer-unreachable-frames"], 1);
  const clientPeers = v["client-peers"] === undefined ? new Map() : parseAddressList("--client-peers", v["client-peers"]);
  const bug = plantedBug();
  const slow = v["slow-sync"] === undefined ? 0 : Number(v["slow-sync"]);
  if (!Number.isInteger(slow) || slow < 0) throw new UsageError(`--slow-sync must be a non-negative integer, got ${JSON.stringify(v["slow-sync"])}`);
  return {
    // With lose-unsynced, a sync covers what was appended before it and hands it to the OS only when it ends,
    // so a slow or stalled disk widens what kill -9 loses.
    ...(v["lose-unsynced"] === true ? { fs: loseUnsynced(nodeFileSystem(), { beforeSync: testDisk.beforeSync(slow, id) }) } : slow > 0 ? { fs: slowSync(nodeFileSystem(), slow, id) } : {}),
    id,
    clusterId: v["cluster-id"] ?? "quorate",
    voters: [...peers.keys()].sort((a, b) => a - b),
    peers: new Map([...peers].filter(([p]) => p !== id)),
    listen: self,
    dataDir: v.data,
    loseUnsynced: false, // the file system above already is (with the slow and stalled disk inside it)
    tickMs,
    compaction: { ...(snapshotCount === undefined ? {} : { snapshotCount }), ...(catchUpEntries === undefined ? {} : { catchUpEntries }) },
    ...(segmentBytes === undefined ? {} : { segmentBytes }),
    peerQueue: { ...(queueBytes === undefined ? {} : { queueBytes }), ...(unreachableLimit === undefined ? {} : { unreachableLimit }) },
    client: parseAddress("--client", v.client),
    clientAddresses: new Map([...clientPeers].map(([p, a]) => [p, `${a.host}:${a.port}`])),
    log: (line) => process.stderr.write(`node ${id}: ${line}\n`),
    ...(bug === undefined ? {} : { plantedBug: bug }),
  };
}

/**
 * The disk of a `--lose-unsynced` node: each sync waits a random 0..`--slow-sync` ms and, after the command
 * `disk stall` on stdin, hangs until `disk resume` (the torture harness's stalled-disk fault).
 */
const testDisk = {
  stalled: undefined as { readonly over: Promise<void>; readonly resume: () => void } | undefined,
  input: undefined as ReadlineInterface | undefined,
  beforeSync(slowMs: number, id: number): () => Promise<void> {
    const delays = randomSyncDelays(slowMs, id);
    return async () => {
      const ms = slowMs > 0 ? delays() : 0;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      while (testDisk.stalled !== undefined) await testDisk.stalled.over;
    };
  },
  /** Follows the commands on stdin (until {@link testDisk.close}). */
  listen(): void {
    testDisk.input = createInterface({ input: process.stdin });
    testDisk.input.on("line", (line) => {
      if (line.trim() === "disk stall" && testDisk.stalled === undefined) {
        let resume = (): void => undefined;
        const over = new Promise<void>((r) => (resume = r));
        testDisk.stalled = { over, resume };
      } else if (line.trim() === "disk resume") {
        testDisk.stalled?.resume();
        testDisk.stalled = undefined;
      }
    });
  },
  close(): void {
    testDisk.input?.close();
    process.stdin.destroy();
    testDisk.stalled?.resume();
    testDisk.stalled = undefined;
  },
};

function fail(message: string): ExitCode {
  process.stderr.write(`quorate node: ${message}\n`);
  return Exit.badInput;
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let o: KvServiceOptions;
  let faultCommands = false;
  try {
    const v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
    faultCommands = v["lose-unsynced"] === true;
    if (v.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    o = options(v);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(`${e.message}\n\n${USAGE}`);
  }
  let service: KvService | undefined;
  let stopping = false;
  // A storage failure stops the node; it comes back from what is durable (unless we are shutting down).
  const start = async (): Promise<KvService> =>
    KvService.start({
      ...o,
      onFatal: (e) => {
        process.stderr.write(`node ${o.id}: storage failed (${e.message}); restarting from the data directory\n`);
        const old = service;
        service = undefined;
        void (async () => {
          await old?.stop();
          if (!stopping) service = await start();
        })().catch((err: unknown) => {
          process.stderr.write(`node ${o.id}: cannot restart: ${String(err)}\n`);
          process.exit(Exit.badInput);
        });
      },
    });
  if (faultCommands) testDisk.listen();
  try {
    service = await start();
  } catch (e) {
    if (faultCommands) testDisk.close();
    return fail(`cannot start (data directory ${o.dataDir}): ${(e as Error).message}`);
  }
  // Listen for the stop signal before saying we are up: a supervisor may signal as soon as it reads the line.
  const stopSignal = untilStopSignal();
  process.stdout.write(`quorate node ${o.id}: peer ${o.listen!.host}:${service.raftNode.port} client ${o.client.host}:${service.clientPort}\n`);
  await stopSignal;
  stopping = true;
  if (faultCommands) testDisk.close();
  await service?.stop();
  return Exit.ok;
};
