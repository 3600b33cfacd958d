// Where the third-party corpus lives: $QUORATE_CORPUS (set by `npm run test:corpus DIR`), else ../shared beside the
// clone. Only the corpus suite (vitest.corpus.config.ts) reads it; `npm test` never does.
import { existsSync } from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "../..");

/** The corpus folder (holds `histories/` and `zk-golden/`). */
export const corpusDir = path.resolve(process.env.QUORATE_CORPUS ?? path.join(repoRoot, "../shared"));

/** A folder of the corpus; throws a clear error when it is missing, so a missing corpus fails instead of passing. */
export function corpusPath(...parts: string[]): string {
  const p = path.join(corpusDir, ...parts);
  if (!existsSync(p)) throw new Error(`corpus not found: ${p} (run \`npm run test:corpus DIR\` with DIR holding histories/ and zk-golden/)`);
  return p;
}
