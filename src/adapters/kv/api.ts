/**
 * The etcd v3 JSON gateway subset, as pure translation: request bodies of `/v3/kv/put`, `/v3/kv/range`,
 * `/v3/kv/deleterange` and `/v3/kv/txn` to machine requests, and machine results to etcd's response shapes
 * (base64 keys and values, int64 as decimal strings, zero fields omitted as grpc-gateway does). No I/O here.
 * @module
 */
import type { Compare, KeyValue, OpResult, RangeRequest, RequestOp } from "./machine.js";

/** A request body that is not a valid request of its endpoint (answered with HTTP 400 and a JSON error). */
export class KvRequestError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "KV_BAD_REQUEST";
  constructor(message: string) {
    super(message);
    this.name = "KvRequestError";
  }
}

/** The endpoints served. */
export const KV_PATHS = ["/v3/kv/put", "/v3/kv/range", "/v3/kv/deleterange", "/v3/kv/txn"] as const;
/** One of {@link KV_PATHS}. */
export type KvPath = (typeof KV_PATHS)[number];

/** A parsed client request: a read (served through ReadIndex unless serializable) or a write (through the log). */
export type KvRequest =
  | { readonly kind: "read"; readonly range: RangeRequest; readonly serializable: boolean }
  | { readonly kind: "write"; readonly op: Exclude<RequestOp, { type: "range" }> }
  | { readonly kind: "txn"; readonly compare: readonly Compare[]; readonly success: readonly RequestOp[]; readonly failure: readonly RequestOp[] };

type Json = { readonly [k: string]: unknown };

function object(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new KvRequestError(`${what} must be a JSON object`);
  return v as Json;
}

/** A base64 field as a latin1 byte string; absent is "". */
function bytes(o: Json, field: string, required: boolean): string {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new KvRequestError(`${field} is required`);
    return "";
  }
  if (typeof v !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) throw new KvRequestError(`${field} must be a base64 string`);
  return Buffer.from(v, "base64").toString("latin1");
}

function bool(o: Json, field: string): boolean {
  const v = o[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw new KvRequestError(`${field} must be a boolean`);
  return v;
}

/** An int64 field (a JSON number or a decimal string, as grpc-gateway accepts); absent is 0. */
function int(o: Json, field: string): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new KvRequestError(`${field} must be an integer`);
  return n;
}

function enumOf<T extends string>(o: Json, field: string, names: readonly T[]): T {
  const v = o[field];
  if (v === undefined || v === null) return names[0]!;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < names.length) return names[v]!;
  if (typeof v === "string" && (names as readonly string[]).includes(v)) return v as T;
  throw new KvRequestError(`${field} must be one of ${names.join(", ")}`);
}

function rangeOf(o: Json): RangeRequest {
  const key = bytes(o, "key", true);
  const rangeEnd = bytes(o, "range_end", false);
  const limit = int(o, "limit");
  if (limit < 0) throw new KvRequestError("limit must not be negative");
  return { key, ...(rangeEnd === "" ? {} : { rangeEnd }), ...(limit > 0 ? { limit } : {}), countOnly: bool(o, "count_only"), keysOnly: bool(o, "keys_only") };
}

function putOf(o: Json): RequestOp & { type: "put" } {
  return { type: "put", key: bytes(o, "key", true), value: bytes(o, "value", false), prevKv: bool(o, "prev_kv") };
}

function deleteOf(o: Json): RequestOp & { type: "delete" } {
  const rangeEnd = bytes(o, "range_end", false);
  return { type: "delete", key: bytes(o, "key", true), ...(rangeEnd === "" ? {} : { rangeEnd }), prevKv: bool(o, "prev_kv") };
}

// etcd's enum orders (rpc.proto): numbers index these lists; the first is the proto default.
const RESULTS = ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"] as const;
const TARGETS = ["VERSION", "CREATE", "MOD", "VALUE"] as const;

function compareOf(v: unknown): Compare {
  const o = object(v, "a compare");
  const target = enumOf(o, "target", TARGETS);
  const base = { key: bytes(o, "key", true), result: enumOf(o, "result", RESULTS), target };
  switch (target) {
    case "VALUE":
      return { ...base, value: bytes(o, "value", false) };
    case "MOD":
      return { ...base, number: int(o, "mod_revision") };
    case "CREATE":
      return { ...base, number: int(o, "create_revision") };
    case "VERSION":
      return { ...base, number: int(o, "version") };
  }
}

function requestOpOf(v: unknown): RequestOp {
  const o = object(v, "a txn request");
  const set = ["request_put", "request_range", "request_delete_range"].filter((k) => o[k] !== undefined && o[k] !== null);
  if (set.length !== 1) throw new KvRequestError("a txn request must hold exactly one of request_put, request_range, request_delete_range");
  const inner = object(o[set[0]!], set[0]!);
  if (set[0] === "request_put") return putOf(inner);
  if (set[0] === "request_delete_range") return deleteOf(inner);
  return { type: "range", range: rangeOf(inner) };
}

function list(o: Json, field: string): readonly unknown[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KvRequestError(`${field} must be an array`);
  return v;
}

/**
 * Parses the body of a request to `path`.
 * @throws KvRequestError for a body that is not JSON or not a valid request.
 */
export function parseKvRequest(path: KvPath, body: string): KvRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new KvRequestError(`body is not JSON: ${(e as Error).message}`);
  }
  const o = object(json, "the request body");
  switch (path) {
    case "/v3/kv/put":
      return { kind: "write", op: putOf(o) };
    case "/v3/kv/deleterange":
      return { kind: "write", op: deleteOf(o) };
    case "/v3/kv/range":
      return { kind: "read", range: rangeOf(o), serializable: bool(o, "serializable") };
    case "/v3/kv/txn":
      return { kind: "txn", compare: list(o, "compare").map(compareOf), success: list(o, "success").map(requestOpOf), failure: list(o, "failure").map(requestOpOf) };
  }
}

/** What etcd's response header says. */
export interface HeaderInfo {
  readonly clusterId: string;
  readonly memberId: number;
  readonly revision: number;
  readonly term: number;
}

const b64 = (s: string): string => Buffer.from(s, "latin1").toString("base64");

function kvJson(kv: KeyValue): Json {
  return {
    key: b64(kv.key),
    create_revision: String(kv.createRevision),
    mod_revision: String(kv.modRevision),
    version: String(kv.version),
    ...(kv.value === "" ? {} : { value: b64(kv.value) }),
  };
}

/** etcd's header object. */
export function headerJson(h: HeaderInfo): Json {
  return { cluster_id: h.clusterId, member_id: String(h.memberId), revision: String(h.revision), raft_term: String(h.term) };
}

/** A result as etcd's response body (for a txn branch's responses too). */
export function responseJson(r: OpResult, h: HeaderInfo): Json {
  const header = headerJson(h);
  switch (r.type) {
    case "put":
      return { header, ...(r.prevKv === undefined ? {} : { prev_kv: kvJson(r.prevKv) }) };
    case "delete":
      return { header, ...(r.deleted === 0 ? {} : { deleted: String(r.deleted) }), ...(r.prevKvs === undefined || r.prevKvs.length === 0 ? {} : { prev_kvs: r.prevKvs.map(kvJson) }) };
    case "range":
      return { header, ...(r.kvs.length === 0 ? {} : { kvs: r.kvs.map(kvJson) }), ...(r.more ? { more: true } : {}), ...(r.count === 0 ? {} : { count: String(r.count) }) };
    case "txn":
      return {
        header,
        ...(r.succeeded ? { succeeded: true } : {}),
        ...(r.responses.length === 0
          ? {}
          : { responses: r.responses.map((x) => ({ [x.type === "put" ? "response_put" : x.type === "delete" ? "response_delete_range" : "response_range"]: responseJson(x, h) })) }),
      };
  }
}

/** etcd's error body (grpc-gateway: error, message, code = the gRPC status code). */
export function errorJson(message: string, grpcCode: number, extra: Json = {}): Json {
  return { error: message, message, code: grpcCode, ...extra };
}
