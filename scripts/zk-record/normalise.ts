/**
 * The recorder's normalisation, written independently of the replayer's (src/adapters/zk/replay/normalise.ts) so
 * that a bug in one is not mirrored by the other: zxids relative to the base (values ≤ 0 kept), session names for
 * ephemeral owners, times as labels t1, t2, … in increasing order over the whole transcript (t0 = 0), `mtime_rel`,
 * data as UTF-8 text / {base64} / {len, sha256}. Pure.
 */
import { createHash } from "node:crypto";
import type { RawStat } from "./jute.js";
import type { RawResult, RawValue } from "./ops.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isStat = (v: unknown): v is RawStat => typeof v === "object" && v !== null && !Buffer.isBuffer(v) && !Array.isArray(v) && "czxid" in v && "pzxid" in v;

function data(b: Buffer | null): Json {
  if (b === null) return null;
  if (b.length > 1024) return { len: b.length, sha256: createHash("sha256").update(b).digest("hex") };
  const text = b.toString("utf8");
  const printable = Buffer.from(text, "utf8").equals(b) && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text);
  return printable ? text : { base64: b.toString("base64") };
}

/** Normalises every step's raw result of one transcript. */
export function normaliseResults(results: readonly RawResult[], base: number, sessions: ReadonlyMap<bigint, string>): Json[] {
  const times = new Set<number>();
  const visit = (v: RawValue): void => {
    if (isStat(v)) {
      times.add(v.ctime);
      times.add(v.mtime);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === "object" && v !== null && !Buffer.isBuffer(v)) Object.values(v).forEach(visit);
  };
  results.forEach(visit);
  const sorted = [...times].filter((t) => t !== 0).sort((a, b) => a - b);
  const label = (t: number) => (t === 0 ? "t0" : `t${sorted.indexOf(t) + 1}`);
  const zxid = (z: number) => (z > 0 ? z - base : z);
  const owner = (o: bigint): Json => (o === 0n ? 0 : (sessions.get(o) ?? `0x${o.toString(16)}`));
  const walk = (v: RawValue, key: string): Json => {
    if (Buffer.isBuffer(v) || (key === "data" && v === null)) return data(v as Buffer | null);
    if (isStat(v)) {
      return {
        czxid: zxid(v.czxid),
        mzxid: zxid(v.mzxid),
        ctime: label(v.ctime),
        mtime: label(v.mtime),
        version: v.version,
        cversion: v.cversion,
        aversion: v.aversion,
        ephemeralOwner: owner(v.ephemeralOwner),
        dataLength: v.dataLength,
        numChildren: v.numChildren,
        pzxid: zxid(v.pzxid),
        mtime_rel: v.mtime === v.ctime ? "=ctime" : v.mtime > v.ctime ? ">ctime" : "<ctime",
      };
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, ""));
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    if (key === "zxid" && typeof v === "number") return zxid(v);
    return v;
  };
  return results.map((r) => walk(r, ""));
}

/** Converts raw values to JSON (for the `raw` debugging copy): stats as plain objects with hex owners, bytes as base64. */
export function rawJson(v: RawValue): Json {
  if (Buffer.isBuffer(v)) return { base64: v.toString("base64") };
  if (isStat(v)) return { ...v, ephemeralOwner: `0x${v.ephemeralOwner.toString(16)}` };
  if (Array.isArray(v)) return v.map(rawJson);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rawJson(x)]));
  return v;
}
