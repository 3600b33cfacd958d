/**
 * The fast path of `../../fast/` (encode.ts + search.ts) in AssemblyScript, compiled to WebAssembly: a
 * one-op-per-line Jepsen EDN history, read from its bytes, encoded for `cas-register` or `kv` and searched with
 * the same Wing & Gong / Lowe search (memo cache, Zobrist hashing, greedy reads, twins). WebAssembly is compiled
 * by V8's baseline compiler (Liftoff) in well under a millisecond and runs fast from its first call, where the
 * JavaScript fast path runs in the interpreter until TurboFan has compiled it (45–55 ms of CPU in a fresh
 * process). Build: `npm run build:wasm` (writes ../module.generated.ts).
 *
 * It answers "linearizable, with n ops" (`check` returns n ≥ 0) or declines (a negative code) on anything
 * outside the narrow shape the JavaScript fast path accepts, on bytes that are not printable ASCII text, and on
 * any verdict but "linearizable"; the caller then runs the JavaScript paths. It means exactly what they mean on
 * what it accepts (test/properties/lin-fast-wasm.test.ts). No imports, no runtime: memory is handed out by a
 * bump allocator reset at every `input`; running out of it traps (the caller declines).
 */

// ---------------------------------------------------------------------------------------------------------
// Memory

let top: usize = 0;

/** `bytes` of memory, 8-aligned, not cleared; traps when memory cannot grow. */
function alloc(bytes: usize): usize {
  const p = (top + 7) & ~(<usize>7);
  const end = p + bytes;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const needed = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(max(needed, memory.size())) < 0 && memory.grow(needed) < 0) unreachable();
  }
  top = end;
  return p;
}

/** An array of `n` i32 set to `fill`. */
function ints(n: i32, fill: i32): usize {
  const p = alloc(<usize>max(n, 1) << 2);
  if (fill == 0) memory.fill(p, 0, <usize>max(n, 1) << 2);
  else for (let i = 0; i < n; i++) store<i32>(p + (<usize>i << 2), fill);
  return p;
}

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/** Abort (a failed assertion of the standard library): a trap, which the caller turns into "decline". */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
function trap(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

/** The finalizer of `mix32` in values.ts (murmur3's). */
// @ts-ignore: decorator
@inline function mix32(h: i32): i32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

// ---------------------------------------------------------------------------------------------------------
// Hash tables (open addressing, dense ids in insertion order)

/** Ids for triples of i32, with one i32 of data per id. */
@unmanaged class Triples {
  count: i32;
  capacity: i32;
  mask: i32;
  slots: usize;
  a: usize;
  b: usize;
  c: usize;
  data: usize;
  data2: usize;
  /** The slot `find` stopped at (where `add` puts a new triple). */
  slot: i32;

  @inline hash(a: i32, b: i32, c: i32): i32 {
    return mix32(mix32(mix32(a) ^ b) ^ c);
  }

  /** The id of (a, b, c), or -1 (then `add` may follow). */
  find(a: i32, b: i32, c: i32): i32 {
    const mask = this.mask;
    let s = this.hash(a, b, c) & mask;
    while (true) {
      const e = ld(this.slots, s);
      if (e < 0 || (ld(this.a, e) == a && ld(this.b, e) == b && ld(this.c, e) == c)) {
        this.slot = s;
        return e;
      }
      s = (s + 1) & mask;
    }
  }

  /** Adds (a, b, c), not present, right after a `find` of it; its id. */
  add(a: i32, b: i32, c: i32, data: i32): i32 {
    const e = this.count++;
    if (e == this.capacity) this.grow();
    st(this.a, e, a);
    st(this.b, e, b);
    st(this.c, e, c);
    st(this.data, e, data);
    if (this.count * 2 > this.mask + 1) this.rehash();
    else st(this.slots, this.slot, e);
    return e;
  }

  /** Adds (a, b, c) with two i32 of data, as `add`. */
  add2(a: i32, b: i32, c: i32, data: i32, data2: i32): i32 {
    const e = this.add(a, b, c, data);
    st(this.data2, e, data2);
    return e;
  }

  /** The id of (a, b, c), added if new. */
  @inline id(a: i32, b: i32, c: i32): i32 {
    const e = this.find(a, b, c);
    return e >= 0 ? e : this.add(a, b, c, 0);
  }

  grow(): void {
    const capacity = this.capacity * 2;
    this.a = copied(this.a, this.capacity, capacity);
    this.b = copied(this.b, this.capacity, capacity);
    this.c = copied(this.c, this.capacity, capacity);
    this.data = copied(this.data, this.capacity, capacity);
    this.data2 = copied(this.data2, this.capacity, capacity);
    this.capacity = capacity;
  }

  rehash(): void {
    const size = (this.mask + 1) * 2;
    const slots = ints(size, -1);
    const mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      let s = this.hash(ld(this.a, e), ld(this.b, e), ld(this.c, e)) & mask;
      while (ld(slots, s) >= 0) s = (s + 1) & mask;
      st(slots, s, e);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function newTriples(expected: i32): Triples {
  const t = changetype<Triples>(alloc(offsetof<Triples>()));
  let size = 16;
  while (size < expected * 2) size <<= 1;
  t.count = 0;
  t.capacity = size >> 1;
  t.mask = size - 1;
  t.slots = ints(size, -1);
  t.a = ints(t.capacity, 0);
  t.b = ints(t.capacity, 0);
  t.c = ints(t.capacity, 0);
  t.data = ints(t.capacity, 0);
  t.data2 = ints(t.capacity, 0);
  t.slot = 0;
  return t;
}

/** An array of `from` i32 copied into a new one of `to` (the rest not cleared: the callers write before reading). */
function copied(p: usize, from: i32, to: i32): usize {
  const q = alloc(<usize>to << 2);
  memory.copy(q, p, <usize>from << 2);
  return q;
}

/** Ids for byte strings (slices of memory, which must stay as they are), in insertion order. */
@unmanaged class Texts {
  /** Ids per (hash, length, first bytes): `Triples` finds candidates, `same` confirms. */
  count: i32;
  capacity: i32;
  mask: i32;
  slots: usize;
  ptr: usize;
  len: usize;
  hashes: usize;

  /** The id of the bytes at p..p+n, added if new. */
  id(p: usize, n: i32): i32 {
    const h = hashBytes(p, n);
    const mask = this.mask;
    let s = h & mask;
    while (true) {
      const e = ld(this.slots, s);
      if (e < 0) break;
      if (ld(this.hashes, e) == h && ld(this.len, e) == n && memory.compare(<usize>ld(this.ptr, e), p, n) == 0) return e;
      s = (s + 1) & mask;
    }
    const e = this.count++;
    if (e == this.capacity) {
      const capacity = this.capacity * 2;
      this.ptr = copied(this.ptr, this.capacity, capacity);
      this.len = copied(this.len, this.capacity, capacity);
      this.hashes = copied(this.hashes, this.capacity, capacity);
      this.capacity = capacity;
    }
    st(this.ptr, e, <i32>p);
    st(this.len, e, n);
    st(this.hashes, e, h);
    if (this.count * 2 > mask + 1) {
      const size = (mask + 1) * 2;
      const slots = ints(size, -1);
      for (let i = 0; i < this.count; i++) {
        let t = ld(this.hashes, i) & (size - 1);
        while (ld(slots, t) >= 0) t = (t + 1) & (size - 1);
        st(slots, t, i);
      }
      this.slots = slots;
      this.mask = size - 1;
    } else {
      st(this.slots, s, e);
    }
    return e;
  }
}

function newTexts(expected: i32): Texts {
  const t = changetype<Texts>(alloc(offsetof<Texts>()));
  let size = 16;
  while (size < expected * 2) size <<= 1;
  t.count = 0;
  t.capacity = size >> 1;
  t.mask = size - 1;
  t.slots = ints(size, -1);
  t.ptr = ints(t.capacity, 0);
  t.len = ints(t.capacity, 0);
  t.hashes = ints(t.capacity, 0);
  return t;
}

/** FNV-1a over bytes, finalized. */
function hashBytes(p: usize, n: i32): i32 {
  let h: i32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = (h ^ <i32>load<u8>(p + <usize>i)) * 0x01000193;
  return mix32(h);
}

// ---------------------------------------------------------------------------------------------------------
// Reading the text: the grammar of `OP` in encode.ts, byte by byte

/** The file's bytes, with a 0 after them (so that every look-ahead stops there). */
let src: usize = 0;
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
const MASK1: u64 = 0xff;
const MASK2: u64 = 0xffff;
const MASK3: u64 = 0xffffff;
const MASK4: u64 = 0xffffffff;
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
const NIL: i32 = 0;
const NONE: i32 = -1;
const NIL_VALUE: i32 = 0;
const INT_VALUE: i32 = 1;
const STRING_VALUE: i32 = 2;
const PAIR_VALUE: i32 = 3;

/**
 * Value ids by (tag, x, y): an integer's (lo, hi), a string's (content id, 0), a pair's (first, second) — so a
 * pair's elements are `b` and `c`, its tag `a`; `data` and `data2` hold the kv text of ints and strings (where
 * in the file, how long).
 */
let values!: Triples;
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
const NEVER_RETURNED: i32 = 0x7fffffff;
let maxEvents: i32 = 0;
let ops: i32 = 0;
let time: i32 = 0;
let opF: usize = 0;
let opKey: usize = 0;
let opIn: usize = 0;
let opOut: usize = 0;
let opRet: usize = 0;
let dead: usize = 0;
/** Per event: op * 2 for an invocation, op * 2 + 1 for an :ok completion, -1 for events without an entry. */
let events: usize = 0;
/** Function names and keys → ids (a key's partition is its id + 1: partition 0 stays empty, as in encode.ts). */
let fNames!: Texts;
let keys!: Texts;
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

// ---------------------------------------------------------------------------------------------------------
// Encoding for the model (OpEncoder in encode.ts)

// Op kinds of the models.
const K_NONE: i32 = -1;
const K_READ: i32 = 1;
const K_WRITE: i32 = 3;
const K_CAS: i32 = 4;
const K_APPEND: i32 = 5;
// Guards and results.
const ANY: i32 = -1;
const NO_STATE: i32 = -2;
const SAME: i32 = -1;
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
let live: i32 = 0;
let parts: i32 = 0;
let guard: usize = 0;
let result: usize = 0;
let arg: usize = 0;
let greedy: usize = 0;
let twin: usize = 0;
let part: usize = 0;
let sizes: usize = 0;
let returns: usize = 0;
let entryOp: usize = 0;
let entryIsCall: usize = 0;
let callEntry: usize = 0;
let returnEntry: usize = 0;
let next: usize = 0;
let prev: usize = 0;
/** Kv states: texts (id 0 is ""), the text id of each value (-1: not looked up, -2: a pair), appends memoised. */
let texts!: Texts;
let textOfValue: usize = 0;
let appended!: Triples;

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

// ---------------------------------------------------------------------------------------------------------
// The search (FastSearch in search.ts)

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
  if (texts.count == count) top = p;
  appended.find(sid, a, 0); // `texts.id` may have allocated, never touched `appended`: the slot is as found
  appended.add(sid, a, 0, next);
  return next;
}

const IMPOSSIBLE: i32 = -1;
const MUST_BACKTRACK: i32 = -2;
/** `check`'s answers besides an op count. */
const DECLINED: i32 = -1;
const EXHAUSTED: i32 = -2;
const OUT_OF_STEPS: i32 = -3;

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

// ---------------------------------------------------------------------------------------------------------
// Entry points

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

/** Resets memory and returns where the caller writes a file of `length` bytes (then calls `check`). */
export function input(length: i32): usize {
  top = __heap_base;
  cacheCapacity = 0;
  // A 0 after the text stops every look-ahead; eight more bytes let word-sized loads run past its end.
  src = alloc(<usize>length + 16);
  memory.fill(src + <usize>length, 0, 16);
  srcLen = length;
  return src;
}

/**
 * Checks the `length` bytes written at `input(length)`'s address against `cas-register` (`kv` 0) or kv (1):
 * the number of ops when it found a linearization in at most `maxSteps` steps, else a negative code (the
 * caller runs the JavaScript paths). Traps past `maxCacheBytes` of memo cache in one partition.
 */
export function check(length: i32, kv: i32, maxSteps: i32, maxCacheBytes: i32): i32 {
  // Printable text only: no NUL, no byte of a multi-byte character (the decoder's and the general path's cases).
  if (!printable(length)) return DECLINED;
  cacheMaxBytes = maxCacheBytes;
  // An op map has an opening brace; ids packed in 16 bits (twins) stay below 2^15.
  maxEvents = braces + 1;
  if (maxEvents >= 1 << 15) return DECLINED;
  ops = 0;
  time = 0;
  live = 0;
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
  if (at(pos) != 91) return DECLINED;
  pos++;
  let answer = READ_ON;
  while (answer == READ_ON) answer = readOp();
  if (answer == READ_DECLINED) return DECLINED;
  const end = skipSep(pos);
  if (at(end) != 93 || skipSep(end + 1) != length || ops == 0) return DECLINED;

  const kinds = ints(fNames.count, 0);
  for (let f = 0; f < fNames.count; f++) st(kinds, f, kindOf(f, kv == 1));
  parts = kv == 1 ? keys.count + 1 : 1;
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
  if (!(kv == 1 ? encodeKv(kinds) : encodeRegister(kinds))) return DECLINED;
  linkTwins();
  entryOp = ints(time, 0);
  entryIsCall = alloc(<usize>max(time, 1));
  memory.fill(entryIsCall, 0, <usize>max(time, 1));
  callEntry = ints(ops, NONE);
  returnEntry = ints(ops, NONE);
  next = ints(time + parts, NONE);
  prev = ints(time + parts, NONE);
  linkEntries();

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
  return live;
}
