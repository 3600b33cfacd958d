/**
 * Running the Quint simulator (`quint run --backend=typescript`) from TypeScript: used to generate ITF traces
 * for conformance tests and test vectors, and to run spec mutants. This module does I/O (child processes); the
 * decoding of what it produces lives in `itf.ts`, which is pure.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: `src/adapters/conformance` (tsx, vitest) and `dist/adapters/conformance` both sit 3 below it. */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The directory holding the Quint specs. */
export const specDir: string = path.join(packageRoot, "spec");

/** The Quint release the specs are written and tested against. */
export const QUINT_VERSION = "0.33.1";
/** Quint 0.33.1 fails to start with a newer antlr4ts than it was built with; quorate's package.json pins it too. */
export const QUINT_OVERRIDE = `"overrides": {"antlr4ts": "0.5.0-alpha.4"}`;

/** Quint could not be started: it is not a runtime dependency of quorate, and was not found. */
export class QuintUnavailableError extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "QUINT_UNAVAILABLE";
  constructor(detail: string) {
    super(
      `cannot run Quint (${detail}); this needs @informalsystems/quint beside quorate: \`npm install --save-dev @informalsystems/quint@${QUINT_VERSION}\` ` +
        `with ${QUINT_OVERRIDE} in your package.json (or a \`quint\` command on PATH)`,
    );
    this.name = "QuintUnavailableError";
  }
}

/** The result of one `quint` invocation. */
export interface QuintResult {
  /** The process exit code: 0 when no invariant was violated, 1 on a violation or an error. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The arguments given to quint, for replay messages. */
  readonly args: readonly string[];
}

/** Options of {@link quintRun}. */
export interface QuintRunOptions {
  /** The spec file. */
  readonly spec: string;
  /** Seed, as quint prints it (decimal or 0x-hex). */
  readonly seed: string;
  readonly maxSamples: number;
  readonly maxSteps: number;
  /** Invariant names checked one by one (quint reports each violated one). */
  readonly invariants?: readonly string[];
  /** Write the sampled traces as ITF here; `{seq}` in the name is replaced by the trace number. */
  readonly outItf?: string;
  /** How many traces to write with `outItf`. */
  readonly nTraces?: number;
  /** Record the action taken and nondeterministic picks in each ITF state (`--mbt`). */
  readonly mbt?: boolean;
}

/**
 * How to start Quint: the `@informalsystems/quint` package as Node resolves it from quorate's own location (quorate's
 * dev dependencies in a clone; the installing project's node_modules when quorate is a dependency), run with this
 * Node; else a `quint` executable on PATH.
 */
export function locateQuint(): { command: string; args: readonly string[] } {
  try {
    const manifest = createRequire(import.meta.url).resolve("@informalsystems/quint/package.json");
    const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin?: Record<string, string> }).bin?.quint;
    if (bin !== undefined) return { command: process.execPath, args: [path.join(path.dirname(manifest), bin)] };
  } catch {
    // not installed where Node looks: try PATH
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir !== "" && existsSync(path.join(dir, "quint"))) return { command: path.join(dir, "quint"), args: [] };
  }
  throw new QuintUnavailableError("@informalsystems/quint is not installed and no quint is on PATH");
}

/** Runs any quint subcommand and collects its output. */
export function quint(args: readonly string[], cwd: string = specDir): Promise<QuintResult> {
  const bin = locateQuint();
  return new Promise((resolve, reject) => {
    const child = spawn(bin.command, [...bin.args, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => reject(new QuintUnavailableError(e.message)));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, args }));
  });
}

/** `quint run --backend=typescript` (the Rust backend would download a binary) with the given budget. */
export function quintRun(o: QuintRunOptions): Promise<QuintResult> {
  // The spec comes first: `--invariants` takes every following word.
  const args = ["run", path.basename(o.spec), "--backend=typescript", `--seed=${o.seed}`, `--max-samples=${o.maxSamples}`,
    `--max-steps=${o.maxSteps}`, "--verbosity=1"];
  if (o.invariants !== undefined && o.invariants.length > 0) args.push("--invariants", ...o.invariants);
  if (o.outItf !== undefined) args.push(`--out-itf=${o.outItf}`, `--n-traces=${o.nTraces ?? 1}`);
  if (o.mbt === true) args.push("--mbt");
  return quint(args, path.dirname(o.spec));
}

/** The invariants quint reports as violated (its `❌ name` lines). */
export function violatedInvariants(r: QuintResult): string[] {
  return [...r.stdout.matchAll(/❌ (\w+)/g)].map((m) => m[1] ?? "");
}
