/**
 * A Kafka node in KRaft mode under the one contract (src/core/contract.ts): `cloneNode`, `fingerprintNode` and
 * the `kraftNodeCore` bundle.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { fingerprintKRaft } from "../kraft/core.js";
import { fingerprintController, fingerprintImage } from "../metadata/core.js";
import { createNode, step } from "./node.js";
import type { KafkaNode, KafkaNodeConfig, NodeInput, NodeOutput } from "./types.js";

/** A copy of a node: `step` never modifies a node (its parts are immutable), so one object. */
export function cloneNode(n: KafkaNode): KafkaNode {
  return { ...n };
}

/**
 * A canonical 64-bit hash of a node: clock, its quorum replica, controller and broker image (each by its own
 * fingerprint), the broker lifecycle, the batch being assembled, requests being served and the apply and
 * snapshot positions. Excluded: the resolved config (fixed).
 */
export function fingerprintNode(n: KafkaNode): bigint {
  const h = new Hasher();
  h.int(n.config.id).num(n.nowMs).str(fingerprintKRaft(n.quorum).toString(16));
  h.str(n.controller === null ? "-" : fingerprintController(n.controller).toString(16));
  h.str(n.broker === null ? "-" : fingerprintImage(n.broker.image).toString(16));
  h.value(n.lifecycle).value(n.assembler).value(n.served).num(n.nextRequestId).num(n.applied).num(n.snapshotAt);
  return h.digest();
}

/** A Kafka node as a {@link Core}: `create` builds a fresh node (no persisted state) from a {@link KafkaNodeConfig}. */
export const kraftNodeCore: Core<KafkaNodeConfig, KafkaNode, NodeInput, NodeOutput> = {
  name: "kraft-node",
  create: (config) => createNode(config),
  step,
  clone: cloneNode,
  fingerprint: fingerprintNode,
};
