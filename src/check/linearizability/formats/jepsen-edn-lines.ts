/**
 * The fast path of `jepsen-edn` for the common shape of Jepsen's history.edn: one vector, one op map per line,
 * `{:type :ok, :f :read, :value 3, :process 0, :time 1234, :index 7}`, values made of integers, keywords, nil,
 * booleans, strings without escapes and vectors of those. One pass over each line builds the map directly,
 * instead of delimiting the text and handing each element to the general EDN reader.
 *
 * Anything else — a map spanning lines, two maps on a line, floats, big integers, escapes, sets, tags, nested
 * maps, lists, symbols, a top-level list — makes it answer `undefined` without throwing, and the caller parses
 * the whole text with the general parser instead. So on any text the result is what the general parser gives
 * (the maps are equal; errors about the maps' fields come from the same code, in the same order).
 */
import type { Value } from "../types.js";

const SPACE = 32;
const TAB = 9;
const NEWLINE = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;
const SEMICOLON = 59;
const COLON = 58;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const OPEN_SQUARE = 91;
const CLOSE_SQUARE = 93;
const OPEN_CURLY = 123;
const CLOSE_CURLY = 125;
/** Integers with more digits may not be exact doubles: the general parser decides. */
const MAX_DIGITS = 15;

/** Returned by the value readers when the text is outside the fast path's shape. */
const DECLINE = Symbol("decline");

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

/** Characters allowed in a keyword's name (after the colon); namespaces (`/`) are left to the general parser. */
function isKeywordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= ZERO && c <= NINE) || c === MINUS || c === 95 || c === 63 || c === 33 || c === 42 || c === 43 || c === 46 || c === 60 || c === 62 || c === 61;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === COMMA || c === TAB || c === CR;
}

/** True for what may follow an atom: a separator, the end of a collection, or the end of the line (or text). */
function endsAtom(c: number): boolean {
  return Number.isNaN(c) || c === NEWLINE || isSpace(c) || c === CLOSE_CURLY || c === CLOSE_SQUARE;
}

/** Keywords repeat on every line: the last one read per (first character, length) is reused, not sliced again. */
const KEYWORD_CACHE_SIZE = 256;

/** A cursor over the whole text; values never span lines. */
class EdnLineReader {
  pos = 0;
  private readonly keywords = new Array<string>(KEYWORD_CACHE_SIZE).fill("");

  constructor(readonly text: string) {}

  /** Skips separators up to the end of the line. */
  skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length && isSpace(text.charCodeAt(this.pos))) this.pos++;
  }

  private keyword(start: number, end: number): string {
    const slot = (Math.imul(this.text.charCodeAt(start), 31) + end - start) & (KEYWORD_CACHE_SIZE - 1);
    const cached = this.keywords[slot]!;
    if (cached.length === end - start && this.text.startsWith(cached, start)) return cached;
    const keyword = this.text.slice(start, end);
    this.keywords[slot] = keyword;
    return keyword;
  }

  /** Reads one value at `pos`, or DECLINE. */
  value(): Value | typeof DECLINE {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === COLON) {
      let i = start + 1;
      while (i < text.length && isKeywordChar(text.charCodeAt(i))) i++;
      if (i === start + 1 || !endsAtom(text.charCodeAt(i))) return DECLINE;
      const first = text.charCodeAt(start + 1);
      if (first >= ZERO && first <= NINE) return DECLINE;
      this.pos = i;
      return this.keyword(start + 1, i);
    }
    if ((c >= ZERO && c <= NINE) || c === MINUS) {
      let i = c === MINUS ? start + 1 : start;
      const digits = i;
      let n = 0;
      for (; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d < ZERO || d > NINE) break;
        n = n * 10 + (d - ZERO);
      }
      if (i === digits || i - digits > MAX_DIGITS || !endsAtom(text.charCodeAt(i))) return DECLINE;
      // A leading zero (octal-looking) or "-0" are left to the general parser.
      if (text.charCodeAt(digits) === ZERO && (i - digits > 1 || c === MINUS)) return DECLINE;
      this.pos = i;
      return c === MINUS ? -n : n;
    }
    if (c === QUOTE) {
      const end = text.indexOf('"', start + 1);
      if (end < 0 || !endsAtom(text.charCodeAt(end + 1))) return DECLINE;
      const body = text.slice(start + 1, end);
      if (body.includes("\\") || body.includes("\n")) return DECLINE;
      this.pos = end + 1;
      return body;
    }
    if (c === OPEN_SQUARE) {
      this.pos++;
      const items: Value[] = [];
      for (;;) {
        this.skipSpace();
        if (this.pos >= text.length) return DECLINE;
        if (text.charCodeAt(this.pos) === CLOSE_SQUARE) {
          this.pos++;
          if (!endsAtom(text.charCodeAt(this.pos))) return DECLINE;
          return items;
        }
        const item = this.value();
        if (item === DECLINE) return DECLINE;
        items.push(item);
      }
    }
    if (text.startsWith("nil", start) && endsAtom(text.charCodeAt(start + 3))) {
      this.pos = start + 3;
      return null;
    }
    if (text.startsWith("true", start) && endsAtom(text.charCodeAt(start + 4))) {
      this.pos = start + 4;
      return true;
    }
    if (text.startsWith("false", start) && endsAtom(text.charCodeAt(start + 5))) {
      this.pos = start + 5;
      return false;
    }
    return DECLINE;
  }

  /** Reads `{:k v, …}` at `pos` (keys must be keywords, all on this line), or DECLINE. */
  map(): OpMapFields | typeof DECLINE {
    const text = this.text;
    this.pos++; // the '{'
    // One object shape for every line (a map built key by key would take a slow keyed store per field).
    const out: OpMapFields = { process: undefined, type: undefined, f: undefined, value: undefined, key: undefined };
    for (;;) {
      this.skipSpace();
      if (this.pos >= text.length) return DECLINE;
      const c = text.charCodeAt(this.pos);
      if (c === CLOSE_CURLY) {
        this.pos++;
        return out;
      }
      if (c !== COLON) return DECLINE;
      const key = this.value();
      if (typeof key !== "string" || key === "__proto__") return DECLINE;
      this.skipSpace();
      if (this.pos >= text.length || text.charCodeAt(this.pos) === NEWLINE) return DECLINE;
      const value = this.value();
      if (value === DECLINE) return DECLINE;
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
  }
}

/**
 * Reads the op maps of a one-op-per-line Jepsen history, or returns `undefined` when the text is not in that
 * shape (the caller then uses the general parser). Never throws.
 */
export function readEdnLineMaps(text: string): EdnLineMap[] | undefined {
  const reader = new EdnLineReader(text);
  const maps: EdnLineMap[] = [];
  let opened = false;
  let closed = false;
  let line = 1;
  while (reader.pos < text.length) {
    reader.skipSpace();
    if (reader.pos >= text.length) break;
    const c = text.charCodeAt(reader.pos);
    if (c === NEWLINE) {
      line++;
      reader.pos++;
    } else if (c === SEMICOLON) {
      // A comment runs to the end of the line.
      const end = text.indexOf("\n", reader.pos);
      reader.pos = end < 0 ? text.length : end;
    } else if (closed) {
      return undefined;
    } else if (c === OPEN_SQUARE && !opened) {
      opened = true;
      reader.pos++;
    } else if (c === CLOSE_SQUARE && opened) {
      closed = true;
      reader.pos++;
    } else if (c === OPEN_CURLY && opened) {
      const map = reader.map();
      if (map === DECLINE) return undefined;
      maps.push({ map, line });
    } else {
      return undefined;
    }
  }
  return opened && closed ? maps : undefined;
}
