/**
 * The models and systems `quorate explore` knows, built from plain options: the calibration models
 * (`--model`) and the real cores (`--system`). Shared by the CLI and by path replay.
 * @module
 */
import { actorModel } from "./actors.js";
import type { Model } from "./model.js";
import { abdServer } from "./models/abd.js";
import { paxosServer } from "./models/paxos.js";
import { registerSystem } from "./models/register.js";
import { singleCopyServer } from "./models/single-copy-register.js";
import { twoPhaseCommit } from "./models/two-phase-commit.js";
import type { NetworkKind } from "./network.js";
import { walkPath } from "./replay.js";
import type { CoreSystemOptions } from "./systems/common.js";
import { DEFAULT_KRAFT_BOUNDS, kraftSystem } from "./systems/kraft.js";
import { DEFAULT_RAFT_BOUNDS, raftSystem, type RaftBounds } from "./systems/raft.js";
import type { RaftView } from "./systems/raft-invariants.js";
import { raftPathTrace } from "./systems/raft-trace.js";
import type { TraceRecord } from "../invariants/index.js";
import type { Message } from "../../core/raft/index.js";
import type { StorageMode, SystemAction } from "./actors.js";
import { DEFAULT_ZK_BOUNDS, ZK_WORKLOADS, zkSystem, type ZkWorkload } from "./systems/zk.js";

/** The calibration models. */
export const MODELS = ["2pc", "paxos", "linearizable-register", "single-copy-register"] as const;
/** The real cores. */
export const SYSTEMS = ["raft", "kraft", "zk"] as const;

/** What to explore. */
export interface Target {
  readonly model?: (typeof MODELS)[number];
  readonly system?: (typeof SYSTEMS)[number];
  readonly rms?: number;
  readonly servers?: number;
  readonly clients?: number;
  readonly nodes?: number;
  readonly bounds?: Partial<TargetBounds>;
  readonly network?: NetworkKind;
  readonly lossy?: boolean;
  readonly storage?: StorageMode;
  readonly preVote?: boolean;
  /** Raft: bytes of a client proposal (see `RaftSystemOptions.payloadBytes`). */
  readonly payloadBytes?: number;
  /** Raft: whether leaders' heartbeat timers may fire (see `RaftSystemOptions.heartbeats`). */
  readonly heartbeats?: boolean;
  /** Raft: lease reads under a global clock instead of ReadIndex (see `RaftSystemOptions.readOnly`). */
  readonly leaseReads?: boolean;
  /** ZooKeeper: what the clients do (see `ZkSystemOptions.workload`; default "writes"). */
  readonly workload?: ZkWorkload;
}

/** Every bound `--bounds` names: Raft's, and the ZooKeeper system's global clock (`maxTicks`). */
export interface TargetBounds extends RaftBounds {
  /** ZooKeeper: global clock ticks per path (see `ZkBounds.maxTicks`). */
  readonly maxTicks: number;
}

/** A target that cannot be built, with a sentence saying what to fix. */
export class TargetError extends Error {
  override readonly name = "TargetError";
}

/**
 * Parses `max-term=3,max-log=2,max-crashes=1,max-in-flight=4,max-reads=1,max-partitions=1,max-ticks=1` (any
 * subset; max-reads and max-partitions: Raft only; max-ticks: ZooKeeper only).
 */
export function parseBounds(text: string): Partial<TargetBounds> {
  const keys: Record<string, keyof TargetBounds> = { "max-term": "maxTerm", "max-log": "maxLog", "max-crashes": "maxCrashes", "max-in-flight": "maxInFlight", "max-reads": "maxReads", "max-partitions": "maxPartitions", "max-ticks": "maxTicks" };
  const out: Partial<Record<keyof TargetBounds, number>> = {};
  for (const part of text.split(",").filter((p) => p.length > 0)) {
    const [k, v, ...rest] = part.split("=");
    const key = keys[k ?? ""];
    if (key === undefined || v === undefined || rest.length > 0) throw new TargetError(`--bounds: expected NAME=N with NAME one of ${Object.keys(keys).join(", ")}, got "${part}"`);
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw new TargetError(`--bounds: ${k} must be an integer in 0..1000, got "${v}"`);
    out[key] = n;
  }
  return out;
}

/** Formats bounds the way `parseBounds` reads them. */
export function formatBounds(b: RaftBounds & { readonly maxTicks?: number }): string {
  const reads = b.maxReads === undefined || b.maxReads === 0 ? "" : `,max-reads=${b.maxReads}`;
  const partitions = b.maxPartitions === undefined || b.maxPartitions === 0 ? "" : `,max-partitions=${b.maxPartitions}`;
  const ticks = b.maxTicks === undefined || b.maxTicks === 0 ? "" : `,max-ticks=${b.maxTicks}`;
  return `max-term=${b.maxTerm},max-log=${b.maxLog},max-crashes=${b.maxCrashes},max-in-flight=${b.maxInFlight}${reads}${partitions}${ticks}`;
}

function count(name: string, v: number | undefined, fallback: number, min: number, max: number): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new TargetError(`--${name} must be an integer in ${min}..${max}, got ${v}`);
  return n;
}

/** The options of a real-core system that explores synchronous storage only (KRaft, ZooKeeper). */
function syncSystem(t: Target, defaults: RaftBounds): CoreSystemOptions {
  if (t.storage !== undefined && t.storage !== "sync") throw new TargetError(`--system ${t.system} explores synchronous storage only`);
  if (t.bounds?.maxReads !== undefined) throw new TargetError(`--bounds max-reads applies to --system raft only`);
  if (t.bounds?.maxPartitions !== undefined) throw new TargetError(`--bounds max-partitions applies to --system raft only`);
  if (t.bounds?.maxTicks !== undefined && t.system !== "zk") throw new TargetError(`--bounds max-ticks applies to --system zk only`);
  return { nodes: count("nodes", t.nodes, 3, 1, 7), bounds: { ...defaults, ...t.bounds }, network: t.network ?? "unordered", lossy: t.lossy === true };
}

/** Builds the model of `t`; throws {@link TargetError} on a bad combination. */
export function buildModel(t: Target): Model<unknown, unknown> {
  if ((t.model === undefined) === (t.system === undefined)) throw new TargetError("give exactly one of --model NAME or --system NAME");
  const register = { network: t.network ?? "unordered", lossy: t.lossy === true };
  if (t.workload !== undefined && t.system !== "zk") throw new TargetError("--workload applies to --system zk only");
  if (t.workload !== undefined && !ZK_WORKLOADS.includes(t.workload)) throw new TargetError(`--workload must be one of ${ZK_WORKLOADS.join(", ")}, got "${t.workload}"`);
  if (t.bounds?.maxTicks !== undefined && t.system === "raft") throw new TargetError("--bounds max-ticks applies to --system zk only (Raft's global clock is --lease-reads)");
  if ((t.payloadBytes !== undefined || t.heartbeats !== undefined || t.leaseReads !== undefined) && t.system !== "raft") {
    throw new TargetError("--payload-bytes, --no-heartbeats and --lease-reads apply to --system raft only");
  }
  // Under the global clock of lease reads the core's counters fire the heartbeat timer, not the explorer.
  if (t.leaseReads === true && t.heartbeats === false) throw new TargetError("--no-heartbeats cannot be combined with --lease-reads (ticks fire the timers)");
  let m: Model<never, never>;
  switch (t.model ?? t.system) {
    case "2pc":
      m = twoPhaseCommit(count("rms", t.rms, 3, 1, 20)) as Model<never, never>;
      break;
    case "paxos":
      m = actorModel(registerSystem(paxosServer, { servers: count("servers", t.servers, 3, 1, 7), clients: count("clients", t.clients, 2, 1, 5), ...register })) as Model<never, never>;
      break;
    case "linearizable-register":
      m = actorModel(registerSystem(abdServer, { servers: count("servers", t.servers, 2, 1, 7), clients: count("clients", t.clients, 2, 1, 5), ...register })) as Model<never, never>;
      break;
    case "single-copy-register":
      m = actorModel(registerSystem(singleCopyServer, { servers: count("servers", t.servers, 1, 1, 7), clients: count("clients", t.clients, 2, 1, 5), ...register })) as Model<never, never>;
      break;
    case "raft":
      m = actorModel(
        raftSystem({
          nodes: count("nodes", t.nodes, 3, 1, 7),
          bounds: { ...DEFAULT_RAFT_BOUNDS, ...t.bounds },
          network: t.network ?? "unordered",
          lossy: t.lossy === true,
          storage: t.storage ?? "sync",
          preVote: t.preVote === true,
          payloadBytes: count("payload-bytes", t.payloadBytes, 1, 1, 64),
          heartbeats: t.heartbeats !== false,
          ...(t.leaseReads === true ? { readOnly: "lease-based" as const } : {}),
        }),
      ) as Model<never, never>;
      break;
    case "kraft":
      m = actorModel(kraftSystem(syncSystem(t, DEFAULT_KRAFT_BOUNDS))) as Model<never, never>;
      break;
    case "zk":
      m = actorModel(zkSystem({ ...syncSystem(t, DEFAULT_ZK_BOUNDS), ...(t.workload === undefined ? {} : { workload: t.workload }) })) as Model<never, never>;
      break;
    default:
      throw new TargetError(`unknown ${t.model !== undefined ? `--model ${t.model} (one of ${MODELS.join(", ")})` : `--system ${t.system} (one of ${SYSTEMS.join(", ")})`}`);
  }
  return m as Model<unknown, unknown>;
}

/**
 * The NDJSON observation trace (docs/trace-format.md) of a path of `--system raft`, for `quorate verify-trace`:
 * the path is replayed on the target's model and every change along it recorded. Only the Raft system has
 * this form (KRaft's and ZooKeeper's invariants are not the trace checker's).
 * @throws TargetError for a target other than `--system raft`; ReplayError when the path does not replay.
 */
export function raftTraceOfPath(t: Target, init: number, path: readonly unknown[]): TraceRecord[] {
  if (t.system !== "raft") throw new TargetError(`only --system raft paths can be written as a Raft observation trace (got ${t.system === undefined ? `--model ${t.model}` : `--system ${t.system}`}); use --path FILE`);
  const model = buildModel(t);
  const walk = walkPath(model, init, path);
  const ids = Array.from({ length: count("nodes", t.nodes, 3, 1, 7) }, (_, i) => i + 1);
  return raftPathTrace(ids, walk.states as readonly RaftView[], walk.actions as readonly SystemAction<Message, unknown>[]);
}
