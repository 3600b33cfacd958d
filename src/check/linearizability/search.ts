/**
 * The Wing & Gong search with Lowe's memoisation, as in Porcupine: the history is a doubly linked list of call
 * and return entries ordered by time. Walking it from the front, a call entry whose op the model accepts is
 * linearized ("lifted" out of the list with its return) and the walk restarts; reaching a return entry means an
 * op that has already returned was not linearized, so the last choice is undone ("unlifted") and the walk goes on
 * after it. A cache of (set of linearized ops, model state) prunes configurations already explored.
 *
 * Ops with unknown outcome have no return entry: they may be linearized anywhere after their call, or never; the
 * search succeeds once every op that returned is linearized.
 *
 * Speed: model states are interned to integer ids and deterministic transitions memoised per (op, state id), so
 * the hot loop touches only typed arrays: one table lookup, one cache probe on an incrementally maintained
 * Zobrist hash of the linearized set, and no allocation beyond new cache entries. The search is resumable
 * (`run(budget)`), so several partitions can be interleaved and the first failure found early.
 */
import { CacheFullError, StateCache } from "./cache.js";
import type { FailureInfo, History, LinearizationStep, Model, Verdict } from "./types.js";
import { timeOrderedEntries, twinPredecessors, zobristKeys } from "./search-setup.js";
import { mix32 } from "./values.js";

/** The outcome of searching one partition. */
export interface SearchOutcome<S> {
  readonly verdict: Verdict;
  readonly linearization?: LinearizationStep<S>[];
  readonly failure?: FailureInfo<S>;
  readonly reason?: string;
  readonly steps: number;
  readonly cacheEntries: number;
}

const UNKNOWN = -2;
const IMPOSSIBLE = -1;
/** An `entry` value that sends the loop straight to backtracking. */
const MUST_BACKTRACK = -2;
// How a slice of the search loop ended.
const OUT_OF_BUDGET = 0;
const LINEARIZED = 1;
const EXHAUSTED = 2;
/** Transitions from the first DENSE_STATES states are memoised in a per-op table, the rest in a hash table. */
const DENSE_STATES = 32;
/** Past this many memoised transitions in the hash table, further ones are computed every time. */
const MAX_MEMO_ENTRIES = 1 << 22;
/** After this many hashed-memo lookups, the memo stays on only if three in four of them hit. */
const MEMO_PROBATION = 4096;
/** The memo table of an op with no memoised transition yet (shared, never written). */
const NO_TRANSITIONS = new Int32Array(0);

/** (op, state id) → next state id, open addressing in typed arrays. */
class TransitionMemo {
  private ops = new Int32Array(1 << 14).fill(-1);
  private sids = new Int32Array(1 << 14);
  private results = new Int32Array(1 << 14);
  private size = 0;

  get(op: number, sid: number): number {
    const mask = this.ops.length - 1;
    let slot = mix32(Math.imul(op, 0x9e3779b1) ^ sid) & mask;
    for (;;) {
      const o = this.ops[slot]!;
      if (o === -1) return UNKNOWN;
      if (o === op && this.sids[slot] === sid) return this.results[slot]!;
      slot = (slot + 1) & mask;
    }
  }

  set(op: number, sid: number, result: number): void {
    if (this.size >= MAX_MEMO_ENTRIES) return;
    if ((this.size + 1) * 2 > this.ops.length) this.resize();
    this.insert(op, sid, result);
    this.size++;
  }

  private insert(op: number, sid: number, result: number): void {
    const mask = this.ops.length - 1;
    let slot = mix32(Math.imul(op, 0x9e3779b1) ^ sid) & mask;
    while (this.ops[slot] !== -1) slot = (slot + 1) & mask;
    this.ops[slot] = op;
    this.sids[slot] = sid;
    this.results[slot] = result;
  }

  private resize(): void {
    const { ops, sids, results } = this;
    this.ops = new Int32Array(ops.length * 2).fill(-1);
    this.sids = new Int32Array(ops.length * 2);
    this.results = new Int32Array(ops.length * 2);
    for (let i = 0; i < ops.length; i++) if (ops[i] !== -1) this.insert(ops[i]!, sids[i]!, results[i]!);
  }
}

/** A resumable linearizability search over one partition. */
export class LinearizationSearch<S, I, O> {
  private readonly n: number;
  private readonly m: number;
  private readonly entryOp: Int32Array;
  private readonly entryIsCall: Uint8Array;
  private readonly callEntry: Int32Array;
  private readonly returnEntry: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly inputs: I[];
  private readonly outputs: (O | undefined)[];
  private readonly bits: Uint32Array;
  private readonly zobrist: Int32Array;
  private readonly cache: StateCache;
  private readonly stackOp: Int32Array;
  private readonly stackSid: Int32Array;
  private readonly stackChoice: Int32Array;
  private readonly stackSuccessors: (Int32Array | undefined)[];
  private readonly twin: Int32Array;
  /** 1 for completed ops the model says never change the state (linearized greedily, see Model.readOnly). */
  private readonly readOnly: Uint8Array;
  private readonly stackGreedy: Uint8Array;
  /** 1 for ops accepted only in states whose hash is `guardHash[op]` (see Model.acceptedStateHash). */
  private readonly guarded: Uint8Array;
  private readonly guardHash: Int32Array;
  // Interned states and memoised transitions.
  private readonly states: S[] = [];
  private readonly stateKeys: number[] = [];
  private internSlots = new Int32Array(64).fill(-1);
  private internKeys = new Int32Array(32);
  private readonly transitions: Int32Array[];
  private memoTable: TransitionMemo | undefined;
  private memoLookups = 0;
  private memoHits = 0;
  private get memo(): TransitionMemo {
    return (this.memoTable ??= new TransitionMemo());
  }
  // Search registers, saved between `run` calls.
  private sid: number;
  private depth = 0;
  private setHash = 0;
  private remaining: number;
  private entry: number;
  private resume = 0;
  private finished: SearchOutcome<S> | undefined;
  /** Loop iterations so far. */
  steps = 0;
  // Diagnostics: the latest return entry any branch got stuck at, and the deepest stack seen there.
  private stuckEntry = -1;
  private stuckDepth = -1;
  // Snapshots of the stack there, copied into preallocated arrays (a backtrack may note one every time).
  private readonly stuckOps: Int32Array;
  private readonly stuckSids: Int32Array;

  constructor(
    ops: History<I, O>,
    private readonly model: Model<S, I, O>,
    init: S,
    maxCacheBytes: number,
  ) {
    const n = ops.length;
    this.n = n;
    // Entries: op*2 for a call, op*2+1 for a return, in time order (see timeOrderedEntries).
    const encoded = timeOrderedEntries(ops);
    const returns = encoded.length - n;
    const m = encoded.length;
    this.m = m;
    this.entryOp = new Int32Array(m);
    this.entryIsCall = new Uint8Array(m);
    this.callEntry = new Int32Array(n);
    this.returnEntry = new Int32Array(n).fill(-1);
    for (let e = 0; e < m; e++) {
      const code = encoded[e]!;
      const op = code >> 1;
      this.entryOp[e] = op;
      if ((code & 1) === 0) {
        this.entryIsCall[e] = 1;
        this.callEntry[op] = e;
      } else {
        this.returnEntry[op] = e;
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
    this.inputs = ops.map((o) => o.input);
    this.outputs = ops.map((o) => o.output);
    const words = (n + 31) >>> 5;
    this.bits = new Uint32Array(words);
    this.zobrist = zobristKeys(n);
    // Sized to the history: a successful search adds an entry per op, and usually not many more.
    this.cache = new StateCache(words, maxCacheBytes, 2 * n);
    this.stackOp = new Int32Array(n);
    this.stackSid = new Int32Array(n);
    this.stackChoice = new Int32Array(model.stepAll ? n : 0);
    this.stackSuccessors = model.stepAll ? new Array<Int32Array | undefined>(n) : [];
    // Every op shares one empty table until its first transition is memoised (n small allocations saved).
    this.transitions = new Array<Int32Array>(n).fill(NO_TRANSITIONS);
    this.stuckOps = new Int32Array(n);
    this.stuckSids = new Int32Array(n + 1);
    this.twin = twinPredecessors(ops);
    this.readOnly = new Uint8Array(n);
    if (model.readOnly !== undefined && model.stepAll === undefined) {
      for (let i = 0; i < n; i++) if (ops[i]!.return !== Infinity && model.readOnly(ops[i]!.input, ops[i]!.output)) this.readOnly[i] = 1;
    }
    this.stackGreedy = new Uint8Array(n);
    this.guarded = new Uint8Array(n);
    this.guardHash = new Int32Array(n);
    if (model.acceptedStateHash !== undefined && model.stepAll === undefined) {
      for (let i = 0; i < n; i++) {
        const required = model.acceptedStateHash(ops[i]!.input, ops[i]!.output);
        if (required === undefined) continue;
        this.guarded[i] = 1;
        this.guardHash[i] = required | 0;
      }
    }
    this.sid = this.intern(init);
    this.remaining = returns;
    this.entry = this.next[m]!;
    if (returns === 0) this.finished = { verdict: "linearizable", linearization: [], steps: 0, cacheEntries: 0 };
  }

  /** The outcome once `run` has returned true. */
  get outcome(): SearchOutcome<S> | undefined {
    return this.finished;
  }

  /** Number of distinct model states met. */
  get stateCount(): number {
    return this.states.length;
  }

  private intern(state: S): number {
    const key = this.model.hash(state) | 0;
    let mask = this.internSlots.length - 1;
    let slot = mix32(key) & mask;
    for (;;) {
      const id = this.internSlots[slot]!;
      if (id === -1) break;
      if (this.internKeys[id] === key && this.model.equal(this.states[id]!, state)) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.states.length;
    this.states.push(state);
    if (id >= this.internKeys.length) {
      const keys = new Int32Array(this.internKeys.length * 2);
      keys.set(this.internKeys);
      this.internKeys = keys;
    }
    this.internKeys[id] = key;
    this.stateKeys.push(mix32(Math.imul(id + 1, 0x9e3779b1)));
    this.internSlots[slot] = id;
    if ((id + 1) * 2 > this.internSlots.length) {
      const slots = new Int32Array(this.internSlots.length * 2).fill(-1);
      mask = slots.length - 1;
      for (let i = 0; i <= id; i++) {
        let t = mix32(this.internKeys[i]!) & mask;
        while (slots[t] !== -1) t = (t + 1) & mask;
        slots[t] = i;
      }
      this.internSlots = slots;
    }
    return id;
  }

  /** The deterministic transition of `op` from state `sid`, memoised (dense for the first states, hashed after). */
  private transition(op: number, sid: number): number {
    const hashed = sid >= DENSE_STATES && this.memoLookups >= 0;
    if (hashed) {
      const memo = this.memo.get(op, sid);
      if (++this.memoLookups === MEMO_PROBATION && this.memoHits * 4 < MEMO_PROBATION * 3) {
        // Models whose (op, state) pairs rarely repeat (appends) gain nothing from the hashed memo: switch it off.
        this.memoLookups = -1;
        this.memoTable = undefined;
      }
      if (memo !== UNKNOWN) {
        this.memoHits++;
        return memo;
      }
    }
    const state = this.states[sid]!;
    const next = this.model.step(state, this.inputs[op]!, this.outputs[op]);
    // Reads return the very state they were given: no need to intern it again.
    const result = next === undefined ? IMPOSSIBLE : next === state ? sid : this.intern(next);
    if (sid < DENSE_STATES) {
      let table = this.transitions[op]!;
      if (table.length === 0) this.transitions[op] = table = new Int32Array(DENSE_STATES).fill(UNKNOWN);
      table[sid] = result;
    } else if (hashed && this.memoLookups >= 0) {
      this.memo.set(op, sid, result);
    }
    return result;
  }

  private successors(op: number, sid: number): Int32Array {
    const list = this.model.stepAll!(this.states[sid]!, this.inputs[op]!, this.outputs[op]);
    return Int32Array.from(list, (s) => this.intern(s));
  }

  private steps_(depth: number, lastSid: number, ops: ArrayLike<number>, sids: ArrayLike<number>): LinearizationStep<S>[] {
    const out: LinearizationStep<S>[] = [];
    for (let d = 0; d < depth; d++) out.push({ op: ops[d]!, stateAfter: this.states[d + 1 < depth ? sids[d + 1]! : lastSid]! });
    return out;
  }

  /**
   * Runs at most about `budget` loop iterations; returns true when the search has finished (see `outcome`).
   */
  run(budget: number): boolean {
    if (this.finished !== undefined) return true;
    try {
      const ending = this.loop(budget);
      if (ending === OUT_OF_BUDGET) return false;
      if (ending === LINEARIZED) this.succeed();
      else this.fail();
      return true;
    } catch (error) {
      if (error instanceof CacheFullError) {
        this.finished = { verdict: "unknown", reason: error.message, steps: this.steps, cacheEntries: this.cache.size };
        return true;
      }
      throw error;
    }
  }

  /** Gives up: the outcome becomes `unknown` with this reason. */
  abandon(reason: string): void {
    this.finished ??= { verdict: "unknown", reason, steps: this.steps, cacheEntries: this.cache.size };
  }

  private save(sid: number, depth: number, setHash: number, remaining: number, entry: number, resume: number, steps: number): void {
    this.sid = sid;
    this.depth = depth;
    this.setHash = setHash;
    this.remaining = remaining;
    this.entry = entry;
    this.resume = resume;
    this.steps += steps;
  }

  /** Records the deepest configuration stuck at the latest return entry (for the failure report). */
  private noteStuck(entry: number, depth: number, sid: number): void {
    this.stuckEntry = entry;
    this.stuckDepth = depth;
    this.stuckOps.set(this.stackOp.subarray(0, depth));
    this.stuckSids.set(this.stackSid.subarray(0, depth));
    this.stuckSids[depth] = sid;
  }

  private succeed(): void {
    this.finished = {
      verdict: "linearizable",
      linearization: this.steps_(this.depth, this.sid, this.stackOp, this.stackSid),
      steps: this.steps,
      cacheEntries: this.cache.size,
    };
  }

  private fail(): void {
    const depthStuck = Math.max(0, this.stuckDepth);
    const stuckOp = this.stuckEntry >= 0 && this.stuckEntry < this.m ? this.entryOp[this.stuckEntry]! : -1;
    this.finished = {
      verdict: "not-linearizable",
      failure: {
        stuckOp,
        longestPrefix: this.steps_(depthStuck, this.stuckSids[depthStuck]!, this.stuckOps, this.stuckSids),
      },
      steps: this.steps,
      cacheEntries: this.cache.size,
    };
  }

  /** Searches for at most `budget` iterations; returns how it ended (OUT_OF_BUDGET, LINEARIZED, EXHAUSTED). */
  private loop(budget: number): number {
    const { entryOp, entryIsCall, callEntry, returnEntry, next, prev, bits, zobrist, cache, stackOp, stackSid, transitions, stateKeys, twin, readOnly, stackGreedy, guarded, guardHash } = this;
    const HEAD = this.m;
    const nondeterministic = this.model.stepAll !== undefined;
    let { sid, depth, setHash, remaining, entry, resume } = this;
    // Registers stay plain locals (no closure over them, which would move them to the heap); `save` stores them.
    let steps = 0;
    // How the loop ended; every exit goes through the one `save` after it (one call site: no late deopts).
    let ending = OUT_OF_BUDGET;
    for (;;) {
      if (++steps > budget) break;
      if (entry >= 0 && entryIsCall[entry] === 1) {
        const op = entryOp[entry]!;
        const t = twin[op]!;
        const word = op >>> 5;
        const bit = 1 << (op & 31);
        const h = setHash ^ zobrist[op]!;
        let pushed = false;
        if (t !== -1 && (bits[t >>> 5]! & (1 << (t & 31))) === 0) {
          // Its twin goes first: skip it (through the one "not pushed" exit below, to share its type feedback).
        } else if (!nondeterministic) {
          const table = transitions[op]!;
          let nsid = sid < table.length ? table[sid]! : UNKNOWN;
          if (nsid === UNKNOWN) {
            // A read of a definite value fails in every state of another hash: no need to ask the model.
            nsid = guarded[op] === 1 && this.internKeys[sid] !== guardHash[op] ? IMPOSSIBLE : this.transition(op, sid);
          }
          if (nsid !== IMPOSSIBLE) {
            bits[word]! |= bit;
            if (cache.add(bits, h ^ stateKeys[nsid]!, nsid)) {
              stackOp[depth] = op;
              stackSid[depth] = sid;
              stackGreedy[depth] = readOnly[op]!;
              depth++;
              sid = nsid;
              setHash = h;
              pushed = true;
            } else {
              bits[word]! &= ~bit;
            }
          }
        } else {
          const successors = this.successors(op, sid);
          bits[word]! |= bit;
          for (let k = resume; k < successors.length; k++) {
            const nsid = successors[k]!;
            if (cache.add(bits, h ^ stateKeys[nsid]!, nsid)) {
              stackOp[depth] = op;
              stackSid[depth] = sid;
              this.stackSuccessors[depth] = successors;
              this.stackChoice[depth] = k;
              depth++;
              sid = nsid;
              setHash = h;
              pushed = true;
              break;
            }
          }
          if (!pushed) bits[word]! &= ~bit;
          resume = 0;
        }
        if (!pushed) {
          entry = next[entry]!;
          continue;
        }
        // Lift the op's call and return entries out of the list.
        const c = callEntry[op]!;
        let p = prev[c]!;
        let nx = next[c]!;
        next[p] = nx;
        if (nx !== -1) prev[nx] = p;
        const r = returnEntry[op]!;
        if (r !== -1) {
          p = prev[r]!;
          nx = next[r]!;
          next[p] = nx;
          if (nx !== -1) prev[nx] = p;
          if (--remaining === 0) {
            ending = LINEARIZED;
            break;
          }
        }
        entry = next[HEAD]!;
        continue;
      }
      // A return entry: the op it closes was not linearized in time, so undo the last choice.
      if (entry > this.stuckEntry || (entry === this.stuckEntry && depth > this.stuckDepth)) this.noteStuck(entry, depth, sid);
      if (depth === 0) {
        ending = EXHAUSTED;
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
      if (stackGreedy[depth] === 1) {
        // A read linearized as soon as it was enabled: if nothing worked after it, nothing works without it.
        entry = MUST_BACKTRACK;
        continue;
      }
      if (nondeterministic) {
        const successors = this.stackSuccessors[depth]!;
        this.stackSuccessors[depth] = undefined;
        const choice = this.stackChoice[depth]!;
        if (choice + 1 < successors.length) {
          entry = c;
          resume = choice + 1;
          continue;
        }
      }
      entry = next[c]!;
    }
    this.save(sid, depth, setHash, remaining, entry, resume, steps);
    return ending;
  }
}
