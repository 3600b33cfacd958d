/**
 * The four-letter words a ZooKeeper 3.8 server answers on its client port, in ZooKeeper's text formats
 * (`ruok`, `srvr`, `stat`, `mntr`, `conf`, `envi`). Pure: every figure comes in as input.
 */
import type { BackendStats } from "./backend.js";
import type { ZkWireConfig } from "./config.js";

/** The version line quorate reports (ZooKeeper's format; tools parse the `3.8.0` prefix). */
export const VERSION = "3.8.0-quorate, built on n/a";

/** Packet counters of the server. */
export interface ServerCounters {
  received: number;
  sent: number;
  readonly startedAt: number;
}

/** Everything a four-letter word reports. */
export interface FourLetterInput {
  readonly config: ZkWireConfig;
  readonly stats: BackendStats;
  readonly lastZxid: number;
  readonly connections: number;
  readonly counters: ServerCounters;
  readonly now: number;
  /** `envi` lines (`key=value`), supplied by the caller (the process environment is I/O). */
  readonly environment?: readonly (readonly [string, string])[];
}

// ZooKeeper counts the root twice (it is keyed under "" and "/"), so a fresh server reports 5 nodes.
const nodeCount = (s: BackendStats) => s.nodeCount + 1;

function srvrLines(i: FourLetterInput): string[] {
  return [
    "Latency min/avg/max: 0/0.0/0",
    `Received: ${i.counters.received}`,
    `Sent: ${i.counters.sent}`,
    `Connections: ${i.connections}`,
    "Outstanding: 0",
    `Zxid: 0x${i.lastZxid.toString(16)}`,
    `Mode: ${i.stats.mode ?? "standalone"}`,
    `Node count: ${nodeCount(i.stats)}`,
  ];
}

/** The text answered for an enabled word, or `undefined` for a word quorate does not implement. */
export function fourLetterWordReply(word: string, i: FourLetterInput): string | undefined {
  switch (word) {
    case "ruok":
      return "imok";
    case "srvr":
      return [`Zookeeper version: ${VERSION}`, ...srvrLines(i), ""].join("\n");
    case "stat":
      return [`Zookeeper version: ${VERSION}`, "Clients:", "", ...srvrLines(i), ""].join("\n");
    case "mntr":
      return [
        ["zk_version", VERSION],
        ["zk_server_state", i.stats.mode ?? "standalone"],
        ["zk_ephemerals_count", i.stats.ephemeralsCount],
        ["zk_num_alive_connections", i.connections],
        ["zk_avg_latency", "0.0"],
        ["zk_outstanding_requests", 0],
        ["zk_znode_count", nodeCount(i.stats)],
        ["zk_global_sessions", i.stats.sessions],
        ["zk_packets_sent", i.counters.sent],
        ["zk_packets_received", i.counters.received],
        ["zk_watch_count", i.stats.watchCount],
        ["zk_approximate_data_size", i.stats.approximateDataSize],
        ["zk_uptime", Math.max(0, i.now - i.counters.startedAt)],
        ["zk_min_latency", 0],
        ["zk_max_latency", 0],
      ]
        .map(([k, v]) => `${k}\t${v}\n`)
        .join("");
    case "conf": {
      const c = i.config;
      return [
        `clientPort=${c.clientPort}`,
        "secureClientPort=-1",
        ...(c.dataDir === undefined ? [] : [`dataDir=${c.dataDir}`]),
        `tickTime=${c.tickTimeMs}`,
        `minSessionTimeout=${c.minSessionTimeoutMs}`,
        `maxSessionTimeout=${c.maxSessionTimeoutMs}`,
        "serverId=0",
        "",
      ].join("\n");
    }
    case "envi":
      return ["Environment:", `zookeeper.version=${VERSION}`, ...(i.environment ?? []).map(([k, v]) => `${k}=${v}`), ""].join("\n");
    default:
      return undefined;
  }
}
