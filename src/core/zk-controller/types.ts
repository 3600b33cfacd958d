/**
 * Types of the ZooKeeper-mode Kafka controller core: the requests it sends to a ZooKeeper ensemble and the
 * replies and watch events it receives, the RPCs it sends to brokers, and its state. Znode layout and JSON follow
 * Kafka 2.8's `kafka.zk.ZkData` (`/controller`, `/controller_epoch`, `/brokers/ids/<id>`, `/brokers/topics/<t>`,
 * `/brokers/topics/<t>/partitions/<p>/state`).
 * @module
 */
import type { Rejected, TimeoutInput } from "../contract.js";

/** One ZooKeeper operation as the controller asks for it (data is Kafka's JSON text). */
export type ZkRequest =
  | { readonly op: "create"; readonly path: string; readonly data: string; readonly ephemeral: boolean }
  | { readonly op: "getData"; readonly path: string; readonly watch: boolean }
  | { readonly op: "getChildren"; readonly path: string; readonly watch: boolean }
  | { readonly op: "exists"; readonly path: string; readonly watch: boolean }
  | { readonly op: "setData"; readonly path: string; readonly data: string; readonly version: number }
  | { readonly op: "check"; readonly path: string; readonly version: number }
  | { readonly op: "multi"; readonly ops: readonly ZkRequest[] };

/** ZooKeeper result codes the controller tells apart (ZooKeeper's `KeeperException.Code`, by name). */
export type ZkResultCode = "ok" | "no-node" | "node-exists" | "bad-version" | "connection-loss" | "other";

/** The result of one op of a multi. */
export interface ZkOpResult {
  readonly code: ZkResultCode;
  /** The znode's data version after a successful setData/create (create: 0). */
  readonly version?: number;
}

/** A watch event (ZooKeeper's `EventType`). */
export type ZkWatchEvent = "created" | "deleted" | "data-changed" | "children-changed";

/** Partition state as Kafka keeps it in a state znode and sends it in LeaderAndIsr / UpdateMetadata. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  /** −1: no leader (offline). */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** The controller epoch that wrote this state. */
  readonly controllerEpoch: number;
}

/** A controller → broker request (`ControllerChannelManager`). */
export type BrokerRequest =
  | { readonly kind: "LeaderAndIsr"; readonly controllerId: number; readonly controllerEpoch: number; readonly partitions: readonly PartitionState[] }
  | { readonly kind: "UpdateMetadata"; readonly controllerId: number; readonly controllerEpoch: number; readonly liveBrokers: readonly number[]; readonly partitions: readonly PartitionState[] }
  | { readonly kind: "StopReplica"; readonly controllerId: number; readonly controllerEpoch: number; readonly partitions: readonly { readonly topic: string; readonly partition: number }[] };

/** Configuration of one broker's controller component. */
export interface ZkControllerConfig {
  /** The broker id (`broker.id`): what this controller writes into `/controller`. */
  readonly brokerId: number;
  /** ZooKeeper requests in flight at most (Kafka's `zookeeper.max.in.flight.requests`, default 10). */
  readonly maxInFlight?: number;
}

/** An input to the controller. */
export type ZkControllerInput =
  | { readonly type: "start" }
  | { readonly type: "tick"; readonly nowMs: number }
  | TimeoutInput<"election">
  | {
      readonly type: "zk-reply";
      readonly xid: number;
      readonly code: ZkResultCode;
      readonly data?: string;
      /** Data version of the znode read or written. */
      readonly version?: number;
      readonly children?: readonly string[];
      /** Per-op results of a multi. */
      readonly results?: readonly ZkOpResult[];
    }
  | { readonly type: "zk-watch"; readonly event: ZkWatchEvent; readonly path: string }
  /** This broker's ZooKeeper session expired: resign (Kafka's `Expire` event). */
  | { readonly type: "session-expired" }
  | { readonly type: "broker-response"; readonly broker: number; readonly kind: BrokerRequest["kind"]; readonly error: string }
  | { readonly type: "controlled-shutdown"; readonly broker: number; readonly correlationId: number };

/** Why an input was refused. */
export type ZkControllerRejectReason = "malformed-input" | "unknown-xid" | "no-such-timer" | "not-controller" | "malformed-znode";

/** An output of the controller, in order. */
export type ZkControllerOutput =
  | { readonly type: "zk-request"; readonly xid: number; readonly request: ZkRequest }
  | { readonly type: "send"; readonly broker: number; readonly request: BrokerRequest }
  | { readonly type: "controlled-shutdown-reply"; readonly broker: number; readonly correlationId: number; readonly partitionsRemaining: readonly string[] }
  | { readonly type: "became-active"; readonly epoch: number }
  | { readonly type: "resigned"; readonly epoch: number }
  | Rejected<ZkControllerRejectReason>;

/** A partition as the controller's context holds it (`ControllerContext`): its state and the state znode's version. */
export interface PartitionEntry {
  readonly state: PartitionState;
  /** Data version of the state znode; −1 when the znode does not exist yet. */
  readonly zkVersion: number;
}

/** What an outstanding ZooKeeper request is for. */
export type Pending =
  | { readonly for: "controller-exists" }
  | { readonly for: "epoch-read" }
  | { readonly for: "register"; readonly epoch: number; readonly created: boolean }
  | { readonly for: "broker-ids" }
  | { readonly for: "topics" }
  | { readonly for: "assignment"; readonly topic: string }
  | { readonly for: "state"; readonly key: string }
  | { readonly for: "write-state"; readonly key: string; readonly proposed: PartitionState; readonly create: boolean };

/** A controller event (Kafka's `ControllerEvent`), processed one at a time. */
export type ControllerEvent =
  | { readonly kind: "elect" }
  | { readonly kind: "failover" }
  | { readonly kind: "broker-change" }
  | { readonly kind: "topic-change" }
  | { readonly kind: "controlled-shutdown"; readonly broker: number; readonly correlationId: number };

/** Why partitions are being re-elected: decides the leader election strategy. */
export type ElectionReason = "offline" | "controlled-shutdown" | "new";

/** The event being processed and its pipeline of ZooKeeper requests. */
export interface Work {
  readonly event: ControllerEvent;
  /** Stage within the event (e.g. `load-topics`, `write`). */
  stage: string;
  /** Requests waiting for a free in-flight slot. */
  todo: { readonly request: ZkRequest; readonly pending: Pending }[];
  inflight: number;
  /** Partitions whose state changed in this event (sent to brokers at its end). */
  readonly changed: Set<string>;
  /** Brokers that need a full LeaderAndIsr for their replicas (failover, broker start-up). */
  readonly fullLeaderAndIsrFor: Set<number>;
  /** Partitions left leaderless by a failed election in this event. */
  readonly stillLeaderless: Set<string>;
}

/** Role of the controller component. */
export type ControllerRole = "idle" | "electing" | "standby" | "active";

/** The state of one broker's controller component. Data only. */
export interface ZkControllerState {
  readonly brokerId: number;
  readonly maxInFlight: number;
  now: number;
  role: ControllerRole;
  /** The active controller as last seen in `/controller` (−1: none known). */
  activeController: number;
  controllerEpoch: number;
  /** Data version of `/controller_epoch` after this controller's registration (the fencing token). */
  epochZkVersion: number;
  liveBrokers: Set<number>;
  shuttingDown: Set<number>;
  /** Partitions by `topic/partition`. */
  partitions: Map<string, PartitionEntry>;
  topics: Set<string>;
  nextXid: number;
  pending: Map<number, Pending>;
  work: Work | undefined;
  queue: ControllerEvent[];
}
