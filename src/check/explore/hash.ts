/**
 * Canonical hashing of plain data (what cores exchange as messages): numbers, strings, booleans, null and
 * undefined, arrays, byte arrays, Maps, Sets and plain objects (keys sorted, so construction order is irrelevant).
 * @module
 */
import type { Hasher } from "../../core/fingerprint.js";

/** Feeds `v` to `h` canonically: equal data gives equal input whatever order its object keys were created in. */
export function hashValue(h: Hasher, v: unknown): void {
  switch (typeof v) {
    case "number":
      h.int(1).num(v);
      return;
    case "string":
      h.int(2).str(v);
      return;
    case "boolean":
      h.int(3).bool(v);
      return;
    case "undefined":
      h.int(4);
      return;
    case "bigint":
      h.int(5).str(v.toString(16));
      return;
    case "object":
      break;
    default:
      throw new TypeError(`hashValue: cannot hash a ${typeof v}`);
  }
  if (v === null) {
    h.int(6);
  } else if (v instanceof Uint8Array) {
    h.int(7).bytes(v);
  } else if (Array.isArray(v)) {
    h.int(8).int(v.length);
    for (const x of v) hashValue(h, x);
  } else if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [sortKey(k), k, x] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    h.int(9).int(entries.length);
    for (const [, k, x] of entries) {
      hashValue(h, k);
      hashValue(h, x);
    }
  } else if (v instanceof Set) {
    const items = [...v].map((k) => [sortKey(k), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    h.int(10).int(items.length);
    for (const [, k] of items) hashValue(h, k);
  } else {
    const keys = Object.keys(v).sort();
    h.int(11).int(keys.length);
    for (const k of keys) {
      h.str(k);
      hashValue(h, (v as Record<string, unknown>)[k]);
    }
  }
}

function sortKey(k: unknown): string {
  return typeof k === "number" ? `n${k.toString().padStart(24, "0")}` : `${typeof k}:${String(k)}`;
}
