import { parseArgs } from "node:util";
import { exportVectors } from "../../conformance/export.js";
import { QuintUnavailableError } from "../../conformance/quint.js";
import type { Protocol } from "../../conformance/vector.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate export-vectors --protocol raft|kraft|zk --out DIR [--seed S] [--traces N] [--steps N]

Simulates spec/<protocol>.qnt with Quint (needs @informalsystems/quint 0.33.1 installed beside quorate, or
\`quint\` on PATH; see README) and writes each trace as a language-neutral JSON test vector
(inputs in order, expected outputs, abstract state after every step) into DIR, with README.md describing
the format. Same seed, traces and steps: same vectors.

  --protocol  raft | kraft | zk                      (required)
  --out       directory to write into (created)      (required)
  --seed      quint run seed                          (default 20261125)
  --traces    number of vectors, 1..1000              (default 20)
  --steps     steps per vector, 1..200                (default 40)
`;

const PROTOCOLS: readonly Protocol[] = ["raft", "kraft", "zk"];

function fail(message: string): number {
  process.stderr.write(`quorate export-vectors: ${message}\n\n${USAGE}`);
  return 2;
}

function intOption(name: string, text: string | undefined, fallback: number, max: number): number | string {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) return `--${name} must be a whole number, got '${text}'`;
  const n = Number(text);
  if (n < 1 || n > max) return `--${name} must be between 1 and ${max}, got ${n}`;
  return n;
}

/** `quorate export-vectors`: spec-generated test vectors as JSON files plus a README of the format. */
export const run: CommandRun = async (argv) => {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        protocol: { type: "string" }, out: { type: "string" }, seed: { type: "string" },
        traces: { type: "string" }, steps: { type: "string" }, help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const protocol = values.protocol;
  if (typeof protocol !== "string" || !PROTOCOLS.includes(protocol as Protocol)) return fail(`--protocol must be one of ${PROTOCOLS.join(", ")}${typeof protocol === "string" ? `, got '${protocol}'` : ""}`);
  const out = values.out;
  if (typeof out !== "string" || out.length === 0) return fail("--out DIR is required");
  const seed = typeof values.seed === "string" ? values.seed : "20261125";
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(seed)) return fail(`--seed must be a decimal or 0x-hex integer, got '${seed}'`);
  const traces = intOption("traces", values.traces as string | undefined, 20, 1000);
  if (typeof traces === "string") return fail(traces);
  const steps = intOption("steps", values.steps as string | undefined, 40, 200);
  if (typeof steps === "string") return fail(steps);
  try {
    const files = await exportVectors({ protocol: protocol as Protocol, out, seed, traces, steps });
    process.stdout.write(`wrote ${files.length} files to ${out} (${protocol}, seed ${seed}, ${traces} traces of up to ${steps} steps)\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`quorate export-vectors: ${(e as Error).message}\n`);
    // Quint missing is a setup problem of the caller (usage), not a failed export.
    return e instanceof QuintUnavailableError ? 2 : 1;
  }
};
