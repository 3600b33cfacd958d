/**
 * Exporting spec-generated test vectors to a directory (the work behind `quorate export-vectors`): simulate the
 * spec with `quint run --out-itf --mbt`, turn each trace into a vector through the abstraction of that
 * protocol, and write one JSON file per trace plus README.md describing the format.
 *
 * Memory stays bounded however many vectors are asked for: Quint keeps every trace of a run in memory (about
 * 12 MB per 200-step ZooKeeper trace), so traces are generated in batches of {@link EXPORT_BATCH}, and each
 * batch's vectors are written to disk and dropped before the next batch starts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { kraftVectorFromItf } from "./kraft.js";
import { packageRoot } from "./quint.js";
import { raftVectorFromItf } from "./raft.js";
import { generateTraces } from "./traces.js";
import type { Protocol, Vector } from "./vector.js";
import { zkVectorFromItf } from "./zk.js";

/** Options of {@link exportVectors}. */
export interface ExportOptions {
  readonly protocol: Protocol;
  readonly out: string;
  readonly seed: string;
  readonly traces: number;
  readonly steps: number;
  /** Hears of each vector file as it is written (for progress). */
  readonly onVector?: (file: string) => void;
}

/** Traces per Quint run: what keeps a run's memory near half a gigabyte (measured: 10 traces 240 MB, 50 traces 740 MB). */
export const EXPORT_BATCH = 25;

/** The `--out` directory cannot take the vectors: it is a file, or a directory that already holds files. */
export class ExportTargetError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "EXPORT_TARGET";
}

/** The format description shipped next to the vectors. */
export const vectorReadme: string = path.join(packageRoot, "docs", "test-vectors.md");

/**
 * Bytes per vector step, measured per protocol on the default seed (pretty-printed JSON, one space): zk 717 at
 * 100 steps (4 vectors) and 670 at 200 steps (100 vectors); raft 1144 and kraft 1327 at 100 steps (4 vectors).
 */
const BYTES_PER_STEP: Record<Protocol, number> = { raft: 1144, kraft: 1327, zk: 690 };

/**
 * About how many bytes `traces` vectors of `steps` steps take on disk. An estimate for the user before a long
 * export, not a bound: traces differ, and Quint may end one early.
 */
export function estimateExportBytes(protocol: Protocol, traces: number, steps: number): number {
  return Math.round(traces * steps * BYTES_PER_STEP[protocol]);
}

/**
 * The seed of batch `batch`: the user's seed for the first (so small exports are exactly what one Quint run
 * writes), then seeds spread over 64 bits by the golden-ratio increment, each recorded in its vectors' source.
 */
export function batchSeed(seed: string, batch: number): string {
  if (batch === 0) return seed;
  return String((BigInt(seed) + BigInt(batch) * 0x9e3779b97f4a7c15n) % (1n << 64n));
}

/** Refuses an `out` that is a file or a non-empty directory (never mixes new vectors into old ones). */
export function checkExportTarget(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new ExportTargetError(`--out ${out} exists and is not a directory`);
  const present = readdirSync(out);
  if (present.length > 0) throw new ExportTargetError(`--out ${out} already holds ${present.length} file(s) (e.g. ${present[0]}); give a new or empty directory`);
}

/** Writes the vectors and README.md into `o.out` (created if needed); returns the files written. */
export async function exportVectors(o: ExportOptions): Promise<string[]> {
  checkExportTarget(o.out);
  const work = mkdtempSync(path.join(os.tmpdir(), "quorate-vectors-"));
  try {
    mkdirSync(o.out, { recursive: true });
    const written: string[] = [];
    for (let batch = 0, first = 0; first < o.traces; batch++, first += EXPORT_BATCH) {
      const count = Math.min(EXPORT_BATCH, o.traces - first);
      const dir = path.join(work, `batch-${batch}`);
      const traces = await generateTraces({ protocol: o.protocol, seed: batchSeed(o.seed, batch), traces: count, steps: o.steps, dir });
      for (const t of traces) {
        const v: Vector<unknown, unknown, unknown> =
          o.protocol === "raft" ? raftVectorFromItf(t.trace, t.source) : o.protocol === "kraft" ? kraftVectorFromItf(t.trace, t.source) : zkVectorFromItf(t.trace, t.source);
        const file = path.join(o.out, `${o.protocol}-${o.seed}-${String(first + t.source.trace).padStart(3, "0")}.json`);
        writeFileSync(file, JSON.stringify(v, null, 1) + "\n");
        written.push(file);
        o.onVector?.(file);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    if (existsSync(vectorReadme)) {
      const readme = path.join(o.out, "README.md");
      copyFileSync(vectorReadme, readme);
      written.push(readme);
    }
    return written;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
