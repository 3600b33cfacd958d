/** The search of the WebAssembly fast path (FastSearch in ../../fast/search.ts). */
import { alloc, copied, giveBack, ints, ld, mix32, st } from "./memory";
import { ops, time } from "./reader";
import { ANY, appended, arg, callEntry, entryIsCall, entryOp, greedy, guard, live, next, parts, prev, result, returnEntry, returns, SAME, sizes, texts, twin } from "./encode";

/** The memo cache: (linearized-ops bitset, state id) pairs; traps past its byte budget. */
let words: i32 = 0;
let cacheSlots: usize = 0;
let cacheMask: i32 = 0;
let cacheKeys: usize = 0;
let cacheSids: usize = 0;
let cacheArena: usize = 0;
let cacheSize: i32 = 0;
let cacheCapacity: i32 = 0;
let cacheMaxBytes: i64 = 0;
const INITIAL_ARENA_BYTES: i64 = 1 << 20;

function cacheReset(expected: i32): void {
  // As StateCache's first size: up to `expected` entries, but a first arena of at most 1 MiB.
  let capacity = 16;
  while (capacity < expected && <i64>capacity * 2 * words * 4 <= INITIAL_ARENA_BYTES) capacity <<= 1;
  if (capacity > cacheCapacity) {
    cacheCapacity = capacity;
    // Keys, states and bitsets are written before they are read: not cleared.
    cacheKeys = alloc(<usize>capacity << 2);
    cacheSids = alloc(<usize>capacity << 2);
    cacheArena = alloc(<usize>capacity * words << 2);
    cacheSlots = ints(capacity * 2, -1);
    cacheMask = capacity * 2 - 1;
  } else {
    memory.fill(cacheSlots, 0xff, <usize>(cacheMask + 1) << 2);
  }
  cacheSize = 0;
}

/** Adds (bits, sid) unless present; true when added. `key` hashes both. */
function cacheAdd(bits: usize, key: i32, sid: i32): bool {
  let s = key & cacheMask;
  while (true) {
    const e = ld(cacheSlots, s);
    if (e < 0) break;
    if (ld(cacheKeys, e) == key && ld(cacheSids, e) == sid && memory.compare(cacheArena + (<usize>(e * words) << 2), bits, <usize>words << 2) == 0) return false;
    s = (s + 1) & cacheMask;
  }
  const e = cacheSize++;
  if (e == cacheCapacity) {
    const capacity = cacheCapacity * 2;
    if (<i64>capacity * <i64>(8 + 4 * words) + <i64>(cacheMask + 1) * 8 > cacheMaxBytes) unreachable();
    cacheKeys = copied(cacheKeys, cacheCapacity, capacity);
    cacheSids = copied(cacheSids, cacheCapacity, capacity);
    cacheArena = copied(cacheArena, cacheCapacity * words, capacity * words);
    cacheCapacity = capacity;
  }
  st(cacheKeys, e, key);
  st(cacheSids, e, sid);
  memory.copy(cacheArena + (<usize>(e * words) << 2), bits, <usize>words << 2);
  if (cacheSize * 2 > cacheMask + 1) {
    const size = (cacheMask + 1) * 2;
    const slots = ints(size, -1);
    const mask = size - 1;
    for (let i = 0; i < cacheSize; i++) {
      let t = ld(cacheKeys, i) & mask;
      while (ld(slots, t) >= 0) t = (t + 1) & mask;
      st(slots, t, i);
    }
    cacheSlots = slots;
    cacheMask = mask;
  } else {
    st(cacheSlots, s, e);
  }
  return true;
}

/** Bytes of the texts `append` has made for this file. */
let appendedBytes: i64 = 0;

/** The kv state after appending text `a` to state `sid` (TextStates.append in search.ts). */
function append(sid: i32, a: i32): i32 {
  const e = appended.find(sid, a, 0);
  if (e >= 0) return ld(appended.data, e);
  const n1 = ld(texts.len, sid);
  const n2 = ld(texts.len, a);
  // The texts appends make are held to the memo cache's budget too (a long chain of appends makes long texts).
  appendedBytes += <i64>(n1 + n2);
  if (appendedBytes > cacheMaxBytes) unreachable();
  const p = alloc(<usize>(n1 + n2));
  memory.copy(p, <usize>ld(texts.ptr, sid), n1);
  memory.copy(p + <usize>n1, <usize>ld(texts.ptr, a), n2);
  const count = texts.count;
  const next = texts.id(p, n1 + n2);
  // A text met before: its copy was the last allocation, and is given back.
  if (texts.count == count) giveBack(p);
  appended.find(sid, a, 0); // `texts.id` may have allocated, never touched `appended`: the slot is as found
  appended.add(sid, a, 0, next);
  return next;
}

const IMPOSSIBLE: i32 = -1;
const MUST_BACKTRACK: i32 = -2;
/** `searchHistory`'s answers besides 0 (`check` answers -1 when it declines before searching). */
export const EXHAUSTED: i32 = -2;
export const OUT_OF_STEPS: i32 = -3;

let stepsLeft: i32 = 0;

/** Searches partition `p` for a linearization: true when found; false when there is none or the steps ran out. */
function searchPartition(p: i32, bits: usize, zobrist: usize, stackOp: usize, stackSid: usize): i32 {
  const head = time + p;
  let entry = ld(next, head);
  let remaining = ld(returns, p);
  if (remaining == 0) return 0;
  let sid = 0;
  let depth = 0;
  let setHash = 0;
  // A successful search adds at least one entry per live op: sized for them (no growth on ordinary histories).
  cacheReset(ld(sizes, p));
  let steps = stepsLeft;
  while (true) {
    if (steps == 0) return OUT_OF_STEPS;
    steps--;
    if (entry >= 0 && load<u8>(entryIsCall + <usize>entry) == 1) {
      const op = ld(entryOp, entry);
      const t = ld(twin, op);
      const g = ld(guard, op);
      let nsid = IMPOSSIBLE;
      // A twin not yet linearized goes first: skip this one.
      if ((t == -1 || (ld(bits, t >>> 5) & (1 << (t & 31))) != 0) && (g == ANY || g == sid)) {
        const r = ld(result, op);
        nsid = r >= 0 ? r : r == SAME ? sid : append(sid, ld(arg, op));
      }
      const word = op >>> 5;
      const bit = 1 << (op & 31);
      const hash = setHash ^ ld(zobrist, op);
      let pushed = false;
      if (nsid != IMPOSSIBLE) {
        st(bits, word, ld(bits, word) | bit);
        pushed = cacheAdd(bits, hash ^ mix32((nsid + 1) * 0x9e3779b1), nsid);
        if (!pushed) st(bits, word, ld(bits, word) ^ bit);
      }
      if (!pushed) {
        entry = ld(next, entry);
        continue;
      }
      st(stackOp, depth, op);
      st(stackSid, depth, sid);
      depth++;
      sid = nsid;
      setHash = hash;
      // Lift the op's call and return entries out of the list.
      const c = ld(callEntry, op);
      let before = ld(prev, c);
      let after = ld(next, c);
      st(next, before, after);
      if (after != -1) st(prev, after, before);
      const r = ld(returnEntry, op);
      if (r != -1) {
        before = ld(prev, r);
        after = ld(next, r);
        st(next, before, after);
        if (after != -1) st(prev, after, before);
        if (--remaining == 0) {
          stepsLeft = steps;
          return 0;
        }
      }
      entry = ld(next, head);
      continue;
    }
    // A return entry (or a greedy read undone): the last choice must be undone.
    if (depth == 0) return EXHAUSTED;
    depth--;
    const op = ld(stackOp, depth);
    sid = ld(stackSid, depth);
    st(bits, op >>> 5, ld(bits, op >>> 5) & ~(1 << (op & 31)));
    setHash ^= ld(zobrist, op);
    const c = ld(callEntry, op);
    const r = ld(returnEntry, op);
    if (r != -1) {
      st(next, ld(prev, r), r);
      if (ld(next, r) != -1) st(prev, ld(next, r), r);
      remaining++;
    }
    st(next, ld(prev, c), c);
    if (ld(next, c) != -1) st(prev, ld(next, c), c);
    // A read linearized as soon as it was enabled: if nothing worked after it, nothing works without it.
    entry = ld(greedy, op) == 1 ? MUST_BACKTRACK : ld(next, c);
  }
}

/** Zobrist keys of `zobristKeys` (search-setup.ts). */
function zobristKeys(n: i32): usize {
  const keys = ints(n, 0);
  let x: i32 = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    st(keys, i, mix32(x + i));
  }
  return keys;
}

/**
 * Searches every partition for a linearization, in at most `maxSteps` steps in all: 0 when every partition has
 * one, else EXHAUSTED or OUT_OF_STEPS. Traps past `maxCacheBytes` of memo cache in a partition.
 */
export function searchHistory(maxSteps: i32, maxCacheBytes: i32): i32 {
  cacheMaxBytes = maxCacheBytes;
  cacheCapacity = 0;
  words = max((ops + 31) >>> 5, 1);
  const bits = ints(words, 0);
  const zobrist = zobristKeys(ops);
  const stackOp = ints(ops, 0);
  const stackSid = ints(ops, 0);
  stepsLeft = maxSteps;
  appendedBytes = 0;
  for (let p = 0; p < parts; p++) {
    const found = searchPartition(p, bits, zobrist, stackOp, stackSid);
    if (found < 0) return found;
  }
  return 0;
}
