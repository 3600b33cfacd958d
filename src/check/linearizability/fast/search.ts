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
  if (h.parts === 1) {
    // One partition (a register): local indices are the global ones.
    const identity = new Int32Array(h.n);
    for (let op = 0; op < h.n; op++) identity[op] = op;
    return { parts: [{ ops: identity, entries: h.entries }], local: identity };
  }
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

// Every op kind as a guard on the state and a result, so that one code path serves them all (no branch that
// only some histories take, which V8 would meet without type feedback and deoptimize on).
/** Guard: accepted in any state. */
const ANY = -1;
/** Guard: never accepted (no state id is negative). */
const NO_STATE = -2;
/** Result: the state is left as it is. */
const SAME = -1;
/** Result: the op's text is appended to the state. */
const APPENDED = -2;
/** Loop iterations per call of `run`: short calls, so V8 optimizes `run` as a whole function, not mid-loop. */
const SLICE = 2048;

/** A resumable search of one partition; its registers live in fields between calls of `run`. */
class FastSearch {
  readonly guard: Int32Array;
  readonly result: Int32Array;
  readonly arg: Int32Array;
  readonly greedy: Uint8Array;
  readonly twin: Int32Array;
  readonly entryOp: Int32Array;
  readonly entryIsCall: Uint8Array;
  readonly callEntry: Int32Array;
  readonly returnEntry: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly bits: Uint32Array;
  readonly zobrist: Int32Array;
  readonly cache: StateCache;
  readonly stackOp: Int32Array;
  readonly stackSid: Int32Array;
  sid: number;
  depth = 0;
  setHash = 0;
  entry = 0;
  remaining = 0;
  steps = 0;

  constructor(h: EncodedHistory, p: PartitionEntries, local: Int32Array, maxCacheBytes: number) {
    const n = p.ops.length;
    const m = p.entries.length;
    this.guard = new Int32Array(n);
    this.result = new Int32Array(n);
    this.arg = new Int32Array(n);
    this.greedy = new Uint8Array(n);
    this.twin = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const op = p.ops[i]!;
      const t = h.twin[op]!;
      this.twin[i] = t < 0 ? -1 : local[t]!;
      this.encode(i, h.kind[op]!, h.a[op]!, h.b[op]!);
    }
    this.entryOp = new Int32Array(m);
    this.entryIsCall = new Uint8Array(m);
    this.callEntry = new Int32Array(n);
    this.returnEntry = new Int32Array(n).fill(-1);
    for (let e = 0; e < m; e++) {
      const code = p.entries[e]!;
      const op = code >> 1;
      this.entryOp[e] = op;
      if ((code & 1) === 0) {
        this.entryIsCall[e] = 1;
        this.callEntry[op] = e;
      } else {
        this.returnEntry[op] = e;
        this.remaining++;
      }
    }
    // The list: entries 0..m-1 in time order, HEAD = m, -1 ends it.
    this.next = new Int32Array(m + 1);
    this.prev = new Int32Array(m + 1);
    for (let e = 0; e < m; e++) {
      this.next[e] = e + 1 < m ? e + 1 : -1;
      this.prev[e] = e === 0 ? m : e - 1;
    }
    this.next[m] = m > 0 ? 0 : -1;
    this.prev[m] = -1;
    const words = (n + 31) >>> 5;
    this.bits = new Uint32Array(words);
    this.zobrist = zobristKeys(n);
    this.cache = new StateCache(words, maxCacheBytes, 2 * n);
    this.stackOp = new Int32Array(n);
    this.stackSid = new Int32Array(n);
    this.sid = h.init;
  }

  private encode(i: number, kind: number, a: number, b: number): void {
    let guard = NO_STATE;
    let result = SAME;
    switch (kind) {
      case READ:
        guard = a;
        break;
      case READ_ANY:
        guard = ANY;
        break;
      case WRITE:
        guard = ANY;
        result = a;
        break;
      case CAS:
        guard = a;
        result = b;
        break;
      case APPEND:
        guard = ANY;
        result = APPENDED;
        this.arg[i] = a;
        break;
      default:
        break;
    }
    this.guard[i] = guard;
    this.result[i] = result;
    // Completed reads (the only ops of these kinds that have a return) are linearized greedily.
    this.greedy[i] = kind === READ || kind === READ_ANY ? 1 : 0;
  }

  /**
   * Runs at most `budget` loop iterations: the steps so far when a linearization is found, EXHAUSTED, or
   * OUT_OF_STEPS when the budget ran out first (call again to go on).
   */
  run(budget: number, states: TextStates | undefined): number {
    const { guard, result, arg, greedy, twin, entryOp, entryIsCall, callEntry, returnEntry, next, prev, bits, zobrist, cache, stackOp, stackSid } = this;
    const head = next.length - 1;
    let { sid, depth, setHash, entry, remaining } = this;
    let steps = 0;
    let answer = OUT_OF_STEPS;
    if (remaining === 0) return 0;
    while (steps < budget) {
      steps++;
      if (entry >= 0 && entryIsCall[entry] === 1) {
        const op = entryOp[entry]!;
        const t = twin[op]!;
        const g = guard[op]!;
        let nsid = IMPOSSIBLE;
        // A twin not yet linearized goes first: skip this one.
        if ((t === -1 || (bits[t >>> 5]! & (1 << (t & 31))) !== 0) && (g === ANY || g === sid)) {
          const r = result[op]!;
          nsid = r >= 0 ? r : r === SAME ? sid : states!.append(sid, arg[op]!);
        }
        if (nsid === IMPOSSIBLE) {
          entry = next[entry]!;
          continue;
        }
        const word = op >>> 5;
        const bit = 1 << (op & 31);
        const hash = setHash ^ zobrist[op]!;
        bits[word]! |= bit;
        if (!cache.add(bits, hash ^ mix32(Math.imul(nsid + 1, 0x9e3779b1)), nsid)) {
          bits[word]! &= ~bit;
          entry = next[entry]!;
          continue;
        }
        stackOp[depth] = op;
        stackSid[depth] = sid;
        depth++;
        sid = nsid;
        setHash = hash;
        // Lift the op's call and return entries out of the list.
        const c = callEntry[op]!;
        let before = prev[c]!;
        let after = next[c]!;
        next[before] = after;
        if (after !== -1) prev[after] = before;
        const r = returnEntry[op]!;
        if (r !== -1) {
          before = prev[r]!;
          after = next[r]!;
          next[before] = after;
          if (after !== -1) prev[after] = before;
          if (--remaining === 0) {
            answer = this.steps + steps;
            break;
          }
        }
        entry = next[head]!;
        continue;
      }
      // A return entry (or a greedy read undone): the last choice must be undone.
      if (depth === 0) {
        answer = EXHAUSTED;
        break;
      }
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
      // A read linearized as soon as it was enabled: if nothing worked after it, nothing works without it.
      entry = greedy[op] === 1 ? MUST_BACKTRACK : next[c]!;
    }
    this.sid = sid;
    this.depth = depth;
    this.setHash = setHash;
    this.entry = entry;
    this.remaining = remaining;
    this.steps += steps;
    return answer;
  }
}

/**
 * Searches one partition for a linearization from the history's initial state, for at most `maxSteps` loop
 * iterations: the steps it took when it found one, else EXHAUSTED or OUT_OF_STEPS. `local` maps a global op to
 * its index in the partition (for twins). @throws CacheFullError past `maxCacheBytes`.
 */
export function searchPartition(h: EncodedHistory, p: PartitionEntries, local: Int32Array, states: TextStates | undefined, maxSteps: number, maxCacheBytes: number): number {
  const search = new FastSearch(h, p, local, maxCacheBytes);
  for (;;) {
    const budget = Math.min(SLICE, maxSteps - search.steps);
    if (budget <= 0) return OUT_OF_STEPS;
    const answer = search.run(budget, states);
    if (answer !== OUT_OF_STEPS) return answer;
  }
}
