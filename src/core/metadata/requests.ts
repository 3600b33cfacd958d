/**
 * Requests the quorum controller serves and its responses, after Kafka's RPCs of the same names. Error codes are
 * Kafka's `Errors` names.
 */
import type { ConfigResourceType } from "./records.js";

/** Kafka error codes the controller returns. */
export type ErrorCode =
  | "NONE"
  /** This controller is not active (or lost leadership before the write committed): retry on the active one. */
  | "NOT_CONTROLLER"
  | "BROKER_ID_NOT_REGISTERED"
  | "STALE_BROKER_EPOCH"
  | "DUPLICATE_BROKER_REGISTRATION"
  | "INVALID_REQUEST"
  | "INVALID_TOPIC_EXCEPTION"
  | "TOPIC_ALREADY_EXISTS"
  | "INVALID_PARTITIONS"
  | "INVALID_REPLICATION_FACTOR"
  | "INVALID_CONFIG"
  | "UNKNOWN_TOPIC_ID"
  | "UNKNOWN_TOPIC_OR_PARTITION"
  | "NOT_LEADER_OR_FOLLOWER"
  | "FENCED_LEADER_EPOCH"
  | "INVALID_UPDATE_VERSION"
  | "INELIGIBLE_REPLICA";

/** A broker registers at startup. Kafka: BrokerRegistrationRequest. */
export interface BrokerRegistrationRequest {
  readonly type: "BrokerRegistration";
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly rack?: string | null;
}
/** Periodic broker heartbeat (every 2000 ms by default). Kafka: BrokerHeartbeatRequest. */
export interface BrokerHeartbeatRequest {
  readonly type: "BrokerHeartbeat";
  readonly brokerId: number;
  readonly brokerEpoch: number;
  /** Offset of the last metadata record the broker has replayed. */
  readonly currentMetadataOffset: number;
  /** The broker asks to be (or stay) fenced. */
  readonly wantFence: boolean;
  /** The broker asks to shut down (controlled shutdown). */
  readonly wantShutDown: boolean;
}
/** Starts a controlled shutdown; same as a heartbeat with wantShutDown. */
export interface ControlledShutdownRequest {
  readonly type: "ControlledShutdown";
  readonly brokerId: number;
  readonly brokerEpoch: number;
}
/** One topic to create. */
export interface CreatableTopic {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Initial dynamic topic configs. */
  readonly configs?: Readonly<Record<string, string>>;
}
/** Kafka: CreateTopicsRequest. */
export interface CreateTopicsRequest {
  readonly type: "CreateTopics";
  readonly topics: readonly CreatableTopic[];
}
/** Kafka: DeleteTopicsRequest (by name). */
export interface DeleteTopicsRequest {
  readonly type: "DeleteTopics";
  readonly names: readonly string[];
}
/** One partition's proposed ISR in an AlterPartition request. */
export interface AlterPartitionData {
  readonly partitionIndex: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
}
/** A partition leader proposes a new ISR. Kafka: AlterPartitionRequest. */
export interface AlterPartitionRequest {
  readonly type: "AlterPartition";
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly topics: readonly { readonly topicId: string; readonly partitions: readonly AlterPartitionData[] }[];
}
/** Removes a broker's registration. Kafka: UnregisterBrokerRequest. */
export interface UnregisterBrokerRequest {
  readonly type: "UnregisterBroker";
  readonly brokerId: number;
}
/** Sets (string) or deletes (null) dynamic configs. Kafka: IncrementalAlterConfigsRequest (SET/DELETE). */
export interface AlterConfigsRequest {
  readonly type: "AlterConfigs";
  readonly resources: readonly {
    readonly resourceType: ConfigResourceType;
    readonly resourceName: string;
    readonly configs: Readonly<Record<string, string | null>>;
  }[];
}

/** Every request the controller serves. */
export type ControllerRequest =
  | BrokerRegistrationRequest
  | BrokerHeartbeatRequest
  | ControlledShutdownRequest
  | CreateTopicsRequest
  | DeleteTopicsRequest
  | AlterPartitionRequest
  | UnregisterBrokerRequest
  | AlterConfigsRequest;

/** Response to {@link BrokerRegistrationRequest}. */
export interface BrokerRegistrationResponse {
  readonly type: "BrokerRegistration";
  readonly errorCode: ErrorCode;
  /** The broker epoch (offset of its RegisterBroker record), -1 on error. */
  readonly brokerEpoch: number;
}
/** Response to {@link BrokerHeartbeatRequest} and {@link ControlledShutdownRequest}. */
export interface BrokerHeartbeatResponse {
  readonly type: "BrokerHeartbeat" | "ControlledShutdown";
  readonly errorCode: ErrorCode;
  readonly isCaughtUp: boolean;
  readonly isFenced: boolean;
  readonly shouldShutDown: boolean;
}
/** Per-topic result of {@link CreateTopicsRequest}. */
export interface CreateTopicResult {
  readonly name: string;
  readonly errorCode: ErrorCode;
  /** Assigned topic id, "" on error. */
  readonly topicId: string;
  readonly errorMessage: string | null;
}
/** Response to {@link CreateTopicsRequest}. */
export interface CreateTopicsResponse {
  readonly type: "CreateTopics";
  readonly errorCode: ErrorCode;
  readonly topics: readonly CreateTopicResult[];
}
/** Response to {@link DeleteTopicsRequest}. */
export interface DeleteTopicsResponse {
  readonly type: "DeleteTopics";
  readonly errorCode: ErrorCode;
  readonly topics: readonly { readonly name: string; readonly errorCode: ErrorCode }[];
}
/** Per-partition result of {@link AlterPartitionRequest}. */
export interface AlterPartitionResult {
  readonly partitionIndex: number;
  readonly errorCode: ErrorCode;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
}
/** Response to {@link AlterPartitionRequest}. */
export interface AlterPartitionResponse {
  readonly type: "AlterPartition";
  readonly errorCode: ErrorCode;
  readonly topics: readonly { readonly topicId: string; readonly partitions: readonly AlterPartitionResult[] }[];
}
/** Response to {@link UnregisterBrokerRequest}. */
export interface UnregisterBrokerResponse {
  readonly type: "UnregisterBroker";
  readonly errorCode: ErrorCode;
}
/** Response to {@link AlterConfigsRequest}. */
export interface AlterConfigsResponse {
  readonly type: "AlterConfigs";
  readonly errorCode: ErrorCode;
  readonly resources: readonly { readonly resourceType: ConfigResourceType; readonly resourceName: string; readonly errorCode: ErrorCode }[];
}
/** Response to a request rejected as a whole (not active, malformed request). */
export interface ErrorResponse {
  readonly type: "Error";
  readonly errorCode: ErrorCode;
  readonly message: string;
}

/** Every response the controller emits. */
export type ControllerResponse =
  | BrokerRegistrationResponse
  | BrokerHeartbeatResponse
  | CreateTopicsResponse
  | DeleteTopicsResponse
  | AlterPartitionResponse
  | UnregisterBrokerResponse
  | AlterConfigsResponse
  | ErrorResponse;
