/** The model encoding of the WebAssembly fast path (OpEncoder in ../../fast/encode.ts). */
import { alloc, ints, ld, st } from "./memory";
import { newTexts, newTriples, Texts, Triples } from "./tables";
import { dead, events, fNames, keys, NEVER_RETURNED, NIL, NIL_VALUE, NONE, opF, opIn, opKey, opOut, opRet, ops, PAIR_VALUE, src, time, values } from "./reader";

// Op kinds of the models.
const K_NONE: i32 = -1;
const K_READ: i32 = 1;
const K_WRITE: i32 = 3;
const K_CAS: i32 = 4;
const K_APPEND: i32 = 5;
// Guards and results.
export const ANY: i32 = -1;
const NO_STATE: i32 = -2;
export const SAME: i32 = -1;
const APPENDED: i32 = -2;

/** True when the name with id `f` is `s`. */
function nameIs(f: i32, s: string): bool {
  const n = ld(fNames.len, f);
  if (n != s.length) return false;
  const p = <usize>ld(fNames.ptr, f);
  for (let i = 0; i < n; i++) if (<i32>load<u8>(p + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

/** The op kind of function `f` in the model (`REGISTER_F` / `KV_F` in encode.ts). */
function kindOf(f: i32, kv: bool): i32 {
  if (nameIs(f, "read")) return K_READ;
  if (nameIs(f, "write")) return K_WRITE;
  if (kv) {
    if (nameIs(f, "get")) return K_READ;
    if (nameIs(f, "put")) return K_WRITE;
    if (nameIs(f, "append")) return K_APPEND;
  } else if (nameIs(f, "cas")) return K_CAS;
  return K_NONE;
}

// The encoded history (EncodedHistory in encode.ts).
export let live: i32 = 0;
export let parts: i32 = 0;
export let guard: usize = 0;
export let result: usize = 0;
export let arg: usize = 0;
export let greedy: usize = 0;
export let twin: usize = 0;
let part: usize = 0;
export let sizes: usize = 0;
export let returns: usize = 0;
export let entryOp: usize = 0;
export let entryIsCall: usize = 0;
export let callEntry: usize = 0;
export let returnEntry: usize = 0;
export let next: usize = 0;
export let prev: usize = 0;
/** Kv states: texts (id 0 is ""), the text id of each value (-1: not looked up, -2: a pair), appends memoised. */
export let texts!: Texts;
let textOfValue: usize = 0;
export let appended!: Triples;

/** The kv text id of value `v` (`asText`), or NONE for a pair. */
function textOf(v: i32): i32 {
  let id = ld(textOfValue, v);
  if (id != -1) return id == -2 ? NONE : id;
  const tag = ld(values.a, v);
  if (tag == PAIR_VALUE) {
    st(textOfValue, v, -2);
    return NONE;
  }
  id = texts.id(src + <usize>ld(values.data, v), tag == NIL_VALUE ? 0 : ld(values.data2, v));
  st(textOfValue, v, id);
  return id;
}

/** Counts a live op of partition `p`. */
function count(op: i32, p: i32): void {
  st(part, op, p);
  st(sizes, p, ld(sizes, p) + 1);
  if (ld(opRet, op) != NEVER_RETURNED) st(returns, p, ld(returns, p) + 1);
  live++;
}

/** The live ops as cas-register ops over value ids; false for an op the model does not define. */
function encodeRegister(kinds: usize): bool {
  for (let op = 0; op < ops; op++) {
    if (ld(dead, op) == 1) continue;
    const k = ld(kinds, ld(opF, op));
    const input = ld(opIn, op);
    const output = ld(opOut, op);
    if (k == K_READ) {
      // A read of unknown outcome never takes effect; a completed one is linearized greedily.
      st(guard, op, output == NONE ? NO_STATE : output);
      st(greedy, op, output == NONE ? 0 : 1);
    } else if (k == K_WRITE) {
      st(guard, op, ANY);
      st(result, op, input);
    } else if (k == K_CAS && ld(values.a, input) == PAIR_VALUE) {
      st(guard, op, ld(values.b, input));
      st(result, op, ld(values.c, input));
    } else {
      return false;
    }
    count(op, 0);
  }
  return true;
}

/** The live ops as kv ops over interned texts, partitioned by key; false for an op the model does not define. */
function encodeKv(kinds: usize): bool {
  for (let op = 0; op < ops; op++) {
    if (ld(dead, op) == 1) continue;
    const k = ld(kinds, ld(opF, op));
    const key = ld(opKey, op);
    if (k == K_NONE || key == NONE) return false;
    const output = ld(opOut, op);
    if (k == K_READ) {
      // A get of unknown outcome never takes effect; a completed one is linearized greedily, and one that
      // observed nil observed nothing (any state).
      const observed = output == NONE ? NONE : textOf(output);
      if (output != NONE && observed == NONE) return false;
      st(guard, op, output == NONE ? NO_STATE : output == NIL ? ANY : observed);
      st(greedy, op, output == NONE ? 0 : 1);
    } else {
      const t = textOf(ld(opIn, op));
      if (t == NONE) return false;
      st(guard, op, ANY);
      st(result, op, k == K_WRITE ? t : APPENDED);
      st(arg, op, t);
    }
    count(op, key);
  }
  return true;
}

/** Twins (`twinPredecessors`): each live op chained to the nearest earlier alike op that returned no later. */
function linkTwins(): void {
  const alike = newTriples(ops);
  const previousAlike = ints(ops, NONE);
  for (let op = 0; op < ops; op++) {
    if (ld(dead, op) == 1) continue;
    // (f, key) in one i32: both ids are below 2^15 when `maxEvents` is (checked by `check`).
    const e = alike.find((ld(opF, op) << 16) | (ld(opKey, op) + 1), ld(opIn, op), ld(opOut, op));
    let before = NONE;
    if (e >= 0) {
      before = ld(alike.data, e);
      st(alike.data, e, op);
    } else {
      alike.add((ld(opF, op) << 16) | (ld(opKey, op) + 1), ld(opIn, op), ld(opOut, op), op);
    }
    st(previousAlike, op, before);
    while (before != NONE && ld(opRet, before) > ld(opRet, op)) before = ld(previousAlike, before);
    st(twin, op, before);
  }
}

/** The entries of live ops in time order, each appended to its partition's list (heads at time + p). */
function linkEntries(): void {
  const lastOfPart = ints(parts, 0);
  for (let p = 0; p < parts; p++) st(lastOfPart, p, time + p);
  let m = 0;
  for (let t = 0; t < time; t++) {
    const code = ld(events, t);
    if (code < 0) continue;
    const op = code >> 1;
    if (ld(dead, op) == 1) continue;
    const e = m++;
    st(entryOp, e, op);
    const isCall = (code & 1) == 0;
    store<u8>(entryIsCall + <usize>e, isCall ? 1 : 0);
    if (isCall) st(callEntry, op, e);
    else st(returnEntry, op, e);
    const p = ld(part, op);
    const before = ld(lastOfPart, p);
    st(next, before, e);
    st(prev, e, before);
    st(lastOfPart, p, e);
  }
}

/** Encodes the ops read for `cas-register` (`kv` false) or kv: false when the model does not define one of them. */
export function encodeHistory(kv: bool): bool {
  live = 0;
  const kinds = ints(fNames.count, 0);
  for (let f = 0; f < fNames.count; f++) st(kinds, f, kindOf(f, kv));
  parts = kv ? keys.count + 1 : 1;
  guard = ints(ops, NO_STATE);
  result = ints(ops, SAME);
  arg = ints(ops, 0);
  greedy = ints(ops, 0);
  twin = ints(ops, NONE);
  part = ints(ops, 0);
  sizes = ints(parts, 0);
  returns = ints(parts, 0);
  textOfValue = ints(values.count, -1);
  texts = newTexts(64);
  texts.id(src, 0); // "" is text 0, every key's initial value
  appended = newTriples(64);
  if (!(kv ? encodeKv(kinds) : encodeRegister(kinds))) return false;
  linkTwins();
  entryOp = ints(time, 0);
  entryIsCall = alloc(<usize>max(time, 1));
  memory.fill(entryIsCall, 0, <usize>max(time, 1));
  callEntry = ints(ops, NONE);
  returnEntry = ints(ops, NONE);
  next = ints(time + parts, NONE);
  prev = ints(time + parts, NONE);
  linkEntries();
  return true;
}
