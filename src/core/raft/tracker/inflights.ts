/**
 * A bounded ring of in-flight append messages to one follower: the last index of each, so acknowledgements
 * free them in order. Plain data (one number array), no allocation per message.
 * @module
 */

/** In-flight appends to one follower. */
export interface Inflights {
  /** Ring of last indices of the messages in flight. */
  readonly index: number[];
  start: number;
  count: number;
  /** Maximum number of messages in flight. */
  readonly capacity: number;
}

/** An empty ring for at most `capacity` messages. */
export function newInflights(capacity: number): Inflights {
  return { index: new Array<number>(capacity).fill(0), start: 0, count: 0, capacity };
}

/** Records a message whose last entry is `index`. The caller checks {@link inflightsFull} first. */
export function addInflight(f: Inflights, index: number): void {
  let slot = f.start + f.count;
  if (slot >= f.capacity) slot -= f.capacity;
  f.index[slot] = index;
  f.count++;
}

/** Frees every message whose last index is ≤ `index` (they were acknowledged). */
export function freeInflightsUpTo(f: Inflights, index: number): void {
  while (f.count > 0 && f.index[f.start]! <= index) {
    f.start = f.start + 1 === f.capacity ? 0 : f.start + 1;
    f.count--;
  }
  if (f.count === 0) f.start = 0;
}

/** Frees the oldest message, if any (a heartbeat response shows the follower is alive; unblocks a full ring). */
export function freeFirstInflight(f: Inflights): void {
  if (f.count > 0) freeInflightsUpTo(f, f.index[f.start]!);
}

/** Whether no more messages may be sent. */
export function inflightsFull(f: Inflights): boolean {
  return f.count >= f.capacity;
}

/** Forgets every message in flight. */
export function resetInflights(f: Inflights): void {
  f.start = 0;
  f.count = 0;
}
