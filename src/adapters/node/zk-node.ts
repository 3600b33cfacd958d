/**
 * The node runtime for the replicated ZooKeeper core (`core/zk-ensemble`): one ensemble member as a process-level
 * driver. The shared {@link NodeRuntime} gives it durable storage (the Raft vocabulary of the write-ahead log:
 * the replica's persist outputs are Raft writes), the TCP transport (family `zk`: Raft messages plus the
 * service's forwards, read indexes and session touches) and the tick timer; this binding only says how the core
 * is created and stepped and hands the client-facing outputs (replies, watch events, connection states) to the
 * caller — the wire backend. No protocol logic lives here.
 * @module
 */
import type { PersistedState } from "../../core/raft/index.js";
import * as ens from "../../core/zk-ensemble/index.js";
import type { EnsembleMessage, ReplicaConfig, ReplicaInput, ReplicaOutput, ReplicaState } from "../../core/zk-ensemble/index.js";
import { RaftStorage } from "../storage/index.js";
import { NodeRuntime, RuntimeNode, type NodeRuntimeOptions } from "./runtime.js";

/** What the member tells its clients: a reply, a watch event or a connection state change. */
export type ZkClientOutput = Extract<ReplicaOutput, { type: "reply" | "watch" | "state" }>;

/** Options of {@link ZkEnsembleNode.start}. */
export interface ZkEnsembleNodeOptions extends NodeRuntimeOptions {
  /** Every member's id (the Raft voters; the same list on every member). */
  readonly replicas: readonly number[];
  /** Milliseconds per tick of the replica (its clock and Raft timers advance one tick per period). Default 50. */
  readonly tickMs?: number;
  /** Replica options (id, replicas, seed, tickMs, start time and proposal batching are set here). */
  readonly replica?: Omit<ReplicaConfig, "id" | "replicas" | "seed" | "tickMs" | "startTimeMs" | "batchProposals">;
  /** Wall clock at start, ms: the replica's clock starts there (ctime/mtime). Default `Date.now()`. */
  readonly startTimeMs?: number;
  /** Receives the outputs meant for the member's client connections, in order. */
  readonly onClientOutput: (o: ZkClientOutput) => void;
}

/** A running ensemble member. */
export class ZkEnsembleNode extends RuntimeNode<"zk", ReplicaState, ReplicaInput, ReplicaOutput, PersistedState | undefined> {
  private constructor(rt: NodeRuntime<"zk", ReplicaState, ReplicaInput, ReplicaOutput, PersistedState | undefined>) {
    super(rt);
  }

  /** Recovers the member from its data directory (tree from the snapshot, then the committed log), starts it. */
  static async start(o: ZkEnsembleNodeOptions): Promise<ZkEnsembleNode> {
    const tickMs = o.tickMs ?? 50;
    // The leader's proposals of one turn of the event loop go to Raft together (`flush` in the check phase,
    // after the turn's client requests and forwards were read): one log write and one append per follower.
    let runtime: NodeRuntime<"zk", ReplicaState, ReplicaInput, ReplicaOutput, PersistedState | undefined> | undefined;
    let flushScheduled = false;
    const flush = (): void => {
      flushScheduled = false;
      runtime?.step({ type: "flush" });
    };
    const rt = await NodeRuntime.start(o, {
      family: "zk",
      logPrefix: "zk-node",
      tickMs,
      // The replica's outputs depend on no write but their own step's persist, as the Raft core's it wraps: what
      // it answers comes from entries Raft applied (already durable here) or from its applied tree.
      stepLocal: true,
      open: async (opts) => {
        const { storage, persisted } = await RaftStorage.open(opts);
        return {
          storage: {
            // RaftStorage does not write a persist that only raises the commit index on its own (etcd's MustSync).
            persist: (p: ReplicaOutput) => storage.persist((p as Extract<ReplicaOutput, { type: "persist" }>).write),
            stats: () => storage.stats(),
            close: () => storage.close(),
          },
          persisted,
        };
      },
      create: (persisted) =>
        ens.createReplica({ ...o.replica, id: o.id, replicas: o.replicas, seed: o.seed ?? o.id, tickMs, startTimeMs: o.startTimeMs ?? Date.now(), batchProposals: true }, persisted),
      step: (s, i) => {
        const r = ens.step(s, i);
        if (!flushScheduled && ens.queuedProposals(r.state) > 0) {
          flushScheduled = true;
          setImmediate(flush);
        }
        return r;
      },
      tick: { type: "tick" },
      message: (message: EnsembleMessage): ReplicaInput => ({ type: "message", message }),
      sent: (s) => (s as Extract<ReplicaOutput, { type: "send" }>).message,
      perform: (x, _feed, log) => {
        switch (x.type) {
          case "reply":
          case "watch":
          case "state":
            o.onClientOutput(x);
            return;
          case "rejected":
            log(`rejected (${x.reason}): ${x.detail}`);
            return;
          default:
            return; // applied: for observers; persist and send: the pipeline performs them
        }
      },
    });
    runtime = rt;
    return new ZkEnsembleNode(rt);
  }

  /** Steps the replica with a client input (connect, request, ping, disconnect). */
  input(i: ReplicaInput): void {
    this.rt.step(i);
  }

  /** The replica's current state (read it through the core's observers; never mutate it). */
  get state(): ReplicaState {
    return this.rt.current;
  }
}
