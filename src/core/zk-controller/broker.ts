/**
 * A Kafka broker in ZooKeeper mode, reduced to what the controller comparison needs: its metadata cache
 * (`MetadataCache`) and the partitions it leads or follows (`ReplicaManager`), fed by the controller's
 * LeaderAndIsr, UpdateMetadata and StopReplica. A request from an older controller epoch is refused with
 * STALE_CONTROLLER_EPOCH, and a partition state with an older leader epoch is ignored, as Kafka does.
 * @module
 */
import type { Core, StepResult } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import type { BrokerRequest, PartitionState } from "./types.js";
import { partitionKey } from "./znodes.js";

/** One broker's view. Data only; updated in place. */
export interface ZkBrokerState {
  readonly brokerId: number;
  /** Highest controller epoch seen: requests from lower epochs are refused. */
  controllerEpoch: number;
  liveBrokers: number[];
  /** The metadata cache: every partition's state by `topic/partition`, as the last UpdateMetadata/LeaderAndIsr said. */
  cache: Map<string, PartitionState>;
  /** Partitions this broker hosts a replica of, with the leader epoch it acts on. */
  replicas: Map<string, PartitionState>;
}

/** An input: a request from the controller. */
export type ZkBrokerInput = { readonly type: "request"; readonly from: number; readonly request: BrokerRequest };

/** An output: the response to send back, or a rejection of malformed input. */
export type ZkBrokerOutput =
  | { readonly type: "response"; readonly to: number; readonly kind: BrokerRequest["kind"]; readonly error: "NONE" | "STALE_CONTROLLER_EPOCH"; readonly partitions: number }
  | { readonly type: "rejected"; readonly reason: "malformed-input"; readonly detail: string };

/** Configuration: the broker id. */
export interface ZkBrokerConfig {
  readonly brokerId: number;
}

/** A broker that has heard from no controller yet. */
export function createZkBroker(config: ZkBrokerConfig): ZkBrokerState {
  return { brokerId: config.brokerId, controllerEpoch: 0, liveBrokers: [], cache: new Map(), replicas: new Map() };
}

/** Applies a controller request. CONSUMES `state`. */
export function stepZkBroker(state: ZkBrokerState, input: ZkBrokerInput): StepResult<ZkBrokerState, ZkBrokerOutput> {
  const r = input?.request as BrokerRequest | undefined;
  if (input?.type !== "request" || r === undefined || !Number.isSafeInteger(r.controllerEpoch) || !Array.isArray(r.partitions)) {
    return { state, outputs: [{ type: "rejected", reason: "malformed-input", detail: "a broker input is {type:'request', from, request:{kind, controllerEpoch, partitions}}" }] };
  }
  if (r.controllerEpoch < state.controllerEpoch) {
    return { state, outputs: [{ type: "response", to: input.from, kind: r.kind, error: "STALE_CONTROLLER_EPOCH", partitions: 0 }] };
  }
  state.controllerEpoch = r.controllerEpoch;
  if (r.kind === "UpdateMetadata") {
    state.liveBrokers = [...r.liveBrokers];
    for (const p of r.partitions) {
      const key = partitionKey(p.topic, p.partition);
      const had = state.cache.get(key);
      if (had === undefined || had.leaderEpoch <= p.leaderEpoch) state.cache.set(key, p);
    }
  } else if (r.kind === "LeaderAndIsr") {
    for (const p of r.partitions) {
      const key = partitionKey(p.topic, p.partition);
      const had = state.replicas.get(key);
      if (had !== undefined && had.leaderEpoch >= p.leaderEpoch && had.controllerEpoch >= p.controllerEpoch) continue; // stale leader epoch: ignored
      state.replicas.set(key, p);
      const cached = state.cache.get(key);
      if (cached === undefined || cached.leaderEpoch <= p.leaderEpoch) state.cache.set(key, p);
    }
  } else {
    for (const p of r.partitions) state.replicas.delete(partitionKey(p.topic, p.partition));
  }
  return { state, outputs: [{ type: "response", to: input.from, kind: r.kind, error: "NONE", partitions: r.partitions.length }] };
}

/** A copy that steps independently (partition states are immutable and shared). */
export function cloneZkBroker(s: ZkBrokerState): ZkBrokerState {
  return { ...s, liveBrokers: [...s.liveBrokers], cache: new Map(s.cache), replicas: new Map(s.replicas) };
}

/** Canonical hash of the broker's view. */
export function fingerprintZkBroker(s: ZkBrokerState): bigint {
  return new Hasher().int(s.brokerId).int(s.controllerEpoch).value(s.liveBrokers).value(s.cache).value(s.replicas).digest();
}

/** The ZooKeeper-mode broker core bundle. */
export const zkBrokerCore: Core<ZkBrokerConfig, ZkBrokerState, ZkBrokerInput, ZkBrokerOutput> = {
  name: "zk-broker",
  create: createZkBroker,
  step: stepZkBroker,
  clone: cloneZkBroker,
  fingerprint: fingerprintZkBroker,
};
