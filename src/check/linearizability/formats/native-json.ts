/**
 * `json`: quorate's native history format (docs/history-format.md, schemas/history.schema.json).
 *
 * { "failedOps": "did-not-happen", "operations": [
 *     { "process": 0, "f": "write", "value": 3, "call": 0, "return": 5, "type": "ok" },
 *     { "process": 1, "f": "read", "value": null, "output": 3, "call": 1, "return": 4 },
 *     { "process": 2, "f": "cas", "value": [3, 4], "call": 2, "type": "info" } ] }
 *
 * A bare array of operations is accepted too. Unknown fields are ignored. The document is validated with
 * `schemas/history.schema.json` itself, so the documented schema and the parser cannot drift.
 */
import type { History, JepsenOutput, Operation, Value } from "../types.js";
import * as historySchema from "../../schema-validators/history.generated.js";
import { fieldName, schemaValidator } from "../../schemas.js";
import type { SchemaProblem } from "../../schemas.js";
import { HistoryParseError } from "./errors.js";

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Values may nest this deep (the checker hashes and compares values recursively). */
export const MAX_JSON_DEPTH = 1000;

/** The line on which each element of the operations array starts, in one pass over the text. */
function operationLines(text: string, file = "<input>"): number[] {
  const lines: number[] = [];
  const stack: string[] = [];
  let lastKey = "";
  let opsDepth = -1;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\n") line++;
    else if (ch === '"') {
      const start = i + 1;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      lastKey = text.slice(start, i);
    } else if (ch === "[" || ch === "{") {
      if (opsDepth >= 0 && stack.length === opsDepth && ch === "{") lines.push(line);
      if (ch === "[" && opsDepth < 0 && (stack.length === 0 || (stack.length === 1 && lastKey === "operations"))) opsDepth = stack.length + 1;
      stack.push(ch);
      if (stack.length > MAX_JSON_DEPTH) throw new HistoryParseError(file, line, `values nest more than ${MAX_JSON_DEPTH} deep`);
    } else if (ch === "]" || ch === "}") {
      stack.pop();
    }
  }
  return lines;
}

function jsonErrorLine(text: string, error: Error): number {
  const pos = /position (\d+)/.exec(error.message);
  if (pos) return lineAt(text, Number(pos[1]));
  const line = /line (\d+)/.exec(error.message);
  return line ? Number(line[1]) : 1;
}

/** Parses a native JSON history. @throws HistoryParseError */
export function parseNativeJson(text: string, file = "<input>"): History {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new HistoryParseError(file, jsonErrorLine(text, error as Error), `invalid JSON: ${(error as Error).message}`);
  }
  const lines = operationLines(text, file);
  // The schema's root is a oneOf (document or bare array); validating the branch the value takes names the
  // offending field instead of reporting that neither branch matched.
  if (doc === null || typeof doc !== "object") throw new HistoryParseError(file, 1, 'expected {"operations": [ … ]} or an array of operations');
  const bare = Array.isArray(doc);
  const refuse = (problem: SchemaProblem, prefix: readonly (string | number)[]): never => {
    const path = [...prefix, ...problem.path];
    const index = bare ? path[0] : path[0] === "operations" ? path[1] : undefined;
    if (typeof index !== "number") throw new HistoryParseError(file, 1, `${problem.message} (expected {"operations": [ … ]} or an array of operations)`);
    const inner = path.slice(bare ? 1 : 2);
    throw new HistoryParseError(file, (lines[index] ?? 1), `operation ${index}: ${inner.length === 0 ? "the operation" : fieldName(inner)} ${problem.detail}`);
  };
  if (bare) {
    const operation = schemaValidator(historySchema, "history.schema.json", "operation");
    (doc as unknown[]).forEach((op, index) => {
      const problem = operation(op);
      if (problem !== undefined) refuse(problem, [index]);
    });
  } else {
    const problem = schemaValidator(historySchema, "history.schema.json", "document")(doc);
    if (problem !== undefined) refuse(problem, []);
  }
  const operations = (bare ? doc : (doc as Record<string, unknown>)["operations"]) as unknown[];
  const failedOps = bare ? "did-not-happen" : ((doc as Record<string, unknown>)["failedOps"] ?? "did-not-happen");
  if (operations.length === 0) throw new HistoryParseError(file, 1, 'no client operations to check: the list of operations is empty');
  // Shapes are the schema's job (above); what it cannot say (a return before its call) is checked here.
  const ops: Operation[] = [];
  operations.forEach((raw: unknown, index) => {
    const o = raw as Record<string, unknown>;
    const line = lines[index] ?? 1;
    const process = o["process"] as number | string;
    const type = (o["type"] ?? "ok") as "ok" | "fail" | "info";
    const call = o["call"] as number;
    const value = (o["value"] ?? null) as Value;
    const key = o["key"] as Value | undefined;
    const input = key !== undefined ? { f: o["f"] as string, key, value } : { f: o["f"] as string, value };
    if (type === "info") {
      ops.push({ process, input, output: undefined, call, return: Infinity, line });
      return;
    }
    if (type === "fail" && failedOps === "did-not-happen") return;
    const ret = o["return"] as number;
    if (ret < call) throw new HistoryParseError(file, line, `operation ${index}: field "return" (${ret}) is before field "call" (${call})`);
    const output: JepsenOutput = { type, value: (o["output"] === undefined ? value : o["output"]) as Value };
    ops.push({ process, input, output, call, return: ret, line });
  });
  checkProcessesSequential(ops, file);
  return ops;
}

/**
 * One process's ops never overlap (the format's contract, and what the checker's answer relies on): each is
 * called when or after the previous one returned, and after an op of unknown outcome the process issues nothing more
 * (Jepsen's rule: a new process id takes over).
 * @throws HistoryParseError naming the later op's line and the earlier op's.
 */
function checkProcessesSequential(ops: readonly Operation[], file: string): void {
  const byProcess = new Map<number | string, Operation[]>();
  for (const op of ops) {
    let list = byProcess.get(op.process);
    if (list === undefined) byProcess.set(op.process, (list = []));
    list.push(op);
  }
  for (const [process, list] of byProcess) {
    list.sort((a, b) => a.call - b.call);
    for (let k = 1; k < list.length; k++) {
      const before = list[k - 1]!;
      const op = list[k]!;
      // Returning and calling at the same instant is sequential too (a client's next op may leave at once).
      if (before.return <= op.call) continue;
      const why = before.return === Infinity ? `after its op of unknown outcome on line ${before.line ?? 1} (a process issues nothing after "type": "info"; use a new process)` : `while its op from line ${before.line ?? 1} is pending (called ${before.call}, returns ${before.return})`;
      throw new HistoryParseError(file, op.line ?? 1, `process ${JSON.stringify(process)} calls an op at ${op.call} ${why}`);
    }
  }
}
