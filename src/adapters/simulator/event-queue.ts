/** A simulated event: due time, a tie-breaking sequence number, and what to do. */
export interface SimEvent {
  at: number;
  seq: number;
  kind: number;
  node: number;
  /** Incarnation of `node` the event belongs to (stale after a crash), or a message id. */
  tag: number;
  /** A second number (e.g. a message's sender). */
  aux: number;
  payload: unknown;
}

/** Buckets of the timing wheel: one per simulated millisecond, so the wheel spans this many milliseconds. */
const WHEEL = 4096;
const WHEEL_MASK = WHEEL - 1;
const WORDS = WHEEL >> 5;
const NONE = -1;
const INITIAL_SLOTS = 256;

/**
 * The simulator's agenda: events in (at, seq) order — deterministic order in simulated time, FIFO among equals.
 *
 * A timing wheel, because the simulator pushes and pops about two events per simulated event and almost all
 * of them fall due within a few simulated seconds: one bucket per millisecond of the next `WHEEL` ms, each a
 * linked list kept in (at, seq) order (an event due at the same time as the bucket's tail, the usual case, is
 * appended in O(1)), and a bitmap of non-empty buckets to find the next one. Events outside the wheel's span
 * (far in the future, or in the past of the wheel) go to a small binary heap; `take` returns whichever of
 * the two fronts comes first, so the order is exact whatever the times. Data-oriented: events live in
 * per-slot typed arrays and slots are recycled; `take` exposes the earliest event through this queue's
 * `at`/`kind`/`node`/`tag`/`aux`/`payload` fields — no object per event.
 */
export class EventQueue {
  // Per-slot event fields.
  private slotAt: Float64Array = new Float64Array(INITIAL_SLOTS);
  private slotSeq: Float64Array = new Float64Array(INITIAL_SLOTS);
  private slotKind: Int32Array = new Int32Array(INITIAL_SLOTS);
  private slotNode: Int32Array = new Int32Array(INITIAL_SLOTS);
  private slotTag: Float64Array = new Float64Array(INITIAL_SLOTS);
  private slotAux: Float64Array = new Float64Array(INITIAL_SLOTS);
  /** Next slot in the same bucket (NONE at the end). */
  private slotNext: Int32Array = new Int32Array(INITIAL_SLOTS);
  private readonly slotPayload: unknown[] = new Array<unknown>(INITIAL_SLOTS).fill(undefined);
  /** Free slots, a stack. */
  private freeSlots: Int32Array = new Int32Array(INITIAL_SLOTS);
  private freeCount = INITIAL_SLOTS;
  private slots = INITIAL_SLOTS;

  // The wheel: bucket b holds events due in the millisecond ≡ b (mod WHEEL) within [cursor, cursor + WHEEL).
  private readonly head = new Int32Array(WHEEL).fill(NONE);
  private readonly tail = new Int32Array(WHEEL).fill(NONE);
  private readonly nonEmpty = new Uint32Array(WORDS);
  /** The millisecond of the latest event taken: no wheel event is due before it. */
  private cursor = 0;
  private inWheel = 0;

  // Everything else: a binary heap of slots ordered by (at, seq).
  private heap: Int32Array = new Int32Array(16);
  private inHeap = 0;

  private seq = 0;
  private takenSeq = 0;

  /** Due time of the event `take` last returned. */
  at = 0;
  /** Kind of the event `take` last returned. */
  kind = 0;
  /** Node of the event `take` last returned. */
  node = 0;
  /** Tag (incarnation or message id) of the event `take` last returned. */
  tag = 0;
  /** Second number of the event `take` last returned. */
  aux = 0;
  /** Payload of the event `take` last returned. */
  payload: unknown = undefined;

  constructor() {
    for (let k = 0; k < INITIAL_SLOTS; k++) this.freeSlots[k] = INITIAL_SLOTS - 1 - k;
  }

  get size(): number {
    return this.inWheel + this.inHeap;
  }

  /** Schedules an event at time `at`. */
  push(at: number, kind: number, node: number, tag: number, payload: unknown, aux = 0): void {
    if (this.freeCount === 0) this.grow();
    const slot = this.freeSlots[--this.freeCount]!;
    this.slotAt[slot] = at;
    this.slotSeq[slot] = this.seq++;
    this.slotKind[slot] = kind;
    this.slotNode[slot] = node;
    this.slotTag[slot] = tag;
    this.slotAux[slot] = aux;
    this.slotPayload[slot] = payload;
    const ms = Math.floor(at);
    if (ms >= this.cursor && ms - this.cursor < WHEEL) this.wheelInsert(slot, ms & WHEEL_MASK, at);
    else this.heapInsert(slot);
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    const w = this.inWheel > 0 ? this.slotAt[this.head[this.firstBucket()]!]! : Infinity;
    const h = this.inHeap > 0 ? this.slotAt[this.heap[0]!]! : Infinity;
    return w < h ? w : h;
  }

  /**
   * Removes the earliest event and exposes it through this queue's `at`, `kind`, `node`, `tag`, `aux` and
   * `payload` fields (until the next `take`). Returns false when the queue is empty.
   */
  take(): boolean {
    let slot: number;
    if (this.inWheel > 0) {
      const b = this.firstBucket();
      slot = this.head[b]!;
      if (this.inHeap > 0 && this.before(this.heap[0]!, slot)) slot = this.heapRemoveTop();
      else this.wheelRemoveHead(b, slot);
    } else if (this.inHeap > 0) {
      slot = this.heapRemoveTop();
    } else {
      return false;
    }
    const at = this.slotAt[slot]!;
    this.at = at;
    this.takenSeq = this.slotSeq[slot]!;
    this.kind = this.slotKind[slot]!;
    this.node = this.slotNode[slot]!;
    this.tag = this.slotTag[slot]!;
    this.aux = this.slotAux[slot]!;
    this.payload = this.slotPayload[slot];
    this.slotPayload[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
    // Advance the wheel. Every wheel event is due at or after `at` (it was the earliest), so none falls out of
    // the window; an empty wheel may jump anywhere.
    const ms = Math.floor(at);
    if (ms > this.cursor) this.cursor = ms;
    return true;
  }

  /** Removes and returns the earliest event as a fresh object (`take` is the allocation-free form). */
  pop(): SimEvent | undefined {
    if (!this.take()) return undefined;
    return { at: this.at, seq: this.takenSeq, kind: this.kind, node: this.node, tag: this.tag, aux: this.aux, payload: this.payload };
  }

  /** Whether the event in slot `a` comes before the one in slot `b`. */
  private before(a: number, b: number): boolean {
    const x = this.slotAt[a]!;
    const y = this.slotAt[b]!;
    return x < y || (x === y && this.slotSeq[a]! < this.slotSeq[b]!);
  }

  // ---- wheel ----

  private wheelInsert(slot: number, b: number, at: number): void {
    this.inWheel++;
    const next = this.slotNext;
    const t = this.tail[b]!;
    if (t === NONE) {
      next[slot] = NONE;
      this.head[b] = slot;
      this.tail[b] = slot;
      this.nonEmpty[b >> 5]! |= 1 << (b & 31);
      return;
    }
    if (this.slotAt[t]! <= at) {
      // Due no earlier than the last one, and pushed later: goes last.
      next[slot] = NONE;
      next[t] = slot;
      this.tail[b] = slot;
      return;
    }
    // A fractional time earlier than the tail's: insert after every event due at or before it.
    let prev = NONE;
    let cur = this.head[b]!;
    while (cur !== NONE && this.slotAt[cur]! <= at) {
      prev = cur;
      cur = next[cur]!;
    }
    next[slot] = cur;
    if (prev === NONE) this.head[b] = slot;
    else next[prev] = slot;
  }

  private wheelRemoveHead(b: number, slot: number): void {
    this.inWheel--;
    const n = this.slotNext[slot]!;
    this.head[b] = n;
    if (n === NONE) {
      this.tail[b] = NONE;
      this.nonEmpty[b >> 5]! &= ~(1 << (b & 31));
    }
  }

  /** The first non-empty bucket at or after the cursor, in wheel order (the wheel must not be empty). */
  private firstBucket(): number {
    const start = this.cursor & WHEEL_MASK;
    let w = start >> 5;
    // Bits of the first word at or above the cursor's bucket.
    let bits = this.nonEmpty[w]! & (~0 << (start & 31));
    for (let k = 0; k <= WORDS; k++) {
      if (bits !== 0) return (w << 5) + (31 - Math.clz32(bits & -bits));
      w = w + 1 === WORDS ? 0 : w + 1;
      bits = this.nonEmpty[w]!;
    }
    throw new Error("event queue: wheel count and bitmap disagree");
  }

  // ---- heap ----

  private heapInsert(slot: number): void {
    if (this.inHeap === this.heap.length) {
      const bigger = new Int32Array(this.heap.length * 2);
      bigger.set(this.heap);
      this.heap = bigger;
    }
    const h = this.heap;
    let i = this.inHeap++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.before(h[p]!, slot)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = slot;
  }

  private heapRemoveTop(): number {
    const h = this.heap;
    const top = h[0]!;
    const n = --this.inHeap;
    if (n > 0) {
      const last = h[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.before(h[r]!, h[l]!) ? r : l;
        if (this.before(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  private grow(): void {
    const old = this.slots;
    const cap = old * 2;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.slotAt = f64(this.slotAt);
    this.slotSeq = f64(this.slotSeq);
    this.slotKind = i32(this.slotKind);
    this.slotNode = i32(this.slotNode);
    this.slotTag = f64(this.slotTag);
    this.slotAux = f64(this.slotAux);
    this.slotNext = i32(this.slotNext);
    for (let k = old; k < cap; k++) this.slotPayload.push(undefined);
    // Every slot was in use: the new ones are the free ones.
    this.freeSlots = new Int32Array(cap);
    for (let k = 0; k < old; k++) this.freeSlots[k] = cap - 1 - k;
    this.freeCount = old;
    this.slots = cap;
  }
}
