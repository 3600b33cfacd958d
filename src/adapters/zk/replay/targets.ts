/**
 * What `zk-replay --wire` replays against: quorate's wire server(s) on loopback ports in this process, with the
 * clock behind them simulated and moved by the replayer only. Two targets:
 * - a single node: one {@link ServiceBackend} (the standalone server of the golden recordings);
 * - an ensemble (`--ensemble N`): N replicas of the replicated ZooKeeper core in one process ({@link EnsembleCluster},
 *   in-memory network and disks, every message delivered before an input returns), one wire server in front of each
 *   member; a session's connections go to the members in turn, so clients are spread over leader and followers and
 *   a re-attach lands on another member. Writes commit through Raft; a zxid is the entry's Raft index.
 * On both, the target pings for connected sessions as their clients would (no client pings in simulated time).
 * @module
 */
import type { ReplicaState } from "../../../core/zk-ensemble/index.js";
import { ServiceBackend } from "../../zk-wire/backend.js";
import type { ZkWireConfig } from "../../zk-wire/config.js";
import { defaultConfig } from "../../zk-wire/config.js";
import { EnsembleBackend } from "../../zk-wire/ensemble-backend.js";
import type { ZkWireServer } from "../../zk-wire/server.js";
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

/** One member of the replay ensemble: its replica id, wire backend and wire server. */
interface Member {
  readonly id: number;
  readonly backend: EnsembleBackend;
  readonly server: ZkWireServer;
}

/** Raft timing of the replay ensemble, in 1 ms replica ticks. */
const ENSEMBLE_RAFT = { tickMs: 1, electionTick: 100, heartbeatTick: 10 } as const;

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
  const options = {
    replicas: members,
    seed: 1,
    replica: { ...ENSEMBLE_RAFT, tickTimeMs: config.tickTimeMs, reaperIntervalMs: config.containerCheckIntervalMs, extendedTypesEnabled: config.extendedTypesEnabled },
  };
  // Elect a leader before any client connects (a member without one refuses clients, as ZooKeeper's do). The
  // election takes the same ticks whatever the start time: a first run measures them.
  const elect = (c: EnsembleCluster) => c.tickUntil(() => c.leader() !== undefined, 10_000);
  const probe = new EnsembleCluster({ ...options, startTimeMs: START_MS });
  elect(probe);
  const cluster = new EnsembleCluster({ ...options, startTimeMs: 2 * START_MS - probe.now });
  elect(cluster);

  const list: Member[] = [];
  /** The member each session is attached to, and each connection's session. */
  const memberOf = new Map<number, Member>();
  const sessionOf = new Map<string, number>();
  /** When each session last sent something (a request or a ping), for the pings a client library sends. */
  const lastPacket = new Map<number, number>();
  const heard = (id: number, conn: number) => {
    const session = sessionOf.get(`${id}:${conn}`);
    if (session !== undefined) lastPacket.set(session, cluster.now);
  };
  try {
    for (const id of cluster.ids) {
      const replica = () => cluster.replica(id) as ReplicaState;
      const slot: { member?: Member } = {};
      const handler = (o: Parameters<EnsembleBackend["clientOutput"]>[0]) => {
        if (o.type === "state" && o.session !== undefined && (o.state === "connected" || o.state === "reconnected")) {
          memberOf.set(o.session.id, slot.member!);
          sessionOf.set(`${id}:${o.conn}`, o.session.id);
          lastPacket.set(o.session.id, cluster.now);
        }
        slot.member!.backend.clientOutput(o);
      };
      const backend = EnsembleBackend.over(
        {
          get state() {
            return replica();
          },
          input(i) {
            switch (i.type) {
              case "connect":
                cluster.connect(id, i.conn, handler, i.timeoutMs, i.session);
                return;
              case "request":
                heard(id, i.conn);
                cluster.request(id, i.conn, i.xid, i.request, i.linearizable === true);
                return;
              case "ping":
                heard(id, i.conn);
                cluster.ping(id, i.conn);
                return;
              case "disconnect":
                cluster.disconnect(id, i.conn);
                return;
              default:
                cluster.input(id, i);
            }
          },
        },
        () => {},
      );
      const server = await startZkWireServer({ config, backend, clock: () => cluster.now });
      slot.member = { id, backend, server };
      list.push(slot.member);
    }
  } catch (e) {
    await Promise.all(list.map((m) => m.server.close()));
    throw e;
  }

  // Client pings, as the single node's: a connected session pings when it sent nothing for timeout/3 (at most 1 s).
  const silent = new Set<number>();
  const leaderState = () => cluster.replica(cluster.leader() ?? cluster.ids[0]!) as ReplicaState;
  cluster.onTick({
    onTick(now) {
      const tree = leaderState().tree;
      for (const [id, member] of memberOf) {
        const record = tree.sessions.get(id);
        if (record === undefined || silent.has(id) || !member.backend.isAttached(id)) continue;
        const interval = Math.max(1, Math.min(1000, Math.floor(record.timeoutMs / 3)));
        if ((lastPacket.get(id) ?? 0) + interval <= now) member.backend.ping(id);
      }
    },
  });
  let turn = 0;
  return {
    nextPort: () => list[turn++ % list.length]!.server.port,
    framesSent: (id) => memberOf.get(id)?.server.framesSent(id) ?? 0,
    get lastZxid() {
      return leaderState().tree.lastZxid;
    },
    get now() {
      return cluster.now;
    },
    advance: (ms) => cluster.tick(ms),
    setAutoPing: (id, on) => void (on ? silent.delete(id) : silent.add(id)),
    isSessionAlive: (id) => leaderState().tree.sessions.has(id),
    isConnected: (id) => memberOf.get(id)?.backend.isAttached(id) === true,
    close: async () => {
      await Promise.all(list.map((m) => m.server.close()));
    },
  };
}
