/**
 * Runs a transcript's steps against a fresh in-process {@link ZkService}, through quorate's client API, and
 * records quorate's own raw answers (unnormalised: absolute zxids, session ids, ms times). Simulated time: waits,
 * pings and expiry cost no wall-clock time.
 */
import type { Acl, Data, MultiOp, OpResult, Reply, Stat, WatchEvent } from "../../../core/zk/index.js";
import { CREATE_MODES, Code, OPEN_ACL_UNSAFE, Perms, ZkError, codeName, encodeCreateBody, fromBase64, utf8 } from "../../../core/zk/index.js";
import type { CreateOptions } from "../client.js";
import { ZkClient, createRequest } from "../client.js";
import { NotModelledError, ZkService } from "../service.js";
import type { Json, JsonObject, Transcript } from "./format.js";

/** A raw value of a result: JSON, or a Stat/data to be normalised. */
export type RawValue = Json | Stat | Uint8Array | RawValue[] | { [key: string]: RawValue };

/** What quorate did for one step, before normalisation. */
export interface RawStep {
  readonly result: { [key: string]: RawValue };
  readonly events: Record<string, WatchEvent[]>;
  readonly zxidAfter: number;
  /** Set when the step could not be run (only wire-level steps quorate does not model). */
  readonly skip?: string;
  /** The step used a wire-level feature (raw opcode, opcode or flags override) through the request-level API. */
  readonly wire: boolean;
}

/** The whole run. */
export interface RawRun {
  readonly baseZxid: number;
  /** Session id → transcript name. */
  readonly sessionNames: ReadonlyMap<number, string>;
  /** Negotiated timeouts of the initial sessions. */
  readonly opened: Record<string, number>;
  readonly steps: readonly RawStep[];
}

/** The server configuration of the golden recording: tickTime 200, reaper every 1000 ms, default limits. */
export const GOLDEN_SERVER = { tickTimeMs: 200, reaperIntervalMs: 1000 } as const;

/** Milliseconds the recorder slept before each step (so no two transactions share a timestamp). */
const STEP_GAP_MS = 6;

/** A step's data field as bytes (string, `{base64}`, `{len}` of "x", null). */
export function inputData(v: Json | undefined): Data {
  if (v === undefined) return new Uint8Array(0);
  if (v === null) return null;
  if (typeof v === "string") return utf8(v);
  const o = v as JsonObject;
  if (typeof o.base64 === "string") return fromBase64(o.base64) ?? new Uint8Array(0);
  return new Uint8Array(o.len as number).fill(0x78);
}

/** A step's ACL field (default OPEN_ACL_UNSAFE). */
export function inputAcl(v: Json | undefined): readonly Acl[] {
  if (v === undefined) return OPEN_ACL_UNSAFE;
  return (v as JsonObject[]).map((a) => ({
    perms: typeof a.perms === "number" ? a.perms : (a.perms as string).split("|").reduce((n, p) => n | Perms[p as keyof typeof Perms], 0),
    scheme: a.scheme as string,
    id: a.id as string,
  }));
}

/** An error result in the transcript's shape. */
export function errResult(code: number, zxid?: number): { [key: string]: RawValue } {
  const out: { [key: string]: RawValue } = { err: codeName(code) ?? `UNKNOWN(${code})`, code };
  if (zxid !== undefined) out.zxid = zxid;
  return out;
}

/** A success result in the transcript's shape. */
export function okResult(zxid: number, extra: { [key: string]: RawValue } = {}): { [key: string]: RawValue } {
  return { err: "OK", code: 0, zxid, ...extra };
}

function opResult(r: OpResult): { [key: string]: RawValue } {
  if (r.type === "error") return { type: "error", err: codeName(r.err) ?? `UNKNOWN(${r.err})`, code: r.err };
  const base = { type: r.type, err: "OK", code: 0 };
  switch (r.type) {
    case "create":
      return { ...base, path: r.path };
    case "create2":
      return { ...base, path: r.path, stat: r.stat };
    case "setData":
      return { ...base, stat: r.stat };
    case "getData":
      return { ...base, data: r.data, stat: r.stat };
    case "getChildren":
      return { ...base, children: [...r.children] };
    default:
      return base;
  }
}

/** A multi sub-op of a step. */
export function subOp(o: JsonObject): MultiOp {
  const path = o.path as string;
  switch (o.op) {
    case "create":
    case "create2": {
      const req = createRequest(path, inputData(o.data), createOptions(o, o.op === "create2"));
      // A flags override inside a multi: ZooKeeper derives the sub-op's kind from the flags anyway.
      return typeof o.flags === "number" ? { ...req, flags: o.flags } : req;
    }
    case "delete":
      return { type: "delete", path, version: (o.version as number | undefined) ?? -1 };
    case "setData":
      return { type: "setData", path, data: inputData(o.data), version: (o.version as number | undefined) ?? -1 };
    case "check":
      return { type: "check", path, version: (o.version as number | undefined) ?? -1 };
    case "getData":
      return { type: "getData", path };
    default:
      return { type: "getChildren", path };
  }
}

/** A setWatches/setWatches2 step's path lists (absent lists are empty). */
export function watchLists(s: JsonObject): { data: string[]; exist: string[]; child: string[]; persistent: string[]; persistentRecursive: string[] } {
  return {
    data: (s.data as string[] | undefined) ?? [],
    exist: (s.exist as string[] | undefined) ?? [],
    child: (s.child as string[] | undefined) ?? [],
    persistent: (s.persistent as string[] | undefined) ?? [],
    persistentRecursive: (s.persistent_recursive as string[] | undefined) ?? [],
  };
}

/** The create options of a create step. */
export function createOptions(s: JsonObject, withStat: boolean): CreateOptions {
  return {
    mode: ((s.mode as string | undefined) ?? "PERSISTENT") as CreateOptions["mode"] & string,
    acl: inputAcl(s.acl),
    ...(typeof s.ttl === "number" ? { ttl: s.ttl } : {}),
    stat: withStat,
  };
}

/** A reply (with multi results) in the transcript's shape. */
export function replyResult(reply: Reply): { [key: string]: RawValue } {
  const out = errResult(reply.err, reply.zxid);
  if (reply.body?.kind === "multi") out.results = reply.body.results.map(opResult);
  return out;
}

/** Bytes of a hex string. */
export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Runs one op step through the client; returns the raw result. */
async function runOp(client: ZkClient, s: JsonObject, expectedRelativeBase: number): Promise<{ [key: string]: RawValue }> {
  const path = s.path as string;
  const watch = s.watch === true;
  switch (s.op) {
    case "create":
    case "create2": {
      const options = createOptions(s, s.op === "create2");
      const req = createRequest(path, inputData(s.data), options);
      if (typeof s.opcode === "number" || typeof s.flags === "number") {
        // Wire-level override: the body is built for the step's mode (and flags), sent with the given opcode.
        const body = { ...req, ...(typeof s.flags === "number" ? { flags: s.flags } : {}) };
        const opcode = typeof s.opcode === "number" ? s.opcode : req.opcode;
        const reply = client.send({ type: "raw", opcode, body: encodeCreateBody(body, req.opcode === 21) });
        if (reply.err !== 0) return errResult(reply.err, reply.zxid);
        const b = reply.body;
        return okResult(reply.zxid, b?.kind === "create2" ? { path: b.path, stat: b.stat } : { path: b?.kind === "create" ? b.path : path });
      }
      const r = await client.createWith(req);
      return okResult(r.zxid, r.stat === undefined ? { path: r.path } : { path: r.path, stat: r.stat });
    }
    case "delete":
      return okResult((await client.delete(path, (s.version as number | undefined) ?? -1)).zxid);
    case "exists": {
      const r = await client.exists(path, watch);
      return r.stat === null ? errResult(Code.NONODE, r.zxid) : okResult(r.zxid, { stat: r.stat });
    }
    case "getData": {
      const r = await client.getData(path, watch);
      return okResult(r.zxid, { data: r.data, stat: r.stat });
    }
    case "setData": {
      const r = await client.setData(path, inputData(s.data), (s.version as number | undefined) ?? -1);
      return okResult(r.zxid, { stat: r.stat });
    }
    case "getACL": {
      const r = await client.getACL(path);
      return okResult(r.zxid, { acl: r.acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id })), stat: r.stat });
    }
    case "setACL": {
      const r = await client.setACL(path, inputAcl(s.acl), (s.version as number | undefined) ?? -1);
      return okResult(r.zxid, { stat: r.stat });
    }
    case "getChildren":
    case "getChildren2": {
      const r = await client.getChildren(path, watch, { stat: s.op === "getChildren2" });
      return okResult(r.zxid, r.stat === undefined ? { children: [...r.children] } : { children: [...r.children], stat: r.stat });
    }
    case "sync": {
      const r = await client.sync(path);
      return okResult(r.zxid, { path: r.path });
    }
    case "multi":
    case "multiRead":
      return replyResult(client.send({ type: s.op, ops: (s.ops as JsonObject[]).map(subOp) }));
    case "checkWatches":
      return okResult((await client.checkWatches(path, s.type as "ANY")).zxid);
    case "removeWatches":
      return okResult((await client.removeWatches(path, s.type as "ANY")).zxid);
    case "addWatch":
      return okResult((await client.addWatch(path, s.mode as "PERSISTENT")).zxid);
    case "setWatches":
    case "setWatches2": {
      const rel = s.relative_zxid as number;
      const lists = watchLists(s);
      const r = await client.setWatches(rel > 0 ? expectedRelativeBase + rel : rel, lists, s.op === "setWatches2" ? 2 : 1);
      return okResult(r.zxid);
    }
    case "getEphemerals": {
      const r = await client.getEphemerals(s.prefix as string);
      return okResult(r.zxid, { paths: [...r.paths] });
    }
    case "getAllChildrenNumber": {
      const r = await client.getAllChildrenNumber(path);
      return okResult(r.zxid, { number: r.number });
    }
    case "addAuth":
      return okResult((await client.addAuth(s.scheme as string, s.auth as string)).zxid);
    case "whoAmI": {
      const r = await client.whoAmI();
      return okResult(r.zxid, { client_info: r.clientInfo.map((c) => ({ scheme: c.scheme, user: c.user })) });
    }
    default:
      return replyResult(client.send({ type: "raw", opcode: s.opcode as number, body: hexBytes((s.body_hex as string | undefined) ?? "") }));
  }
}

/** Replays a transcript on a fresh service and returns quorate's raw answers. */
export async function runTranscript(transcript: Transcript): Promise<RawRun> {
  const service = new ZkService({ ...GOLDEN_SERVER, extendedTypesEnabled: transcript.server.extendedTypesEnabled });
  const clients = new Map<string, ZkClient>();
  const sessionNames = new Map<number, string>();
  let bucket: Record<string, WatchEvent[]> = {};
  const open = (name: string, timeoutMs: number): ZkClient => {
    const client = ZkClient.connect(service, timeoutMs);
    clients.set(name, client);
    sessionNames.set(client.sessionId, name);
    client.onEvent((event) => (bucket[name] ??= []).push(event));
    return client;
  };
  const opened: Record<string, number> = {};
  for (const s of transcript.sessions) opened[s.name] = open(s.name, s.timeoutMs).timeoutMs;
  const baseZxid = service.lastZxid;
  const steps: RawStep[] = [];
  for (const entry of transcript.steps) {
    // Anything the server does while the recorder sleeps before a step (reaping, expiry) belongs to that step.
    bucket = {};
    service.advance(STEP_GAP_MS);
    const s = entry.step;
    let result: { [key: string]: RawValue } = {};
    let skip: string | undefined;
    const subOps = Array.isArray(s.ops) ? (s.ops as JsonObject[]) : [];
    const wire = s.op === "raw" || s.opcode !== undefined || s.flags !== undefined || subOps.some((o) => o.flags !== undefined);
    try {
      if (typeof s.op === "string") {
        result = await runOp(clients.get(s.session as string)!, s, baseZxid);
      } else if (typeof s.wait_ms === "number") {
        service.advance(s.wait_ms);
      } else if (typeof s.open === "string") {
        const client = open(s.open, s.timeout_ms as number);
        result = { err: "OK", code: 0, timeout_ms: client.timeoutMs };
      } else if (typeof s.close === "string") {
        result = okResult((await clients.get(s.close)!.close()).zxid);
      } else if (typeof s.expire === "string") {
        const client = clients.get(s.expire)!;
        client.setPinging(false);
        for (let i = 0; service.isSessionAlive(client.sessionId); i++) {
          if (i > 10_000) throw new Error(`session ${s.expire} did not expire`);
          // Expiry happens at tick boundaries: stop right at the one that expires the session.
          service.advance(GOLDEN_SERVER.tickTimeMs - (service.now % GOLDEN_SERVER.tickTimeMs));
        }
        result = errResult(Code.SESSIONEXPIRED);
      } else if (typeof s.disconnect === "string") {
        clients.get(s.disconnect)!.disconnect();
      } else if (typeof s.reconnect === "string") {
        const r = await clients.get(s.reconnect)!.reconnect();
        result = { err: "OK", code: 0, timeout_ms: r.timeoutMs };
      }
    } catch (e) {
      if (e instanceof ZkError) result = errResult(e.code, e.zxid);
      else if (e instanceof NotModelledError) skip = e.message;
      else throw e;
    }
    steps.push({ result, events: bucket, zxidAfter: service.lastZxid, wire, ...(skip === undefined ? {} : { skip }) });
  }
  return { baseZxid, sessionNames, opened, steps };
}

/** The create modes, re-exported for the CLI's help. */
export const MODES = CREATE_MODES;
