/** A push-based async iterator: producers `push`, one consumer awaits with `for await`. */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((r: IteratorResult<T>) => void)[] = [];
  private closed = false;

  /** `onReturn` runs once when the consumer stops (break, return) or the queue is closed. */
  constructor(private readonly onReturn: () => void = () => {}) {}

  /** Adds an item (ignored after close). */
  push(item: T): void {
    if (this.closed) return;
    const w = this.waiting.shift();
    if (w !== undefined) w({ value: item, done: false });
    else this.items.push(item);
  }

  /** Ends the iteration once the buffered items are consumed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onReturn();
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
