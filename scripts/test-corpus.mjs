#!/usr/bin/env node
// `npm run test:corpus [DIR]`: runs the corpus suite (test/corpus/) against DIR (default ../shared beside the
// clone), which must hold the third-party histories/ and zk-golden/ folders. Exits with vitest's status; 2 when the
// folder is missing. `--check [DIR]` only says whether the corpus is there (exit 0) or not (exit 3), for .ci/run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const checkOnly = args[0] === "--check";
if (checkOnly) args.shift();
if (args.length > 1 || args[0] === "--help" || args[0] === "-h") {
  process.stdout.write("usage: npm run test:corpus [DIR]   (DIR defaults to ../shared; it holds histories/ and zk-golden/)\n");
  process.exit(args.length > 1 ? 2 : 0);
}
const dir = path.resolve(args[0] ?? path.join(repoRoot, "../shared"));
const present = existsSync(path.join(dir, "histories")) && existsSync(path.join(dir, "zk-golden"));
if (checkOnly) {
  process.stdout.write(`${present ? "corpus found" : "no corpus"} at ${dir}\n`);
  process.exit(present ? 0 : 3);
}
if (!present) {
  process.stderr.write(`test:corpus: no corpus at ${dir} (it must hold histories/ and zk-golden/)\n`);
  process.exit(2);
}
const vitest = path.join(repoRoot, "node_modules", "vitest", "vitest.mjs");
const r = spawnSync(process.execPath, [vitest, "run", "--config", "vitest.corpus.config.ts"], {
  cwd: repoRoot,
  stdio: "inherit",
  env: { ...process.env, QUORATE_CORPUS: dir },
});
process.exit(r.status ?? 1);
