/**
 * Cluster-wide invariants of KRaft nodes, checked after every event: the quorum's (`kraft.ts` here), the
 * metadata images' (from `metadata`'s invariants), and the composition's own — never two active controllers in
 * one epoch, and every image at offset X equal to every other image at offset X. A checker keeps a
 * {@link ClusterHistory} and calls {@link checkAfterStep} after each step of any node.
 */
import type { KafkaNode, NodeId } from "../../core/kraft-node/types.js";
import type { MetadataImage } from "../../core/metadata/image.js";
import * as kraftInvariants from "./kraft.js";
import type { KRaftInvariant } from "./kraft.js";
import { checkImage, imagesAgree, leaderEpochsMonotonic } from "./metadata.js";
import type { MetadataInvariant } from "./metadata.js";

/** Names of the invariants {@link checkAfterStep} reports: the quorum's, the images', and the composition's own. */
export type ClusterInvariant = KRaftInvariant | MetadataInvariant | "one-active-controller-per-epoch" | "node-error";

/** One violation: which invariant, which node, what is wrong. */
export interface ClusterViolation {
  readonly invariant: ClusterInvariant;
  readonly node: NodeId;
  readonly detail: string;
}

interface Checked {
  readonly image: MetadataImage;
  readonly ref: MetadataImage | undefined;
}

/** What a checker remembers across events. */
export interface ClusterHistory {
  readonly quorum: kraftInvariants.KRaftHistory;
  /** epoch → the node whose controller was active in it. */
  readonly activeByEpoch: Map<number, NodeId>;
  /** The node's state at its previous check, in this process lifetime. */
  readonly previous: Map<NodeId, KafkaNode>;
  /** The first image seen at each offset, from any node. */
  readonly imagesByOffset: Map<number, MetadataImage>;
  /** Per node and image kind: the last image checked and the reference it was compared with. */
  readonly lastChecked: Map<string, Checked>;
  /** Compare images across nodes (default true). Off only while bulk-loading a huge image, where it is quadratic. */
  compareImages: boolean;
}

/** A fresh history. */
export function emptyClusterHistory(): ClusterHistory {
  return { quorum: kraftInvariants.emptyHistory(), activeByEpoch: new Map(), previous: new Map(), imagesByOffset: new Map(), lastChecked: new Map(), compareImages: true };
}

/** A node restarted: what held for its previous process (high watermark, image lineage) starts over. */
export function nodeRestarted(history: ClusterHistory, id: NodeId): void {
  history.previous.delete(id);
  history.lastChecked.delete(`${id}/controller`);
  history.lastChecked.delete(`${id}/broker`);
}

/** Same content for the invariants when every map is the same object (images share unchanged structure). */
function sameMaps(a: MetadataImage, b: MetadataImage): boolean {
  return a.topics === b.topics && a.brokers === b.brokers && a.configs === b.configs && a.features === b.features && a.topicIdsByName === b.topicIdsByName;
}

function checkOneImage(h: ClusterHistory, id: NodeId, kind: "controller" | "broker", image: MetadataImage, out: ClusterViolation[]): void {
  const key = `${id}/${kind}`;
  const last = h.lastChecked.get(key);
  if (last !== undefined && last.image === image) return;
  const push = (vs: readonly { invariant: MetadataInvariant; message: string }[]): void => {
    for (const v of vs) out.push({ invariant: v.invariant, node: id, detail: `${kind} image: ${v.message}` });
  };
  if (last === undefined || !sameMaps(last.image, image)) {
    push(checkImage(image));
    if (last !== undefined) push(leaderEpochsMonotonic(last.image, image));
  }
  let ref = h.imagesByOffset.get(image.offset);
  if (ref === undefined) {
    h.imagesByOffset.set(image.offset, image);
    ref = image;
  } else if (h.compareImages && ref !== image && !(last?.ref !== undefined && sameMaps(last.image, image) && sameMaps(last.ref, ref))) {
    push(imagesAgree(image, ref));
  }
  h.lastChecked.set(key, { image, ref });
}

/**
 * Checks every invariant that `node`'s latest step could have broken, against the other live nodes.
 * @param history - updated in place
 * @param node - the node that just stepped
 * @param live - every live node (including `node`)
 */
export function checkAfterStep(history: ClusterHistory, node: KafkaNode, live: readonly KafkaNode[]): ClusterViolation[] {
  const out: ClusterViolation[] = [];
  const id = node.config.id;
  const q = node.quorum;
  const add = (invariant: ClusterInvariant, detail: string | null): void => {
    if (detail !== null) out.push({ invariant, node: id, detail });
  };
  const before = history.previous.get(id);
  if (before !== undefined) {
    add("kraft-epoch-monotonic", kraftInvariants.epochMonotonic(before.quorum, q));
    add("kraft-high-watermark-monotonic", kraftInvariants.highWatermarkMonotonic(before.quorum, q));
  }
  add("kraft-one-leader-per-epoch", kraftInvariants.atMostOneLeaderPerEpoch([q], history.quorum));
  add("kraft-committed-never-diverges", kraftInvariants.committedNeverDiverges([q], history.quorum));
  const states = live.map((n) => n.quorum);
  for (const s of states) if (s.role.kind === "leader") add("kraft-high-watermark-majority", kraftInvariants.highWatermarkHeldByMajority(s, states));
  const active = node.controller?.active;
  if (active != null) {
    const seen = history.activeByEpoch.get(active.epoch);
    if (seen === undefined) history.activeByEpoch.set(active.epoch, id);
    else if (seen !== id) add("one-active-controller-per-epoch", `controllers ${seen} and ${id} both accepted writes in epoch ${active.epoch}`);
  }
  if (node.controller !== null) checkOneImage(history, id, "controller", node.controller.committed, out);
  if (node.broker !== null) checkOneImage(history, id, "broker", node.broker.image, out);
  history.previous.set(id, node);
  return out;
}
