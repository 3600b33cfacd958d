/**
 * Types of a Kafka node in KRaft mode: the KRaft quorum replica, the quorum controller and the broker's metadata
 * image follower composed into one state machine.
 */
import type { Entry, KRaftConfig, KRaftState, KRaftTimer, Message as QuorumMessage, Output as QuorumOutput, QuorumStateRecord, Snapshot } from "../kraft/index.js";
import type { BatchAssembler, BrokerState, ControllerConfig, ControllerRequest, ControllerResponse, ControllerState } from "../metadata/index.js";

/** A replica id, shared by the quorum and the broker (Kafka's `node.id`). */
export type NodeId = number;

/**
 * Kafka's `process.roles`: a `controller` is a voter of the metadata quorum running the quorum controller; a
 * `broker` is an observer of the metadata log that keeps an image; `combined` is both.
 */
export type NodeRole = "controller" | "broker" | "combined";

/** Configuration of one node. Durations in milliseconds (Kafka's defaults), converted to ticks of `tickMs`. */
export interface KafkaNodeConfig {
  readonly id: NodeId;
  readonly role: NodeRole;
  /** The controller quorum's voters (`controller.quorum.voters`). Contains `id` unless `role` is `broker`. */
  readonly voters: readonly NodeId[];
  /** Seed of the PRNGs kept in the state. */
  readonly seed: number;
  /** Distinguishes process lifetimes of one node (the broker's incarnation id). Default 0. */
  readonly incarnation?: number;
  /** Milliseconds per tick input. Default 50. */
  readonly tickMs?: number;
  /** Overrides of the KRaft quorum settings. */
  readonly quorum?: Partial<Omit<KRaftConfig, "id" | "voters" | "seed" | "tickMs">>;
  /** Overrides of the controller settings (session timeout, NoOp interval, …). */
  readonly controller?: Partial<Omit<ControllerConfig, "nodeId" | "tickMs" | "seed">>;
  /** `broker.heartbeat.interval.ms`. Default 2000. */
  readonly heartbeatIntervalMs?: number;
  /** A broker's registration or heartbeat without an answer is resent after this. Default 2000. */
  readonly requestTimeoutMs?: number;
  /**
   * Write a metadata snapshot (KIP-630) once this many log entries were applied since the last one, at a batch
   * boundary (Kafka's `metadata.log.max.snapshot.interval` in records). 0 (default): never.
   */
  readonly snapshotEveryEntries?: number;
  /**
   * When the controller hears of quorum leadership changes (Kafka's `handleLeaderChange`). `after-each-step`
   * (default): at the end of every step, so it always learns of a lost leadership before it sees a batch of
   * another epoch. `on-input`: only on a `leadership-notice` input, so a driver or checker can deliver committed
   * batches of a newer epoch first — an order Kafka's asynchronous listener does see.
   */
  readonly leadershipNotice?: "after-each-step" | "on-input";
}

/** Messages between nodes: the quorum's RPCs and the broker-to-controller RPCs. */
export type NodeMessage =
  | { readonly kind: "quorum"; readonly from: NodeId; readonly to: NodeId; readonly message: QuorumMessage }
  | { readonly kind: "controller-request"; readonly from: NodeId; readonly to: NodeId; readonly id: number; readonly request: ControllerRequest }
  | { readonly kind: "controller-response"; readonly from: NodeId; readonly to: NodeId; readonly id: number; readonly response: ControllerResponse };

/** Inputs to {@link step}. */
export type NodeInput =
  | { readonly type: "tick" }
  /**
   * Fire a timer of the quorum replica now (`election`, `fetch`, `check-quorum`), without advancing the clock:
   * a checker decides when it fires.
   */
  | { readonly type: "timeout"; readonly timer: KRaftTimer }
  | { readonly type: "message"; readonly message: NodeMessage }
  /** Storage made the metadata log durable up to `endOffset`, whose last record has `epoch`. */
  | { readonly type: "persisted"; readonly endOffset: number; readonly epoch: number }
  /** Tell the controller about the quorum's leadership now (with `leadershipNotice: "on-input"`; else harmless). */
  | { readonly type: "leadership-notice" }
  /** An admin request (CreateTopics, AlterConfigs, …) to this node's controller; answered by an `admin-reply`. */
  | { readonly type: "admin"; readonly id: number; readonly request: ControllerRequest };

/** Outputs of {@link step}, in order. A `persist` must be durable before the `send`s after it. */
export type NodeOutput =
  | { readonly type: "send"; readonly message: NodeMessage }
  | { readonly type: "persist"; readonly write: Extract<QuorumOutput, { type: "persist" }> }
  | { readonly type: "admin-reply"; readonly id: number; readonly response: ControllerResponse; readonly epoch: number }
  /** Something a person watching the cluster wants to know (became active controller, fenced, …). */
  | { readonly type: "event"; readonly what: string }
  /** A component refused an input it should never have been given: a bug in the composition or a corrupt log. */
  | { readonly type: "error"; readonly detail: string }
  /** An input this node cannot take (not an object, unknown type, a timer its quorum replica does not run). */
  | { readonly type: "rejected"; readonly reason: "malformed-input" | "no-such-timer"; readonly detail: string };

/** The broker's side of its session with the active controller. */
export interface BrokerLifecycle {
  readonly incarnationId: string;
  /** Offset of the broker's RegisterBroker record; -1 until registered. */
  readonly brokerEpoch: number;
  /** Last fencing state the controller reported. */
  readonly fenced: boolean;
  /** The outstanding registration or heartbeat. */
  readonly inflight: { readonly id: number; readonly to: NodeId; readonly sentMs: number } | null;
  readonly nextHeartbeatMs: number;
}

/** A request the local controller is serving, and where its reply goes. */
export interface ServedRequest {
  /** The node that asked, or -1 for a local admin request. */
  readonly from: NodeId;
  readonly id: number;
}

/** The whole state of one node. Immutable: {@link step} returns a new one. */
export interface KafkaNode {
  readonly config: ResolvedNodeConfig;
  readonly nowMs: number;
  readonly quorum: KRaftState;
  /** The quorum controller (controller and combined roles), active while this node leads the quorum. */
  readonly controller: ControllerState | null;
  /** The broker's metadata image follower (broker and combined roles). */
  readonly broker: BrokerState | null;
  readonly lifecycle: BrokerLifecycle | null;
  /** Committed entries of a batch not yet complete. */
  readonly assembler: BatchAssembler | null;
  /** Local request id → requester, for requests given to the local controller. */
  readonly served: ReadonlyMap<number, ServedRequest>;
  readonly nextRequestId: number;
  /** Log offset below which every entry was handed to the images. */
  readonly applied: number;
  /** End offset of the last snapshot this node wrote or loaded. */
  readonly snapshotAt: number;
}

/** Config after defaults. */
export interface ResolvedNodeConfig {
  readonly id: NodeId;
  readonly role: NodeRole;
  readonly voters: readonly NodeId[];
  readonly seed: number;
  readonly incarnation: number;
  readonly tickMs: number;
  readonly heartbeatIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly snapshotEveryEntries: number;
  readonly leadershipNotice: "after-each-step" | "on-input";
  readonly quorum: KRaftConfig;
  readonly controller: Partial<ControllerConfig>;
}

/** What a node's storage holds: the quorum state file, the metadata log and its latest snapshot. */
export interface NodeDisk {
  quorumState: QuorumStateRecord;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

/** Typed exception: an invalid node configuration. */
export class KafkaNodeConfigError extends Error {
  override readonly name = "KafkaNodeConfigError";
  readonly code = "invalid-node-config";
  constructor(message: string) {
    super(message);
  }
}
