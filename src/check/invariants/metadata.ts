/**
 * The metadata invariants as pure predicates over images. Each returns the violations it finds (empty when the
 * invariant holds), so checkers can report every problem with the partition it concerns.
 */
import type { MetadataImage } from "../../core/metadata/image.js";
import { NO_LEADER } from "../../core/metadata/records.js";
import { imageDiff } from "../../core/metadata/snapshot.js";

/** The metadata images' invariants, by name. */
export const METADATA_INVARIANTS = {
  "leader-in-isr-and-unfenced": "every partition's leader is none, or an ISR member that is registered and unfenced",
  "fenced-broker-leads-nothing": "a fenced broker leads no partition",
  "leader-epoch-monotonic": "a partition's leader epoch never goes back",
  "images-agree": "every image at one offset is the same image",
} as const;

/** The name of one metadata invariant. */
export type MetadataInvariant = keyof typeof METADATA_INVARIANTS;

/** One broken invariant. */
export interface Violation {
  /** Which invariant. */
  readonly invariant: MetadataInvariant;
  /** What is wrong, naming topic/partition/broker. */
  readonly message: string;
}

/** Every partition's leader is -1, or a member of its ISR that is registered and unfenced. */
export function leadersInIsrAndUnfenced(image: MetadataImage): Violation[] {
  const out: Violation[] = [];
  for (const t of image.topics.values()) {
    const table = t.partitions;
    for (let p = 0; p < table.count; p++) {
      const leader = table.leader(p);
      if (leader === NO_LEADER) continue;
      const reg = image.brokers.get(leader);
      let why: string | null = null;
      if (!table.isrIncludes(p, leader)) why = `is not in the isr [${table.isr(p).join(",")}]`;
      else if (reg === undefined) why = "is not registered";
      else if (reg.fenced) why = "is fenced";
      if (why !== null) out.push({ invariant: "leader-in-isr-and-unfenced", message: `${t.name}-${p}: leader ${leader} ${why} (offset ${image.offset})` });
    }
  }
  return out;
}

/** No fenced broker leads any partition (checked on every committed image, so once a fence commits). */
export function fencedBrokersLeadNothing(image: MetadataImage): Violation[] {
  const fenced = new Set<number>();
  for (const b of image.brokers.values()) if (b.fenced) fenced.add(b.brokerId);
  const out: Violation[] = [];
  if (fenced.size === 0) return out;
  for (const t of image.topics.values()) {
    for (let p = 0; p < t.partitions.count; p++) {
      const leader = t.partitions.leader(p);
      if (fenced.has(leader)) out.push({ invariant: "fenced-broker-leads-nothing", message: `fenced broker ${leader} leads ${t.name}-${p} (offset ${image.offset})` });
    }
  }
  return out;
}

/**
 * Between an earlier and a later image of the same history, each surviving partition's leader epoch and partition
 * epoch never decrease, and a change of leader comes with a higher leader epoch.
 */
export function leaderEpochsMonotonic(before: MetadataImage, after: MetadataImage): Violation[] {
  const out: Violation[] = [];
  for (const [id, tb] of before.topics.entries()) {
    const ta = after.topics.get(id);
    if (ta === undefined) continue;
    const n = Math.min(tb.partitions.count, ta.partitions.count);
    for (let p = 0; p < n; p++) {
      const e0 = tb.partitions.leaderEpoch(p);
      const e1 = ta.partitions.leaderEpoch(p);
      const pe0 = tb.partitions.partitionEpoch(p);
      const pe1 = ta.partitions.partitionEpoch(p);
      const changed = tb.partitions.leader(p) !== ta.partitions.leader(p);
      if (e1 < e0 || pe1 < pe0 || (changed && e1 <= e0)) {
        out.push({
          invariant: "leader-epoch-monotonic",
          message: `${ta.name}-${p}: leader ${tb.partitions.leader(p)}@${e0} (partition epoch ${pe0}) became ${ta.partitions.leader(p)}@${e1} (${pe1}) between offsets ${before.offset} and ${after.offset}`,
        });
      }
    }
  }
  return out;
}

/** Two images at the same offset (a broker's and the controller's) hold the same metadata. */
export function imagesAgree(brokerImage: MetadataImage, controllerImage: MetadataImage): Violation[] {
  if (brokerImage.offset !== controllerImage.offset) return [];
  const diff = imageDiff(brokerImage, controllerImage);
  return diff === undefined ? [] : [{ invariant: "images-agree", message: `images at offset ${brokerImage.offset} differ: ${diff}` }];
}

/** The single-image invariants together. */
export function checkImage(image: MetadataImage): Violation[] {
  return [...leadersInIsrAndUnfenced(image), ...fencedBrokersLeadNothing(image)];
}
