/**
 * The quorum controller under the one contract (src/core/contract.ts): `cloneController`,
 * `fingerprintController`, `fingerprintImage` and the `metadataCore` bundle.
 * @module
 */
import type { Core } from "../contract.js";
import { Hasher } from "../fingerprint.js";
import { initController, step, type ControllerConfig, type ControllerInput, type ControllerOutput, type ControllerState } from "./controller.js";
import type { MetadataImage } from "./image.js";
import { encodeSnapshot } from "./snapshot.js";

/** A copy of a controller state: the controller never modifies a state (images are persistent), so one object. */
export function cloneController(s: ControllerState): ControllerState {
  return { ...s };
}

// Images are immutable: each is hashed once, through its canonical snapshot encoding.
const imageHashes = new WeakMap<MetadataImage, string>();

/** A canonical hash of a metadata image (its snapshot encoding), memoised per image object. */
export function fingerprintImage(image: MetadataImage): bigint {
  return BigInt(`0x${imageHash(image)}`);
}

function imageHash(image: MetadataImage): string {
  let hex = imageHashes.get(image);
  if (hex === undefined) {
    hex = new Hasher().num(image.offset).bytes(encodeSnapshot(image)).digest().toString(16);
    imageHashes.set(image, hex);
  }
  return hex;
}

/**
 * A canonical 64-bit hash of a controller: clock, committed image, epoch, PRNG state and, while active, its
 * epoch, next offset, speculative image, pending batches (records and replies), broker heartbeats and NoOp
 * timer. Excluded: the config (fixed).
 */
export function fingerprintController(s: ControllerState): bigint {
  const h = new Hasher();
  h.int(s.config.nodeId).num(s.nowMs).str(imageHash(s.committed)).num(s.epoch).num(s.prng);
  const a = s.active;
  if (a === null) h.int(0);
  else {
    h.int(1).num(a.epoch).num(a.nextOffset).str(imageHash(a.speculative)).int(a.pending.length);
    for (const p of a.pending) h.num(p.baseOffset).value(p.records).value(p.replies);
    h.value(a.heartbeats).num(a.lastNoOpMs);
  }
  return h.digest();
}

/** The quorum controller as a {@link Core}: `create` builds a fresh, inactive controller. */
export const metadataCore: Core<Partial<ControllerConfig>, ControllerState, ControllerInput, ControllerOutput> = {
  name: "metadata",
  create: (config) => initController(config),
  step,
  clone: cloneController,
  fingerprint: fingerprintController,
};
