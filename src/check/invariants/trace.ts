import * as traceSchema from "../schema-validators/raft_trace.generated.js";
import { schemaDefinitions, schemaValidator } from "../schemas.js";
import { RaftInvariants } from "./raft.js";
import { TRACE_RECORD_TYPES, TraceFormatError } from "./types.js";
import type { TraceRecord, Violation } from "./types.js";

type Json = Record<string, unknown>;

const SCHEMA = "raft-trace.schema.json";

function fail(line: number, message: string): never {
  throw new TraceFormatError(`line ${line}: ${message}`, line);
}

/**
 * Validates one parsed JSON value as a trace record with `schemas/raft-trace.schema.json` itself (its
 * definition for the record's `type`). Throws `TraceFormatError` naming the line and field; unknown extra
 * fields are allowed.
 */
export function validateRecord(value: unknown, line: number): TraceRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(line, "a record must be a JSON object");
  const type = (value as Json)["type"];
  const types = schemaDefinitions(traceSchema, SCHEMA);
  if (typeof type !== "string" || !types.includes(type)) {
    fail(line, `field "type" must be one of ${TRACE_RECORD_TYPES.join(", ")}; got ${JSON.stringify(type) ?? "nothing"}`);
  }
  const problem = schemaValidator(traceSchema, SCHEMA, type)(value);
  if (problem !== undefined) fail(line, problem.message);
  return value as TraceRecord;
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

/** The node a record names in each field, for the membership check (0 is "none" in vote and leader). */
function namedNodes(record: TraceRecord): [field: string, node: number][] {
  const out: [string, number][] = [];
  const r = record as unknown as Json;
  for (const field of ["node", "from", "to", "vote", "leader"]) {
    if (record.type === "log" && field === "from") continue; // a log index, not a node
    if (record.type === "durable" && field === "from") continue;
    const v = r[field];
    if (typeof v === "number" && v !== 0) out.push([field, v]);
  }
  if (record.type === "fault" && Array.isArray(r["nodes"])) (r["nodes"] as number[]).forEach((n, k) => out.push([`nodes[${k}]`, n]));
  return out;
}

/**
 * What no single record can say: a trace names its cluster first, exactly once, observes at least one node,
 * and every record names only nodes of that cluster.
 * @throws TraceFormatError naming the line and field.
 */
export function checkTraceStructure(records: readonly { record: TraceRecord; line: number }[]): void {
  if (records.length === 0) fail(1, 'the trace has no records; it starts with {"type":"cluster","nodes":[…]} (docs/trace-format.md)');
  const first = records[0]!;
  if (first.record.type !== "cluster") fail(first.line, `the first record must be {"type":"cluster","nodes":[…]} naming the voters; got a "${first.record.type}" record`);
  const members = new Set(first.record.nodes);
  const shown = `[${first.record.nodes.join(",")}]`;
  let observed = false;
  for (let k = 1; k < records.length; k++) {
    const { record, line } = records[k]!;
    if (record.type === "cluster") fail(line, `a second "cluster" record (the first is on line ${first.line}); membership changes are not modelled`);
    if (record.type === "state" || record.type === "log" || record.type === "durable") observed = true;
    for (const [field, node] of namedNodes(record)) {
      if (!members.has(node)) fail(line, `field "${field}" is node ${node}, which is not in the cluster ${shown} of line ${first.line}`);
    }
  }
  if (!observed) fail(first.line, "the trace observes no node: it has no state, log or durable record, so there is nothing to check");
}

/** Parses and checks an NDJSON Raft trace; a violation's `step` is its line number. Throws `TraceFormatError`. */
export function verifyRaftTrace(text: string): TraceVerdict {
  const records = parseTraceLines(text);
  checkTraceStructure(records);
  const checker = new RaftInvariants();
  for (const { record, line } of records) checker.observe(record, line);
  return { ok: checker.violations.length === 0, records: records.length, violations: checker.violations };
}
