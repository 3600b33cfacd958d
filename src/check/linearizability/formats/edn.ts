/**
 * EDN reading with line numbers. `edn-data` does the parsing; this module finds where each top-level element
 * of a collection starts (so errors can name a line) and rejects unbalanced or mismatched brackets and
 * unterminated strings, which `edn-data` would otherwise accept silently.
 */
import { parseEDNString } from "edn-data";
import type { Value } from "../types.js";
import { HistoryParseError } from "./errors.js";

/** One top-level element of a collection: its text and the line it starts on. */
export interface EdnElement {
  readonly text: string;
  readonly line: number;
}

const OPEN_TO_CLOSE: Record<string, string> = { "[": "]", "(": ")", "{": "}" };

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 44; // space, tab, \n, \r, comma
}

/**
 * Splits EDN text into elements. With `collection: true` the text must hold exactly one vector or list and its
 * elements are returned; otherwise the top-level forms themselves are returned.
 */
export function splitEdn(text: string, file: string, firstLine: number, collection: boolean): EdnElement[] {
  const elements: EdnElement[] = [];
  const stack: { close: string; line: number }[] = [];
  let line = firstLine;
  let elementStart = -1;
  let elementLine = 0;
  let elementDepth = collection ? 1 : 0;
  let topOpened = false;
  let topClosed = false;
  const finish = (end: number): void => {
    if (elementStart >= 0) elements.push({ text: text.slice(elementStart, end), line: elementLine });
    elementStart = -1;
  };
  const begin = (i: number): void => {
    if (collection && !topOpened) throw new HistoryParseError(file, line, "expected the history to be one EDN vector [ … ] or list ( … ) of op maps");
    if (topClosed) throw new HistoryParseError(file, line, "unexpected content after the end of the history's vector");
    if (elementStart < 0) {
      elementStart = i;
      elementLine = line;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (isSpace(c)) {
      if (stack.length === elementDepth && elementStart >= 0 && text.charCodeAt(elementStart) !== 35 /* # */) finish(i);
      continue;
    }
    const ch = text[i]!;
    if (ch === ";") {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 10) i++;
      continue;
    }
    if (collection && stack.length === 0 && (topOpened || (ch !== "[" && ch !== "("))) {
      if (topClosed) throw new HistoryParseError(file, line, "unexpected content after the end of the history's vector");
      throw new HistoryParseError(file, line, `expected the history to be one EDN vector [ … ] or list ( … ) of op maps, found '${ch}'`);
    }
    if (ch === '"') {
      if (stack.length >= elementDepth) begin(i);
      const startLine = line;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        else if (text.charCodeAt(i) === 10) line++;
        i++;
      }
      if (i >= text.length) throw new HistoryParseError(file, startLine, "unterminated string");
      if (stack.length === elementDepth) finish(i + 1);
      continue;
    }
    if (ch === "\\") {
      if (stack.length >= elementDepth) begin(i);
      i++; // a character literal: the next character is taken literally
      continue;
    }
    const close = OPEN_TO_CLOSE[ch];
    if (close !== undefined) {
      if (collection && !topOpened && stack.length === 0) {
        if (ch === "{") throw new HistoryParseError(file, line, "expected the history to be one EDN vector [ … ] or list ( … ) of op maps, found a map");
        if (topClosed) throw new HistoryParseError(file, line, "unexpected content after the end of the history's vector");
        topOpened = true;
      } else {
        begin(i);
      }
      stack.push({ close, line });
      continue;
    }
    if (ch === "]" || ch === ")" || ch === "}") {
      const open = stack.pop();
      if (open === undefined) throw new HistoryParseError(file, line, `unexpected '${ch}' with nothing open`);
      if (open.close !== ch) {
        throw new HistoryParseError(file, line, `expected '${open.close}' to close the bracket opened on line ${open.line}, found '${ch}'`);
      }
      if (stack.length === elementDepth - 1) {
        finish(i); // closing the top-level collection ends any atom before it
        topClosed = true;
      } else if (stack.length === elementDepth) {
        finish(i + 1);
      }
      continue;
    }
    if (stack.length >= elementDepth) begin(i);
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1]!;
    throw new HistoryParseError(file, open.line, `'${open.close}' missing: the bracket opened here is never closed`);
  }
  finish(text.length);
  if (collection && !topOpened) throw new HistoryParseError(file, line, "empty file: expected an EDN vector [ … ] of op maps");
  return elements;
}

/** Parses one EDN element into plain data: keywords become strings, nil null, maps objects, lists arrays. */
export function parseEdnValue(text: string, file: string, line: number): Value {
  let parsed: unknown;
  try {
    parsed = parseEDNString(text, { mapAs: "doubleArray", keywordAs: "string", listAs: "array", setAs: "array", symbolAs: "string", charAs: "string" });
  } catch (error) {
    throw new HistoryParseError(file, line, `invalid EDN: ${(error as Error).message}`);
  }
  return toValue(parsed, file, line);
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
