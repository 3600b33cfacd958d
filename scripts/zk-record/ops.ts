/**
 * Transcript step ops (the `zk-golden/1` vocabulary) as wire requests, and their replies as raw results. Pure.
 * A create's opcode follows the mode as the Java client does (19 CONTAINER, 21 TTL modes, 15 create2, 1 create);
 * `opcode` and `flags` override the header opcode and the body's flags, the body layout staying that of the mode.
 */
import type { RawAcl, RawStat } from "./jute.js";
import { CODE_NAMES, JuteReader, JuteWriter, MODE_FLAGS, PERMS } from "./jute.js";

/** A JSON step as written in a scenario. */
export type Step = Record<string, unknown>;

/** A raw result value: JSON, a Stat or bytes (normalised later). */
export type RawValue = null | boolean | number | string | RawStat | Buffer | RawValue[] | { [key: string]: RawValue };
/** A raw result object. */
export type RawResult = { [key: string]: RawValue };

/** A request ready to send. */
export interface WireRequest {
  readonly opcode: number;
  readonly body: Buffer;
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

function inputAcl(v: unknown): RawAcl[] {
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

function createBody(s: Step): Buffer {
  const { withTtl, flags } = createShape(s);
  const w = new JuteWriter()
    .string(s.path as string)
    .buffer(inputData(s.data))
    .acl(inputAcl(s.acl))
    .int(flags);
  if (withTtl) w.long(typeof s.ttl === "number" ? s.ttl : -1);
  return w.bytes();
}

const stat = (r: JuteReader): RawResult => ({ stat: r.stat() });

/** The wire request for one op step. */
export function encodeOp(s: Step): WireRequest {
  const path = s.path as string;
  const watch = s.watch === true;
  switch (s.op) {
    case "create":
    case "create2": {
      const { opcode } = createShape(s);
      return { opcode, body: createBody(s), decode: (r): RawResult => (opcode === 1 ? { path: r.string() } : { path: r.string(), stat: r.stat() }) };
    }
    case "delete":
      return { opcode: 2, body: new JuteWriter().string(path).int((s.version as number | undefined) ?? -1).bytes(), decode: () => ({}) };
    case "exists":
      return { opcode: 3, body: new JuteWriter().string(path).bool(watch).bytes(), decode: stat };
    case "getData":
      return { opcode: 4, body: new JuteWriter().string(path).bool(watch).bytes(), decode: (r) => ({ data: r.buffer(), stat: r.stat() }) };
    case "setData":
      return { opcode: 5, body: new JuteWriter().string(path).buffer(inputData(s.data)).int((s.version as number | undefined) ?? -1).bytes(), decode: stat };
    case "getChildren":
      return { opcode: 8, body: new JuteWriter().string(path).bool(watch).bytes(), decode: (r) => ({ children: r.strings().sort() }) };
    case "getChildren2":
      return { opcode: 12, body: new JuteWriter().string(path).bool(watch).bytes(), decode: (r) => ({ children: r.strings().sort(), stat: r.stat() }) };
    case "sync":
      return { opcode: 9, body: new JuteWriter().string(path).bytes(), decode: (r) => ({ path: r.string() }) };
    case "getEphemerals":
      return { opcode: 103, body: new JuteWriter().string(s.prefix as string).bytes(), decode: (r) => ({ paths: r.strings().sort() }) };
    case "getAllChildrenNumber":
      return { opcode: 104, body: new JuteWriter().string(path).bytes(), decode: (r) => ({ number: r.int() }) };
    case "multi":
      return { opcode: 14, body: multiBody(s.ops as Step[]), decode: (r) => ({ results: multiResults(r) }) };
    default:
      throw new Error(`the recorder does not send op ${JSON.stringify(s.op)}`);
  }
}

const SUB_OPCODES: Record<string, number> = { delete: 2, setData: 5, check: 13 };

function multiBody(ops: readonly Step[]): Buffer {
  const w = new JuteWriter();
  for (const o of ops) {
    if (o.op === "create" || o.op === "create2") {
      w.int(createShape(o).opcode).bool(false).int(-1).raw(createBody(o));
      continue;
    }
    const opcode = SUB_OPCODES[o.op as string];
    if (opcode === undefined) throw new Error(`the recorder does not send sub-op ${JSON.stringify(o.op)}`);
    w.int(opcode).bool(false).int(-1);
    if (o.op === "setData") w.string(o.path as string).buffer(inputData(o.data)).int((o.version as number | undefined) ?? -1);
    else w.string(o.path as string).int((o.version as number | undefined) ?? -1);
  }
  return w.int(-1).bool(true).int(-1).bytes();
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
    if (type === 1) base.path = r.string();
    else if (type === 15) Object.assign(base, { path: r.string(), stat: r.stat() });
    else if (type === 5) base.stat = r.stat();
    else if (type === 4) Object.assign(base, { data: r.buffer(), stat: r.stat() });
    else if (type === 8) base.children = r.strings().sort();
    out.push(base);
  }
}
