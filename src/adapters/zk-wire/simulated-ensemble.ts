/**
 * A replicated ZooKeeper ensemble in one process, served over the wire: the N replicas of an {@link EnsembleCluster}
 * (the `zk-ensemble` core with an in-memory network and disks, every message delivered before an input returns),
 * each behind its own wire server on a loopback port through an {@link EnsembleBackend}. Time is simulated: it
 * moves only when the owner ticks the cluster (elections, heartbeats, session expiry and the reaper happen then),
 * which makes replays against it deterministic. Used by `zk-replay --wire --ensemble N` and the ensemble fuzz test.
 * @module
 */
import type { ReplicaState } from "../../core/zk-ensemble/index.js";
import type { ClusterOptions } from "../zk-ensemble/cluster.js";
import { EnsembleCluster } from "../zk-ensemble/cluster.js";
import type { ZkWireConfig } from "./config.js";
import { EnsembleBackend } from "./ensemble-backend.js";
import type { ZkWireServer } from "./server.js";
import { startZkWireServer } from "./server.js";

/** One member: its replica id, wire backend and wire server. */
export interface SimulatedMember {
  readonly id: number;
  readonly backend: EnsembleBackend;
  readonly server: ZkWireServer;
}

/** Options of {@link startSimulatedEnsemble}. */
export interface SimulatedEnsembleOptions {
  /** The wire configuration every member's server uses (tickTime, reaper interval and TTL nodes reach the replicas). */
  readonly config: ZkWireConfig;
  /** Number of members (default 3). */
  readonly members?: number;
  /** Seed of the replicas' election timeouts (default 1). */
  readonly seed?: number;
  /** The simulated clock at the start, ms (default the cluster's). */
  readonly startTimeMs?: number;
  /** Raft timing in replica ticks (default: 1 ms ticks, elections after 100–200, heartbeats every 10). */
  readonly raft?: { readonly tickMs: number; readonly electionTick: number; readonly heartbeatTick: number };
  /** Where the wire servers and backends report (default nowhere). */
  readonly log?: (line: string) => void;
}

/** A running simulated ensemble. */
export interface SimulatedEnsemble {
  /** The replicas; tick it to let time pass. */
  readonly cluster: EnsembleCluster;
  /** The members, in replica id order. */
  readonly members: readonly SimulatedMember[];
  /** The member a session is attached to (its latest connection), if any. */
  memberOf(sessionId: number): SimulatedMember | undefined;
  /** When the session's client last sent a request or a ping (simulated ms), if it ever connected. */
  lastPacket(sessionId: number): number | undefined;
  /** Closes every wire server (the replicas are dropped with the object). */
  close(): Promise<void>;
}

/** The default Raft timing: 1 ms ticks. */
export const SIMULATED_RAFT = { tickMs: 1, electionTick: 100, heartbeatTick: 10 } as const;

/** The cluster options of a simulated ensemble (exposed so that a caller can run an identical cluster). */
export function simulatedClusterOptions(o: SimulatedEnsembleOptions): ClusterOptions {
  return {
    replicas: o.members ?? 3,
    seed: o.seed ?? 1,
    ...(o.startTimeMs === undefined ? {} : { startTimeMs: o.startTimeMs }),
    replica: {
      ...(o.raft ?? SIMULATED_RAFT),
      tickTimeMs: o.config.tickTimeMs,
      reaperIntervalMs: o.config.containerCheckIntervalMs,
      extendedTypesEnabled: o.config.extendedTypesEnabled,
    },
  };
}

/**
 * Starts the wire servers of a fresh ensemble. No leader is elected yet: tick the cluster until one is (members
 * refuse clients until they know a leader, as ZooKeeper's do).
 */
export async function startSimulatedEnsemble(o: SimulatedEnsembleOptions): Promise<SimulatedEnsemble> {
  const cluster = new EnsembleCluster(simulatedClusterOptions(o));
  const log = o.log ?? (() => {});
  const members: SimulatedMember[] = [];
  const memberOf = new Map<number, SimulatedMember>();
  const sessionOf = new Map<string, number>();
  const lastPacket = new Map<number, number>();
  const heard = (id: number, conn: number) => {
    const session = sessionOf.get(`${id}:${conn}`);
    if (session !== undefined) lastPacket.set(session, cluster.now);
  };
  try {
    for (const id of cluster.ids) {
      const slot: { member?: SimulatedMember } = {};
      const handler = (out: Parameters<EnsembleBackend["clientOutput"]>[0]) => {
        if (out.type === "state" && out.session !== undefined && (out.state === "connected" || out.state === "reconnected")) {
          memberOf.set(out.session.id, slot.member!);
          sessionOf.set(`${id}:${out.conn}`, out.session.id);
          lastPacket.set(out.session.id, cluster.now);
        }
        slot.member!.backend.clientOutput(out);
      };
      const backend = EnsembleBackend.over(
        {
          get state() {
            return cluster.replica(id) as ReplicaState;
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
        (line) => log(`member ${id}: ${line}`),
      );
      const server = await startZkWireServer({ config: o.config, backend, clock: () => cluster.now, log: (line) => log(`member ${id}: ${line}`) });
      slot.member = { id, backend, server };
      members.push(slot.member);
    }
  } catch (e) {
    await Promise.all(members.map((m) => m.server.close()));
    throw e;
  }
  return {
    cluster,
    members,
    memberOf: (sessionId) => memberOf.get(sessionId),
    lastPacket: (sessionId) => lastPacket.get(sessionId),
    close: async () => {
      await Promise.all(members.map((m) => m.server.close()));
    },
  };
}
