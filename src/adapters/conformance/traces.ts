/**
 * Generating spec traces as ITF files with `quint run --out-itf --mbt`, cached by the specs' content so a
 * second run with the same specs and parameters reads the files instead of simulating again. I/O lives here;
 * turning traces into vectors is pure (raft.ts, kraft.ts, zk.ts).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseItf, type ItfTrace } from "./itf.js";
import { quintRun, specDir } from "./quint.js";
import type { Protocol, VectorSource } from "./vector.js";

/** Parameters of one trace-generating simulation. */
export interface TraceRequest {
  readonly protocol: Protocol;
  readonly seed: string;
  /** How many traces to write (each one is a sample of the simulator). */
  readonly traces: number;
  /** Steps per trace. */
  readonly steps: number;
  /** Where to write the ITF files and the cache stamp. */
  readonly dir: string;
}

/** A generated trace with what it takes to name and regenerate it. */
export interface GeneratedTrace {
  readonly trace: ItfTrace;
  readonly source: VectorSource;
}

/** The simulation failed: an invariant was violated or quint could not run. */
export class TraceGenerationError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "TRACE_GENERATION";
}

function specHash(): string {
  const h = createHash("sha256");
  for (const f of readdirSync(specDir).filter((x) => x.endsWith(".qnt")).sort()) h.update(f).update(readFileSync(path.join(specDir, f)));
  return h.digest("hex");
}

/** The command that writes the same traces (run from the package root). */
export function traceCommand(r: TraceRequest): string {
  return `npx quint run spec/${r.protocol}.qnt --backend=typescript --mbt --seed=${r.seed} --max-samples=${r.traces} --n-traces=${r.traces} --max-steps=${r.steps} --out-itf='trace_{seq}.itf.json'`;
}

/** Writes (or reuses, when the specs and parameters are unchanged) the traces and returns them parsed. */
export async function generateTraces(request: TraceRequest): Promise<GeneratedTrace[]> {
  const r = { ...request, dir: path.resolve(request.dir) };
  const stamp = JSON.stringify({ spec: specHash(), protocol: r.protocol, seed: r.seed, traces: r.traces, steps: r.steps });
  const stampFile = path.join(r.dir, "stamp.json");
  let cached = false;
  try {
    cached = readFileSync(stampFile, "utf8") === stamp;
  } catch {
    cached = false;
  }
  if (!cached) {
    rmSync(r.dir, { recursive: true, force: true });
    mkdirSync(r.dir, { recursive: true });
    const res = await quintRun({
      spec: path.join(specDir, `${r.protocol}.qnt`), seed: r.seed, maxSamples: r.traces, maxSteps: r.steps,
      outItf: path.join(r.dir, "trace_{seq}.itf.json"), nTraces: r.traces, mbt: true,
    });
    if (res.code !== 0) throw new TraceGenerationError(`quint run failed for spec/${r.protocol}.qnt (${traceCommand(r)}):\n${res.stdout}${res.stderr}`);
    writeFileSync(stampFile, stamp);
  }
  const files = readdirSync(r.dir).filter((f) => /^trace_\d+\.itf\.json$/.test(f));
  const number = (f: string): number => Number(/\d+/.exec(f)![0]);
  files.sort((a, b) => number(a) - number(b));
  if (files.length === 0) throw new TraceGenerationError(`no traces written to ${r.dir} by ${traceCommand(r)}`);
  return files.map((f) => ({
    trace: parseItf(readFileSync(path.join(r.dir, f), "utf8"), f),
    source: { spec: `${r.protocol}.qnt`, seed: r.seed, trace: number(f), command: traceCommand(r) },
  }));
}
