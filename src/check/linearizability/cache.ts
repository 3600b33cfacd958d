/**
 * The memo cache of the search: a set of (linearized-ops bitset, interned model state id) pairs, stored in
 * typed arrays (open addressing on a 32-bit key, bitsets packed in one growing arena) so that a probe
 * allocates nothing and compares integers only.
 */

/** Thrown when the cache would outgrow its byte budget; the search reports `unknown`. */
export class CacheFullError extends Error {
  readonly code = "CACHE_FULL";
  constructor(bytes: number) {
    super(`the memo cache reached its budget of ${Math.round(bytes / 2 ** 20)} MiB; raise maxCacheBytes or check a smaller history`);
    this.name = "CacheFullError";
  }
}

const MIN_ENTRIES = 512;
/** The smallest first size, for callers that ask for less than MIN_ENTRIES (to see the cache grow early). */
const FIRST_ENTRIES = 16;
/** The largest first arena a search gets before it has shown it needs more. */
const INITIAL_ARENA_BYTES = 1 << 20;

/** A set of (bitset, state id) pairs. */
export class StateCache {
  private slots: Int32Array;
  private mask: number;
  private keys: Int32Array;
  private stateIds: Int32Array;
  private arena: Uint32Array;
  /** Number of entries. */
  size = 0;

  /**
   * `expectedEntries` sizes the arrays up front (a search of n ops adds at least n entries when it succeeds), so
   * that small searches never grow them; the first arena is kept under INITIAL_ARENA_BYTES all the same.
   */
  constructor(
    private readonly words: number,
    private readonly maxBytes: number,
    expectedEntries = MIN_ENTRIES,
  ) {
    // A power of two (the slots are masked), MIN_ENTRIES unless fewer are asked for.
    let capacity = FIRST_ENTRIES;
    while (capacity < Math.min(MIN_ENTRIES, expectedEntries)) capacity *= 2;
    const bytesFor = (entries: number): number => entries * (8 + 4 * Math.max(1, words)) + entries * 2 * 4;
    while (capacity < expectedEntries && capacity * 2 * Math.max(1, words) * 4 <= INITIAL_ARENA_BYTES && bytesFor(capacity * 2) <= maxBytes) capacity *= 2;
    this.slots = new Int32Array(capacity * 2).fill(-1);
    this.mask = capacity * 2 - 1;
    this.keys = new Int32Array(capacity);
    this.stateIds = new Int32Array(capacity);
    this.arena = new Uint32Array(Math.max(1, words) * capacity);
  }

  /** Bytes held by the cache's arrays. */
  get bytes(): number {
    return this.slots.byteLength + this.keys.byteLength + this.stateIds.byteLength + this.arena.byteLength;
  }

  /** Adds (bits, state) unless present; returns true when it was added. `key` must hash both. */
  add(bits: Uint32Array, key: number, stateId: number): boolean {
    const words = this.words;
    const slots = this.slots;
    const mask = this.mask;
    const keys = this.keys;
    // Loaded on every call, not only on a key match: code V8 optimizes before the first match then has their
    // type feedback all the same (no deoptimization of the search loop this is inlined into).
    const stateIds = this.stateIds;
    const arena = this.arena;
    let slot = key & mask;
    for (;;) {
      const e = slots[slot]!;
      if (e === -1) break;
      // Every probe of an occupied slot runs the same code — both compares, and the word loop (over the first
      // word only unless key and state match) — so V8 has type feedback for all of it before the first real
      // match, and never deoptimizes the search loop this is inlined into when one comes.
      const sameState = stateIds[e] === stateId;
      const match = keys[e] === key && sameState;
      const base = e * words;
      const limit = match ? words : Math.min(1, words);
      let w = 0;
      while (w < limit && arena[base + w] === bits[w]) w++;
      const whole = w === words;
      if (match && whole) return false;
      slot = (slot + 1) & mask;
    }
    const e = this.size++;
    if (e >= this.keys.length) this.grow();
    this.keys[e] = key;
    this.stateIds[e] = stateId;
    this.arena.set(bits, e * words);
    slots[slot] = e;
    if (this.size * 2 > slots.length) this.rehash();
    return true;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    const bytes = capacity * (8 + 4 * this.words) + this.slots.length * 4 * 2;
    if (bytes > this.maxBytes) throw new CacheFullError(this.maxBytes);
    const keys = new Int32Array(capacity);
    keys.set(this.keys);
    this.keys = keys;
    const ids = new Int32Array(capacity);
    ids.set(this.stateIds);
    this.stateIds = ids;
    const arena = new Uint32Array(capacity * Math.max(1, this.words));
    arena.set(this.arena);
    this.arena = arena;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.keys[e]! & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = e;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
