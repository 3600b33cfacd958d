/**
 * EDN reading with line numbers. `edn-data` does the parsing; this module finds where each top-level element
 * of a collection starts (so errors can name a line) and rejects unbalanced or mismatched brackets and
 * unterminated strings, which `edn-data` would otherwise accept silently.
 */
import { createRequire } from "node:module";
import type * as EdnData from "edn-data";
// The stream parser is not re-exported from the package index; edn-data has no exports map, so this is public.
import type * as EdnDataParse from "edn-data/dist/parse.js";
import type { Value } from "../types.js";
import { HistoryParseError } from "./errors.js";

/** One top-level element of a collection: its text and the line it starts on. */
export interface EdnElement {
  readonly text: string;
  readonly line: number;
}

const SPACE = 32;
const TAB = 9;
const NEWLINE = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;
const SEMICOLON = 59;
const HASH = 35;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_SQUARE = 91;
const CLOSE_SQUARE = 93;
const OPEN_CURLY = 123;
const CLOSE_CURLY = 125;

function closerOf(c: number): number {
  return c === OPEN_PAREN ? CLOSE_PAREN : c === OPEN_SQUARE ? CLOSE_SQUARE : c === OPEN_CURLY ? CLOSE_CURLY : -1;
}

/**
 * Splits EDN text into elements. With `collection: true` the text must hold exactly one vector or list and its
 * elements are returned; otherwise the top-level forms themselves are returned.
 */
export function splitEdn(text: string, file: string, firstLine: number, collection: boolean): EdnElement[] {
  const elements: EdnElement[] = [];
  const closers: number[] = [];
  const openLines: number[] = [];
  const elementDepth = collection ? 1 : 0;
  let line = firstLine;
  let elementStart = -1;
  let elementLine = 0;
  let topOpened = false;
  let topClosed = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === COMMA || c === TAB || c === NEWLINE || c === CR) {
      if (c === NEWLINE) line++;
      if (elementStart >= 0 && closers.length === elementDepth && text.charCodeAt(elementStart) !== HASH) {
        elements.push({ text: text.slice(elementStart, i), line: elementLine });
        elementStart = -1;
      }
      continue;
    }
    if (c === SEMICOLON) {
      while (i + 1 < n && text.charCodeAt(i + 1) !== NEWLINE) i++;
      continue;
    }
    const depth = closers.length;
    if (collection && depth === 0) {
      if (topClosed) throw new HistoryParseError(file, line, "unexpected content after the end of the history's vector");
      if (c === OPEN_CURLY) throw new HistoryParseError(file, line, "expected the history to be one EDN vector [ … ] or list ( … ) of op maps, found a map");
      if (c !== OPEN_SQUARE && c !== OPEN_PAREN) {
        throw new HistoryParseError(file, line, `expected the history to be one EDN vector [ … ] or list ( … ) of op maps, found '${text[i]}'`);
      }
      topOpened = true;
      closers.push(closerOf(c));
      openLines.push(line);
      continue;
    }
    const closer = closerOf(c);
    if (closer !== -1) {
      if (elementStart < 0) {
        elementStart = i;
        elementLine = line;
      }
      closers.push(closer);
      openLines.push(line);
      continue;
    }
    if (c === CLOSE_SQUARE || c === CLOSE_PAREN || c === CLOSE_CURLY) {
      const expected = closers.pop();
      const openLine = openLines.pop();
      if (expected === undefined) throw new HistoryParseError(file, line, `unexpected '${text[i]}' with nothing open`);
      if (expected !== c) {
        throw new HistoryParseError(file, line, `expected '${String.fromCharCode(expected)}' to close the bracket opened on line ${openLine}, found '${text[i]}'`);
      }
      if (depth - 1 === elementDepth - 1) {
        // Closing the top-level collection ends any atom before it.
        if (elementStart >= 0) elements.push({ text: text.slice(elementStart, i), line: elementLine });
        elementStart = -1;
        topClosed = true;
      } else if (depth - 1 === elementDepth && elementStart >= 0) {
        elements.push({ text: text.slice(elementStart, i + 1), line: elementLine });
        elementStart = -1;
      }
      continue;
    }
    if (elementStart < 0) {
      elementStart = i;
      elementLine = line;
    }
    if (c === QUOTE) {
      const startLine = line;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        if (d === BACKSLASH) i++;
        else if (d === NEWLINE) line++;
        i++;
      }
      if (i >= n) throw new HistoryParseError(file, startLine, "unterminated string");
      if (depth === elementDepth) {
        elements.push({ text: text.slice(elementStart, i + 1), line: elementLine });
        elementStart = -1;
      }
    } else if (c === BACKSLASH) {
      i++; // a character literal: the next character is taken literally
    }
  }
  if (closers.length > 0) {
    const close = String.fromCharCode(closers[closers.length - 1]!);
    throw new HistoryParseError(file, openLines[openLines.length - 1]!, `'${close}' missing: the bracket opened here is never closed`);
  }
  if (elementStart >= 0) elements.push({ text: text.slice(elementStart), line: elementLine });
  if (collection && !topOpened) throw new HistoryParseError(file, line, "empty file: expected an EDN vector [ … ] of op maps");
  return elements;
}

/**
 * `edn-data`, loaded on first use: one-op-per-line histories never need it (jepsen-edn-lines.ts), and loading it
 * costs a few milliseconds of every `quorate check` start-up. The package is CommonJS, so `require` loads it in
 * place, synchronously.
 */
let ednData: { readonly parseEDNString: typeof EdnData.parseEDNString; readonly EDNListParser: typeof EdnDataParse.EDNListParser } | undefined;
function loadEdnData(): NonNullable<typeof ednData> {
  if (ednData === undefined) {
    const require = createRequire(import.meta.url);
    const index = require("edn-data") as typeof EdnData;
    const parse = require("edn-data/dist/parse.js") as typeof EdnDataParse;
    ednData = { parseEDNString: index.parseEDNString, EDNListParser: parse.EDNListParser };
  }
  return ednData;
}

const EDN_OPTIONS = { mapAs: "doubleArray", keywordAs: "string", listAs: "array", setAs: "array", symbolAs: "string", charAs: "string" } as const;

/** Parses one EDN element into plain data: keywords become strings, nil null, maps objects, lists arrays. */
export function parseEdnValue(text: string, file: string, line: number): Value {
  let parsed: unknown;
  try {
    parsed = loadEdnData().parseEDNString(text, EDN_OPTIONS);
  } catch (error) {
    throw new HistoryParseError(file, line, `invalid EDN: ${(error as Error).message}`);
  }
  return toValue(parsed, file, line);
}

/**
 * Reads the elements of one file with a single `edn-data` stream parser, parsing each distinct element text
 * once: histories repeat the same op maps often. Values are shared, so callers treat them as immutable.
 * Feed it only elements `splitEdn` has delimited (balanced, complete).
 */
export class EdnReader {
  private readonly parser = new (loadEdnData().EDNListParser)(EDN_OPTIONS);
  private readonly memo = new Map<string, Value>();

  constructor(private readonly file: string) {
    this.parser.next("(");
  }

  read(text: string, line: number): Value {
    const hit = this.memo.get(text);
    if (hit !== undefined) return hit;
    let values: unknown[];
    try {
      // Two spaces: the first ends a trailing atom, the second lets the parser hand over the finished value.
      values = this.parser.next(`${text}  `);
    } catch (error) {
      throw new HistoryParseError(this.file, line, `invalid EDN: ${(error as Error).message}`);
    }
    if (values.length !== 1) throw new HistoryParseError(this.file, line, `invalid EDN: expected one value, read ${values.length}`);
    const value = toValue(values[0], this.file, line);
    this.memo.set(text, value);
    return value;
  }
}

function toValue(v: unknown, file: string, line: number): Value {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return v;
  if (Array.isArray(v)) return v.map((x) => toValue(x, file, line));
  if (typeof v === "object" && v !== null && "map" in v && Array.isArray((v as { map: unknown }).map)) {
    const out: { [k: string]: Value } = {};
    for (const pair of (v as { map: [unknown, unknown][] }).map) {
      const key = pair[0];
      out[typeof key === "string" ? key : JSON.stringify(toValue(key, file, line), bigintSafe)] = toValue(pair[1], file, line);
    }
    return out;
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object" && v !== null && "tag" in v) return toValue((v as unknown as { val: unknown }).val, file, line);
  throw new HistoryParseError(file, line, `unsupported EDN value ${String(v)}`);
}

function bigintSafe(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}
