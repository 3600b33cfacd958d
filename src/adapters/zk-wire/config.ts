/**
 * ZooKeeper's `zoo.cfg` (Java properties: `key=value`, `#`/`!` comments) as the wire server reads it. The settings
 * ZooKeeper takes as system properties (`jute.maxbuffer`, `znode.container.checkIntervalMs`, `snapCount`,
 * `extendedTypesEnabled`, `4lw.commands.whitelist`) are accepted as keys of the same file, with or without the
 * `zookeeper.` prefix. Unknown keys are reported, never silently dropped. Pure: the caller reads the file.
 */
import { MAX_FRAME_BYTES } from "../../core/zk/index.js";

/** One `server.N=host:quorumPort:electionPort[:role][;clientPort]` line. */
export interface ServerLine {
  readonly id: number;
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly role?: "participant" | "observer";
  readonly clientPort?: number;
}

/** The settings the wire server uses. */
export interface ZkWireConfig {
  readonly tickTimeMs: number;
  readonly clientPort: number;
  readonly clientPortAddress: string;
  readonly dataDir?: string;
  /** Default 2 × tickTime. */
  readonly minSessionTimeoutMs: number;
  /** Default 20 × tickTime. */
  readonly maxSessionTimeoutMs: number;
  /** TTL nodes (createTTL and the TTL modes) are allowed only when true, as in ZooKeeper. Default false. */
  readonly extendedTypesEnabled: boolean;
  /** Enabled four-letter words; `*` enables all. ZooKeeper's default: only `srvr`. */
  readonly fourLetterWords: ReadonlySet<string>;
  readonly servers: readonly ServerLine[];
  /** `jute.maxbuffer`: the largest request frame, bytes. Default 1,048,575. */
  readonly maxFrameBytes: number;
  /** `znode.container.checkIntervalMs`: period of the container/TTL reaper. Default 60,000 (ZooKeeper's). */
  readonly containerCheckIntervalMs: number;
  /** `maxClientCnxns`: concurrent connections allowed from one address (0 = no limit). Default 60. */
  readonly maxClientCnxns: number;
  /**
   * `snapCount`: a member with a data directory snapshots its tree (and compacts its log) every this many
   * entries. Default 100,000, ZooKeeper's (and etcd's `--snapshot-count`): encoding the tree stalls the member
   * for a time that grows with the tree, so a snapshot should be rare.
   */
  readonly snapCount: number;
}

/** The parse result: the configuration, keys quorate does not know, and known keys it accepts but does not act on. */
export interface ParsedConfig {
  readonly config: ZkWireConfig;
  readonly unknownKeys: readonly string[];
  readonly ignoredKeys: readonly string[];
}

/** A value that cannot be used (the message names the line and the key). */
export class ConfigError extends Error {
  readonly line: number;
  readonly key: string;
  constructor(line: number, key: string, message: string) {
    super(`zoo.cfg line ${line}: ${key}: ${message}`);
    this.name = "ConfigError";
    this.line = line;
    this.key = key;
  }
}

/** ZooKeeper's default `snapCount` (its `zookeeper.snapCount` system property). */
export const DEFAULT_SNAP_COUNT = 100_000;

/** Keys ZooKeeper knows that a single quorate wire server accepts without acting on them. */
const IGNORED = new Set([
  "dataLogDir", "initLimit", "syncLimit", "autopurge.snapRetainCount", "autopurge.purgeInterval",
  "admin.enableServer", "admin.serverPort", "admin.serverAddress", "standaloneEnabled", "reconfigEnabled", "preAllocSize",
  "globalOutstandingLimit", "electionAlg", "quorumListenOnAllIPs", "metricsProvider.className",
  "metricsProvider.httpPort", "dynamicConfigFile", "secureClientPort", "secureClientPortAddress", "clientPortListenBacklog",
  "localSessionsEnabled", "localSessionsUpgradingEnabled", "syncEnabled", "peerType", "skipACL",
]);

/** The default configuration: ZooKeeper's defaults with clientPort 2181 on 127.0.0.1. */
export function defaultConfig(): ZkWireConfig {
  return {
    tickTimeMs: 2000,
    clientPort: 2181,
    clientPortAddress: "127.0.0.1",
    minSessionTimeoutMs: 4000,
    maxSessionTimeoutMs: 40000,
    extendedTypesEnabled: false,
    fourLetterWords: new Set(["srvr"]),
    servers: [],
    maxFrameBytes: MAX_FRAME_BYTES,
    containerCheckIntervalMs: 60_000,
    maxClientCnxns: 60,
    snapCount: DEFAULT_SNAP_COUNT,
  };
}

function parseInteger(line: number, key: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value)) throw new ConfigError(line, key, `expected an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(line, key, `must be in [${min}, ${max}], got ${n}`);
  return n;
}

function parseBoolean(line: number, key: string, value: string): boolean {
  // Java's Boolean.parseBoolean: "true" (any case) is true, everything else false. quorate refuses the rest.
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new ConfigError(line, key, `expected true or false, got ${JSON.stringify(value)}`);
}

function parseServerLine(line: number, key: string, id: number, value: string): ServerLine {
  const [addresses = "", client] = value.split(";");
  const parts = addresses.split(":");
  if (parts.length < 3 || parts.length > 4 || parts[0] === "") throw new ConfigError(line, key, `expected host:quorumPort:electionPort[:role][;[address:]clientPort], got ${JSON.stringify(value)}`);
  const role = parts[3];
  if (role !== undefined && role !== "participant" && role !== "observer") throw new ConfigError(line, key, `role must be participant or observer, got ${JSON.stringify(role)}`);
  const out: ServerLine = {
    id,
    host: parts[0]!,
    quorumPort: parseInteger(line, key, parts[1]!, 1, 65535),
    electionPort: parseInteger(line, key, parts[2]!, 1, 65535),
    ...(role === undefined ? {} : { role }),
    ...(client === undefined ? {} : { clientPort: parseInteger(line, key, client.split(":").at(-1)!, 1, 65535) }),
  };
  return out;
}

/** Parses a zoo.cfg text. Throws {@link ConfigError} for an unusable value. */
export function parseZooCfg(text: string): ParsedConfig {
  const base = defaultConfig();
  const values: Record<string, { value: string; line: number }> = {};
  const unknownKeys: string[] = [];
  const ignoredKeys: string[] = [];
  const servers: ServerLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "" || raw.startsWith("#") || raw.startsWith("!")) continue;
    const sep = raw.search(/[=:]/);
    const key = (sep < 0 ? raw : raw.slice(0, sep)).trim();
    const value = sep < 0 ? "" : raw.slice(sep + 1).trim();
    const name = key.startsWith("zookeeper.") ? key.slice("zookeeper.".length) : key;
    const server = /^server\.(\d+)$/.exec(name);
    if (server !== null) {
      servers.push(parseServerLine(i + 1, key, Number(server[1]), value));
      continue;
    }
    if (["tickTime", "clientPort", "clientPortAddress", "dataDir", "minSessionTimeout", "maxSessionTimeout", "extendedTypesEnabled", "4lw.commands.whitelist", "jute.maxbuffer", "znode.container.checkIntervalMs", "maxClientCnxns", "snapCount"].includes(name)) {
      values[name] = { value, line: i + 1 };
    } else if (IGNORED.has(name) || /^(group|weight)\.\d+$/.test(name)) ignoredKeys.push(key);
    else unknownKeys.push(key);
  }
  const get = <T>(name: string, parse: (line: number, value: string) => T, fallback: T): T => {
    const v = values[name];
    return v === undefined ? fallback : parse(v.line, v.value);
  };
  const tickTimeMs = get("tickTime", (l, v) => parseInteger(l, "tickTime", v, 1, 2 ** 31 - 1), base.tickTimeMs);
  // As ZooKeeper: -1 (or absent) means the 2/20-tick default.
  const minSessionTimeoutMs = get("minSessionTimeout", (l, v) => parseInteger(l, "minSessionTimeout", v, -1, 2 ** 31 - 1), -1);
  const maxSessionTimeoutMs = get("maxSessionTimeout", (l, v) => parseInteger(l, "maxSessionTimeout", v, -1, 2 ** 31 - 1), -1);
  const min = minSessionTimeoutMs === -1 ? 2 * tickTimeMs : minSessionTimeoutMs;
  const max = maxSessionTimeoutMs === -1 ? 20 * tickTimeMs : maxSessionTimeoutMs;
  if (min > max) throw new ConfigError(values.minSessionTimeout?.line ?? values.maxSessionTimeout?.line ?? 0, "minSessionTimeout", `minSessionTimeout ${min} must not be larger than maxSessionTimeout ${max}`);
  const whitelist = get("4lw.commands.whitelist", (_l, v) => v.split(",").map((w) => w.trim()).filter((w) => w !== ""), null);
  const dataDir = values.dataDir?.value;
  return {
    config: {
      tickTimeMs,
      clientPort: get("clientPort", (l, v) => parseInteger(l, "clientPort", v, 0, 65535), base.clientPort),
      clientPortAddress: get("clientPortAddress", (_l, v) => v, base.clientPortAddress),
      ...(dataDir === undefined ? {} : { dataDir }),
      minSessionTimeoutMs: min,
      maxSessionTimeoutMs: max,
      extendedTypesEnabled: get("extendedTypesEnabled", (l, v) => parseBoolean(l, "extendedTypesEnabled", v), false),
      fourLetterWords: whitelist === null ? base.fourLetterWords : new Set(whitelist),
      servers: servers.sort((a, b) => a.id - b.id),
      maxFrameBytes: get("jute.maxbuffer", (l, v) => parseInteger(l, "jute.maxbuffer", v, 1, 2 ** 31 - 1), base.maxFrameBytes),
      containerCheckIntervalMs: get("znode.container.checkIntervalMs", (l, v) => parseInteger(l, "znode.container.checkIntervalMs", v, 1, 2 ** 31 - 1), base.containerCheckIntervalMs),
      maxClientCnxns: get("maxClientCnxns", (l, v) => parseInteger(l, "maxClientCnxns", v, 0, 2 ** 31 - 1), base.maxClientCnxns),
      snapCount: get("snapCount", (l, v) => parseInteger(l, "snapCount", v, 1, 2 ** 31 - 1), base.snapCount),
    },
    unknownKeys,
    ignoredKeys,
  };
}

/** Whether a four-letter word is enabled by the configuration (`*` enables every word). */
export function isFourLetterWordEnabled(config: ZkWireConfig, word: string): boolean {
  return config.fourLetterWords.has("*") || config.fourLetterWords.has(word);
}
