/**
 * Data-oriented storage of one topic's partitions: a single Int32Array, one fixed-width row per partition:
 *
 *   [leader, leaderEpoch, partitionEpoch, counts, replicas × stride, isr × stride]
 *
 * where `counts` packs the replica count (bits 0–7) and ISR count (bits 8–15), and `stride` is the topic's largest
 * replica count. A 3-replica partition costs 10 × 4 = 40 bytes and no JS objects, and copying a topic for
 * copy-on-write is one memcpy. A published table is never mutated; {@link PartitionTable.toBuilder} copies it.
 */
import { MetadataError } from "./errors.js";
import { MAX_REPLICAS, NO_LEADER, NO_LEADER_CHANGE } from "./records.js";

const LEADER = 0;
const LEADER_EPOCH = 1;
const PARTITION_EPOCH = 2;
const COUNTS = 3;
const HEADER = 4;

/** A read-only view of one partition, allocated on demand (the table itself stores no objects). */
export interface PartitionView {
  readonly partitionId: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Broker id or -1. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

/** An immutable table of a topic's partitions. */
export class PartitionTable {
  /** An empty table with room for `stride` replicas per partition. */
  static empty(stride = 3): PartitionTable {
    return new PartitionTable(new Int32Array(0), 0, stride);
  }
  /**
   * Wraps raw rows (used by the snapshot decoder, which validates them). The array is adopted, not copied.
   * @internal
   */
  static fromRows(rows: Int32Array, count: number, stride: number): PartitionTable {
    return new PartitionTable(rows, count, stride);
  }
  /** @internal */
  protected constructor(
    protected buf: Int32Array,
    protected n: number,
    protected width: number,
  ) {}
  /** Raw rows; treat as read-only. */
  get rows(): Int32Array {
    return this.buf;
  }
  /** Number of partitions. */
  get count(): number {
    return this.n;
  }
  /** Replica slots per row. */
  get stride(): number {
    return this.width;
  }
  /** Int32 slots per partition row. */
  get rowWidth(): number {
    return HEADER + 2 * this.stride;
  }
  /** Leader broker id of partition `p`, or -1. */
  leader(p: number): number {
    return this.rows[p * this.rowWidth + LEADER] as number;
  }
  /** Leader epoch of partition `p`. */
  leaderEpoch(p: number): number {
    return this.rows[p * this.rowWidth + LEADER_EPOCH] as number;
  }
  /** Partition epoch of partition `p`. */
  partitionEpoch(p: number): number {
    return this.rows[p * this.rowWidth + PARTITION_EPOCH] as number;
  }
  /** Number of replicas of partition `p`. */
  replicaCount(p: number): number {
    return (this.rows[p * this.rowWidth + COUNTS] as number) & 0xff;
  }
  /** Number of in-sync replicas of partition `p`. */
  isrCount(p: number): number {
    return ((this.rows[p * this.rowWidth + COUNTS] as number) >>> 8) & 0xff;
  }
  /** The `i`-th replica of partition `p`. */
  replicaAt(p: number, i: number): number {
    return this.rows[p * this.rowWidth + HEADER + i] as number;
  }
  /** The `i`-th ISR member of partition `p`. */
  isrAt(p: number, i: number): number {
    return this.rows[p * this.rowWidth + HEADER + this.stride + i] as number;
  }
  /** Whether broker `b` is in the ISR of partition `p`. */
  isrIncludes(p: number, b: number): boolean {
    const base = p * this.rowWidth + HEADER + this.stride;
    const n = this.isrCount(p);
    for (let i = 0; i < n; i++) if (this.rows[base + i] === b) return true;
    return false;
  }
  /** Whether broker `b` is a replica of partition `p`. */
  replicasInclude(p: number, b: number): boolean {
    const base = p * this.rowWidth + HEADER;
    const n = this.replicaCount(p);
    for (let i = 0; i < n; i++) if (this.rows[base + i] === b) return true;
    return false;
  }
  /** Replicas of partition `p` (allocates). */
  replicas(p: number): number[] {
    const n = this.replicaCount(p);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.replicaAt(p, i);
    return out;
  }
  /** ISR of partition `p` (allocates). */
  isr(p: number): number[] {
    const n = this.isrCount(p);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.isrAt(p, i);
    return out;
  }
  /** A view of partition `p` (allocates); undefined if out of range. */
  view(p: number): PartitionView | undefined {
    if (!Number.isInteger(p) || p < 0 || p >= this.count) return undefined;
    return {
      partitionId: p,
      replicas: this.replicas(p),
      isr: this.isr(p),
      leader: this.leader(p),
      leaderEpoch: this.leaderEpoch(p),
      partitionEpoch: this.partitionEpoch(p),
    };
  }
  /** A private, growable copy to apply changes to. */
  toBuilder(): PartitionTableBuilder {
    return new PartitionTableBuilder(this.rows.slice(0, this.count * this.rowWidth), this.count, this.stride);
  }
}

/** A mutable copy of a {@link PartitionTable}, owned by one delta. */
export class PartitionTableBuilder extends PartitionTable {
  /** @internal */
  constructor(rows: Int32Array, count: number, stride: number) {
    super(rows, count, stride);
  }
  private widen(stride: number): void {
    const oldW = HEADER + 2 * this.width;
    const newW = HEADER + 2 * stride;
    const next = new Int32Array(Math.max(this.n, 1) * newW);
    for (let p = 0; p < this.n; p++) {
      const o = p * oldW;
      const q = p * newW;
      next.set(this.buf.subarray(o, o + HEADER + this.width), q);
      next.set(this.buf.subarray(o + HEADER + this.width, o + oldW), q + HEADER + stride);
    }
    this.buf = next;
    this.width = stride;
  }
  private writeList(p: number, offset: number, list: readonly number[]): void {
    // A plain loop: TypedArray.set from a JS array takes V8's slow generic path.
    const buf = this.buf;
    const o = p * this.rowWidth + HEADER + offset;
    for (let i = 0; i < list.length; i++) buf[o + i] = list[i] as number;
  }
  /**
   * Creates partition `p` (which must be the next id, or an existing one to overwrite).
   * @throws MetadataError REPLAY_CONFLICT if `p` would leave a gap
   */
  put(p: number, replicas: readonly number[], isr: readonly number[], leader: number, leaderEpoch: number, partitionEpoch: number): void {
    if (p > this.n) {
      throw new MetadataError("REPLAY_CONFLICT", `partition ${p} created before partition ${this.n}; partitions must be created in order`);
    }
    if (replicas.length > this.width) this.widen(Math.min(MAX_REPLICAS, replicas.length));
    const w = this.rowWidth;
    if (p === this.n) {
      if ((p + 1) * w > this.buf.length) {
        const next = new Int32Array(Math.max(16, (p + 1) * 2) * w);
        next.set(this.buf.subarray(0, this.n * w));
        this.buf = next;
      }
      this.n++;
    }
    const o = p * w;
    for (let i = o; i < o + w; i++) this.buf[i] = 0;
    this.buf[o + LEADER] = leader;
    this.buf[o + LEADER_EPOCH] = leaderEpoch;
    this.buf[o + PARTITION_EPOCH] = partitionEpoch;
    this.buf[o + COUNTS] = replicas.length | (isr.length << 8);
    this.writeList(p, 0, replicas);
    this.writeList(p, this.width, isr);
  }
  /**
   * Applies a PartitionChange: a new leader (or {@link NO_LEADER_CHANGE}), ISR and replicas (or null to keep).
   * Increments the partition epoch, and the leader epoch when the leader field is set.
   * @throws MetadataError REPLAY_CONFLICT if the result would be inconsistent
   */
  change(p: number, leader: number, isr: readonly number[] | null, replicas: readonly number[] | null): void {
    if (p >= this.n) throw new MetadataError("REPLAY_CONFLICT", `partition ${p} does not exist (the topic has ${this.n})`);
    const newReplicas = replicas ?? this.replicas(p);
    const newIsr = isr ?? this.isr(p);
    for (const b of newIsr) {
      if (!newReplicas.includes(b)) throw new MetadataError("REPLAY_CONFLICT", `partition ${p}: isr member ${b} is not a replica`);
    }
    const newLeader = leader === NO_LEADER_CHANGE ? this.leader(p) : leader;
    if (newLeader !== NO_LEADER && !newIsr.includes(newLeader)) {
      throw new MetadataError("REPLAY_CONFLICT", `partition ${p}: leader ${newLeader} is not in the isr [${newIsr.join(",")}]`);
    }
    const leaderEpoch = this.leaderEpoch(p) + (leader === NO_LEADER_CHANGE ? 0 : 1);
    this.put(p, newReplicas, newIsr, newLeader, leaderEpoch, this.partitionEpoch(p) + 1);
  }
  /** Publishes an immutable, exactly sized table. The builder must not be used afterwards. */
  freeze(): PartitionTable {
    const size = this.n * this.rowWidth;
    return PartitionTable.fromRows(this.buf.length === size ? this.buf : this.buf.slice(0, size), this.n, this.width);
  }
}
