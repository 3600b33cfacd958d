/**
 * Normalisation of quorate's raw answers the way the golden README normalises ZooKeeper's: zxids relative to the
 * base, session names for ephemeral owners, times replaced by labels `t1, t2, …` in increasing order over the
 * whole transcript (`t0` = 0), `mtime_rel`, data as a string / `{base64}` / `{len, sha256}`. Pure.
 */
import { createHash } from "node:crypto";
import type { Stat } from "../../../core/zk/index.js";
import type { Json, JsonObject } from "./format.js";
import type { RawRun, RawValue } from "./run.js";

/** A step after normalisation, shaped like a transcript entry. */
export interface NormalisedStep {
  readonly result: JsonObject;
  readonly events: Record<string, JsonObject[]>;
  readonly zxidAfter: number;
}

const isStat = (v: unknown): v is Stat => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && "czxid" in v && "cversion" in v;

/** Relative zxid: `raw − base` when raw > 0, raw otherwise. */
export function relativeZxid(raw: number, base: number): number {
  return raw > 0 ? raw - base : raw;
}

/** ZooKeeper-style data rendering: UTF-8 text when printable, base64 otherwise, length + SHA-256 above 1 KiB. */
export function renderData(data: Uint8Array | null): Json {
  if (data === null) return null;
  if (data.length > 1024) return { len: data.length, sha256: createHash("sha256").update(data).digest("hex") };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return { base64: Buffer.from(data).toString("base64") };
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text) ? { base64: Buffer.from(data).toString("base64") } : text;
}

function collectTimes(v: RawValue, out: Set<number>): void {
  if (isStat(v)) {
    out.add(v.ctime);
    out.add(v.mtime);
  } else if (Array.isArray(v)) for (const x of v) collectTimes(x, out);
  else if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) for (const x of Object.values(v)) collectTimes(x as RawValue, out);
}

/** Normalises a whole run (time labels need every step's stats). */
export function normaliseRun(run: RawRun): NormalisedStep[] {
  const times = new Set<number>();
  for (const step of run.steps) collectTimes(step.result, times);
  const labels = new Map<number, string>([[0, "t0"]]);
  [...times].filter((t) => t !== 0).sort((a, b) => a - b).forEach((t, i) => labels.set(t, `t${i + 1}`));
  const owner = (id: number): Json => (id === 0 ? 0 : (run.sessionNames.get(id) ?? `0x${id.toString(16)}`));
  const stat = (s: Stat): JsonObject => ({
    czxid: relativeZxid(s.czxid, run.baseZxid),
    mzxid: relativeZxid(s.mzxid, run.baseZxid),
    ctime: labels.get(s.ctime)!,
    mtime: labels.get(s.mtime)!,
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: owner(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: relativeZxid(s.pzxid, run.baseZxid),
    mtime_rel: s.mtime === s.ctime ? "=ctime" : s.mtime > s.ctime ? ">ctime" : "<ctime",
  });
  const walk = (v: RawValue, key: string): Json => {
    if (v instanceof Uint8Array || (key === "data" && v === null)) return renderData(v as Uint8Array | null);
    if (isStat(v)) return stat(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, ""));
    if (typeof v === "object" && v !== null) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x as RawValue, k);
      return out;
    }
    if (key === "zxid" && typeof v === "number") return relativeZxid(v, run.baseZxid);
    return v as Json;
  };
  return run.steps.map((step) => {
    const events: Record<string, JsonObject[]> = {};
    for (const [name, list] of Object.entries(step.events)) {
      if (list.length > 0) events[name] = list.map((e) => ({ type: e.type, state: e.state, path: e.path }));
    }
    return { result: walk(step.result, "") as JsonObject, events, zxidAfter: relativeZxid(step.zxidAfter, run.baseZxid) };
  });
}
