import { ExportTargetError, checkExportTarget, estimateExportBytes, exportVectors } from "../../conformance/export.js";
import { QuintUnavailableError } from "../../conformance/quint.js";
import { TraceGenerationError } from "../../conformance/traces.js";
import type { Protocol } from "../../conformance/vector.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";
import { startProgress } from "../progress.js";

const FLAGS = {
  protocol: { type: "string" },
  out: { type: "string" },
  seed: { type: "string" },
  traces: { type: "string" },
  steps: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

const USAGE = `usage: quorate export-vectors --protocol raft|kraft|zk --out DIR [--seed S] [--traces N] [--steps N]

Simulates spec/<protocol>.qnt with Quint (needs @informalsystems/quint 0.33.1 installed beside quorate, or
\`quint\` on PATH; see README) and writes each trace as a language-neutral JSON test vector
(inputs in order, expected outputs, abstract state after every step) into DIR, with README.md describing
the format. Same seed, traces and steps: same vectors. Vectors are generated in batches and streamed to disk,
so memory stays bounded; the expected size is printed before starting, progress on a terminal.

  --protocol  raft | kraft | zk                      (required)
  --out       a new or empty directory (created)     (required)
  --seed      quint run seed                          (default 20261125)
  --traces    number of vectors, 1..1000              (default 20)
  --steps     steps per vector, 1..200                (default 40)

${EXIT_CODES_HELP}
`;

const PROTOCOLS: readonly Protocol[] = ["raft", "kraft", "zk"];

function intOption(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got '${text}'`);
  const n = Number(text);
  if (n < 1 || n > max) throw new UsageError(`--${name} must be between 1 and ${max}, got ${n}`);
  return n;
}

function megabytes(bytes: number): string {
  return bytes >= 10 * 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** `quorate export-vectors`: spec-generated test vectors as JSON files plus a README of the format. */
export const run: CommandRun = async (argv) => {
  let options: { protocol: Protocol; out: string; seed: string; traces: number; steps: number };
  try {
    const { values } = parseCommandLine(FLAGS, argv, { positionals: false });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    const protocol = values.protocol;
    if (protocol === undefined || !PROTOCOLS.includes(protocol as Protocol)) {
      throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(", ")}${protocol !== undefined ? `, got '${protocol}'` : ""}`);
    }
    const out = values.out;
    if (out === undefined || out.length === 0) throw new UsageError("--out DIR is required");
    const seed = values.seed ?? "20261125";
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(seed)) throw new UsageError(`--seed must be a decimal or 0x-hex integer, got '${seed}'`);
    options = { protocol: protocol as Protocol, out, seed, traces: intOption("traces", values.traces, 20, 1000), steps: intOption("steps", values.steps, 40, 200) };
    checkExportTarget(out);
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof ExportTargetError)) throw e;
    process.stderr.write(`quorate export-vectors: ${e.message}\n\n${USAGE}`);
    return Exit.badInput;
  }
  const { protocol, out, seed, traces, steps } = options;
  process.stderr.write(`quorate export-vectors: ${traces} ${protocol} vectors of up to ${steps} steps into ${out}: about ${megabytes(estimateExportBytes(protocol, traces, steps))}\n`);
  const bar = startProgress({ label: "vectors", total: traces });
  try {
    const files = await exportVectors({ ...options, onVector: () => bar.advance() });
    bar.stop();
    process.stdout.write(`wrote ${files.length} files to ${out} (${protocol}, seed ${seed}, ${traces} traces of up to ${steps} steps)\n`);
    return Exit.ok;
  } catch (e) {
    bar.stop();
    // Quint missing or failing: the export cannot be done as asked (there is no violation to report).
    if (e instanceof ExportTargetError || e instanceof QuintUnavailableError || e instanceof TraceGenerationError) {
      process.stderr.write(`quorate export-vectors: ${e.message}\n`);
      return Exit.badInput;
    }
    throw e;
  }
};
