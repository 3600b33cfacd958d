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

/**
 * Binary min-heap of events ordered by (at, seq): deterministic order in simulated time, FIFO among equals.
 */
export class EventQueue {
  private readonly heap: SimEvent[] = [];
  /** Processed events kept for reuse: the simulator allocates no event object in steady state. */
  private readonly free: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules an event at time `at`. */
  push(at: number, kind: number, node: number, tag: number, payload: unknown, aux = 0): void {
    let e = this.free.pop();
    if (e === undefined) e = { at, seq: this.seq++, kind, node, tag, aux, payload };
    else {
      e.at = at;
      e.seq = this.seq++;
      e.kind = kind;
      e.node = node;
      e.tag = tag;
      e.aux = aux;
      e.payload = payload;
    }
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.at < at || (parent.at === at && parent.seq < e.seq)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  /** Returns a popped event for reuse; the caller must not touch it afterwards. */
  release(e: SimEvent): void {
    e.payload = undefined;
    this.free.push(e);
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  /** Removes and returns the earliest event. */
  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let child = h[l]!;
        if (r < n) {
          const right = h[r]!;
          if (right.at < child.at || (right.at === child.at && right.seq < child.seq)) {
            c = r;
            child = right;
          }
        }
        if (last.at < child.at || (last.at === child.at && last.seq < child.seq)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
