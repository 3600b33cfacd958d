/**
 * What `zk-replay --wire` replays against: quorate's wire server(s) on loopback ports in this process, with the
 * clock behind them simulated and moved by the replayer only. Two targets:
 * - a single node: one {@link ServiceBackend} (the standalone server of the golden recordings);
 * - an ensemble (`--ensemble N`): N replicas of the replicated ZooKeeper core in one process, one wire server in
 *   front of each member (zk-wire/simulated-ensemble.ts); a session's connections go to the members in turn, so
 *   clients are spread over leader and followers and a re-attach lands on another member. Writes commit through
 *   Raft; a zxid is the entry's Raft index.
 * On both, the target pings for connected sessions as their clients would (no client pings in simulated time).
 * @module
 */
import type { ReplicaState } from "../../../core/zk-ensemble/index.js";
import { ServiceBackend } from "../../zk-wire/backend.js";
import type { ZkWireConfig } from "../../zk-wire/config.js";
import { defaultConfig } from "../../zk-wire/config.js";
import { simulatedClusterOptions, startSimulatedEnsemble } from "../../zk-wire/simulated-ensemble.js";
import { startZkWireServer } from "../../zk-wire/server.js";
import { EnsembleCluster } from "../../zk-ensemble/cluster.js";
import type { Transcript } from "./format.js";
import { GOLDEN_SERVER } from "./run.js";

/** The simulated clock's origin (divisible by the tickTime, as the single node's session expiry assumes). */
const START_MS = 1_700_000_000_000;

/** The most members a replay ensemble may have. */
export const MAX_REPLAY_MEMBERS = 7;

/** Wire servers and the simulated clock behind them, as the replayer drives them. */
export interface ReplayTarget {
  /** The port of the server the next connection (a session opened or re-attached) goes to. */
  nextPort(): number;
  /** Frames the server the session is connected to sent on its current connection. */
  framesSent(sessionId: number): number;
  /** The last zxid, as `srvr` reports it (an ensemble: its leader's). */
  readonly lastZxid: number;
  /** Simulated time, ms. */
  readonly now: number;
  /** Lets `ms` of simulated time pass: pings, expiry, the reaper (and an ensemble's Raft ticks). */
  advance(ms: number): void;
  /** Whether the target pings for the session while it is connected (the `expire` step turns it off). */
  setAutoPing(sessionId: number, on: boolean): void;
  /** Whether the session exists (not closed or expired). */
  isSessionAlive(sessionId: number): boolean;
  /** Whether a server holds a connection for the session. */
  isConnected(sessionId: number): boolean;
  close(): Promise<void>;
}

/** The wire configuration of the golden recording's server (tickTime 200, reaper every 1000 ms, TTL per transcript). */
function goldenConfig(transcript: Transcript): ZkWireConfig {
  return {
    ...defaultConfig(),
    clientPort: 0,
    tickTimeMs: GOLDEN_SERVER.tickTimeMs,
    minSessionTimeoutMs: 2 * GOLDEN_SERVER.tickTimeMs,
    maxSessionTimeoutMs: 20 * GOLDEN_SERVER.tickTimeMs,
    containerCheckIntervalMs: GOLDEN_SERVER.reaperIntervalMs,
    extendedTypesEnabled: transcript.server.extendedTypesEnabled,
    maxClientCnxns: 0,
  };
}

/** A fresh single node, as the recording server (`zk-replay --wire`). */
export async function singleNodeTarget(transcript: Transcript): Promise<ReplayTarget> {
  let now = START_MS;
  const config = goldenConfig(transcript);
  const backend = new ServiceBackend(
    {
      tickTimeMs: config.tickTimeMs,
      reaperIntervalMs: config.containerCheckIntervalMs,
      startTimeMs: now,
      maxFrameBytes: config.maxFrameBytes,
      extendedTypesEnabled: config.extendedTypesEnabled,
      newPassword: (id) => id.toString(16).padStart(32, "0"),
    },
    true,
  );
  const server = await startZkWireServer({ config, backend, clock: () => now });
  const service = backend.service;
  return {
    nextPort: () => server.port,
    framesSent: (id) => server.framesSent(id),
    get lastZxid() {
      return backend.lastZxid;
    },
    get now() {
      return service.now;
    },
    advance(ms) {
      now += ms;
      backend.advanceTo(now);
    },
    setAutoPing: (id, on) => service.setAutoPing(id, on),
    isSessionAlive: (id) => service.isSessionAlive(id),
    isConnected: (id) => service.isConnected(id),
    close: () => server.close(),
  };
}

/**
 * A fresh ensemble of `members` replicas (`zk-replay --wire --ensemble N`), configured as the recording server.
 * Its clock starts early enough that the first leader is elected exactly at the single node's start time, so the
 * sessions open, the reaper runs and sessions expire at the same simulated times as on the single node.
 */
export async function ensembleTarget(transcript: Transcript, members: number): Promise<ReplayTarget> {
  if (!Number.isInteger(members) || members < 1 || members > MAX_REPLAY_MEMBERS) {
    throw new RangeError(`an ensemble replay needs 1..${MAX_REPLAY_MEMBERS} members, got ${members}`);
  }
  const config = goldenConfig(transcript);
  // Elect a leader before any client connects (a member without one refuses clients, as ZooKeeper's do). The
  // election takes the same ticks whatever the start time: a first run measures them.
  const elect = (c: EnsembleCluster) => c.tickUntil(() => c.leader() !== undefined, 10_000);
  const probe = new EnsembleCluster(simulatedClusterOptions({ config, members, startTimeMs: START_MS }));
  elect(probe);
  const ensemble = await startSimulatedEnsemble({ config, members, startTimeMs: 2 * START_MS - probe.now });
  const cluster = ensemble.cluster;
  elect(cluster);

  // Client pings, as the single node's: a connected session pings when it sent nothing for timeout/3 (at most 1 s).
  const silent = new Set<number>();
  const leaderState = () => cluster.replica(cluster.leader() ?? cluster.ids[0]!) as ReplicaState;
  cluster.onTick({
    onTick(now) {
      for (const [id, record] of leaderState().tree.sessions) {
        const member = ensemble.memberOf(id);
        if (member === undefined || silent.has(id) || !member.backend.isAttached(id)) continue;
        const interval = Math.max(1, Math.min(1000, Math.floor(record.timeoutMs / 3)));
        if ((ensemble.lastPacket(id) ?? 0) + interval <= now) member.backend.ping(id);
      }
    },
  });
  let turn = 0;
  return {
    nextPort: () => ensemble.members[turn++ % ensemble.members.length]!.server.port,
    framesSent: (id) => ensemble.memberOf(id)?.server.framesSent(id) ?? 0,
    get lastZxid() {
      return leaderState().tree.lastZxid;
    },
    get now() {
      return cluster.now;
    },
    advance: (ms) => cluster.tick(ms),
    setAutoPing: (id, on) => void (on ? silent.delete(id) : silent.add(id)),
    isSessionAlive: (id) => leaderState().tree.sessions.has(id),
    isConnected: (id) => ensemble.memberOf(id)?.backend.isAttached(id) === true,
    close: () => ensemble.close(),
  };
}
