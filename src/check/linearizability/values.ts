/** Equality, hashing and display of history values (null, numbers, strings, vectors, maps). */
import type { Value } from "./types.js";

/** 32-bit finaliser (murmur3 fmix32): spreads the bits of an integer. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** FNV-1a over UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A hash of any history value, consistent with `valueEqual`. */
export function hashValue(v: Value | undefined): number {
  if (v === null || v === undefined) return 0x2f1c3b5d;
  switch (typeof v) {
    case "number":
      return (v | 0) === v ? mix32(v + 0x3c6ef372) : hashString(`n${v}`);
    case "string":
      return hashString(v);
    case "boolean":
      return v ? 0x1b873593 : 0x5e2d58d8;
    case "bigint":
      return (v >= -0x80000000n && v <= 0x7fffffffn) ? mix32(Number(v) + 0x3c6ef372) : hashString(`n${v}`);
    default:
      break;
  }
  if (Array.isArray(v)) {
    let h = 0x6a09e667 ^ v.length;
    for (const x of v as readonly Value[]) h = mix32(Math.imul(h, 31) + hashValue(x));
    return h;
  }
  let h = 0x510e527f;
  for (const key of Object.keys(v).sort()) {
    h = mix32(Math.imul(h, 31) + hashString(key));
    h = mix32(Math.imul(h, 31) + hashValue((v as { readonly [k: string]: Value })[key]));
  }
  return h;
}

/** Structural equality of history values; integers compare equal across number and bigint. */
export function valueEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== "object" || tb !== "object") {
    if ((ta === "bigint" && tb === "number") || (ta === "number" && tb === "bigint")) {
      return Number.isInteger(Number(a)) && BigInt(a as number) === BigInt(b as number);
    }
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEqual(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const ob = b as { readonly [k: string]: Value };
  if (ka.length !== Object.keys(ob).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(ob, k)) return false;
    if (!valueEqual((a as { readonly [k: string]: Value })[k], ob[k])) return false;
  }
  return true;
}

/** A compact EDN-like rendering for reports: `nil`, `3`, `"x"`, `[1 4]`, `{x 0, y 2}`. */
export function showValue(v: Value | undefined): string {
  if (v === undefined) return "?";
  if (v === null) return "nil";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return `${v}`;
  if (Array.isArray(v)) return `[${(v as readonly Value[]).map(showValue).join(" ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${k} ${showValue(x)}`).join(", ")}}`;
}
