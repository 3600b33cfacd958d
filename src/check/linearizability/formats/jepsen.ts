/**
 * Jepsen-style event lists (invoke, then ok / fail / info per process) to operations. Time is the position of
 * the event in the file. An invocation's nil value is filled in from its completion. `:info` completions and
 * invocations never completed become ops of unknown outcome. What `:fail` means is the format's choice.
 */
import type { History, JepsenInput, JepsenOutput, Operation, Value } from "../types.js";
import { HistoryParseError } from "./errors.js";

/** One event, already validated. */
export interface JepsenEvent {
  readonly process: number | string;
  readonly type: "invoke" | "ok" | "fail" | "info";
  readonly f: string;
  readonly key?: Value;
  readonly value: Value;
  readonly line: number;
}

/** What a `:fail` completion means: the op did not happen (drop it), or it completed with a definite failure. */
export type FailPolicy = (f: string) => "did-not-happen" | "completed";

const TYPES = new Set(["invoke", "ok", "fail", "info"]);

/**
 * Reads the fields of an op map, ignoring unknown ones; `undefined` for ops without client semantics (nemesis).
 * Only :process, :type, :f, :value and :key are read: the one-op-per-line fast path (jepsen-edn-lines.ts) keeps
 * just those, so a new field read here must be added to its `OpMapFields` too.
 */
export function eventFromMap(map: Value, file: string, line: number): JepsenEvent | undefined {
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new HistoryParseError(file, line, "expected an op map like {:process 0, :type :invoke, :f :read, :value nil}");
  }
  const m = map as { readonly [k: string]: Value };
  const process = m["process"];
  if (process === "nemesis") return undefined;
  if (typeof process !== "number" && typeof process !== "string") {
    throw new HistoryParseError(file, line, `op has no usable :process (got ${JSON.stringify(process ?? null)}); expected an integer`);
  }
  const type = m["type"];
  if (typeof type !== "string" || !TYPES.has(type)) {
    throw new HistoryParseError(file, line, `op :type must be :invoke, :ok, :fail or :info (got ${JSON.stringify(type ?? null)})`);
  }
  const f = m["f"];
  if (typeof f !== "string") throw new HistoryParseError(file, line, `op has no :f keyword (got ${JSON.stringify(f ?? null)})`);
  const value = m["value"] ?? null;
  const key = m["key"];
  const kind = type as JepsenEvent["type"];
  return key !== undefined ? { process, type: kind, f, value, line, key } : { process, type: kind, f, value, line };
}

/** The error for a file without a single op map: checking nothing would always come out linearizable. */
export function noOperations(file: string, expected: string): HistoryParseError {
  return new HistoryParseError(file, 1, `no client operations to check: not one op map (expected ${expected})`);
}

/** Pairs invocations with completions. */
export function eventsToHistory(events: readonly JepsenEvent[], file: string, failPolicy: FailPolicy): History {
  const pending = new Map<number | string, { event: JepsenEvent; time: number }>();
  const ops: Operation[] = [];
  const inputOf = (inv: JepsenEvent, completion: JepsenEvent | undefined): JepsenInput => {
    const value = inv.value === null && completion !== undefined ? completion.value : inv.value;
    const key = inv.key ?? completion?.key;
    return key !== undefined ? { f: inv.f, key, value } : { f: inv.f, value };
  };
  events.forEach((event, time) => {
    const open = pending.get(event.process);
    if (event.type === "invoke") {
      if (open !== undefined) {
        throw new HistoryParseError(file, event.line, `process ${String(event.process)} invokes :${event.f} while its :${open.event.f} from line ${open.event.line} is still pending`);
      }
      pending.set(event.process, { event, time });
      return;
    }
    if (open === undefined) {
      if (event.type === "info") return; // an info without invocation carries no client op
      throw new HistoryParseError(file, event.line, `:${event.type} for process ${String(event.process)} without a pending invocation`);
    }
    if (open.event.f !== event.f) {
      throw new HistoryParseError(file, event.line, `completion :${event.f} does not match the pending invocation :${open.event.f} from line ${open.event.line}`);
    }
    pending.delete(event.process);
    if (event.type === "info") {
      ops.push({ process: event.process, input: inputOf(open.event, undefined), output: undefined, call: open.time, return: Infinity, line: open.event.line });
      return;
    }
    if (event.type === "fail" && failPolicy(event.f) === "did-not-happen") return;
    const output: JepsenOutput = { type: event.type, value: event.value };
    ops.push({ process: event.process, input: inputOf(open.event, event), output, call: open.time, return: time, line: event.line });
  });
  for (const { event, time } of pending.values()) {
    ops.push({ process: event.process, input: inputOf(event, undefined), output: undefined, call: time, return: Infinity, line: event.line });
  }
  return ops;
}
