/**
 * A persistent string-keyed map with structural sharing: 256 buckets of plain Maps, copied on write one bucket at
 * a time. Editing a map of N entries costs O(N/256) per touched bucket instead of O(N), so an image with 20,000
 * topics and its successor share all untouched buckets. Used for the topic tables of {@link MetadataImage}.
 */
const BUCKETS = 256;

function bucketOf(key: string): number {
  // FNV-1a, folded to 8 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & (BUCKETS - 1);
}

const EMPTY_BUCKET: ReadonlyMap<string, never> = new Map<string, never>();

/** An immutable map; derive changed versions with {@link PersistentMap.edit}. */
export class PersistentMap<V> {
  /** The empty map. */
  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(new Array<ReadonlyMap<string, V>>(BUCKETS).fill(EMPTY_BUCKET), 0);
  }
  private constructor(
    private readonly buckets: readonly ReadonlyMap<string, V>[],
    /** Number of entries. */
    readonly size: number,
  ) {}
  /** The value at `key`, if any. */
  get(key: string): V | undefined {
    return (this.buckets[bucketOf(key)] as ReadonlyMap<string, V>).get(key);
  }
  /** Whether `key` is present. */
  has(key: string): boolean {
    return (this.buckets[bucketOf(key)] as ReadonlyMap<string, V>).has(key);
  }
  /** All values, in bucket order (not sorted). */
  *values(): IterableIterator<V> {
    for (const b of this.buckets) yield* b.values();
  }
  /** All entries, in bucket order (not sorted). */
  *entries(): IterableIterator<[string, V]> {
    for (const b of this.buckets) yield* b.entries();
  }
  /** Starts a batch of changes; the editor copies each bucket at most once. */
  edit(): PersistentMapEditor<V> {
    return new PersistentMapEditor(this.buckets, this.size, (b, s) => new PersistentMap(b, s));
  }
}

/** Transient editor of a {@link PersistentMap}; call {@link PersistentMapEditor.done} once. */
export class PersistentMapEditor<V> {
  private buckets: ReadonlyMap<string, V>[] | null = null;
  private readonly owned = new Set<number>();
  private sizeNow: number;
  /** @internal */
  constructor(
    private readonly base: readonly ReadonlyMap<string, V>[],
    size: number,
    private readonly make: (b: readonly ReadonlyMap<string, V>[], size: number) => PersistentMap<V>,
  ) {
    this.sizeNow = size;
  }
  private bucket(key: string): ReadonlyMap<string, V> {
    return ((this.buckets ?? this.base)[bucketOf(key)]) as ReadonlyMap<string, V>;
  }
  private writable(key: string): Map<string, V> {
    const i = bucketOf(key);
    if (this.buckets === null) this.buckets = this.base.slice();
    if (!this.owned.has(i)) {
      this.owned.add(i);
      this.buckets[i] = new Map(this.buckets[i]);
    }
    return this.buckets[i] as Map<string, V>;
  }
  /** The current value at `key`. */
  get(key: string): V | undefined {
    return this.bucket(key).get(key);
  }
  /** Sets `key` to `value`. */
  set(key: string, value: V): void {
    const m = this.writable(key);
    if (!m.has(key)) this.sizeNow++;
    m.set(key, value);
  }
  /** Removes `key` if present. */
  delete(key: string): void {
    if (!this.bucket(key).has(key)) return;
    this.writable(key).delete(key);
    this.sizeNow--;
  }
  /** Whether anything changed. */
  get changed(): boolean {
    return this.buckets !== null;
  }
  /** The edited map (the original if nothing changed). */
  done(original: PersistentMap<V>): PersistentMap<V> {
    return this.buckets === null ? original : this.make(this.buckets, this.sizeNow);
  }
}
