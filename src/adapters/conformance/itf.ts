/**
 * Reading ITF (the Informal Trace Format, https://apalache-mc.org/docs/adr/015adr-trace.html) as written by
 * `quint run --out-itf [--mbt]`, into plain values. Pure: parsing only, no I/O.
 *
 * Decoding: `{"#bigint": "5"}` → 5 (a JS number; an integer outside the safe range is an error), `{"#set": […]}`
 * and `{"#tup": […]}` → arrays, `{"#map": [[k, v], …]}` → {@link ItfMap} (a Map keyed by the canonical JSON of
 * the decoded key), records → objects, lists → arrays, strings and booleans as they are.
 */

/** A decoded ITF value. */
export type ItfValue = number | string | boolean | ItfValue[] | ItfMap | { [field: string]: ItfValue };

/** A decoded ITF map: keys are kept decoded, lookups go through {@link itfGet}. */
export class ItfMap {
  readonly entries: ReadonlyArray<readonly [ItfValue, ItfValue]>;
  private readonly byKey: Map<string, ItfValue>;
  constructor(entries: ReadonlyArray<readonly [ItfValue, ItfValue]>) {
    this.entries = entries;
    this.byKey = new Map(entries.map(([k, v]) => [canonical(k), v]));
  }
  /** The value at `key`, or undefined. */
  get(key: ItfValue): ItfValue | undefined {
    return this.byKey.get(canonical(key));
  }
}

/** A trace file is not the ITF that Quint writes. */
export class ItfFormatError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "ITF_FORMAT";
  constructor(where: string, detail: string) {
    super(`malformed ITF at ${where}: ${detail}; regenerate the trace with quint run --out-itf`);
    this.name = "ItfFormatError";
  }
}

/** One state of a trace, with the `--mbt` metadata when present. */
export interface ItfState {
  readonly vars: Readonly<Record<string, ItfValue>>;
  /** The action that produced this state (`init` for the first), from `mbt::actionTaken`. */
  readonly action: string | undefined;
  /** The nondeterministic picks of that action that were made (`mbt::nondetPicks`, `Some` only). */
  readonly picks: Readonly<Record<string, ItfValue>>;
}

/** A decoded trace. */
export interface ItfTrace {
  readonly source: string;
  readonly vars: readonly string[];
  readonly states: readonly ItfState[];
}

/** A stable text form of a decoded value, for map keys and set comparison. */
export function canonical(v: ItfValue): string {
  if (v instanceof ItfMap) return `{#map:[${v.entries.map(([k, x]) => `[${canonical(k)},${canonical(x)}]`).sort().join(",")}]}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`).join(",")}}`;
  return JSON.stringify(v);
}

/** Decodes one ITF value. `where` names its position for error messages. */
export function decodeValue(raw: unknown, where: string): ItfValue {
  if (typeof raw === "string" || typeof raw === "boolean") return raw;
  if (typeof raw === "number") {
    if (!Number.isSafeInteger(raw)) throw new ItfFormatError(where, `number ${raw} is not a safe integer`);
    return raw;
  }
  if (Array.isArray(raw)) return raw.map((x, i) => decodeValue(x, `${where}[${i}]`));
  if (raw === null || typeof raw !== "object") throw new ItfFormatError(where, `unexpected ${raw === null ? "null" : typeof raw}`);
  const o = raw as Record<string, unknown>;
  if ("#bigint" in o) {
    const text = o["#bigint"];
    if (typeof text !== "string" || !/^-?\d+$/.test(text)) throw new ItfFormatError(where, `bad #bigint ${JSON.stringify(text)}`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new ItfFormatError(where, `integer ${text} is outside the safe range`);
    return n;
  }
  if ("#set" in o || "#tup" in o) {
    const items = o["#set"] ?? o["#tup"];
    if (!Array.isArray(items)) throw new ItfFormatError(where, "#set/#tup must hold an array");
    return items.map((x, i) => decodeValue(x, `${where}[${i}]`));
  }
  if ("#map" in o) {
    const pairs = o["#map"];
    if (!Array.isArray(pairs)) throw new ItfFormatError(where, "#map must hold an array of pairs");
    return new ItfMap(pairs.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) throw new ItfFormatError(`${where}[${i}]`, "a #map entry must be a [key, value] pair");
      return [decodeValue(p[0], `${where}[${i}].key`), decodeValue(p[1], `${where}[${i}].value`)] as const;
    }));
  }
  if ("#unserializable" in o) throw new ItfFormatError(where, "unserializable value");
  const rec: Record<string, ItfValue> = {};
  for (const [k, v] of Object.entries(o)) rec[k] = decodeValue(v, `${where}.${k}`);
  return rec;
}

/** Parses the text of an ITF file written by `quint run --out-itf` (with `--mbt` for action names and picks). */
export function parseItf(text: string, source = "trace"): ItfTrace {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ItfFormatError(source, `not JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== "object") throw new ItfFormatError(source, "not an object");
  const doc = raw as { vars?: unknown; states?: unknown };
  if (!Array.isArray(doc.vars) || !doc.vars.every((v) => typeof v === "string")) throw new ItfFormatError(source, "vars must be a list of names");
  if (!Array.isArray(doc.states) || doc.states.length === 0) throw new ItfFormatError(source, "states must be a non-empty list");
  const vars = (doc.vars as string[]).filter((v) => !v.startsWith("mbt::"));
  const states = doc.states.map((s, i): ItfState => {
    const where = `${source} state ${i}`;
    if (s === null || typeof s !== "object") throw new ItfFormatError(where, "a state must be an object");
    const st = s as Record<string, unknown>;
    const values: Record<string, ItfValue> = {};
    for (const v of vars) {
      if (!(v in st)) throw new ItfFormatError(where, `variable ${v} missing`);
      values[v] = decodeValue(st[v], `${where}.${v}`);
    }
    const action = typeof st["mbt::actionTaken"] === "string" ? st["mbt::actionTaken"] : undefined;
    const picks: Record<string, ItfValue> = {};
    const rawPicks = st["mbt::nondetPicks"];
    if (rawPicks !== undefined && rawPicks !== null && typeof rawPicks === "object") {
      for (const [k, p] of Object.entries(rawPicks as Record<string, unknown>)) {
        const opt = p as { tag?: unknown; value?: unknown } | null;
        if (opt?.tag === "Some") picks[k] = decodeValue(opt.value, `${where}.picks.${k}`);
      }
    }
    return { vars: values, action, picks };
  });
  return { source, vars, states };
}

// ---- Typed accessors: each throws ItfFormatError naming the place when the shape is not what a spec promises.

/** The value as an integer. */
export function int(v: ItfValue | undefined, where: string): number {
  if (typeof v !== "number") throw new ItfFormatError(where, `expected an integer, got ${v === undefined ? "nothing" : canonical(v)}`);
  return v;
}
/** The value as a string. */
export function str(v: ItfValue | undefined, where: string): string {
  if (typeof v !== "string") throw new ItfFormatError(where, `expected a string, got ${v === undefined ? "nothing" : canonical(v)}`);
  return v;
}
/** The value as a boolean. */
export function bool(v: ItfValue | undefined, where: string): boolean {
  if (typeof v !== "boolean") throw new ItfFormatError(where, `expected a boolean, got ${v === undefined ? "nothing" : canonical(v)}`);
  return v;
}
/** The value as a list (or set, or tuple). */
export function list(v: ItfValue | undefined, where: string): ItfValue[] {
  if (!Array.isArray(v)) throw new ItfFormatError(where, `expected a list, got ${v === undefined ? "nothing" : canonical(v)}`);
  return v;
}
/** The value as a record. */
export function record(v: ItfValue | undefined, where: string): Record<string, ItfValue> {
  if (v === undefined || typeof v !== "object" || Array.isArray(v) || v instanceof ItfMap) {
    throw new ItfFormatError(where, `expected a record, got ${v === undefined ? "nothing" : canonical(v)}`);
  }
  return v;
}
/** The value as a map. */
export function map(v: ItfValue | undefined, where: string): ItfMap {
  if (!(v instanceof ItfMap)) throw new ItfFormatError(where, `expected a map, got ${v === undefined ? "nothing" : canonical(v)}`);
  return v;
}
/** `m.get(key)`, which must exist. */
export function itfGet(m: ItfMap, key: ItfValue, where: string): ItfValue {
  const v = m.get(key);
  if (v === undefined) throw new ItfFormatError(where, `no key ${canonical(key)}`);
  return v;
}
