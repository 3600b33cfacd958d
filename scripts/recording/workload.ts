/**
 * The pure half of the history recorder: seeded choice of operations and Jepsen EDN rendering of events.
 * No I/O here; `scripts/record-histories.ts` drives real servers with what this module chooses.
 */

/** Which data the clients share: one compare-and-set register, or five string keys (get / put / append). */
export type Workload = "register" | "kv";

/** One operation a client is about to invoke. */
export type PlannedOp =
  | { readonly f: "read" }
  | { readonly f: "write"; readonly value: number }
  | { readonly f: "cas"; readonly from: number; readonly to: number }
  | { readonly f: "get"; readonly key: string }
  | { readonly f: "put"; readonly key: string; readonly value: string }
  | { readonly f: "append"; readonly key: string; readonly value: string };

/** The keys of the kv workload. */
export const KV_KEYS = ["k0", "k1", "k2", "k3", "k4"] as const;

/** Picks the next operation of a client: reads half the time, then writes and cas (or puts and appends). */
export function planOp(workload: Workload, random: () => number, client: number, sequence: number): PlannedOp {
  const r = random();
  if (workload === "register") {
    if (r < 0.5) return { f: "read" };
    if (r < 0.75) return { f: "write", value: Math.floor(random() * 5) };
    return { f: "cas", from: Math.floor(random() * 5), to: Math.floor(random() * 5) };
  }
  const key = KV_KEYS[Math.floor(random() * KV_KEYS.length)]!;
  if (r < 0.5) return { f: "get", key };
  // Appended tokens name their client and sequence number, so every append leaves a distinct trace.
  if (r < 0.7) return { f: "put", key, value: `p${client}.${sequence}` };
  return { f: "append", key, value: ` a${client}.${sequence}` };
}

/** An EDN value as the recorder writes it: nil, integers, strings without quotes or backslashes, vectors. */
export type EdnValue = null | number | string | readonly EdnValue[];

function ednValue(v: EdnValue): string {
  if (v === null) return "nil";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  return `[${v.map(ednValue).join(" ")}]`;
}

/** One history event, in the order Jepsen's history.edn writes its fields. */
export interface HistoryEvent {
  readonly type: "invoke" | "ok" | "fail" | "info";
  readonly f: string;
  readonly key?: string;
  readonly value: EdnValue;
  /** A client number, or "nemesis" for fault events. */
  readonly process: number | "nemesis";
  /** Nanoseconds since the history started. */
  readonly time: number;
  readonly error?: string;
}

/** Renders one event as a Jepsen op map on one line. */
export function ednEvent(event: HistoryEvent, index: number): string {
  const key = event.key !== undefined ? `, :key ${JSON.stringify(event.key)}` : "";
  const process = event.process === "nemesis" ? ":nemesis" : String(event.process);
  const error = event.error !== undefined ? `, :error :${event.error}` : "";
  return `{:type :${event.type}, :f :${event.f}${key}, :value ${ednValue(event.value)}, :process ${process}, :time ${event.time}, :index ${index}${error}}`;
}

/** A whole history: a `;` comment saying how it was made, then one EDN vector with one op map per line. */
export function ednHistory(header: string, events: readonly HistoryEvent[]): string {
  const lines = events.map((e, i) => ednEvent(e, i));
  return `; ${header}\n[${lines.join("\n ")}]\n`;
}
