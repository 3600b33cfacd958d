/**
 * The integer-coded fast path's search: the same Wing & Gong / Lowe search as `LinearizationSearch` (search.ts)
 * — a linked list of call and return entries, a memo cache of (linearized set, state), greedy reads, twins —
 * for the op kinds of `encode.ts`, with the model's transition written into the loop as a switch on the op's
 * kind. No model object, no call through a `step` seen with many targets, no per-op objects: on a short search
 * the loop is cheap even before V8 optimizes it, and what V8 optimizes is one small, monomorphic function.
 *
 * It answers only "linearizable" or "give up" (not linearizable, step limit, memory limit): the caller then runs
 * the general checker, which explains failures and honours time limits.
 */
import { StateCache } from "../cache.js";
import { zobristKeys } from "../search-setup.js";
import { mix32 } from "../values.js";
import { APPEND, CAS, READ, READ_ANY, WRITE } from "./encode.js";
import type { EncodedHistory } from "./encode.js";

const IMPOSSIBLE = -1;
/** An `entry` value that sends the loop straight to backtracking. */
const MUST_BACKTRACK = -2;

/** `searchPartition`'s answer when no linearization exists. */
export const EXHAUSTED = -1;
/** `searchPartition`'s answer when it ran out of steps. */
export const OUT_OF_STEPS = -2;

/**
 * Kv states: interned texts, and the texts appends make, memoised per (state, appended text) so an append
 * concatenates and interns once per pair.
 */
export class TextStates {
  private readonly appended = new Map<number, number>();
  private readonly argSpace: number;

  constructor(
    private readonly texts: string[],
    private readonly ids: Map<string, number>,
  ) {
    this.argSpace = texts.length;
  }

  /** The state after appending text `arg` (an id from the history) to state `sid`. */
  append(sid: number, arg: number): number {
    const key = sid * this.argSpace + arg;
    let next = this.appended.get(key);
    if (next !== undefined) return next;
    const text = this.texts[sid]! + this.texts[arg]!;
    next = this.ids.get(text);
    if (next === undefined) {
      this.ids.set(text, (next = this.texts.length));
      this.texts.push(text);
    }
    this.appended.set(key, next);
    return next;
  }
}

/** A partition's ops (global indices, call order) and its entries in time order, in local indices. */
export interface PartitionEntries {
  readonly ops: Int32Array;
  readonly entries: Int32Array;
}

/** The partitions, and each op's index within its own. */
export interface Partitions {
  readonly parts: PartitionEntries[];
  readonly local: Int32Array;
}

/** Splits the history's ops and entries by partition, keeping call and time order. */
export function splitPartitions(h: EncodedHistory): Partitions {
  const count = new Int32Array(h.parts);
  for (let op = 0; op < h.n; op++) count[h.part[op]!]!++;
  const local = new Int32Array(h.n);
  const ops = Array.from(count, (c) => new Int32Array(c));
  const fill = new Int32Array(h.parts);
  for (let op = 0; op < h.n; op++) {
    const p = h.part[op]!;
    local[op] = fill[p]!;
    ops[p]![fill[p]!++] = op;
  }
  const entryCount = new Int32Array(h.parts);
  for (let e = 0; e < h.entries.length; e++) entryCount[h.part[h.entries[e]! >> 1]!]!++;
  const entries = Array.from(entryCount, (c) => new Int32Array(c));
  fill.fill(0);
  for (let e = 0; e < h.entries.length; e++) {
    const code = h.entries[e]!;
    const op = code >> 1;
    const p = h.part[op]!;
    entries[p]![fill[p]!++] = local[op]! * 2 + (code & 1);
  }
  return { parts: ops.map((o, p) => ({ ops: o, entries: entries[p]! })), local };
}

/**
 * Searches one partition for a linearization from the history's initial state, for at most `maxSteps` loop
 * iterations: the steps it took when it found one, else EXHAUSTED or OUT_OF_STEPS. `local` maps a global op to
 * its index in the partition (for twins). @throws CacheFullError past `maxCacheBytes`.
 */
export function searchPartition(h: EncodedHistory, p: PartitionEntries, local: Int32Array, states: TextStates | undefined, maxSteps: number, maxCacheBytes: number): number {
  const n = p.ops.length;
  const m = p.entries.length;
  const kind = new Uint8Array(n);
  const argA = new Int32Array(n);
  const argB = new Int32Array(n);
  const twin = new Int32Array(n);
  const callEntry = new Int32Array(n);
  const returnEntry = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const op = p.ops[i]!;
    kind[i] = h.kind[op]!;
    argA[i] = h.a[op]!;
    argB[i] = h.b[op]!;
    const t = h.twin[op]!;
    twin[i] = t < 0 ? -1 : local[t]!;
  }
  const entryOp = new Int32Array(m);
  const entryIsCall = new Uint8Array(m);
  let remaining = 0;
  for (let e = 0; e < m; e++) {
    const code = p.entries[e]!;
    const op = code >> 1;
    entryOp[e] = op;
    if ((code & 1) === 0) {
      entryIsCall[e] = 1;
      callEntry[op] = e;
    } else {
      returnEntry[op] = e;
      remaining++;
    }
  }
  if (remaining === 0) return 0;
  // The list: entries 0..m-1 in time order, HEAD = m, -1 ends it.
  const next = new Int32Array(m + 1);
  const prev = new Int32Array(m + 1);
  for (let e = 0; e < m; e++) {
    next[e] = e + 1 < m ? e + 1 : -1;
    prev[e] = e === 0 ? m : e - 1;
  }
  next[m] = 0;
  prev[m] = -1;
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = zobristKeys(n);
  const cache = new StateCache(words, maxCacheBytes, 2 * n);
  const stackOp = new Int32Array(n);
  const stackSid = new Int32Array(n);
  let sid = h.init;
  let depth = 0;
  let setHash = 0;
  let entry = 0;
  let steps = 0;
  for (;;) {
    if (++steps > maxSteps) return OUT_OF_STEPS;
    if (entry >= 0 && entryIsCall[entry] === 1) {
      const op = entryOp[entry]!;
      const t = twin[op]!;
      let nsid = IMPOSSIBLE;
      // A twin not yet linearized goes first: skip this one.
      if (t === -1 || (bits[t >>> 5]! & (1 << (t & 31))) !== 0) {
        switch (kind[op]) {
          case READ:
            if (sid === argA[op]) nsid = sid;
            break;
          case READ_ANY:
            nsid = sid;
            break;
          case WRITE:
            nsid = argA[op]!;
            break;
          case CAS:
            if (sid === argA[op]) nsid = argB[op]!;
            break;
          case APPEND:
            nsid = states!.append(sid, argA[op]!);
            break;
          default:
            break;
        }
      }
      if (nsid === IMPOSSIBLE) {
        entry = next[entry]!;
        continue;
      }
      const word = op >>> 5;
      const bit = 1 << (op & 31);
      const h2 = setHash ^ zobrist[op]!;
      bits[word]! |= bit;
      if (!cache.add(bits, h2 ^ mix32(Math.imul(nsid + 1, 0x9e3779b1)), nsid)) {
        bits[word]! &= ~bit;
        entry = next[entry]!;
        continue;
      }
      stackOp[depth] = op;
      stackSid[depth] = sid;
      depth++;
      sid = nsid;
      setHash = h2;
      // Lift the op's call and return entries out of the list.
      const c = callEntry[op]!;
      let pr = prev[c]!;
      let nx = next[c]!;
      next[pr] = nx;
      if (nx !== -1) prev[nx] = pr;
      const r = returnEntry[op]!;
      if (r !== -1) {
        pr = prev[r]!;
        nx = next[r]!;
        next[pr] = nx;
        if (nx !== -1) prev[nx] = pr;
        if (--remaining === 0) return steps;
      }
      entry = next[m]!;
      continue;
    }
    // A return entry (or a greedy read undone): the last choice must be undone.
    if (depth === 0) return EXHAUSTED;
    depth--;
    const op = stackOp[depth]!;
    sid = stackSid[depth]!;
    bits[op >>> 5]! &= ~(1 << (op & 31));
    setHash ^= zobrist[op]!;
    const c = callEntry[op]!;
    const r = returnEntry[op]!;
    if (r !== -1) {
      next[prev[r]!] = r;
      if (next[r] !== -1) prev[next[r]!] = r;
      remaining++;
    }
    next[prev[c]!] = c;
    if (next[c] !== -1) prev[next[c]!] = c;
    // A completed read was linearized as soon as it was enabled: if nothing worked after it, nothing works without it.
    const k = kind[op];
    entry = r !== -1 && (k === READ || k === READ_ANY) ? MUST_BACKTRACK : next[c]!;
  }
}
