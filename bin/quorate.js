#!/usr/bin/env node
// The CLI entry: loads the compiled build (made by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/adapters/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("quorate: the build is missing; run `npm run build` (npm ci runs it through `prepare`).\n");
  process.exit(2);
}
const { runCli } = await import(main.href);
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  // Bad input is reported by each command with exit 2; anything that escapes is a bug in quorate. Its exit code
  // must not read as one of the convention's answers (Node would exit 1: "a violation"), so it is 70 (EX_SOFTWARE).
  process.stderr.write(`quorate: internal error (a bug in quorate; please report it with the command line):\n${error?.stack ?? String(error)}\n`);
  process.exitCode = 70;
}
