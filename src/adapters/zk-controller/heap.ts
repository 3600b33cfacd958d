/** A binary min-heap of timed events, ordered by time then insertion (deterministic ties). */
export class EventHeap<T> {
  private readonly items: { t: number; seq: number; ev: T }[] = [];
  private seq = 0;

  /** Number of pending events. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `ev` to happen at `t`. */
  push(t: number, ev: T): void {
    const a = this.items;
    a.push({ t, seq: this.seq++, ev });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  /** Removes and returns the earliest event. */
  pop(): { t: number; ev: T } | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return { t: top.t, ev: top.ev };
  }
}

function less(x: { t: number; seq: number }, y: { t: number; seq: number }): boolean {
  return x.t < y.t || (x.t === y.t && x.seq < y.seq);
}
