/**
 * The time limits of the KV service's requests that wait for their commit or read point.
 * @module
 */

interface Pending {
  readonly at: number;
  /** Undefined once the request finished or expired. */
  expire: (() => void) | undefined;
}

/**
 * Every request waits equally long, so deadlines come due in arrival order: one timer, armed for the oldest
 * pending deadline, serves them all, instead of a `setTimeout` and a `clearTimeout` per request (which cost
 * more than the rest of a put's bookkeeping in the service).
 */
export class RequestDeadlines {
  private entries: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * @param ms - how long a request may wait
   * @param now - the clock (milliseconds)
   */
  constructor(
    private readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `expire` once `ms` have passed, unless the returned function was called first (the request finished). */
  add(expire: () => void): () => void {
    const e: Pending = { at: this.now() + this.ms, expire };
    this.entries.push(e);
    if (this.timer === undefined && !this.stopped) this.arm();
    return () => {
      e.expire = undefined;
    };
  }

  /** Requests still waiting. */
  get pending(): number {
    let n = 0;
    for (let i = this.head; i < this.entries.length; i++) if (this.entries[i]!.expire !== undefined) n++;
    return n;
  }

  /** Cancels the timer: nothing expires any more. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    while (this.head < this.entries.length && this.entries[this.head]!.expire === undefined) this.head++;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      this.timer = undefined;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.entries[this.head]!.at - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.now();
    while (this.head < this.entries.length) {
      const e = this.entries[this.head]!;
      if (e.expire !== undefined && e.at > now) break;
      this.head++;
      const expire = e.expire;
      e.expire = undefined;
      expire?.();
    }
    if (!this.stopped) this.arm();
  }
}
