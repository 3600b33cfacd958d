import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { TraceFormatError, verifyRaftTrace } from "../../../check/invariants/index.js";
import type { CommandRun } from "../main.js";

const HELP = `usage: quorate verify-trace FILE --protocol raft [--json]

Checks an NDJSON trace of observations recorded from any Raft implementation against quorate's Raft safety
invariants (docs/trace-format.md; schema: schemas/raft-trace.schema.json). Exit 0 when every invariant held,
1 on a violation, 2 on bad arguments or a malformed trace.
`;

/** `quorate verify-trace FILE --protocol raft [--json]`. */
export const run: CommandRun = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { protocol: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    process.stderr.write(`quorate verify-trace: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.protocol !== "raft") {
    process.stderr.write(`quorate verify-trace: --protocol must be "raft" (the only protocol with a trace format so far)\n`);
    return 2;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`quorate verify-trace: give exactly one FILE (got ${positionals.length})\n\n${HELP}`);
    return 2;
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    process.stderr.write(`quorate verify-trace: cannot read FILE ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const verdict = verifyRaftTrace(text);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify({ ok: verdict.ok, records: verdict.records, violations: verdict.violations })}\n`);
    } else if (verdict.ok) {
      process.stdout.write(`${file}: ${verdict.records} records, every Raft invariant held\n`);
    } else {
      process.stdout.write(`${file}: ${verdict.violations.length} violation(s) in ${verdict.records} records\n`);
      for (const v of verdict.violations) {
        process.stdout.write(`  line ${v.step} (t=${v.t}${v.node === undefined ? "" : `, node ${v.node}`}): ${v.invariant}: ${v.detail}\n`);
      }
    }
    return verdict.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof TraceFormatError) {
      process.stderr.write(`quorate verify-trace: ${file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
};
