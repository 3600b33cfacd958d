/**
 * A Kafka node in KRaft mode (`process.roles` = controller, broker or combined) as one pure state machine: the
 * KRaft quorum replica (`src/core/kraft`), the quorum controller and the broker's metadata image
 * (`src/core/metadata`) wired together. No I/O, no clock: drivers feed ticks, messages and storage
 * acknowledgements, and carry out `send` and `persist` outputs.
 *
 * ```ts
 * import { kraftNode } from "quorate";
 * let n = kraftNode.createNode({ id: 1, role: "controller", voters: [1, 2, 3], seed: 7 });
 * const { state, outputs } = kraftNode.step(n, { type: "tick" });
 * ```
 * See docs/kraft-scenarios.md.
 * @packageDocumentation
 */
export type {
  BrokerLifecycle,
  KafkaNode,
  KafkaNodeConfig,
  NodeDisk,
  NodeId,
  NodeInput,
  NodeMessage,
  NodeOutput,
  NodeRole,
  ResolvedNodeConfig,
  ServedRequest,
} from "./types.js";
export { KafkaNodeConfigError } from "./types.js";
export { createNode, resolveNodeConfig, step } from "./node.js";
export type { NodeStepResult } from "./node.js";
export { activeEpoch, brokerEpoch, brokerImage, controllerImage, isActiveController, nodeImage, quorumLeader } from "./observe.js";
/** @deprecated The cluster invariants live in `quorate/check` (`invariants.kraftNode`); kept for the public API. */
export { checkAfterStep, emptyClusterHistory, nodeRestarted } from "../../check/invariants/kraft-node.js";
export type { ClusterHistory, ClusterInvariant, ClusterViolation } from "../../check/invariants/kraft-node.js";
export { kraftNodeCore, cloneNode, fingerprintNode } from "./core.js";
