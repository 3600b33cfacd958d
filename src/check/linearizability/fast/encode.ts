/**
 * The integer-coded fast path's front end: a one-op-per-line Jepsen EDN history checked against `cas-register`
 * or `kv` is read straight into typed arrays — ops in call order, each as a guard and a result over interned
 * value or text ids, their partition, their symmetry twin, and per partition the time order of call and return
 * entries — with no object per line, per event or per op. One sticky regular expression reads a whole op map
 * (native code after its first use); the JavaScript around it is a few table lookups per line.
 *
 * It declines (returns `undefined`, never throws) on anything outside that narrow shape — another field order,
 * a float, a keyword value, an unpaired completion, an op the model does not define, an `:initial` value — and
 * the caller runs the general parser and checker, which also give the precise errors. On what it accepts it
 * means exactly what the general path means (`parseJepsenEdn`, the models of models/register.ts and
 * models/kv.ts, `twinPredecessors`, `timeOrderedEntries`); test/properties/lin-fast-path.test.ts holds the two
 * to the same verdicts and op counts.
 */

/** The models the fast path knows. */
export type FastModelName = "cas-register" | "kv";

// Op kinds, as the model sees them (for reports and tests; the search reads `guard` and `result`).
/** Never takes effect (a read of unknown outcome: "never" is always as good), or a failed op (did not happen). */
export const NEVER = 0;
/** Accepted iff the state is `guard`; leaves it (a completed read of a definite value). */
export const READ = 1;
/** Accepted in any state, leaves it (a completed kv get that observed nothing). */
export const READ_ANY = 2;
/** Sets the state to `result`. */
export const WRITE = 3;
/** Accepted iff the state is `guard`; sets it to `result` (a compare-and-set that succeeded or may have). */
export const CAS = 4;
/** Appends text `arg` to the state (kv states are interned texts). */
export const APPEND = 5;

// Every op as a guard on the state and a result, so that one code path in the search serves every kind (no
// branch that only some histories take, which V8 would meet without type feedback and deoptimize on).
/** Guard: accepted in any state. */
export const ANY = -1;
/** Guard: never accepted (no state id is negative). */
export const NO_STATE = -2;
/** Result: the state is left as it is. */
export const SAME = -1;
/** Result: the op's text `arg` is appended to the state. */
export const APPENDED = -2;

/**
 * A history in integer form, ready for `searchHistory`. Ops are numbered in call order, failed ones included
 * (they have no entries and are never linearized); per-op arrays have `ops` elements.
 */
export class EncodedHistory {
  /** Live ops: the count the general parser's history has. */
  declare readonly n: number;
  /** Ops invoked, failed ones included. */
  declare readonly ops: number;
  declare readonly kind: Uint8Array;
  /** The state the op requires (a state id), ANY or NO_STATE. */
  declare readonly guard: Int32Array;
  /** The state the op leaves (a state id), SAME or APPENDED. */
  declare readonly result: Int32Array;
  /** The text an append appends. */
  declare readonly arg: Int32Array;
  /** 1 for completed reads: linearized as soon as they are enabled, never tried later. */
  declare readonly greedy: Uint8Array;
  /** The nearest earlier op with equal input and output that returned no later (see `twinPredecessors`), or -1. */
  declare readonly twin: Int32Array;
  /** Partition of each op (0 .. parts-1): the register has one, kv one per key. */
  declare readonly part: Int32Array;
  declare readonly parts: number;
  /** Per partition: live ops, and ops that returned (the search is done when all of those are linearized). */
  declare readonly sizes: Int32Array;
  declare readonly returns: Int32Array;
  /** Call and return entries of live ops in time order: op and kind of each, and each op's entries (-1: none). */
  declare readonly entryOp: Int32Array;
  declare readonly entryIsCall: Uint8Array;
  declare readonly callEntry: Int32Array;
  declare readonly returnEntry: Int32Array;
  /** Per partition, a doubly linked list of its entries in time order; partition p's head is `headBase + p`. */
  declare readonly next: Int32Array;
  declare readonly prev: Int32Array;
  declare readonly headBase: number;
  /** The initial state id. */
  declare readonly init: number;
  /** Interned texts (kv states): `texts[id]`, with `textIds` the reverse. */
  declare readonly texts: string[];
  declare readonly textIds: Map<string, number>;

  /**
   * An instance of this class, not the object literal `fields` itself: V8 generalizes the field types of a
   * literal's map when it first makes the literal's boilerplate (at the second history), which throws away the
   * search loop it optimized on the first (a dependency on those types); a class instance's fields keep theirs.
   */
  constructor(fields: EncodedHistory) {
    Object.assign(this, fields);
  }
}

/**
 * Separators and comments. A comment runs to the end of its line, never less (`(?![^\n])`): without that, a
 * regular expression that fails after it would backtrack into it and read what it hides — `; x [` as a vector's
 * opening bracket, `;]` as its end — where the EDN reader, rightly, refuses the file.
 */
const SEP = String.raw`(?:[ ,\t\r\n]|;[^\n]*(?![^\n]))*`;
const NAME = String.raw`[A-Za-z_][\w\-?!*+.<>=]*`;
/** Integers that are exact doubles, in canonical form (so equal texts are equal numbers). */
const INT = String.raw`0|-?[1-9]\d{0,14}`;
/** Any integer, for fields only checked for shape (`:time` in nanoseconds may exceed 2^53). */
const ANY_INT = String.raw`0|-?[1-9]\d*`;
/** Up to the vector's opening bracket. */
const HEAD = new RegExp(`${SEP}\\[`, "y");
/**
 * One op map in the field order Jepsen and the recorder write, with the values these histories hold: the
 * groups are type, f, key, value (its text: nil, an integer, a string with its quotes, or a pair of nil or
 * integers), integer process, `:nemesis`.
 */
const OP = new RegExp(
  String.raw`${SEP}\{:type :(invoke|ok|fail|info), :f :(${NAME})(?:, :key "([^"\\\n]*)")?` +
    String.raw`, :value (nil|${INT}|"[^"\\\n]*"|\[(?:nil|${INT}) (?:nil|${INT})\])` +
    String.raw`, :process (?:(${INT})|(:nemesis))(?:, :time (?:${ANY_INT}))?(?:, :index (?:${ANY_INT}))?(?:, :error :${NAME})?\}`,
  "y",
);
/** The vector's closing bracket and nothing but separators and comments after it. */
const TAIL = new RegExp(`${SEP}\\]${SEP}$`, "y");
/** Nothing but separators and comments up to the end of a chunk that is not the last. */
const GAP = new RegExp(`${SEP}$`, "y");

const NIL = 0;
const NONE = -1;
/** The return time of an op of unknown outcome (after every event, as Infinity is). */
const NEVER_RETURNED = 0x7fffffff;

// Value tags.
const NIL_VALUE = 0;
const INT_VALUE = 1;
const STRING_VALUE = 2;
const PAIR_VALUE = 3;
const QUOTE = 34;
const OPEN_SQUARE = 91;

/**
 * Texts numbered as first met. Values, keys and function names of a history all go through the one `id` method:
 * one code path with the same type feedback, which sees new texts all the time (values), so V8 never meets its
 * "new text" branch untried.
 */
class Interner {
  private readonly ids: Map<string, number>;

  /** `raw` holds the texts met; it starts with `seed`, which is never empty (one elements kind from the start). */
  constructor(readonly raw: string[]) {
    this.ids = new Map(raw.map((text, id) => [text, id]));
  }

  /** The id of `text`. */
  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      this.ids.set(text, (id = this.raw.length));
      this.raw.push(text);
    }
    return id;
  }

  get size(): number {
    return this.raw.length;
  }
}

/** The first character of a value's text: its kind. */
const TAG_BY_FIRST_CHAR = new Uint8Array(128).fill(INT_VALUE);
TAG_BY_FIRST_CHAR[QUOTE] = STRING_VALUE;
TAG_BY_FIRST_CHAR[OPEN_SQUARE] = PAIR_VALUE;

/**
 * Interned values of one history, by their text in the file — distinct values have distinct texts, since
 * integers are in canonical form and strings have no escapes. Nil is 0. While the file is read, a value is
 * only its text; `classify` then reads each distinct one once.
 */
class Values extends Interner {
  /** After `classify`: an integer's digits or a string's content ("" for nil and pairs). */
  readonly text = [""];
  readonly tag = [NIL_VALUE];
  /** After `classify`: a pair's elements (value ids). */
  readonly first = [NIL];
  readonly second = [NIL];

  constructor() {
    super(["nil"]);
  }

  /** Fills `text`, `tag`, `first` and `second` for every value. */
  classify(): void {
    const { raw, text, tag, first, second } = this;
    for (let v = 1; v < raw.length; v++) {
      const r = raw[v]!;
      const t = TAG_BY_FIRST_CHAR[r.charCodeAt(0)]!;
      const isString = t === STRING_VALUE;
      const isPair = t === PAIR_VALUE;
      let body = r;
      let a = NIL;
      let b = NIL;
      if (isString) body = r.slice(1, -1);
      if (isPair) {
        body = "";
        const space = r.indexOf(" ");
        a = this.id(r.slice(1, space));
        b = this.id(r.slice(space + 1, -1));
      }
      text.push(body);
      tag.push(t);
      first.push(a);
      second.push(b);
    }
  }
}

/** Lines read per call of `EventReader.read`: short calls, so V8 optimizes it as a whole function, not mid-loop. */
const LINES_PER_CALL = 64;
/** `EventReader.read`'s answers besides "more to read". */
const DONE = 1;
const DECLINED = 2;

/** The event loop of `parseOps`, resumable: its registers live in fields between calls. */
class EventReader {
  /** The chunk being read, and the position in it. */
  chunk = 0;
  pos: number;
  ops = 0;
  time = 0;
  readonly opF: Int32Array;
  readonly opKey: Int32Array;
  readonly opIn: Int32Array;
  readonly opOut: Int32Array;
  readonly opRet: Int32Array;
  readonly dead: Uint8Array;
  /** Per event: op * 2 for an invocation, op * 2 + 1 for an :ok completion, -1 for events without an entry. */
  readonly events: Int32Array;
  readonly values = new Values();
  /** Function names; id 0 is a placeholder, then the functions of the fast path's models. */
  readonly fNames = new Interner(["", "read", "write", "cas", "get", "put", "append"]);
  /** Keys; id 0 is a placeholder no key can be (a key has no quote), so partition 0 is always empty. */
  readonly keys = new Interner(['"']);
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly chunks: readonly string[],
    start: number,
    maxEvents: number,
  ) {
    this.pos = start;
    this.opF = new Int32Array(maxEvents);
    this.opKey = new Int32Array(maxEvents);
    this.opIn = new Int32Array(maxEvents);
    this.opOut = new Int32Array(maxEvents);
    this.opRet = new Int32Array(maxEvents);
    this.dead = new Uint8Array(maxEvents);
    this.events = new Int32Array(maxEvents);
  }

  /** Reads up to `lines` op maps: 0 when there may be more, DONE at the first text that is not one, DECLINED. */
  read(lines: number): number {
    const { opF, opKey, opIn, opOut, opRet, dead, events, values, fNames, keys, pending } = this;
    const text = this.chunks[this.chunk]!;
    let { pos, ops, time } = this;
    let answer = 0;
    for (let line = 0; line < lines; line++) {
      OP.lastIndex = pos;
      const m = OP.exec(text);
      if (m === null) {
        answer = DONE;
        break;
      }
      pos = OP.lastIndex;
      if (m[6] !== undefined) continue; // :nemesis: no client op, no event
      const type = m[1]!;
      const f = fNames.id(m[2]!);
      const key = m[3] !== undefined ? keys.id(m[3]) : NONE;
      const value = values.id(m[4]!);
      const process = m[5]!;
      const open = pending.get(process) ?? NONE;
      if (type === "invoke") {
        if (open !== NONE) {
          answer = DECLINED;
          break;
        }
        const op = ops++;
        opF[op] = f;
        opKey[op] = key;
        opIn[op] = value;
        opOut[op] = NONE;
        opRet[op] = NEVER_RETURNED;
        pending.set(process, op);
        events[time++] = op * 2;
        continue;
      }
      if (open === NONE) {
        if (type !== "info") {
          answer = DECLINED;
          break;
        }
        events[time++] = -1; // an :info without invocation carries no op, but is an event
        continue;
      }
      if (opF[open] !== f) {
        answer = DECLINED;
        break;
      }
      pending.delete(process);
      // Stores made whatever the completion (not in rarely taken branches: V8 has their type feedback early).
      const ok = type === "ok";
      // An :ok completion fills in the invocation's nil value and missing key.
      opIn[open] = ok && opIn[open] === NIL ? value : opIn[open]!;
      opKey[open] = ok && opKey[open] === NONE ? key : opKey[open]!;
      opOut[open] = ok ? value : NONE;
      opRet[open] = ok ? time : NEVER_RETURNED;
      dead[open] = type === "fail" ? 1 : 0; // a failed op did not happen
      events[time] = ok ? open * 2 + 1 : -1;
      time++;
    }
    this.pos = pos;
    this.ops = ops;
    this.time = time;
    return answer;
  }
}

/** The text a kv op puts or appends, or compares (`asText` in models/kv.ts); undefined for a pair. */
function kvText(values: Values, id: number): string | undefined {
  const tag = values.tag[id]!;
  return tag === NIL_VALUE ? "" : tag === PAIR_VALUE ? undefined : values.text[id]!;
}

/** The kv model's texts, interned; text 0 is "" (every key's initial value). */
class Texts {
  // Holds strings from the start: one elements kind for the array.
  readonly texts = [""];
  readonly ids = new Map([["", 0]]);
  /** Text id per value id (-1: not yet looked up, -2: a pair, which has no text). */
  private readonly ofValue: Int32Array;

  constructor(private readonly values: Values) {
    this.ofValue = new Int32Array(values.size).fill(-1);
  }

  /** The text id of value `v` (its `asText`), or NONE for a pair. */
  of(v: number): number {
    let id = this.ofValue[v]!;
    if (id !== -1) return id === -2 ? NONE : id;
    const text = kvText(this.values, v);
    if (text === undefined) {
      this.ofValue[v] = -2;
      return NONE;
    }
    id = this.ids.get(text) ?? NONE;
    if (id === NONE) {
      this.ids.set(text, (id = this.texts.length));
      this.texts.push(text);
    }
    this.ofValue[v] = id;
    return id;
  }
}

const REGISTER_F: Record<string, number> = { read: READ, write: WRITE, cas: CAS };
const KV_F: Record<string, number> = { get: READ, read: READ, put: WRITE, write: WRITE, append: APPEND };

/**
 * The history in `text` encoded for `model` (a cas-register from nil, or kv with every key at ""), or
 * `undefined` when the fast path does not apply (then the general parser and checker must run). Never throws.
 * Reads it as `parseJepsenEdn` would: time is an event's position among client events, `:fail` ops did not
 * happen, `:info` and pending ops have an unknown outcome. `text` may come in chunks, each ending where a line
 * ends (as `textChunks` cuts a file): an op map accepted here never spans lines, so the chunks read as their
 * concatenation would.
 */
export function encodeHistory(text: string | readonly string[], model: FastModelName): EncodedHistory | undefined {
  const chunks = typeof text === "string" ? [text] : text;
  if (chunks.length === 0) return undefined;
  // The opening bracket may come after chunks of nothing but comments (a long header cut off on its own).
  let first = 0;
  for (;;) {
    HEAD.lastIndex = 0;
    if (HEAD.test(chunks[first]!)) break;
    GAP.lastIndex = 0;
    if (first === chunks.length - 1 || !GAP.test(chunks[first]!)) return undefined;
    first++;
  }
  // No op map is shorter than 40 characters: a bound on events that needs no growing arrays.
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const maxEvents = Math.ceil(length / 40) + 1;
  const reader = new EventReader(chunks, HEAD.lastIndex, maxEvents);
  for (let c = first; ; c++) {
    // Written on every chunk, the first too: one kind of store, so V8 never sees the field change on a later file.
    reader.chunk = c;
    let answer = 0;
    while (answer === 0) answer = reader.read(LINES_PER_CALL);
    if (answer === DECLINED) return undefined;
    if (c === chunks.length - 1) break;
    GAP.lastIndex = reader.pos;
    if (!GAP.test(chunks[c]!)) return undefined;
    reader.pos = 0;
  }
  TAIL.lastIndex = reader.pos;
  if (!TAIL.test(chunks[chunks.length - 1]!) || reader.ops === 0) return undefined;
  reader.values.classify();
  const kv = model === "kv";
  const table = kv ? KV_F : REGISTER_F;
  const fKind = reader.fNames.raw.map((name) => (Object.hasOwn(table, name) ? table[name]! : NONE));
  const ops = new OpEncoder(reader, kv ? reader.keys.size : 1);
  // Each pass in short calls (V8 then optimizes each function once, as a whole, instead of also mid-loop),
  // and one function per model: each meets only its own kinds of op (no branch V8 has never seen taken).
  for (let from = 0; from < ops.ops; from += PASS_CHUNK) {
    const to = Math.min(ops.ops, from + PASS_CHUNK);
    if (!(kv ? ops.encodeKv(fKind, from, to) : ops.encodeRegister(fKind, from, to))) return undefined;
  }
  if (ops.twinsExact()) for (let from = 0; from < ops.ops; from += PASS_CHUNK) ops.linkTwins(from, Math.min(ops.ops, from + PASS_CHUNK));
  for (let from = 0; from < reader.time; from += PASS_CHUNK) ops.linkEntries(from, Math.min(reader.time, from + PASS_CHUNK));
  return ops.finish();
}

/** Ops or events per call of a pass of `OpEncoder`. */
const PASS_CHUNK = 256;

/** Builds the per-op arrays of an `EncodedHistory`: a pass over the ops for the model, one for twins, one over the events. */
class OpEncoder {
  readonly ops: number;
  readonly kind: Uint8Array;
  readonly guard: Int32Array;
  readonly result: Int32Array;
  readonly arg: Int32Array;
  readonly greedy: Uint8Array;
  readonly twin: Int32Array;
  readonly part: Int32Array;
  readonly sizes: Int32Array;
  readonly returns: Int32Array;
  readonly texts: Texts;
  n = 0;
  // Twins: the signature's factors, each signature's latest op, and each op's previous alike op.
  private readonly valueCount: number;
  private readonly keyCount: number;
  private readonly lastAlike = new Map<number, number>();
  private readonly previousAlike: Int32Array;
  // Entries, and per partition the last one linked so far.
  private readonly entryOp: Int32Array;
  private readonly entryIsCall: Uint8Array;
  private readonly callEntry: Int32Array;
  private readonly returnEntry: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly lastOfPart: Int32Array;
  private entries = 0;

  constructor(
    private readonly reader: EventReader,
    readonly parts: number,
  ) {
    const ops = reader.ops;
    const time = reader.time;
    this.valueCount = reader.values.size + 1;
    this.keyCount = reader.keys.size + 1;
    this.previousAlike = new Int32Array(ops);
    this.entryOp = new Int32Array(time);
    this.entryIsCall = new Uint8Array(time);
    this.callEntry = new Int32Array(ops).fill(NONE);
    this.returnEntry = new Int32Array(ops).fill(NONE);
    // Partition p's list starts at the head node time + p.
    this.next = new Int32Array(time + parts).fill(NONE);
    this.prev = new Int32Array(time + parts).fill(NONE);
    this.lastOfPart = new Int32Array(parts);
    for (let p = 0; p < parts; p++) this.lastOfPart[p] = time + p;
    this.ops = ops;
    this.kind = new Uint8Array(ops);
    this.guard = new Int32Array(ops).fill(NO_STATE);
    this.result = new Int32Array(ops).fill(SAME);
    this.arg = new Int32Array(ops);
    this.greedy = new Uint8Array(ops);
    this.twin = new Int32Array(ops).fill(NONE);
    this.part = new Int32Array(ops);
    this.sizes = new Int32Array(parts);
    this.returns = new Int32Array(parts);
    this.texts = new Texts(reader.values);
  }

  /** Counts a live op of partition `p`. */
  private count(op: number, p: number): void {
    this.part[op] = p;
    this.sizes[p]!++;
    if (this.reader.opRet[op] !== NEVER_RETURNED) this.returns[p]!++;
    this.n++;
  }

  /** The live ops as cas-register ops over value ids (state: the value id, nil first); false for an op it does not define. */
  encodeRegister(fKind: readonly number[], from: number, to: number): boolean {
    const { opF, opIn, opOut, dead, values } = this.reader;
    const { kind, guard, result, greedy } = this;
    for (let op = from; op < to; op++) {
      if (dead[op] === 1) continue;
      const k = fKind[opF[op]!]!;
      const input = opIn[op]!;
      const output = opOut[op]!;
      if (k === READ) {
        // A read of unknown outcome never takes effect; a completed one is linearized greedily.
        kind[op] = output === NONE ? NEVER : READ;
        guard[op] = output === NONE ? NO_STATE : output;
        greedy[op] = output === NONE ? 0 : 1;
      } else if (k === WRITE) {
        kind[op] = WRITE;
        guard[op] = ANY;
        result[op] = input;
      } else if (k === CAS && values.tag[input] === PAIR_VALUE) {
        kind[op] = CAS;
        guard[op] = values.first[input]!;
        result[op] = values.second[input]!;
      } else {
        return false; // not a register op, or a cas without [old new]
      }
      this.count(op, 0);
    }
    return true;
  }

  /** The live ops as kv ops over interned texts, partitioned by key; false for an op it does not define. */
  encodeKv(fKind: readonly number[], from: number, to: number): boolean {
    const { opF, opKey, opIn, opOut, dead } = this.reader;
    const { kind, guard, result, arg, greedy, texts } = this;
    for (let op = from; op < to; op++) {
      if (dead[op] === 1) continue;
      const k = fKind[opF[op]!]!;
      const key = opKey[op]!;
      if (k === NONE || key === NONE) return false;
      const output = opOut[op]!;
      if (k === READ) {
        // A get of unknown outcome never takes effect; a completed one is linearized greedily, and one that
        // observed nil observed nothing (any state).
        const observed = output === NONE ? NONE : texts.of(output);
        if (output !== NONE && observed === NONE) return false;
        kind[op] = output === NONE ? NEVER : output === NIL ? READ_ANY : READ;
        guard[op] = output === NONE ? NO_STATE : output === NIL ? ANY : observed;
        greedy[op] = output === NONE ? 0 : 1;
      } else {
        const t = texts.of(opIn[op]!);
        if (t === NONE) return false;
        kind[op] = k;
        guard[op] = ANY;
        result[op] = k === WRITE ? t : APPENDED;
        arg[op] = t;
      }
      this.count(op, key);
    }
    return true;
  }

  /** False when the twins' signature (four ids packed in one float) would not be exact: then no twins (a speed-up only). */
  twinsExact(): boolean {
    return this.reader.fNames.size * this.keyCount * this.valueCount * this.valueCount < 2 ** 53;
  }

  /**
   * Twins (`twinPredecessors`) of ops from..to-1: live ops are alike when f, key, input and output ids are all
   * equal — interned ids are equal exactly when the values are — and each is chained to the nearest earlier
   * alike op that returned no later.
   */
  linkTwins(from: number, to: number): void {
    const { opF, opKey, opIn, opOut, opRet, dead } = this.reader;
    const { twin, valueCount, keyCount, lastAlike, previousAlike } = this;
    for (let op = from; op < to; op++) {
      if (dead[op] === 1) continue;
      const signature = ((opF[op]! * keyCount + opKey[op]! + 1) * valueCount + opIn[op]!) * valueCount + opOut[op]! + 1;
      let alike = lastAlike.get(signature) ?? NONE;
      lastAlike.set(signature, op);
      previousAlike[op] = alike;
      while (alike !== NONE && opRet[alike]! > opRet[op]!) alike = previousAlike[alike]!;
      twin[op] = alike;
    }
  }

  /** Appends the entries of events from..to-1 (of live ops) in time order, each to its partition's list. */
  linkEntries(from: number, to: number): void {
    const { events, dead } = this.reader;
    const { part, entryOp, entryIsCall, callEntry, returnEntry, next, prev, lastOfPart } = this;
    let m = this.entries;
    for (let t = from; t < to; t++) {
      const code = events[t]!;
      if (code < 0) continue;
      const op = code >> 1;
      if (dead[op] === 1) continue;
      const e = m++;
      entryOp[e] = op;
      const isCall = (code & 1) === 0;
      entryIsCall[e] = isCall ? 1 : 0;
      // Both stores on every entry (one path for calls and returns): the other op's slot is left as it was.
      callEntry[op] = isCall ? e : callEntry[op]!;
      returnEntry[op] = isCall ? returnEntry[op]! : e;
      const p = part[op]!;
      const before = lastOfPart[p]!;
      next[before] = e;
      prev[e] = before;
      lastOfPart[p] = e;
    }
    this.entries = m;
  }

  /** The finished history. */
  finish(): EncodedHistory {
    const { ops, part, parts, entryOp, entryIsCall, callEntry, returnEntry, next, prev } = this;
    const { n, kind, guard, result, arg, greedy, twin, sizes, returns, texts } = this;
    return new EncodedHistory({
      n, ops, kind, guard, result, arg, greedy, twin, part, parts, sizes, returns,
      entryOp, entryIsCall, callEntry, returnEntry, next, prev, headBase: this.reader.time,
      init: 0, // nil for the register, "" for kv: id 0 in both
      texts: texts.texts,
      textIds: texts.ids,
    });
  }
}
