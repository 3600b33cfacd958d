/**
 * Transcript step ops (the `zk-golden/1` vocabulary) as wire requests, and their replies as raw results. Pure.
 * A create's opcode follows the mode as the Java client does (19 CONTAINER, 21 TTL modes, 15 create2, 1 create);
 * `opcode` and `flags` override the header opcode and the body's flags, the body layout staying that of the mode.
 * Request bodies are encoded with the project's codec (src/adapters/zk-wire); replies are read field by field here
 * because a real server's session ids exceed 2^53 and the normaliser needs them exact (the codec's Stat is numbers).
 */
import type { Acl, CreateOpcode, CreateRequest, MultiOp } from "../../src/core/zk/index.js";
import type { JuteReader } from "../../src/adapters/zk-wire/jute.js";
import { encodeWith } from "../../src/adapters/zk-wire/jute.js";
import { createCodec, MultiRequestCodec, PathCodec, PathVersionCodec, PathWatchCodec, SetDataCodec } from "../../src/adapters/zk-wire/records.js";
import type { RawStat } from "./jute.js";
import { CODE_NAMES, MODE_FLAGS, PERMS, readRawStat } from "./jute.js";

/** A JSON step as written in a scenario. */
export type Step = Record<string, unknown>;

/** A raw result value: JSON, a Stat or bytes (normalised later). */
export type RawValue = null | boolean | number | string | RawStat | Buffer | RawValue[] | { [key: string]: RawValue };
/** A raw result object. */
export type RawResult = { [key: string]: RawValue };

/** A request ready to send. */
export interface WireRequest {
  readonly opcode: number;
  readonly body: Uint8Array;
  /** Decodes the body of an OK reply into result fields. */
  readonly decode: (r: JuteReader) => RawResult;
}

function inputData(v: unknown): Buffer | null {
  if (v === undefined) return Buffer.alloc(0);
  if (v === null) return null;
  if (typeof v === "string") return Buffer.from(v, "utf8");
  const o = v as { base64?: string; len?: number };
  if (typeof o.base64 === "string") return Buffer.from(o.base64, "base64");
  return Buffer.alloc(o.len ?? 0, 0x78);
}

function inputAcl(v: unknown): Acl[] {
  if (v === undefined) return [{ perms: 31, scheme: "world", id: "anyone" }];
  return (v as { perms: number | string; scheme: string; id: string }[]).map((a) => ({
    perms: typeof a.perms === "number" ? a.perms : a.perms.split("|").reduce((n, p) => n | PERMS[p]!, 0),
    scheme: a.scheme,
    id: a.id,
  }));
}

/** The opcode a create step uses by default, and whether its body carries a ttl. */
function createShape(s: Step): { opcode: number; withTtl: boolean; flags: number } {
  const mode = (s.mode as string | undefined) ?? "PERSISTENT";
  const flags = MODE_FLAGS[mode];
  if (flags === undefined) throw new Error(`unknown mode ${mode}`);
  const withTtl = mode.endsWith("_WITH_TTL");
  const natural = mode === "CONTAINER" ? 19 : withTtl ? 21 : s.op === "create2" ? 15 : 1;
  return { opcode: typeof s.opcode === "number" ? s.opcode : natural, withTtl, flags: typeof s.flags === "number" ? s.flags : flags };
}

/** The create as the codec's record; `bodyOpcode` picks the layout (21 = CreateTTLRequest, with its ttl). */
function createRequest(s: Step, bodyOpcode: CreateOpcode): CreateRequest {
  const { flags } = createShape(s);
  return { type: "create", opcode: bodyOpcode, path: s.path as string, data: inputData(s.data), acl: inputAcl(s.acl), flags, ttl: typeof s.ttl === "number" ? s.ttl : -1 };
}

function createBody(s: Step): Uint8Array {
  const bodyOpcode: CreateOpcode = createShape(s).withTtl ? 21 : 1;
  return encodeWith((w) => createCodec(bodyOpcode).write(w, createRequest(s, bodyOpcode)));
}

const version = (s: Step): number => (s.version as number | undefined) ?? -1;
const stat = (r: JuteReader): RawResult => ({ stat: readRawStat(r) });
const data = (r: JuteReader): Buffer | null => {
  const b = r.buffer();
  return b === null ? null : Buffer.from(b);
};
const pathWatch = (s: Step): Uint8Array => encodeWith((w) => PathWatchCodec.write(w, { path: s.path as string, watch: s.watch === true }));
const pathOnly = (path: string): Uint8Array => encodeWith((w) => PathCodec.write(w, path));

/** The wire request for one op step. */
export function encodeOp(s: Step): WireRequest {
  const path = s.path as string;
  switch (s.op) {
    case "create":
    case "create2": {
      const { opcode } = createShape(s);
      return { opcode, body: createBody(s), decode: (r): RawResult => (opcode === 1 ? { path: r.ustring() } : { path: r.ustring(), stat: readRawStat(r) }) };
    }
    case "delete":
      return { opcode: 2, body: encodeWith((w) => PathVersionCodec.write(w, { path, version: version(s) })), decode: () => ({}) };
    case "exists":
      return { opcode: 3, body: pathWatch(s), decode: stat };
    case "getData":
      return { opcode: 4, body: pathWatch(s), decode: (r) => ({ data: data(r), stat: readRawStat(r) }) };
    case "setData":
      return { opcode: 5, body: encodeWith((w) => SetDataCodec.write(w, { path, data: inputData(s.data), version: version(s) })), decode: stat };
    case "getChildren":
      return { opcode: 8, body: pathWatch(s), decode: (r) => ({ children: r.strings().sort() }) };
    case "getChildren2":
      return { opcode: 12, body: pathWatch(s), decode: (r) => ({ children: r.strings().sort(), stat: readRawStat(r) }) };
    case "sync":
      return { opcode: 9, body: pathOnly(path), decode: (r) => ({ path: r.ustring() }) };
    case "getEphemerals":
      return { opcode: 103, body: pathOnly(s.prefix as string), decode: (r) => ({ paths: r.strings().sort() }) };
    case "getAllChildrenNumber":
      return { opcode: 104, body: pathOnly(path), decode: (r) => ({ number: r.int() }) };
    case "multi":
      return { opcode: 14, body: encodeWith((w) => MultiRequestCodec.write(w, (s.ops as Step[]).map(multiOp))), decode: (r) => ({ results: multiResults(r) }) };
    default:
      throw new Error(`the recorder does not send op ${JSON.stringify(s.op)}`);
  }
}

const CREATE_OPCODES: readonly number[] = [1, 15, 19, 21];

/** One sub-op of a multi as the codec's record (a create's header opcode selects its body layout there). */
function multiOp(o: Step): MultiOp {
  const path = o.path as string;
  switch (o.op) {
    case "create":
    case "create2": {
      const { opcode, withTtl } = createShape(o);
      if (!CREATE_OPCODES.includes(opcode) || withTtl !== (opcode === 21)) throw new Error(`the recorder does not send a multi create with opcode ${opcode} and mode ${String(o.mode)}`);
      return createRequest(o, opcode as CreateOpcode);
    }
    case "delete":
      return { type: "delete", path, version: version(o) };
    case "check":
      return { type: "check", path, version: version(o) };
    case "setData":
      return { type: "setData", path, data: inputData(o.data), version: version(o) };
    default:
      throw new Error(`the recorder does not send sub-op ${JSON.stringify(o.op)}`);
  }
}

const RESULT_TYPES: Record<number, string> = { 1: "create", 15: "create2", 2: "delete", 5: "setData", 13: "check", 4: "getData", 8: "getChildren", [-1]: "error" };

function multiResults(r: JuteReader): RawValue[] {
  const out: RawValue[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int();
    if (done) return out;
    const name = RESULT_TYPES[type] ?? `type${type}`;
    if (type === -1) {
      const err = r.int();
      out.push({ type: "error", err: CODE_NAMES[err] ?? `UNKNOWN(${err})`, code: err });
      continue;
    }
    const base: RawResult = { type: name, err: "OK", code: 0 };
    if (type === 1) base.path = r.ustring();
    else if (type === 15) Object.assign(base, { path: r.ustring(), stat: readRawStat(r) });
    else if (type === 5) base.stat = readRawStat(r);
    else if (type === 4) Object.assign(base, { data: data(r), stat: readRawStat(r) });
    else if (type === 8) base.children = r.strings().sort();
    out.push(base);
  }
}
