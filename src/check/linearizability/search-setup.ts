/**
 * What the search computes once per partition before it starts: the time order of call and return entries,
 * Zobrist keys, and the symmetry reduction's twins. Kept cheap: on ordinary histories of ~1,500 ops these fixed
 * costs, not the search itself, are most of the check.
 */
import type { History } from "./types.js";
import { hashString, mix32 } from "./values.js";

/** Insertion sort is abandoned for the general sort past this many element moves per return entry. */
const MAX_SHIFTS_PER_RETURN = 8;

/**
 * The entries of `ops` in time order: `op * 2` for a call, `op * 2 + 1` for a return (ops that never returned
 * have none); by time, calls before returns at equal times (ops that touch at an instant count as concurrent),
 * then by op index. When the ops come in call order (as partitions do) calls need no sorting and returns are
 * nearly sorted: an insertion sort on typed arrays, merged with the calls, replaces a comparison sort.
 */
export function timeOrderedEntries<I, O>(ops: History<I, O>): Int32Array {
  const n = ops.length;
  const calls = new Float64Array(n);
  let callOrdered = true;
  let returnCount = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    calls[i] = op.call;
    if (i > 0 && !(calls[i - 1]! <= op.call)) callOrdered = false;
    if (op.return !== Infinity) returnCount++;
  }
  if (!callOrdered) return sortedEntries(ops);
  const returning = new Int32Array(returnCount);
  const returnTimes = new Float64Array(returnCount);
  let shiftBudget = MAX_SHIFTS_PER_RETURN * returnCount + 64;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const t = ops[i]!.return;
    if (t === Infinity) continue;
    // Insert op i (the largest index so far) after every return at or before t.
    let j = r;
    while (j > 0 && returnTimes[j - 1]! > t) {
      returnTimes[j] = returnTimes[j - 1]!;
      returning[j] = returning[j - 1]!;
      j--;
    }
    shiftBudget -= r - j;
    if (shiftBudget < 0) return sortedEntries(ops);
    returnTimes[j] = t;
    returning[j] = i;
    r++;
  }
  const entries = new Int32Array(n + returnCount);
  let c = 0;
  r = 0;
  for (let e = 0; e < entries.length; e++) {
    if (c < n && (r === returnCount || calls[c]! <= returnTimes[r]!)) entries[e] = c++ * 2;
    else entries[e] = returning[r++]! * 2 + 1;
  }
  return entries;
}

/** The same order by a comparison sort, for ops in any order. */
function sortedEntries<I, O>(ops: History<I, O>): Int32Array {
  const encoded: number[] = [];
  for (let i = 0; i < ops.length; i++) {
    encoded.push(i * 2);
    if (ops[i]!.return !== Infinity) encoded.push(i * 2 + 1);
  }
  const timeOf = (e: number): number => ((e & 1) === 0 ? ops[e >> 1]!.call : ops[e >> 1]!.return);
  encoded.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);
  return Int32Array.from(encoded);
}

/** Deterministic per-op Zobrist keys (xorshift32 from a fixed seed: results never depend on chance). */
export function zobristKeys(n: number): Int32Array {
  const keys = new Int32Array(n);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = mix32(x + i);
  }
  return keys;
}

/**
 * A structural hash of plain data (object keys in any order), consistent with `sameValue` within one use of
 * `strings`: each distinct string is numbered in the order met, and hashed by its number. A native map lookup
 * replaces a loop over the string's characters, which runs unoptimized on the first histories a process checks
 * (histories repeat a few strings — field names, op names, keys — thousands of times).
 */
function structuralHash(v: unknown, strings: Map<string, number>): number {
  switch (typeof v) {
    case "string": {
      let h = strings.get(v);
      if (h === undefined) strings.set(v, (h = mix32(strings.size + 0x165667b1)));
      return h;
    }
    case "number":
      return (v | 0) === v ? mix32(v ^ 0x27d4eb2d) : hashString(String(v));
    case "bigint":
      return hashString(`${v}n`);
    case "boolean":
      return v ? 0x1b873593 : 0x5e2d58d8;
    case "object": {
      if (v === null) return 0x2f1c3b5d;
      if (Array.isArray(v)) {
        let h = 0x6a09e667 ^ v.length;
        for (let i = 0; i < v.length; i++) h = mix32(Math.imul(h, 31) + structuralHash(v[i], strings));
        return h;
      }
      // Summed per key, so the order of keys does not matter; other objects only equal themselves.
      if (Object.getPrototypeOf(v) !== Object.prototype) return 0x3c6ef372;
      let h = 0x510e527f;
      for (const key in v) h = (h + mix32(Math.imul(structuralHash(key, strings), 31) + structuralHash((v as Record<string, unknown>)[key], strings))) | 0;
      return h;
    }
    default:
      return 0x7f4a7c15;
  }
}

/** Equality of plain data: primitives by `===`, arrays and plain objects by content, anything else by identity. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (!Object.prototype.hasOwnProperty.call(y, key) || !sameValue(x[key], y[key])) return false;
    keys++;
  }
  for (const _ in y) keys--;
  return keys === 0;
}

/** Ops are grouped by hash with the op index in the low bits of one float: 2^21 ops at most (else no twins). */
const INDEX_BITS = 2 ** 21;

/**
 * Symmetry reduction: `twin[b] = a` when ops a and b have equal input and output, a was called no later and
 * returned no later than b. Any linearization with b before a stays valid with the two swapped, so the search
 * only linearizes b once a is linearized. -1 when b has no such predecessor.
 *
 * Ops are grouped by a structural hash (one native sort of floats, no strings built), then split into classes of
 * equal input and output by comparing them.
 */
export function twinPredecessors<I, O>(ops: History<I, O>): Int32Array {
  const n = ops.length;
  const twin = new Int32Array(n).fill(-1);
  if (n < 2 || n >= INDEX_BITS) return twin;
  const keys = new Float64Array(n);
  const strings = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    const h = mix32(Math.imul(structuralHash(op.input, strings), 31) + (op.output === undefined ? 0x61c88647 : structuralHash(op.output, strings)));
    keys[i] = (h >>> 0) * INDEX_BITS + i;
  }
  keys.sort();
  const group: number[] = [];
  const members: number[] = [];
  let start = 0;
  while (start < n) {
    const hash = Math.floor(keys[start]! / INDEX_BITS);
    let end = start + 1;
    while (end < n && Math.floor(keys[end]! / INDEX_BITS) === hash) end++;
    if (end - start >= 2) {
      group.length = 0;
      for (let g = start; g < end; g++) group.push(keys[g]! - hash * INDEX_BITS);
      // Split the group into classes of equal input and output (usually one).
      while (group.length >= 2) {
        const first = ops[group[0]!]!;
        members.length = 0;
        let rest = 0;
        for (const i of group) {
          const op = ops[i]!;
          if (sameValue(op.input, first.input) && sameValue(op.output, first.output)) members.push(i);
          else group[rest++] = i;
        }
        group.length = rest;
        chainTwins(ops, members, twin);
      }
    }
    start = end;
  }
  return twin;
}

/** Chains each member of a class to the nearest earlier member (by call, return, index) that returned no later. */
function chainTwins<I, O>(ops: History<I, O>, members: number[], twin: Int32Array): void {
  if (members.length < 2) return;
  const before = (a: number, b: number): number => ops[a]!.call - ops[b]!.call || ops[a]!.return - ops[b]!.return || a - b;
  // Members arrive in index order, which is call order for a partition: sort only when it is not.
  for (let j = 1; j < members.length; j++) {
    if (before(members[j - 1]!, members[j]!) > 0) {
      members.sort(before);
      break;
    }
  }
  for (let j = 1; j < members.length; j++) {
    const b = members[j]!;
    for (let k = j - 1; k >= 0; k--) {
      const a = members[k]!;
      if (ops[a]!.return <= ops[b]!.return) {
        twin[b] = a;
        break;
      }
    }
  }
}
