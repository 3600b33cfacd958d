/**
 * Comparing a normalised step with the recorded one: the first differing field wins. Connection-level fields
 * that only a wire client observes (README, "What to ignore") are not compared; `data` is compared as bytes, so
 * any of the README's renderings of the same bytes is equal. Pure.
 */
import { createHash } from "node:crypto";
import { fromBase64, utf8 } from "../../../core/zk/index.js";
import type { Json, JsonObject, TranscriptStep } from "./format.js";
import type { NormalisedStep } from "./normalise.js";

/** Result fields that only exist on the wire, ignored without a wire adapter. */
export const WIRE_ONLY_RESULT_FIELDS: readonly string[] = [
  "read_only",
  "server_closed_connection",
  "connection_closed_by_server",
  "client_side",
  "via",
  "reattach",
  "same_session",
];

/** The first difference found in a step. */
export interface StepDiff {
  /** `result/stat/cversion`, `events/b`, `zxid_after`, … */
  readonly field: string;
  readonly expected: Json | undefined;
  readonly got: Json | undefined;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function dataBytesEqual(expected: Json, got: Json): boolean {
  if (expected === null || got === null) return expected === got;
  if (isObject(expected) && typeof expected.sha256 === "string") {
    return isObject(got) && got.len === expected.len && got.sha256 === expected.sha256;
  }
  const bytes = (v: Json): Uint8Array | undefined =>
    typeof v === "string" ? utf8(v) : isObject(v) && typeof v.base64 === "string" ? fromBase64(v.base64) : undefined;
  const a = bytes(expected);
  if (isObject(got) && typeof got.sha256 === "string") {
    return a !== undefined && a.length === got.len && createHash("sha256").update(a).digest("hex") === got.sha256;
  }
  const b = bytes(got);
  return a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The first path at which two JSON values differ, or `undefined` when equal. */
export function firstDifference(expected: Json | undefined, got: Json | undefined, at: string): StepDiff | undefined {
  if (at.endsWith("/data") && expected !== undefined && got !== undefined) {
    return dataBytesEqual(expected, got) ? undefined : { field: at, expected, got };
  }
  if (Array.isArray(expected) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(expected.length, got.length); i++) {
      const d = firstDifference(expected[i], got[i], `${at}/${i}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(expected) && isObject(got)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])];
    for (const k of keys) {
      const d = firstDifference(expected[k], got[k], `${at}/${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return expected === got ? undefined : { field: at, expected, got };
}

function without(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

function removePath(obj: JsonObject, path: readonly string[]): void {
  let cur: Json | undefined = obj;
  for (let i = 0; i < path.length - 1; i++) cur = isObject(cur) ? cur[path[i]!] : Array.isArray(cur) ? cur[Number(path[i])] : undefined;
  const last = path[path.length - 1]!;
  if (isObject(cur)) delete cur[last];
}

const canonical = (v: Json): string => JSON.stringify(v, (_k, x: unknown) => (isObject(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/**
 * Compares one step. `ignore` holds the transcript's `steps/<i>/<key>/…` entries. Events are compared per session
 * in arrival order, or as a multiset when the step is marked `unordered_events`.
 */
export function compareStep(expected: TranscriptStep, got: NormalisedStep, ignore: readonly string[]): StepDiff | undefined {
  const exp: JsonObject = { result: without(expected.result, WIRE_ONLY_RESULT_FIELDS), events: expected.events as unknown as JsonObject, zxid_after: expected.zxidAfter };
  const mine: JsonObject = { result: without(got.result, WIRE_ONLY_RESULT_FIELDS), events: got.events as unknown as JsonObject, zxid_after: got.zxidAfter };
  if (expected.unorderedEvents) {
    for (const side of [exp, mine]) {
      const ev = side.events as Record<string, Json[]>;
      side.events = Object.fromEntries(Object.entries(ev).map(([k, list]) => [k, [...list].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1))]));
    }
  }
  const prefix = `steps/${expected.index}/`;
  for (const entry of ignore) {
    if (!entry.startsWith(prefix)) continue;
    const path = entry.slice(prefix.length).split("/").filter((p) => p !== "");
    const key = path[0] === "zxid_after" ? ["zxid_after"] : path;
    removePath(exp, key);
    removePath(mine, key);
  }
  const diff = firstDifference(exp, mine, "");
  return diff === undefined ? undefined : { ...diff, field: diff.field.slice(1) };
}
