/**
 * The integer-coded fast path's search: the same Wing & Gong / Lowe search as `LinearizationSearch` (search.ts)
 * — a linked list of call and return entries, a memo cache of (linearized set, state), greedy reads, twins —
 * over the ops of `encode.ts`, with the model's transition written into the loop: each op's guard (the state
 * it needs) and result (the state it leaves). No model object, no call through a `step` seen with many targets,
 * no per-op objects: on a short search the loop is cheap even before V8 optimizes it, and what V8 optimizes is
 * one small function with the same type feedback whatever the history.
 *
 * It answers only "linearizable" or "give up" (not linearizable, step limit, memory limit): the caller then runs
 * the general checker, which explains failures and honours time limits.
 */
import { StateCache } from "../cache.js";
import { zobristKeys } from "../search-setup.js";
import { mix32 } from "../values.js";
import { ANY, SAME } from "./encode.js";
import type { EncodedHistory } from "./encode.js";

const IMPOSSIBLE = -1;
/** An `entry` value that sends the loop straight to backtracking. */
const MUST_BACKTRACK = -2;

/** `searchHistory`'s answer when a partition has no linearization. */
export const EXHAUSTED = -1;
/** `searchHistory`'s answer when it ran out of steps. */
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

/**
 * Loop iterations of the first call of `run`, doubling up to MAX_SLICE: short calls first, so that V8 has seen
 * `run` from its start several times before it optimizes it (code it has not seen run is code it deoptimizes on).
 */
const FIRST_SLICE = 64;
const MAX_SLICE = 512;

/**
 * A resumable search of one partition over the history's shared arrays (its registers live in fields between
 * calls of `run`). Ops keep their numbers in the whole history: the bitset of linearized ops spans them all, and
 * the bits of partitions searched before stay set, the same in every configuration of this one.
 */
class FastSearch {
  sid: number;
  depth = 0;
  setHash = 0;
  entry: number;
  remaining: number;
  steps = 0;
  private readonly head: number;
  private readonly cache: StateCache;

  constructor(
    private readonly h: EncodedHistory,
    partition: number,
    private readonly bits: Uint32Array,
    private readonly zobrist: Int32Array,
    private readonly stackOp: Int32Array,
    private readonly stackSid: Int32Array,
    maxCacheBytes: number,
  ) {
    this.head = h.headBase + partition;
    this.entry = h.next[this.head]!;
    this.remaining = h.returns[partition]!;
    this.sid = h.init;
    // Half the entries a successful search adds (at least one per live op): the cache grows once per partition,
    // early in the first search, in the interpreter, so V8 has seen its growth before it optimizes the loop
    // (growing then costs a few copies, never a deoptimization) — once, not from the smallest size up.
    this.cache = new StateCache(bits.length, maxCacheBytes, h.sizes[partition]! >> 1);
  }

  /**
   * Runs at most `budget` loop iterations: the steps so far when a linearization is found, EXHAUSTED, or
   * OUT_OF_STEPS when the budget ran out first (call again to go on).
   */
  run(budget: number, states: TextStates | undefined): number {
    const { guard, result, arg, greedy, twin, entryOp, entryIsCall, callEntry, returnEntry, next, prev } = this.h;
    const { bits, zobrist, cache, stackOp, stackSid, head } = this;
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
        const word = op >>> 5;
        const bit = 1 << (op & 31);
        const hash = setHash ^ zobrist[op]!;
        let pushed = false;
        if (nsid !== IMPOSSIBLE) {
          bits[word]! |= bit;
          pushed = cache.add(bits, hash ^ mix32(Math.imul(nsid + 1, 0x9e3779b1)), nsid);
          // Cleared again unless pushed (on the one path every attempt takes: no code first run in optimized code).
          bits[word]! ^= pushed ? 0 : bit;
        }
        if (!pushed) {
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

/** Zobrist keys made so far: the keys of n ops are the first n keys of any longer run (`zobristKeys` is seeded). */
let zobristMade: Int32Array = new Int32Array(0);

/**
 * Zobrist keys for at least `ops` ops, kept between histories: a process checking many files makes them once,
 * not once per file (nor does V8 find their loop hot and optimize it).
 */
function zobristFor(ops: number): Int32Array {
  if (zobristMade.length < ops) zobristMade = zobristKeys(Math.max(ops, 2 * zobristMade.length));
  return zobristMade;
}

/**
 * Searches every partition of `h` for a linearization, for at most `maxSteps` loop iterations in all: the steps
 * taken when every partition has one, else EXHAUSTED (one has none) or OUT_OF_STEPS. `states` interns kv texts
 * (undefined for the register). @throws CacheFullError past `maxCacheBytes` in one partition.
 */
export function searchHistory(h: EncodedHistory, states: TextStates | undefined, maxSteps: number, maxCacheBytes: number): number {
  const bits = new Uint32Array((h.ops + 31) >>> 5);
  const zobrist = zobristFor(h.ops);
  const stackOp = new Int32Array(h.ops);
  const stackSid = new Int32Array(h.ops);
  let steps = 0;
  let slice = FIRST_SLICE;
  for (let p = 0; p < h.parts; p++) {
    const search = new FastSearch(h, p, bits, zobrist, stackOp, stackSid, maxCacheBytes);
    for (;;) {
      const budget = Math.min(slice, maxSteps - steps - search.steps);
      slice = Math.min(2 * slice, MAX_SLICE);
      if (budget <= 0) return OUT_OF_STEPS;
      const answer = search.run(budget, states);
      if (answer === OUT_OF_STEPS) continue;
      if (answer < 0) return answer;
      steps += answer;
      break;
    }
  }
  return steps;
}
