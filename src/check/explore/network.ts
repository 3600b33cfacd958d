/**
 * The network of an explored actor system, in one of three semantics (Stateright's, src/actor/network.rs):
 * - "unordered": unordered and non-duplicating, a multiset of envelopes; a delivery removes one copy;
 * - "duplicating": unordered and duplicating, a set; a delivery leaves the envelope (it may be delivered again),
 *   a loss removes it for good;
 * - "ordered": a FIFO queue per (source, destination) link; only each link's head can be delivered or lost.
 * Copies share nothing mutable: `copy` then mutate.
 * @module
 */
import { Hasher } from "../../core/fingerprint.js";

/** The network semantics. */
export type NetworkKind = "unordered" | "duplicating" | "ordered";

/** A message in flight; `h` is a 64-bit hash of (src, dst, msg), its identity in the network. */
export interface Envelope<M> {
  readonly src: number;
  readonly dst: number;
  readonly msg: M;
  readonly h: bigint;
}

interface Copies<M> {
  readonly env: Envelope<M>;
  readonly count: number;
}

const MASK64 = (1n << 64n) - 1n;

/** Messages in flight. */
export class Network<M> {
  /** unordered/duplicating: envelope hash → envelope and copies. */
  private bag: Map<bigint, Copies<M>>;
  /** ordered: link (src·2^20 + dst) → queue (arrays are never mutated once shared). */
  private links: Map<number, readonly Envelope<M>[]>;

  constructor(
    readonly kind: NetworkKind,
    bag?: Map<bigint, Copies<M>>,
    links?: Map<number, readonly Envelope<M>[]>,
  ) {
    this.bag = bag ?? new Map();
    this.links = links ?? new Map();
  }

  /** An independent copy. */
  copy(): Network<M> {
    return new Network(this.kind, new Map(this.bag), new Map(this.links));
  }

  /** Number of messages in flight (copies counted). */
  get size(): number {
    let n = 0;
    if (this.kind === "ordered") for (const q of this.links.values()) n += q.length;
    else for (const c of this.bag.values()) n += c.count;
    return n;
  }

  /** Every message in flight (copies once), for invariants that look at the network. */
  *all(): IterableIterator<Envelope<M>> {
    if (this.kind === "ordered") for (const q of this.links.values()) yield* q;
    else for (const c of this.bag.values()) yield c.env;
  }

  /** How many copies of `env` are in flight. */
  copies(env: Envelope<M>): number {
    if (this.kind !== "ordered") return this.bag.get(env.h)?.count ?? 0;
    let n = 0;
    for (const e of this.links.get(env.src * 0x100000 + env.dst) ?? []) if (e.h === env.h) n++;
    return n;
  }

  /** The envelopes that can be delivered or lost now (each distinct envelope once). */
  *deliverable(): IterableIterator<Envelope<M>> {
    if (this.kind === "ordered") for (const q of this.links.values()) yield q[0]!;
    else for (const c of this.bag.values()) yield c.env;
  }

  /** Puts `env` in flight. */
  send(env: Envelope<M>): void {
    if (this.kind === "ordered") {
      const link = env.src * 0x100000 + env.dst;
      this.links.set(link, [...(this.links.get(link) ?? []), env]);
      return;
    }
    const c = this.bag.get(env.h);
    if (this.kind === "duplicating") {
      if (c === undefined) this.bag.set(env.h, { env, count: 1 });
    } else {
      this.bag.set(env.h, { env, count: (c?.count ?? 0) + 1 });
    }
  }

  /** Delivers `env`: removes one copy unless the network duplicates. */
  deliver(env: Envelope<M>): void {
    if (this.kind !== "duplicating") this.remove(env);
  }

  /** Loses `env` (on a duplicating network, for good). */
  drop(env: Envelope<M>): void {
    if (this.kind === "duplicating") this.bag.delete(env.h);
    else this.remove(env);
  }

  /** Loses every message in flight (all copies) for which `lost` holds, wherever it is in its link's queue. */
  loseWhere(lost: (env: Envelope<M>) => boolean): void {
    if (this.kind === "ordered") {
      for (const [link, q] of this.links) {
        const kept = q.filter((e) => !lost(e));
        if (kept.length === 0) this.links.delete(link);
        else if (kept.length !== q.length) this.links.set(link, kept);
      }
      return;
    }
    for (const [h, c] of this.bag) if (lost(c.env)) this.bag.delete(h);
  }

  private remove(env: Envelope<M>): void {
    if (this.kind === "ordered") {
      const link = env.src * 0x100000 + env.dst;
      const q = this.links.get(link);
      if (q === undefined || q[0]!.h !== env.h) throw new Error("network: only a link's head can leave it");
      if (q.length === 1) this.links.delete(link);
      else this.links.set(link, q.slice(1));
      return;
    }
    const c = this.bag.get(env.h);
    if (c === undefined) throw new Error("network: envelope not in flight");
    if (c.count === 1) this.bag.delete(env.h);
    else this.bag.set(env.h, { env: c.env, count: c.count - 1 });
  }

  /** A 64-bit digest independent of the order messages were sent in (but not of a link's queue order). */
  digest(): bigint {
    let sum = 0n;
    if (this.kind === "ordered") {
      for (const [link, q] of this.links) {
        const h = new Hasher().num(link);
        for (const env of q) h.int(Number(env.h >> 32n)).int(Number(env.h & 0xffffffffn));
        sum += h.digest();
      }
    } else {
      for (const c of this.bag.values()) sum += mix(c.env.h) * BigInt(c.count);
    }
    return (sum ^ BigInt(this.kind.length)) & MASK64;
  }
}

/** Re-hashes an envelope hash so that sums of related hashes do not cancel. */
function mix(h: bigint): bigint {
  return new Hasher().int(Number(h >> 32n)).int(Number(h & 0xffffffffn)).digest();
}
