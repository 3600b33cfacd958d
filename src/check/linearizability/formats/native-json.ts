/**
 * `json`: quorate's native history format (docs/history-format.md, schemas/history.schema.json).
 *
 * { "failedOps": "did-not-happen", "operations": [
 *     { "process": 0, "f": "write", "value": 3, "call": 0, "return": 5, "type": "ok" },
 *     { "process": 1, "f": "read", "value": null, "output": 3, "call": 1, "return": 4 },
 *     { "process": 2, "f": "cas", "value": [3, 4], "call": 2, "type": "info" } ] }
 *
 * A bare array of operations is accepted too. Unknown fields are ignored.
 */
import type { History, JepsenOutput, Operation, Value } from "../types.js";
import { HistoryParseError } from "./errors.js";

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The line on which the `index`-th element of the operations array starts (1 if not found). */
function lineOfOperation(text: string, index: number): number {
  const stack: string[] = [];
  let lastKey = "";
  let opsDepth = -1;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      const start = i + 1;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      lastKey = text.slice(start, i);
      continue;
    }
    if (ch === "[" || ch === "{") {
      if (opsDepth >= 0 && stack.length === opsDepth && ch === "{") {
        if (count === index) return lineAt(text, i);
        count++;
      }
      if (ch === "[" && opsDepth < 0 && (stack.length === 0 || (stack.length === 1 && lastKey === "operations"))) opsDepth = stack.length + 1;
      stack.push(ch);
    } else if (ch === "]" || ch === "}") {
      stack.pop();
    }
  }
  return 1;
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
  let operations: unknown;
  let failedOps: unknown = "did-not-happen";
  if (Array.isArray(doc)) {
    operations = doc;
  } else if (doc !== null && typeof doc === "object") {
    operations = (doc as Record<string, unknown>)["operations"];
    failedOps = (doc as Record<string, unknown>)["failedOps"] ?? "did-not-happen";
  }
  if (!Array.isArray(operations)) throw new HistoryParseError(file, 1, 'expected {"operations": [ … ]} or an array of operations');
  if (failedOps !== "did-not-happen" && failedOps !== "completed") {
    throw new HistoryParseError(file, 1, `"failedOps" must be "did-not-happen" or "completed", got ${JSON.stringify(failedOps)}`);
  }
  const ops: Operation[] = [];
  operations.forEach((raw: unknown, index) => {
    const fail = (problem: string): never => {
      throw new HistoryParseError(file, lineOfOperation(text, index), `operation ${index}: ${problem}`);
    };
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("expected an object");
    const o = raw as Record<string, unknown>;
    const process = o["process"];
    if (typeof process !== "number" && typeof process !== "string") fail('"process" must be a number or a string');
    if (typeof o["f"] !== "string") fail('"f" must be a string naming the function (read, write, cas, …)');
    const type = o["type"] ?? "ok";
    if (type !== "ok" && type !== "fail" && type !== "info") fail(`"type" must be "ok", "fail" or "info", got ${JSON.stringify(type)}`);
    const call = o["call"];
    if (typeof call !== "number" || !Number.isFinite(call)) fail('"call" must be a finite number');
    const value = (o["value"] ?? null) as Value;
    const key = o["key"] as Value | undefined;
    const input = key !== undefined ? { f: o["f"] as string, key, value } : { f: o["f"] as string, value };
    const line = lineOfOperation(text, index);
    if (type === "info") {
      ops.push({ process: process as number | string, input, output: undefined, call: call as number, return: Infinity, line });
      return;
    }
    if (type === "fail" && failedOps === "did-not-happen") return;
    const ret = o["return"];
    if (typeof ret !== "number" || !Number.isFinite(ret)) fail('"return" must be a finite number for a completed op (use "type": "info" if it never returned)');
    if ((ret as number) < (call as number)) fail(`"return" (${String(ret)}) is before "call" (${String(call)})`);
    const output: JepsenOutput = { type: type as "ok" | "fail", value: (o["output"] === undefined ? value : o["output"]) as Value };
    ops.push({ process: process as number | string, input, output, call: call as number, return: ret as number, line });
  });
  return ops;
}
