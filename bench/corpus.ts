/**
 * Where benchmarks find the third-party corpus (outside the repository): $QUORATE_CORPUS, else the `shared`
 * folder beside the clone — the same rule as `npm run test:corpus [DIR]`.
 */
import { existsSync } from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "..");

/** The corpus folder (holds `histories/` and `zk-golden/`). */
export const corpusDir: string = path.resolve(process.env.QUORATE_CORPUS ?? path.join(repoRoot, "../shared"));

/** A path inside the corpus; throws a clear error when the corpus is not there. */
export function corpusPath(...parts: string[]): string {
  const p = path.join(corpusDir, ...parts);
  if (!existsSync(p)) throw new Error(`corpus not found: ${p} (set QUORATE_CORPUS to the folder holding histories/ and zk-golden/)`);
  return p;
}
