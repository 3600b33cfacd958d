/**
 * The torture harness's client history: Jepsen events (invoke, then ok / fail / info) of register operations on
 * a few keys, written as Jepsen EDN (the checker's `jepsen-edn` format), one op map per line. Pure.
 * @module
 */

/** One history event. `value`: a read's value (null: absent), a write's value, a cas's [from to]. */
export interface HistoryEvent {
  readonly process: number;
  readonly type: "invoke" | "ok" | "fail" | "info";
  readonly f: "read" | "write" | "cas";
  readonly key: string;
  readonly value: number | null | readonly [number, number];
  /** Milliseconds since the run started. */
  readonly time: number;
  /** Why an op failed or its outcome is unknown (for the reader; the checker ignores it). */
  readonly error?: string;
}

function ednValue(v: HistoryEvent["value"]): string {
  return v === null ? "nil" : typeof v === "number" ? String(v) : `[${v[0]} ${v[1]}]`;
}

/** The events as one EDN vector, one op map per line; `key` selects one key's events (Jepsen's independent keys). */
export function historyEdn(events: readonly HistoryEvent[], key?: string): string {
  const lines = events
    .filter((e) => key === undefined || e.key === key)
    .map((e) => `{:process ${e.process}, :type :${e.type}, :f :${e.f}, :key ${JSON.stringify(e.key)}, :value ${ednValue(e.value)}${e.error === undefined ? "" : `, :error ${JSON.stringify(e.error)}`}, :time ${Math.round(e.time * 1e6)}}`);
  return `[${lines.join("\n ")}]\n`;
}
