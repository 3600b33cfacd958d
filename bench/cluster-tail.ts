/**
 * `npm run bench -- cluster-tail [--ms 10000] [--warmup-ms 3000] [--node-args "…"] [--json]`: where one client's
 * slow puts come from. A 3-node quorate cluster as in the `cluster` suite (tick 100 ms, warmed up the same way), its
 * nodes started with V8's `--trace-gc` added to `--node-args`; one client puts for `--ms`, each put's start and
 * latency recorded; each node's GC pauses are placed on the same clock. Prints the latency percentiles, the
 * pauses per node role, how often the fast and the slow puts overlapped a pause, and the p99 of every second
 * (a trend would show a warm-up or a growing heap). `--json` prints all of it as one object.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_NODE_ARGS, LocalCluster } from "../src/adapters/cluster/local-cluster.js";
import { drive, quorateLeader } from "./cluster.js";
import { parseGcLine, placeGcLines, tailGroups, type GcLine, type GcPause, type TimedPut } from "./tail-analysis.js";

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { ms: { type: "string" }, "warmup-ms": { type: "string" }, "node-args": { type: "string" }, json: { type: "boolean" } }, strict: true });
  const ms = Number(values.ms ?? 10_000);
  const warmupMs = Number(values["warmup-ms"] ?? 3000);
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`--ms must be a positive number of milliseconds, got ${values.ms}`);
  if (!Number.isFinite(warmupMs) || warmupMs < 0) throw new Error(`--warmup-ms must be a number of milliseconds ≥ 0, got ${values["warmup-ms"]}`);
  const nodeArgs = values["node-args"] === undefined ? DEFAULT_NODE_ARGS : values["node-args"].split(" ").filter((a) => a !== "");
  const gcLines = new Map<number, { lines: GcLine[]; arrivals: number[] }>();
  const onStdout = (id: number, line: string): void => {
    const gc = parseGcLine(line);
    if (gc === undefined) return;
    const mine = gcLines.get(id) ?? gcLines.set(id, { lines: [], arrivals: [] }).get(id)!;
    mine.lines.push(gc);
    mine.arrivals.push(performance.timeOrigin + performance.now());
  };
  const dir = await mkdtemp(join(tmpdir(), "quorate-bench-tail-"));
  let puts: TimedPut[] = [];
  let leaderId = 0;
  let pauses: GcPause[] = [];
  try {
    const cluster = await LocalCluster.start({ nodes: 3, dir, tickMs: 100, nodeArgs: [...nodeArgs, "--trace-gc"], onStdout });
    try {
      const leader = await quorateLeader(cluster);
      leaderId = cluster.ids.find((id) => cluster.url(id) === leader)!;
      await drive(leader, 4, warmupMs);
      await drive(leader, 1, warmupMs);
      const starts: number[] = [];
      const r = await drive(leader, 1, ms, starts);
      puts = r.latencies.map((latencyMs, i) => ({ startMs: starts[i]!, latencyMs }));
    } finally {
      await cluster.stop();
    }
    for (const [id, g] of gcLines) pauses.push(...placeGcLines(id, g.lines, g.arrivals));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const from = puts[0]?.startMs ?? 0;
  const to = from + ms;
  pauses = pauses.filter((p) => p.startMs >= from && p.startMs < to);
  const sorted = puts.map((p) => p.latencyMs).sort((a, b) => a - b);
  const q = (p: number): number => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(2));
  const latency = { puts: puts.length, opsPerSec: Math.round((puts.length * 1000) / ms), p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: q(1) };
  const gc: Record<string, { count: number; meanMs: number; maxMs: number }> = {};
  for (const p of pauses) {
    const key = `${p.node === leaderId ? "leader" : "follower"} ${p.kind}`;
    const s = (gc[key] ??= { count: 0, meanMs: 0, maxMs: 0 });
    s.meanMs = (s.meanMs * s.count + p.durationMs) / (s.count + 1);
    s.count++;
    s.maxMs = Math.max(s.maxMs, p.durationMs);
  }
  const groups = tailGroups(puts, pauses);
  const perSecond: { second: number; puts: number; p99Ms: number }[] = [];
  for (let s = 0; s * 1000 < ms; s++) {
    const l = puts.filter((p) => p.startMs >= from + s * 1000 && p.startMs < from + (s + 1) * 1000).map((p) => p.latencyMs).sort((a, b) => a - b);
    if (l.length > 0) perSecond.push({ second: s, puts: l.length, p99Ms: Number(l[Math.floor(0.99 * l.length)]!.toFixed(2)) });
  }
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ nodeArgs, latency, gc, groups, perSecond })}\n`);
    return;
  }
  const out: string[] = [`node args: ${nodeArgs.join(" ") || "(none)"}`, `puts ${latency.puts} (${latency.opsPerSec}/s)  p50 ${latency.p50Ms}  p90 ${latency.p90Ms}  p99 ${latency.p99Ms}  max ${latency.maxMs} ms`];
  for (const [k, s] of Object.entries(gc)) out.push(`gc ${k.padEnd(30)} ${String(s.count).padStart(5)} pauses  mean ${s.meanMs.toFixed(2)}  max ${s.maxMs.toFixed(2)} ms`);
  for (const g of groups) out.push(`${g.name.padEnd(14)} ${String(g.puts).padStart(5)} puts  mean ${g.meanLatencyMs.toFixed(2)} ms  with a GC pause ${(100 * g.withGc).toFixed(0).padStart(3)} %  GC ms per put ${g.meanGcMsPerPut.toFixed(2)}`);
  out.push(`p99 per second: ${perSecond.map((s) => s.p99Ms).join(" ")}`);
  process.stdout.write(`${out.join("\n")}\n`);
}
