/**
 * Exporting spec-generated test vectors to a directory (the work behind `quorate export-vectors`): simulate the
 * spec with `quint run --out-itf --mbt`, turn each trace into a vector through the abstraction of that
 * protocol, and write one JSON file per trace plus README.md describing the format.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
}

/** The format description shipped next to the vectors. */
export const vectorReadme: string = path.join(packageRoot, "docs", "test-vectors.md");

/** Writes the vectors and README.md into `o.out` (created if needed); returns the files written. */
export async function exportVectors(o: ExportOptions): Promise<string[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), "quorate-vectors-"));
  try {
    const traces = await generateTraces({ protocol: o.protocol, seed: o.seed, traces: o.traces, steps: o.steps, dir: work });
    mkdirSync(o.out, { recursive: true });
    const written: string[] = [];
    for (const t of traces) {
      const v: Vector<unknown, unknown, unknown> =
        o.protocol === "raft" ? raftVectorFromItf(t.trace, t.source) : o.protocol === "kraft" ? kraftVectorFromItf(t.trace, t.source) : zkVectorFromItf(t.trace, t.source);
      const file = path.join(o.out, `${o.protocol}-${o.seed}-${String(t.source.trace).padStart(3, "0")}.json`);
      writeFileSync(file, JSON.stringify(v, null, 1) + "\n");
      written.push(file);
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
