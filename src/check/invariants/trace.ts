import { RaftInvariants } from "./raft.js";
import { TRACE_RECORD_TYPES, TraceFormatError } from "./types.js";
import type { TraceRecord, Violation } from "./types.js";

type Json = Record<string, unknown>;

const ROLES = new Set(["follower", "pre-candidate", "candidate", "leader", "learner", "down"]);
const CLIENT_FUNCTIONS = new Set(["write", "read"]);
const KNOWN_TYPES = new Set<string>(TRACE_RECORD_TYPES);

function fail(line: number, message: string): never {
  throw new TraceFormatError(`line ${line}: ${message}`, line);
}

function int(r: Json, field: string, line: number, min: number): number {
  const v = r[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    fail(line, `field "${field}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function time(r: Json, line: number): void {
  const v = r["t"];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(line, `field "t" must be a number ≥ 0, got ${JSON.stringify(v)}`);
}

function entries(r: Json, field: string, line: number): void {
  const v = r[field];
  if (!Array.isArray(v)) fail(line, `field "${field}" must be an array of [term, digest] pairs`);
  for (let k = 0; k < v.length; k++) {
    const e: unknown = v[k];
    if (
      !Array.isArray(e) ||
      e.length !== 2 ||
      typeof e[0] !== "number" ||
      !Number.isInteger(e[0]) ||
      e[0] < 0 ||
      (typeof e[1] !== "string" && typeof e[1] !== "number")
    ) {
      fail(line, `field "${field}"[${k}] must be [term, digest] with an integer term ≥ 0 and a string or number digest`);
    }
  }
}

/**
 * Validates one parsed JSON value as a trace record (the rules of `schemas/raft-trace.schema.json`).
 * Throws `TraceFormatError` naming the line and field; unknown extra fields are allowed.
 */
export function validateRecord(value: unknown, line: number): TraceRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(line, "a record must be a JSON object");
  const r = value as Json;
  const type = r["type"];
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) {
    fail(line, `field "type" must be one of ${TRACE_RECORD_TYPES.join(", ")}; got ${JSON.stringify(type)}`);
  }
  switch (type) {
    case "cluster": {
      const nodes = r["nodes"];
      if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => Number.isInteger(n) && (n as number) > 0)) {
        fail(line, `field "nodes" must be a non-empty array of positive integers`);
      }
      if (new Set(nodes).size !== nodes.length) fail(line, `field "nodes" lists a node twice`);
      break;
    }
    case "state":
      time(r, line);
      int(r, "node", line, 1);
      int(r, "term", line, 0);
      int(r, "vote", line, 0);
      int(r, "commit", line, 0);
      int(r, "applied", line, 0);
      if (typeof r["role"] !== "string" || !ROLES.has(r["role"])) fail(line, `field "role" must be one of ${[...ROLES].join(", ")}`);
      if (r["leader"] !== undefined) int(r, "leader", line, 0);
      break;
    case "log":
      time(r, line);
      int(r, "node", line, 1);
      int(r, "from", line, 1);
      entries(r, "entries", line);
      break;
    case "durable":
      time(r, line);
      int(r, "node", line, 1);
      int(r, "term", line, 0);
      int(r, "vote", line, 0);
      if (r["commit"] !== undefined) int(r, "commit", line, 0);
      if (r["from"] !== undefined) {
        int(r, "from", line, 1);
        if (r["entries"] !== undefined) entries(r, "entries", line);
      } else if (r["entries"] !== undefined) {
        fail(line, `field "entries" needs "from"`);
      }
      if (r["snapshot"] !== undefined) {
        const s = r["snapshot"];
        if (typeof s !== "object" || s === null) fail(line, `field "snapshot" must be {"index", "term"}`);
        int(s as Json, "index", line, 0);
        int(s as Json, "term", line, 0);
      }
      break;
    case "snapshot":
      time(r, line);
      int(r, "node", line, 1);
      int(r, "index", line, 0);
      int(r, "term", line, 0);
      break;
    case "crash":
    case "restart":
      time(r, line);
      int(r, "node", line, 1);
      break;
    case "invoke":
    case "ok":
    case "fail":
    case "info": {
      time(r, line);
      int(r, "client", line, 0);
      const id = r["id"];
      if (typeof id !== "string" && typeof id !== "number") fail(line, `field "id" must be a string or number`);
      if (typeof r["f"] !== "string" || !CLIENT_FUNCTIONS.has(r["f"])) fail(line, `field "f" must be "write" or "read"`);
      if (r["index"] !== undefined) int(r, "index", line, 0);
      if (r["term"] !== undefined) int(r, "term", line, 1);
      if (r["node"] !== undefined) int(r, "node", line, 1);
      break;
    }
    case "msg":
      time(r, line);
      int(r, "from", line, 1);
      int(r, "to", line, 1);
      break;
    case "fault":
      time(r, line);
      if (typeof r["fault"] !== "string") fail(line, `field "fault" must be a string`);
      break;
  }
  return r as unknown as TraceRecord;
}

/** Parses NDJSON text (one record per line; blank lines and lines starting with `//` are skipped). */
export function parseTrace(text: string): TraceRecord[] {
  return parseTraceLines(text).map((l) => l.record);
}

/** Like `parseTrace`, keeping each record's 1-based line number. */
export function parseTraceLines(text: string): { record: TraceRecord; line: number }[] {
  const out: { record: TraceRecord; line: number }[] = [];
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!.trim();
    if (line === "" || line.startsWith("//")) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      fail(k + 1, `not valid JSON (${(e as Error).message})`);
    }
    out.push({ record: validateRecord(value, k + 1), line: k + 1 });
  }
  return out;
}

/** The verdict on a trace. */
export interface TraceVerdict {
  readonly ok: boolean;
  readonly records: number;
  readonly violations: readonly Violation[];
}

/** Parses and checks an NDJSON Raft trace; a violation's `step` is its line number. Throws `TraceFormatError`. */
export function verifyRaftTrace(text: string): TraceVerdict {
  const records = parseTraceLines(text);
  const checker = new RaftInvariants();
  for (const { record, line } of records) checker.observe(record, line);
  return { ok: checker.violations.length === 0, records: records.length, violations: checker.violations };
}
