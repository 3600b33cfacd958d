/**
 * The fast path of `jepsen-edn` for the common shape of Jepsen's history.edn: one vector, one op map per line,
 * `{:type :ok, :f :read, :value 3, :process 0, :time 1234, :index 7}`, values made of integers, keywords, nil,
 * booleans, strings without escapes and vectors of those (nested once). A sticky regular expression reads one
 * `:key value` pair at a time — V8 runs it as native code from the first file on, while a loop over characters
 * would crawl through the interpreter until the optimizing compiler is done — and the map is built directly,
 * instead of delimiting the text and handing each element to the general EDN reader.
 *
 * Anything else — a map spanning lines, two maps on a line, floats, big integers, escapes, sets, tags, nested
 * maps, lists, symbols, a top-level list — makes it answer `undefined` without throwing, and the caller parses
 * the whole text with the general parser instead. So on any text the result is what the general parser gives
 * (the maps are equal; errors about the maps' fields come from the same code, in the same order).
 */
import type { Value } from "../types.js";

/** Separators: EDN's whitespace and commas, on one line. */
const SEP = String.raw`[ ,\t\r]`;
/** A keyword's name: namespaces (`/`) and unusual first characters are left to the general parser. */
const NAME = String.raw`[A-Za-z_][\w\-?!*+.<>=]*`;
/** Integers that are exact doubles, without a leading zero or a minus zero (left to the general parser). */
const INT = String.raw`0|-?[1-9]\d{0,14}`;
/** A string without escapes, on one line. */
const STR = String.raw`"[^"\\\n]*"`;
const ATOM = String.raw`(?:nil|true|false|${INT}|:${NAME}|${STR})`;
/** What may follow a value: a separator, a closing bracket or the end of the line. */
const AFTER = String.raw`(?=[ ,\t\r}\]\n]|$)`;
const VECTOR_BODY = String.raw`(?:${SEP}*(?:${ATOM}${AFTER}|\[(?:${SEP}*${ATOM}${AFTER})*${SEP}*\]${AFTER}))*${SEP}*`;

/** One `:key value` pair: the key's name, then the value as nil/true/false, integer, keyword, string or vector. */
const PAIR = new RegExp(String.raw`${SEP}*:(${NAME})${SEP}+(?:(nil|true|false)|(${INT})|:(${NAME})|"([^"\\\n]*)"|\[(${VECTOR_BODY})\])${AFTER}`, "y");
/** The end of a map. */
const MAP_END = new RegExp(String.raw`${SEP}*\}`, "y");
/** Separators and a comment, up to the end of the line. */
const SKIP = new RegExp(String.raw`${SEP}*(?:;[^\n]*)?`, "y");
/** One token inside a vector body that PAIR has already validated. */
const VECTOR_TOKEN = new RegExp(String.raw`${SEP}*(?:(nil|true|false)|(${INT})|:(${NAME})|"([^"\\\n]*)"|(\[)|(\]))`, "y");

/**
 * A whole op map in the field order Jepsen and quorate's recorder write —
 * `{:type :ok, :f :get, :key "k1", :value 3, :process 0, :time 12, :index 7, :error :timeout}` (`:key`, `:time`,
 * `:index` and `:error` optional) — with the values these histories hold. One match per line instead of one per
 * pair; a map in any other shape is read pair by pair. Every map it takes, PAIR reads to the same fields.
 */
const SCALAR = String.raw`(?:"([^"\\\n]*)"|(${INT})|:(${NAME}))`;
const CANONICAL_MAP = new RegExp(
  String.raw`\{:type :(invoke|ok|fail|info), :f :(${NAME})(?:, :key ${SCALAR})?` +
    String.raw`, :value (?:(nil|true|false)|(${INT})|:(${NAME})|"([^"\\\n]*)"|\[(${INT}) (${INT})\])` +
    String.raw`, :process (?:(${INT})|:(${NAME}))(?:, :time (?:${INT}))?(?:, :index (?:${INT}))?(?:, :error :${NAME})?\}`,
  "y",
);

/**
 * Reads a whole op map in the usual field order at `pos` (its `{`) into `out`; the position after its `}`, or -1
 * when the map is in another shape (then `readMapPairs` reads it). Exported for the differential tests.
 */
export function readCanonicalMap(text: string, pos: number, out: OpMapFields): number {
  CANONICAL_MAP.lastIndex = pos;
  const m = CANONICAL_MAP.exec(text);
  if (m === null) return -1;
  out.type = m[1]!;
  out.f = m[2]!;
  out.key = m[3] !== undefined ? m[3] : m[4] !== undefined ? Number(m[4]) : m[5];
  out.value = m[6] !== undefined ? literal(m[6]) : m[7] !== undefined ? Number(m[7]) : m[8] !== undefined ? m[8] : m[9] !== undefined ? m[9] : [Number(m[10]), Number(m[11])];
  out.process = m[12] !== undefined ? Number(m[12]) : m[13];
  return CANONICAL_MAP.lastIndex;
}

const NEWLINE = 10;
const OPEN_SQUARE = 91;
const CLOSE_SQUARE = 93;
const OPEN_CURLY = 123;

/**
 * The fields of one op map that `eventFromMap` reads (jepsen.ts); other keys are checked for shape, then dropped.
 * A field the map does not have is `undefined`, as reading it from the full map would give.
 */
export interface OpMapFields {
  process: Value | undefined;
  type: Value | undefined;
  f: Value | undefined;
  value: Value | undefined;
  key: Value | undefined;
}

/** One op map's fields and the 1-based line it is on. */
export interface EdnLineMap {
  readonly map: OpMapFields;
  readonly line: number;
}

function literal(word: string): boolean | null {
  return word === "nil" ? null : word === "true";
}

/** The values of a vector body (validated by PAIR: balanced, one level of nesting at most). */
function vectorValues(body: string): Value[] {
  const outer: Value[] = [];
  let current = outer;
  VECTOR_TOKEN.lastIndex = 0;
  while (VECTOR_TOKEN.lastIndex < body.length) {
    const m = VECTOR_TOKEN.exec(body);
    if (m === null) break; // only separators are left
    if (m[1] !== undefined) current.push(literal(m[1]));
    else if (m[2] !== undefined) current.push(Number(m[2]));
    else if (m[3] !== undefined) current.push(m[3]);
    else if (m[4] !== undefined) current.push(m[4]);
    else if (m[5] !== undefined) {
      const inner: Value[] = [];
      outer.push(inner);
      current = inner;
    } else {
      current = outer;
    }
  }
  return outer;
}

/**
 * Reads `:k v` pairs and the closing brace from `pos` (just after a `{`); the next position, or -1 to decline.
 * Exported for the differential tests.
 */
export function readMapPairs(text: string, pos: number, out: OpMapFields): number {
  for (;;) {
    PAIR.lastIndex = pos;
    const m = PAIR.exec(text);
    if (m === null) break;
    pos = PAIR.lastIndex;
    const key = m[1]!;
    if (key === "__proto__") return -1;
    const value: Value = m[2] !== undefined ? literal(m[2]) : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? m[4] : m[5] !== undefined ? m[5] : vectorValues(m[6]!);
    // A repeated key keeps its last value, as in the general reader.
    switch (key) {
      case "process":
        out.process = value;
        break;
      case "type":
        out.type = value;
        break;
      case "f":
        out.f = value;
        break;
      case "value":
        out.value = value;
        break;
      case "key":
        out.key = value;
        break;
      default:
        break;
    }
  }
  MAP_END.lastIndex = pos;
  return MAP_END.test(text) ? MAP_END.lastIndex : -1;
}

/** Options of `readEdnLineMaps`. */
export interface EdnLineOptions {
  /** Read maps in the usual field order with one match (default true); false reads every map pair by pair (for tests). */
  readonly canonicalMaps?: boolean;
}

/**
 * Reads the op maps of a one-op-per-line Jepsen history, or returns `undefined` when the text is not in that
 * shape (the caller then uses the general parser). Never throws.
 */
export function readEdnLineMaps(text: string, options: EdnLineOptions = {}): EdnLineMap[] | undefined {
  const maps: EdnLineMap[] = [];
  let opened = false;
  let closed = false;
  let line = 1;
  let pos = 0;
  while (pos < text.length) {
    SKIP.lastIndex = pos;
    SKIP.test(text);
    pos = SKIP.lastIndex;
    if (pos >= text.length) break;
    const c = text.charCodeAt(pos);
    if (c === NEWLINE) {
      line++;
      pos++;
    } else if (closed) {
      return undefined;
    } else if (c === OPEN_SQUARE && !opened) {
      opened = true;
      pos++;
    } else if (c === CLOSE_SQUARE && opened) {
      closed = true;
      pos++;
    } else if (c === OPEN_CURLY && opened) {
      // One object shape for every line (a map built key by key would take a slow keyed store per field).
      const map: OpMapFields = { process: undefined, type: undefined, f: undefined, value: undefined, key: undefined };
      const end = options.canonicalMaps === false ? -1 : readCanonicalMap(text, pos, map);
      pos = end >= 0 ? end : readMapPairs(text, pos + 1, map);
      if (pos < 0) return undefined;
      maps.push({ map, line });
    } else {
      return undefined;
    }
  }
  return opened && closed ? maps : undefined;
}
