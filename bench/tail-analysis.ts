/**
 * Pure helpers of the `cluster-tail` bench: V8 `--trace-gc` lines parsed into pauses on the puts' clock, and the
 * puts of each latency group matched against the pauses that overlap them.
 * @module
 */

/** One garbage-collection pause of one node, on the puts' clock (milliseconds since the epoch). */
export interface GcPause {
  readonly node: number;
  /** `Scavenge`, `Mark-Compact`, `Mark-Compact (reduce)`, … as V8 names it. */
  readonly kind: string;
  readonly startMs: number;
  readonly durationMs: number;
}

/** A `--trace-gc` line as printed: V8's milliseconds since the isolate started, the kind, the pause. */
export interface GcLine {
  readonly isolateMs: number;
  readonly kind: string;
  readonly durationMs: number;
}

// `[pid:0x…]     1234 ms: Scavenge 5.2 (6.0) -> 4.8 (7.0) MB, 0.85 / 0.00 ms  (average mu = …) allocation failure;`
const GC_LINE = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (.+?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms/;

/** Parses one `--trace-gc` line; `undefined` for any other line. */
export function parseGcLine(line: string): GcLine | undefined {
  const m = GC_LINE.exec(line);
  return m === null ? undefined : { isolateMs: Number(m[1]), kind: m[2]!, durationMs: Number(m[3]) };
}

/**
 * Places one node's GC lines on the puts' clock. V8 prints a pause when it ends, stamped with the time since the
 * isolate started; `arrivals[i]` is when line `i` reached the bench (epoch ms). The isolate's start is estimated
 * by the smallest `arrival − stamp` (the line that arrived with the least delay), so a pause is placed at most
 * that delay early.
 */
export function placeGcLines(node: number, lines: readonly GcLine[], arrivals: readonly number[]): GcPause[] {
  if (lines.length === 0) return [];
  let origin = Infinity;
  lines.forEach((l, i) => void (origin = Math.min(origin, arrivals[i]! - l.isolateMs)));
  return lines.map((l) => ({ node, kind: l.kind, startMs: origin + l.isolateMs - l.durationMs, durationMs: l.durationMs }));
}

/** One put: when it started (epoch ms) and how long it took. */
export interface TimedPut {
  readonly startMs: number;
  readonly latencyMs: number;
}

/** How the puts of one latency group met GC pauses. */
export interface TailGroup {
  readonly name: string;
  readonly puts: number;
  readonly meanLatencyMs: number;
  /** Share of the group's puts during which some node was in a GC pause (0–1). */
  readonly withGc: number;
  /** Mean GC pause time (all nodes) overlapping a put of the group. */
  readonly meanGcMsPerPut: number;
}

/**
 * The puts below the median, at or above the 95th and at or above the 99th percentile of latency, each with the
 * share of its puts that overlapped a GC pause of any node (within `slackMs` either side) and the mean pause
 * time overlapping one: if pauses made the tail, the slow groups overlap pauses far more than the fast one.
 */
export function tailGroups(puts: readonly TimedPut[], pauses: readonly GcPause[], slackMs = 0.5): TailGroup[] {
  const sorted = puts.map((p) => p.latencyMs).sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const byStart = pauses.slice().sort((a, b) => a.startMs - b.startMs);
  const overlapMs = (p: TimedPut): number => {
    let ms = 0;
    for (const g of byStart) {
      if (g.startMs > p.startMs + p.latencyMs + slackMs) break;
      if (g.startMs + g.durationMs >= p.startMs - slackMs) ms += g.durationMs;
    }
    return ms;
  };
  const group = (name: string, sel: readonly TimedPut[]): TailGroup => {
    const overlaps = sel.map(overlapMs);
    const n = Math.max(1, sel.length);
    return {
      name,
      puts: sel.length,
      meanLatencyMs: sel.reduce((s, p) => s + p.latencyMs, 0) / n,
      withGc: overlaps.filter((ms) => ms > 0).length / n,
      meanGcMsPerPut: overlaps.reduce((s, ms) => s + ms, 0) / n,
    };
  };
  if (sorted.length === 0) return [];
  return [
    group("below p50", puts.filter((p) => p.latencyMs < at(0.5))),
    group("p95 and above", puts.filter((p) => p.latencyMs >= at(0.95))),
    group("p99 and above", puts.filter((p) => p.latencyMs >= at(0.99))),
  ];
}
