import { readFileSync } from "node:fs";
import { TraceFormatError, verifyRaftTrace } from "../../../check/invariants/index.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const FLAGS = {
  protocol: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

const HELP = `usage: quorate verify-trace FILE --protocol raft [--json]

Checks an NDJSON trace of observations recorded from any Raft implementation against quorate's Raft safety
invariants (docs/trace-format.md; every record is validated with schemas/raft-trace.schema.json). The trace
starts with its "cluster" record, and every record names only nodes of that cluster.
${EXIT_CODES_HELP}
`;

/** `quorate verify-trace FILE --protocol raft [--json]`. */
export const run: CommandRun = async (argv) => {
  let file: string;
  let json: boolean;
  try {
    const { values, positionals } = parseCommandLine(FLAGS, argv, { positionals: true });
    if (values.help === true) {
      process.stdout.write(HELP);
      return Exit.ok;
    }
    if (values.protocol !== "raft") throw new UsageError(`--protocol must be "raft" (the only protocol with a trace format so far)`);
    if (positionals.length !== 1) throw new UsageError(`give exactly one FILE (got ${positionals.length})\n\n${HELP}`);
    file = positionals[0]!;
    json = values.json === true;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate verify-trace: ${e.message}\n`);
    return Exit.badInput;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    process.stderr.write(`quorate verify-trace: cannot read FILE ${file}: ${(e as Error).message}\n`);
    return Exit.badInput;
  }
  try {
    const verdict = verifyRaftTrace(text);
    if (json) {
      process.stdout.write(`${JSON.stringify({ ok: verdict.ok, records: verdict.records, violations: verdict.violations })}\n`);
    } else if (verdict.ok) {
      process.stdout.write(`${file}: ${verdict.records} records, every Raft invariant held\n`);
    } else {
      process.stdout.write(`${file}: ${verdict.violations.length} violation(s) in ${verdict.records} records\n`);
      for (const v of verdict.violations) {
        process.stdout.write(`  line ${v.step} (t=${v.t}${v.node === undefined ? "" : `, node ${v.node}`}): ${v.invariant}: ${v.detail}\n`);
      }
    }
    return verdict.ok ? Exit.ok : Exit.violation;
  } catch (e) {
    if (e instanceof TraceFormatError) {
      process.stderr.write(`quorate verify-trace: ${file}:${e.line}: ${e.message.replace(/^line \d+: /, "")}\n`);
      return Exit.badInput;
    }
    throw e;
  }
};
