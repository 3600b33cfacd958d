/**
 * The integer-coded fast path's front end: a one-op-per-line Jepsen EDN history checked against `cas-register`
 * or `kv` is read straight into typed arrays — ops in call order, each as (kind, a, b) over interned value or
 * text ids, their partition, their symmetry twin, and the time order of call and return entries — with no
 * object per line, per event or per op. One sticky regular expression reads a whole op map (native code from
 * the first file on); the JavaScript around it is a few table lookups per line.
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

// Op kinds: what an op does to an integer state `s` (IMPOSSIBLE when it cannot happen there).
/** Never takes effect (a read of unknown outcome: "never" is always as good). */
export const NEVER = 0;
/** Accepted iff `s === a`; leaves `s` (a completed read of a definite value). */
export const READ = 1;
/** Accepted in any state, leaves it (a completed kv get that observed nothing). */
export const READ_ANY = 2;
/** Sets the state to `a`. */
export const WRITE = 3;
/** Accepted iff `s === a`; sets the state to `b` (a compare-and-set that succeeded or may have). */
export const CAS = 4;
/** Appends text `a` to the state (kv states are interned texts). */
export const APPEND = 5;

/** A history in integer form, ready for `searchPartition`. */
export interface EncodedHistory {
  /** Ops in call order (the count the general parser's history has). */
  readonly n: number;
  readonly kind: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** Partition of each op (0 .. parts-1). */
  readonly part: Int32Array;
  readonly parts: number;
  /** The nearest earlier op with equal input and output that returned no later (see `twinPredecessors`), or -1. */
  readonly twin: Int32Array;
  /** Call and return entries in time order: `op * 2`, `op * 2 + 1` (ops of unknown outcome have no return). */
  readonly entries: Int32Array;
  /** The initial state id. */
  readonly init: number;
  /** Interned texts (kv): `texts[id]`, with `textIds` the reverse; empty for the register. */
  readonly texts: string[];
  readonly textIds: Map<string, number>;
}

const SEP = String.raw`(?:[ ,\t\r\n]|;[^\n]*)*`;
const NAME = String.raw`[A-Za-z_][\w\-?!*+.<>=]*`;
/** Integers that are exact doubles, in canonical form (so equal texts are equal numbers). */
const INT = String.raw`0|-?[1-9]\d{0,14}`;
/** Any integer, for fields only checked for shape (`:time` in nanoseconds may exceed 2^53). */
const ANY_INT = String.raw`0|-?[1-9]\d*`;
/** Up to the vector's opening bracket. */
const HEAD = new RegExp(`${SEP}\\[`, "y");
/**
 * One op map in the field order Jepsen and the recorder write, with the values these histories hold: the
 * groups are type, f, key, nil, integer, string, pair (two of nil or integer), integer process, `:nemesis`.
 */
const OP = new RegExp(
  String.raw`${SEP}\{:type :(invoke|ok|fail|info), :f :(${NAME})(?:, :key "([^"\\\n]*)")?` +
    String.raw`, :value (?:(nil)|(${INT})|"([^"\\\n]*)"|\[(nil|${INT}) (nil|${INT})\])` +
    String.raw`, :process (?:(${INT})|(:nemesis))(?:, :time (?:${ANY_INT}))?(?:, :index (?:${ANY_INT}))?(?:, :error :${NAME})?\}`,
  "y",
);
/** The vector's closing bracket and nothing but separators and comments after it. */
const TAIL = new RegExp(`${SEP}\\]${SEP}$`, "y");

const NIL = 0;
const NONE = -1;
/** The return time of an op of unknown outcome (after every event, as Infinity is). */
const NEVER_RETURNED = 0x7fffffff;
/** Value ids are packed two to a float key (pairs, twin signatures): at most 2^21 of them. */
const ID_SPACE = 2 ** 21;

/** Interned values of one history: nil is 0; integers (by canonical text), strings and pairs of those. */
class Values {
  readonly text: string[] = [""];
  /** 0 nil, 1 integer, 2 string, 3 pair. */
  readonly tag: number[] = [0];
  readonly first: number[] = [NIL];
  readonly second: number[] = [NIL];
  private readonly ints = new Map<string, number>();
  private readonly strings = new Map<string, number>();
  private readonly pairs = new Map<number, number>();

  private add(tag: number, text: string, first: number, second: number): number {
    const id = this.tag.length;
    this.tag.push(tag);
    this.text.push(text);
    this.first.push(first);
    this.second.push(second);
    return id;
  }

  int(text: string): number {
    let id = this.ints.get(text);
    if (id === undefined) this.ints.set(text, (id = this.add(1, text, NIL, NIL)));
    return id;
  }

  /** nil or an integer (a pair's element). */
  scalar(text: string): number {
    return text === "nil" ? NIL : this.int(text);
  }

  string(text: string): number {
    let id = this.strings.get(text);
    if (id === undefined) this.strings.set(text, (id = this.add(2, text, NIL, NIL)));
    return id;
  }

  pair(first: number, second: number): number {
    const key = first * ID_SPACE + second;
    let id = this.pairs.get(key);
    if (id === undefined) this.pairs.set(key, (id = this.add(3, "", first, second)));
    return id;
  }

  get size(): number {
    return this.tag.length;
  }
}

/** What the parse gives: live ops in call order with interned f, key, input and output. */
interface ParsedOps {
  readonly n: number;
  readonly f: Int32Array;
  readonly fNames: string[];
  readonly key: Int32Array;
  readonly keyCount: number;
  readonly input: Int32Array;
  /** NONE for an op of unknown outcome. */
  readonly output: Int32Array;
  readonly ret: Int32Array;
  readonly entries: Int32Array;
  readonly values: Values;
}

/** Lines read per call of `EventReader.read`: short calls, so V8 optimizes it as a whole function, not mid-loop. */
const LINES_PER_CALL = 64;
/** `EventReader.read`'s answers besides "more to read". */
const DONE = 1;
const DECLINED = 2;

/** The event loop of `parseOps`, resumable: its registers live in fields between calls. */
class EventReader {
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
  readonly fIds = new Map<string, number>();
  readonly fNames: string[] = [""];
  readonly keyIds = new Map<string, number>();
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly text: string,
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
    const { text, opF, opKey, opIn, opOut, opRet, dead, events, values, fIds, fNames, keyIds, pending } = this;
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
      if (m[10] !== undefined) continue; // :nemesis: no client op, no event
      const type = m[1]!;
      // f ids start at 1: fNames[0] is a placeholder, so the array holds strings from the start.
      let f = fIds.get(m[2]!) ?? 0;
      if (f === 0) {
        fIds.set(m[2]!, (f = fNames.length));
        fNames.push(m[2]!);
      }
      let key = NONE;
      if (m[3] !== undefined) {
        key = keyIds.get(m[3]) ?? NONE;
        if (key === NONE) keyIds.set(m[3], (key = keyIds.size));
      }
      const value = m[4] !== undefined ? NIL : m[5] !== undefined ? values.int(m[5]) : m[6] !== undefined ? values.string(m[6]) : values.pair(values.scalar(m[7]!), values.scalar(m[8]!));
      const process = m[9]!;
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
      if (type === "ok") {
        if (opIn[open] === NIL) opIn[open] = value;
        if (opKey[open] === NONE) opKey[open] = key;
        opOut[open] = value;
        opRet[open] = time;
        events[time++] = open * 2 + 1;
      } else {
        if (type === "fail") dead[open] = 1; // did not happen
        events[time++] = -1;
      }
    }
    this.pos = pos;
    this.ops = ops;
    this.time = time;
    return answer;
  }
}

/**
 * Reads the ops of a one-op-per-line Jepsen history as `parseJepsenEdn` would (time is an event's position
 * among client events, `:fail` ops dropped, `:info` and pending ops of unknown outcome), or `undefined`.
 */
function parseOps(text: string): ParsedOps | undefined {
  HEAD.lastIndex = 0;
  if (!HEAD.test(text)) return undefined;
  // No op map is shorter than 40 characters: a bound on events that needs no growing arrays.
  const maxEvents = Math.ceil(text.length / 40) + 1;
  // Each map adds at most three value ids (a pair and its two integers), and ids must fit ID_SPACE.
  if (3 * maxEvents >= ID_SPACE) return undefined;
  const reader = new EventReader(text, HEAD.lastIndex, maxEvents);
  let answer = 0;
  while (answer === 0) answer = reader.read(LINES_PER_CALL);
  if (answer === DECLINED) return undefined;
  const { pos, ops, time, opF, opKey, opIn, opOut, opRet, dead, events, values, fNames, keyIds } = reader;
  TAIL.lastIndex = pos;
  if (!TAIL.test(text) || ops === 0) return undefined;
  // Drop failed ops: renumber the live ones, still in call order.
  const renumber = new Int32Array(ops);
  let n = 0;
  for (let op = 0; op < ops; op++) {
    if (dead[op] === 1) {
      renumber[op] = NONE;
      continue;
    }
    renumber[op] = n;
    opF[n] = opF[op]!;
    opKey[n] = opKey[op]!;
    opIn[n] = opIn[op]!;
    opOut[n] = opOut[op]!;
    opRet[n] = opRet[op]!;
    n++;
  }
  const entries = new Int32Array(time);
  let e = 0;
  for (let t = 0; t < time; t++) {
    const code = events[t]!;
    if (code < 0) continue;
    const op = renumber[code >> 1]!;
    if (op !== NONE) entries[e++] = op * 2 + (code & 1);
  }
  return { n, f: opF, fNames, key: opKey, keyCount: keyIds.size, input: opIn, output: opOut, ret: opRet, entries: entries.subarray(0, e), values };
}

/** The text a kv op puts or appends, or compares (`asText` in models/kv.ts); undefined for a pair. */
function kvText(values: Values, id: number): string | undefined {
  const tag = values.tag[id]!;
  return tag === 0 ? "" : tag === 3 ? undefined : values.text[id]!;
}

/**
 * Twins (`twinPredecessors`): ops are alike when f, key, input and output ids are all equal — interned ids are
 * equal exactly when the values are — and each is chained to the nearest earlier alike op that returned no later.
 */
function twins(p: ParsedOps): Int32Array {
  const { n, f, key, input, output, ret } = p;
  const twin = new Int32Array(n).fill(NONE);
  const valueCount = p.values.size + 1;
  const keyCount = p.keyCount + 1;
  // The signature packs four ids in one float; past 2^53 it would not be exact, and twins are only a speed-up.
  if (p.fNames.length * keyCount * valueCount * valueCount >= 2 ** 53) return twin;
  const previous = new Int32Array(n);
  const last = new Map<number, number>();
  for (let op = 0; op < n; op++) {
    const signature = ((f[op]! * keyCount + key[op]! + 1) * valueCount + input[op]!) * valueCount + output[op]! + 1;
    let alike = last.get(signature) ?? NONE;
    last.set(signature, op);
    previous[op] = alike;
    while (alike !== NONE && ret[alike]! > ret[op]!) alike = previous[alike]!;
    twin[op] = alike;
  }
  return twin;
}

/** The ops of a cas-register history (initial nil) as kinds over value ids; undefined for an op it does not define. */
function encodeRegister(p: ParsedOps, kind: Uint8Array, a: Int32Array, b: Int32Array): boolean {
  const { values, fNames } = p;
  const code = fNames.map((name) => (name === "read" ? READ : name === "write" ? WRITE : name === "cas" ? CAS : NONE));
  for (let op = 0; op < p.n; op++) {
    const k = code[p.f[op]!]!;
    const input = p.input[op]!;
    if (k === READ) {
      kind[op] = p.output[op] === NONE ? NEVER : READ;
      a[op] = p.output[op]!;
    } else if (k === WRITE) {
      kind[op] = WRITE;
      a[op] = input;
    } else if (k === CAS && values.tag[input] === 3) {
      kind[op] = CAS;
      a[op] = values.first[input]!;
      b[op] = values.second[input]!;
    } else {
      return false;
    }
  }
  return true;
}

/** The ops of a kv history (every key initially "") as kinds over interned texts; false for an op it does not define. */
function encodeKv(p: ParsedOps, kind: Uint8Array, a: Int32Array, texts: string[], textIds: Map<string, number>): boolean {
  const { values, fNames } = p;
  const code = fNames.map((name) => (name === "get" || name === "read" ? READ : name === "put" || name === "write" ? WRITE : name === "append" ? APPEND : NONE));
  const textId = (text: string): number => {
    let id = textIds.get(text);
    if (id === undefined) {
      textIds.set(text, (id = texts.length));
      texts.push(text);
    }
    return id;
  };
  for (let op = 0; op < p.n; op++) {
    const k = code[p.f[op]!]!;
    if (k === NONE || p.key[op] === NONE) return false;
    if (k === READ) {
      const output = p.output[op]!;
      if (output === NONE) {
        kind[op] = NEVER;
        continue;
      }
      const observed = kvText(values, output);
      if (observed === undefined) return false;
      kind[op] = output === NIL ? READ_ANY : READ;
      a[op] = textId(observed);
      continue;
    }
    const arg = kvText(values, p.input[op]!);
    if (arg === undefined) return false;
    kind[op] = k;
    a[op] = textId(arg);
  }
  return true;
}

/**
 * The history in `text` encoded for `model`, or `undefined` when the fast path does not apply (then the general
 * parser and checker must run). Never throws.
 */
export function encodeHistory(text: string, model: FastModelName): EncodedHistory | undefined {
  const p = parseOps(text);
  if (p === undefined) return undefined;
  const n = p.n;
  const kind = new Uint8Array(n);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  // Text 0 is "" (every key's initial value); the array holds strings from the start (one elements kind).
  const texts = [""];
  const textIds = new Map([["", 0]]);
  let part: Int32Array;
  let parts: number;
  if (model === "cas-register") {
    if (!encodeRegister(p, kind, a, b)) return undefined;
    part = new Int32Array(n);
    parts = 1;
  } else {
    if (!encodeKv(p, kind, a, texts, textIds)) return undefined;
    part = p.key.subarray(0, n);
    parts = p.keyCount;
  }
  return { n, kind, a, b, part, parts, twin: twins(p), entries: p.entries, init: model === "kv" ? 0 : NIL, texts, textIds };
}

/** The return time given to ops of unknown outcome (exported for tests). */
export const UNKNOWN_RETURN = NEVER_RETURNED;
