/**
 * The reader of the WebAssembly fast path: the grammar of `OP` in ../../fast/encode.ts, byte by byte, into op
 * arrays (per op in call order) and events (per event in time order), with values, names, keys and processes
 * interned.
 */
import { alloc, ints, ld, st } from "./memory";
import { newTexts, newTriples, Texts, Triples } from "./tables";

/** The file's bytes, with a 0 after them (so that every look-ahead stops there). */
export let src: usize = 0;
let srcLen: i32 = 0;

// @ts-ignore: decorator
@inline function at(p: i32): i32 {
  return <i32>load<u8>(src + <usize>p);
}

/** The eight bytes at p (the text is followed by 16 zero bytes: a load never leaves it, and never matches there). */
// @ts-ignore: decorator
@inline function word(p: i32): u64 {
  return load<u64>(src + <usize>p);
}

// Literals as little-endian words: the bytes at p are the literal when (word & mask) == value.
const TYPE_W: u64 = 0x3a20657079743a7b; // "{:type :"
const INVOKE_W: u64 = 0x002c656b6f766e69; // "invoke,"
const OK_W: u64 = 0x00000000002c6b6f; // "ok,"
const FAIL_W: u64 = 0x0000002c6c696166; // "fail,"
const INFO_W: u64 = 0x0000002c6f666e69; // "info,"
const F_W: u64 = 0x0000003a20663a20; // " :f :"
const KEY_W: u64 = 0x222079656b3a202c; // ', :key "'
const VALUE_W: u64 = 0x65756c61763a202c; // ", :value" and " "
const PROCESS_W: u64 = 0x65636f72703a202c; // ", :proce" and "ss "
const PROCESS_REST: u64 = 0x207373;
const NEMESIS_W: u64 = 0x736973656d656e3a; // ":nemesis"
const TIME_W: u64 = 0x20656d69743a202c; // ", :time "
const INDEX_W: u64 = 0x7865646e693a202c; // ", :index" and " "
const ERROR_W: u64 = 0x726f7272653a202c; // ", :error" and " :"
const ERROR_REST: u64 = 0x3a20;
const NIL_W: u64 = 0x6c696e; // "nil"
const MASK2: u64 = 0xffff;
const MASK3: u64 = 0xffffff;
const MASK5: u64 = 0xffffffffff;
const MASK7: u64 = 0xffffffffffffff;

/** Past separators and comments: `(?:[ ,\t\r\n]|;[^\n]*)*`, a comment running to its line's end. */
function skipSep(p: i32): i32 {
  while (true) {
    const c = at(p);
    if (c == 32 || c == 44 || c == 9 || c == 13 || c == 10) p++;
    else if (c == 59) {
      p++;
      while (p < srcLen && at(p) != 10) p++;
    } else return p;
  }
}

// @ts-ignore: decorator
@inline function isDigit(c: i32): bool {
  return <u32>(c - 48) < 10;
}

// @ts-ignore: decorator
@inline function isNameStart(c: i32): bool {
  return <u32>((c | 32) - 97) < 26 || c == 95;
}

/** `[\w\-?!*+.<>=]`. */
// @ts-ignore: decorator
@inline function isNameChar(c: i32): bool {
  return isNameStart(c) || isDigit(c) || c == 45 || c == 63 || c == 33 || c == 42 || c == 43 || c == 46 || c == 60 || c == 62 || c == 61;
}

/** Past a name `[A-Za-z_][\w\-?!*+.<>=]*` at p ≥ 0, or -1. */
function name(p: i32): i32 {
  if (!isNameStart(at(p))) return -1;
  p++;
  while (isNameChar(at(p))) p++;
  return p;
}

/** The value of the integer `int` read last. */
let intValue: i64 = 0;

/** Past an integer `0|-?[1-9]\d{0,14}` at p ≥ 0 (an exact double in canonical form; `intValue` is set), or -1. */
function int(p: i32): i32 {
  let c = at(p);
  if (c == 48) {
    intValue = 0;
    return isDigit(at(p + 1)) ? -1 : p + 1;
  }
  const negative = c == 45;
  if (negative) c = at(++p);
  if (!isDigit(c) || c == 48) return -1;
  const start = p;
  let v: i64 = 0;
  while (isDigit(c)) {
    v = v * 10 + <i64>(c - 48);
    c = at(++p);
  }
  if (p - start > 15) return -1;
  intValue = negative ? -v : v;
  return p;
}

/** Past any integer `0|-?[1-9]\d*` at p ≥ 0, or -1. */
function anyInt(p: i32): i32 {
  if (at(p) == 48) return isDigit(at(p + 1)) ? -1 : p + 1;
  if (at(p) == 45) p++;
  if (!isDigit(at(p)) || at(p) == 48) return -1;
  while (isDigit(at(p))) p++;
  return p;
}

/** Past a string `"[^"\\\n]*"` whose opening quote is at p - 1, or -1; its content starts at p. */
function quotedFrom(p: i32): i32 {
  while (true) {
    const c = at(p);
    if (c == 34) return p + 1;
    if (c == 92 || c == 10 || p >= srcLen) return -1;
    p++;
  }
}

// Values: nil is 0; others are interned by (tag, payload), which is one-to-one with their text in the file.
export const NIL: i32 = 0;
export const NONE: i32 = -1;
export const NIL_VALUE: i32 = 0;
const INT_VALUE: i32 = 1;
const STRING_VALUE: i32 = 2;
export const PAIR_VALUE: i32 = 3;

/**
 * Value ids by (tag, x, y): an integer's (lo, hi), a string's (content id, 0), a pair's (first, second) — so a
 * pair's elements are `b` and `c`, its tag `a`; `data` and `data2` hold the kv text of ints and strings (where
 * in the file, how long).
 */
export let values!: Triples;
/** String contents → ids (the payload of a string value). */
let strings!: Texts;

/** The value id of (tag, x, y), interned; `textAt`/`textLen` its kv text. */
function valueId(tag: i32, x: i32, y: i32, textAt: i32, textLen: i32): i32 {
  const v = values.find(tag, x, y);
  if (v >= 0) return v;
  return values.add2(tag, x, y, textAt, textLen);
}

/** The value read last (`value`, `nilOrInt`). */
let lastValue: i32 = 0;

/** Past `nil` or an integer at p ≥ 0 (`lastValue` is its id), or -1. */
function nilOrInt(p: i32): i32 {
  if ((word(p) & MASK3) == NIL_W) {
    lastValue = NIL;
    return p + 3;
  }
  const q = int(p);
  if (q < 0) return -1;
  lastValue = valueId(INT_VALUE, <i32>intValue, <i32>(intValue >> 32), p, q - p);
  return q;
}

/**
 * Past a value `nil|INT|"..."|[(nil|INT) (nil|INT)]` at p ≥ 0 (`lastValue` is its id), or -1. Interned at once:
 * a line that then fails to match ends the reading at that line, and the file is declined (no tail follows).
 */
function value(p: i32): i32 {
  const c = at(p);
  if (c == 34) {
    const q = quotedFrom(p + 1);
    if (q < 0) return -1;
    const n = q - 2 - p;
    lastValue = valueId(STRING_VALUE, strings.id(src + <usize>(p + 1), n), 0, p + 1, n);
    return q;
  }
  if (c == 91) {
    let q = nilOrInt(p + 1);
    if (q < 0 || at(q) != 32) return -1;
    const first = lastValue;
    q = nilOrInt(q + 1);
    if (q < 0 || at(q) != 93) return -1;
    lastValue = valueId(PAIR_VALUE, first, lastValue, 0, 0);
    return q + 1;
  }
  return nilOrInt(p);
}

// The op maps read so far, per op in call order (op arrays) and per event (time).
export const NEVER_RETURNED: i32 = 0x7fffffff;
let maxEvents: i32 = 0;
export let ops: i32 = 0;
export let time: i32 = 0;
export let opF: usize = 0;
export let opKey: usize = 0;
export let opIn: usize = 0;
export let opOut: usize = 0;
export let opRet: usize = 0;
export let dead: usize = 0;
/** Per event: op * 2 for an invocation, op * 2 + 1 for an :ok completion, -1 for events without an entry. */
export let events: usize = 0;
/** Function names and keys → ids (a key's partition is its id + 1: partition 0 stays empty, as in encode.ts). */
export let fNames!: Texts;
export let keys!: Texts;
/** Process numbers → ids, and per process id the op it has pending (-1: none). */
let processes!: Triples;
let pending: usize = 0;

const TYPE_INVOKE: i32 = 0;
const TYPE_OK: i32 = 1;
const TYPE_FAIL: i32 = 2;
const TYPE_INFO: i32 = 3;

const READ_ON = 0;
const READ_DONE = 1;
const READ_DECLINED = 2;

/** Where the next op map may start. */
let pos: i32 = 0;

/**
 * Reads the op map at `pos` (the `OP` of encode.ts: its fields in that order, with those values) into the op
 * arrays: READ_ON (and `pos` moves past it), READ_DONE when none is there, READ_DECLINED.
 */
function readOp(): i32 {
  let p = skipSep(pos);
  if (word(p) != TYPE_W) return READ_DONE;
  p += 8;
  const w = word(p);
  let type = TYPE_INVOKE;
  if ((w & MASK7) == INVOKE_W) p += 7;
  else if ((w & MASK3) == OK_W) {
    type = TYPE_OK;
    p += 3;
  } else if ((w & MASK5) == FAIL_W) {
    type = TYPE_FAIL;
    p += 5;
  } else if ((w & MASK5) == INFO_W) {
    type = TYPE_INFO;
    p += 5;
  } else return READ_DONE;
  if ((word(p) & MASK5) != F_W) return READ_DONE;
  p += 5;
  const fStart = p;
  p = name(p);
  if (p < 0) return READ_DONE;
  const f = fNames.id(src + <usize>fStart, p - fStart);
  let key = NONE;
  if (word(p) == KEY_W) {
    const keyStart = p + 8;
    p = quotedFrom(keyStart);
    if (p < 0) return READ_DONE;
    key = keys.id(src + <usize>keyStart, p - 1 - keyStart) + 1;
  }
  if (word(p) != VALUE_W || at(p + 8) != 32) return READ_DONE;
  p = value(p + 9);
  if (p < 0) return READ_DONE;
  const v = lastValue;
  if (word(p) != PROCESS_W || (word(p + 8) & MASK3) != PROCESS_REST) return READ_DONE;
  p += 11;
  let nemesis = false;
  let process: i64 = 0;
  if (word(p) == NEMESIS_W) {
    p += 8;
    nemesis = true;
  } else {
    p = int(p);
    if (p < 0) return READ_DONE;
    process = intValue;
  }
  if (word(p) == TIME_W) {
    p = anyInt(p + 8);
    if (p < 0) return READ_DONE;
  }
  if (word(p) == INDEX_W && at(p + 8) == 32) {
    p = anyInt(p + 9);
    if (p < 0) return READ_DONE;
  }
  if (word(p) == ERROR_W && (word(p + 8) & MASK2) == ERROR_REST) {
    p = name(p + 10);
    if (p < 0) return READ_DONE;
  }
  if (at(p) != 125) return READ_DONE;
  pos = p + 1;
  if (nemesis) return READ_ON; // no client op, no event
  if (time >= maxEvents) unreachable(); // never: every op map has an opening brace
  const pid = processes.id(<i32>process, <i32>(process >> 32), 0);
  const open = ld(pending, pid);
  if (type == TYPE_INVOKE) {
    if (open != NONE) return READ_DECLINED;
    const op = ops++;
    st(opF, op, f);
    st(opKey, op, key);
    st(opIn, op, v);
    st(opOut, op, NONE);
    st(opRet, op, NEVER_RETURNED);
    st(dead, op, 0);
    st(pending, pid, op);
    st(events, time++, op * 2);
    return READ_ON;
  }
  if (open == NONE) {
    if (type != TYPE_INFO) return READ_DECLINED;
    st(events, time++, -1); // an :info without invocation carries no op, but is an event
    return READ_ON;
  }
  if (ld(opF, open) != f) return READ_DECLINED;
  st(pending, pid, NONE);
  const ok = type == TYPE_OK;
  // An :ok completion fills in the invocation's nil value and missing key.
  if (ok && ld(opIn, open) == NIL) st(opIn, open, v);
  if (ok && ld(opKey, open) == NONE) st(opKey, open, key);
  st(opOut, open, ok ? v : NONE);
  st(opRet, open, ok ? time : NEVER_RETURNED);
  st(dead, open, type == TYPE_FAIL ? 1 : 0); // a failed op did not happen
  st(events, time, ok ? open * 2 + 1 : -1);
  time++;
  return READ_ON;
}

/** Opening braces counted by `printable`: a bound on op maps, so on events. */
let braces: i32 = 0;

/**
 * True when the `length` bytes at `src` hold no 0 and no byte ≥ 0x80, eight at a time (`input` pads with zeros);
 * counts the opening braces into `braces`.
 */
function printable(length: i32): bool {
  const words = length >>> 3;
  const LOW7: u64 = 0x7f7f7f7f7f7f7f7f;
  const BRACES: u64 = 0x7b7b7b7b7b7b7b7b;
  let count = 0;
  for (let i = 0; i < words; i++) {
    const w = load<u64>(src + (<usize>i << 3));
    // A byte ≥ 0x80 has its top bit set; a zero byte is the one where subtracting 1 borrows into the top bit.
    if (((w | ((w - 0x0101010101010101) & ~w)) & 0x8080808080808080) != 0) return false;
    // Bytes equal to '{' are the zero bytes of x; their top bit, exactly, in z.
    const x = w ^ BRACES;
    const z = ~(((x & LOW7) + LOW7) | x | LOW7);
    count += <i32>popcnt(z);
  }
  for (let i = words << 3; i < length; i++) {
    const c = at(i);
    if (c == 0 || c >= 0x80) return false;
    if (c == 123) count++;
  }
  braces = count;
  return true;
}

/** Where the caller writes a file of `length` bytes: memory after it is zeroed for the look-aheads. */
export function prepareInput(length: i32): usize {
  // A 0 after the text stops every look-ahead; eight more bytes let word-sized loads run past its end.
  src = alloc(<usize>length + 16);
  memory.fill(src + <usize>length, 0, 16);
  srcLen = length;
  return src;
}

/** Reads the `length` bytes at `src` into the op arrays: false when the fast path must decline the file. */
export function readHistory(length: i32): bool {
  // Printable text only: no NUL, no byte of a multi-byte character (the decoder's and the general path's cases).
  if (!printable(length)) return false;
  // An op map has an opening brace; ids packed in 16 bits (twins) stay below 2^15.
  maxEvents = braces + 1;
  if (maxEvents >= 1 << 15) return false;
  ops = 0;
  time = 0;
  opF = ints(maxEvents, 0);
  opKey = ints(maxEvents, 0);
  opIn = ints(maxEvents, 0);
  opOut = ints(maxEvents, 0);
  opRet = ints(maxEvents, 0);
  dead = ints(maxEvents, 0);
  events = ints(maxEvents, 0);
  pending = ints(maxEvents, NONE);
  values = newTriples(256);
  valueId(NIL_VALUE, 0, 0, 0, 0);
  strings = newTexts(64);
  fNames = newTexts(16);
  keys = newTexts(16);
  processes = newTriples(64);
  // `HEAD`, op maps, `TAIL`.
  pos = skipSep(0);
  if (at(pos) != 91) return false;
  pos++;
  let answer = READ_ON;
  while (answer == READ_ON) answer = readOp();
  if (answer == READ_DECLINED) return false;
  const end = skipSep(pos);
  return at(end) == 93 && skipSep(end + 1) == length && ops > 0;
}
