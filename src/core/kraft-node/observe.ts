/** Read-only views of a node for drivers, checkers and tests. Cheap: no copies. */
import * as kraft from "../kraft/index.js";
import type { MetadataImage } from "../metadata/index.js";
import type { KafkaNode } from "./types.js";

/** Whether this node's controller is the active one (it accepts writes). */
export function isActiveController(n: KafkaNode): boolean {
  return n.controller?.active != null;
}

/** The epoch in which this node's controller is active, -1 when it is not. */
export function activeEpoch(n: KafkaNode): number {
  return n.controller?.active?.epoch ?? -1;
}

/** The image this node's controller holds at its last committed offset (null for a broker-only node). */
export function controllerImage(n: KafkaNode): MetadataImage | null {
  return n.controller?.committed ?? null;
}

/** The broker's metadata image (null for a controller-only node). */
export function brokerImage(n: KafkaNode): MetadataImage | null {
  return n.broker?.image ?? null;
}

/** The most recent committed image this node holds, from its broker or else its controller. */
export function nodeImage(n: KafkaNode): MetadataImage {
  return (n.broker?.image ?? n.controller?.committed) as MetadataImage;
}

/** The quorum leader this node knows, -1 when none. */
export function quorumLeader(n: KafkaNode): number {
  return kraft.leader(n.quorum);
}

/** The broker's epoch (offset of its registration), -1 when not registered or not a broker. */
export function brokerEpoch(n: KafkaNode): number {
  return n.lifecycle?.brokerEpoch ?? -1;
}
