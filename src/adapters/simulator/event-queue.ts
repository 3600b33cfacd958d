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

const INITIAL_CAPACITY = 256;

/**
 * Binary min-heap of events ordered by (at, seq): deterministic order in simulated time, FIFO among equals.
 *
 * Data-oriented, since the simulator pushes and pops about two events per simulated event: the heap is three
 * parallel typed arrays (due time, sequence number, slot), so sifting compares contiguous numbers instead of
 * chasing event objects; an event's other fields live in per-slot arrays, and slots are recycled. `take`
 * exposes the earliest event through the `at`/`kind`/`node`/`tag`/`aux`/`payload` fields of the queue
 * itself: no object per event.
 */
export class EventQueue {
  private heapAt: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private heapSeq: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private heapSlot: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private slotKind: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private slotNode: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private slotTag: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private slotAux: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private readonly slotPayload: unknown[] = new Array<unknown>(INITIAL_CAPACITY).fill(undefined);
  /** Free slots, a stack. */
  private freeSlots: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private freeCount = INITIAL_CAPACITY;
  private capacity = INITIAL_CAPACITY;
  private count = 0;
  private seq = 0;

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
    for (let k = 0; k < INITIAL_CAPACITY; k++) this.freeSlots[k] = INITIAL_CAPACITY - 1 - k;
  }

  get size(): number {
    return this.count;
  }

  /** Schedules an event at time `at`. */
  push(at: number, kind: number, node: number, tag: number, payload: unknown, aux = 0): void {
    if (this.freeCount === 0) this.grow();
    const slot = this.freeSlots[--this.freeCount]!;
    this.slotKind[slot] = kind;
    this.slotNode[slot] = node;
    this.slotTag[slot] = tag;
    this.slotAux[slot] = aux;
    this.slotPayload[slot] = payload;
    const seq = this.seq++;
    const hAt = this.heapAt;
    const hSeq = this.heapSeq;
    const hSlot = this.heapSlot;
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pAt = hAt[p]!;
      if (pAt < at || (pAt === at && hSeq[p]! < seq)) break;
      hAt[i] = pAt;
      hSeq[i] = hSeq[p]!;
      hSlot[i] = hSlot[p]!;
      i = p;
    }
    hAt[i] = at;
    hSeq[i] = seq;
    hSlot[i] = slot;
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.count > 0 ? this.heapAt[0]! : Infinity;
  }

  /**
   * Removes the earliest event and exposes it through this queue's `at`, `kind`, `node`, `tag`, `aux` and
   * `payload` fields (until the next `take`). Returns false when the queue is empty.
   */
  take(): boolean {
    if (this.count === 0) return false;
    const hAt = this.heapAt;
    const hSeq = this.heapSeq;
    const hSlot = this.heapSlot;
    const slot = hSlot[0]!;
    this.at = hAt[0]!;
    this.kind = this.slotKind[slot]!;
    this.node = this.slotNode[slot]!;
    this.tag = this.slotTag[slot]!;
    this.aux = this.slotAux[slot]!;
    this.payload = this.slotPayload[slot];
    this.slotPayload[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
    const n = --this.count;
    if (n > 0) {
      // Sift the last element down from the root.
      const lastAt = hAt[n]!;
      const lastSeq = hSeq[n]!;
      const lastSlot = hSlot[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let cAt = hAt[l]!;
        if (r < n) {
          const rAt = hAt[r]!;
          if (rAt < cAt || (rAt === cAt && hSeq[r]! < hSeq[l]!)) {
            c = r;
            cAt = rAt;
          }
        }
        if (lastAt < cAt || (lastAt === cAt && lastSeq < hSeq[c]!)) break;
        hAt[i] = cAt;
        hSeq[i] = hSeq[c]!;
        hSlot[i] = hSlot[c]!;
        i = c;
      }
      hAt[i] = lastAt;
      hSeq[i] = lastSeq;
      hSlot[i] = lastSlot;
    }
    return true;
  }

  /** Removes and returns the earliest event as a fresh object (`take` is the allocation-free form). */
  pop(): SimEvent | undefined {
    if (this.count === 0) return undefined;
    const seq = this.heapSeq[0]!;
    this.take();
    return { at: this.at, seq, kind: this.kind, node: this.node, tag: this.tag, aux: this.aux, payload: this.payload };
  }

  private grow(): void {
    const old = this.capacity;
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
    this.heapAt = f64(this.heapAt);
    this.heapSeq = f64(this.heapSeq);
    this.heapSlot = i32(this.heapSlot);
    this.slotKind = i32(this.slotKind);
    this.slotNode = i32(this.slotNode);
    this.slotTag = f64(this.slotTag);
    this.slotAux = f64(this.slotAux);
    for (let k = old; k < cap; k++) this.slotPayload.push(undefined);
    // Every slot was in use: the new ones are the free ones.
    this.freeSlots = new Int32Array(cap);
    for (let k = 0; k < old; k++) this.freeSlots[k] = cap - 1 - k;
    this.freeCount = old;
    this.capacity = cap;
  }
}
