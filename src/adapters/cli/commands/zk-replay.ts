/**
 * `quorate zk-replay DIR|FILE [--json]`: replays ZooKeeper 3.8 golden transcripts through quorate's
 * ZooKeeper-style service and compares every step. Exit 0 only when no scenario failed; 2 for a usage error or a
 * malformed transcript (the message names the file and the field).
 */
import { parseArgs } from "node:util";
import { TranscriptError, replayPath } from "../../zk/replay/index.js";
import type { ReplayReport } from "../../zk/replay/index.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate zk-replay DIR|FILE [--json]

Replays zk-golden/1 transcripts (a directory of *.json, or one file) through a fresh quorate ZooKeeper-style
service configured as the recording server (tickTime 200 ms, TTL nodes on, reaper every 1000 ms, 1,048,575-byte
frames), and compares replies, events and zxid_after after the README's normalisation.

  --json   print {"scenarios":[{"id","status","step","diff"}],"passed","failed","skipped"}

Exit status: 0 when nothing failed, 1 when a scenario failed, 2 for bad usage or a malformed transcript.
`;

function human(report: ReplayReport): string {
  const lines = report.scenarios.map((s) => {
    if (s.status === "fail") {
      return `FAIL ${s.id}: step ${String(s.step)}, ${s.diff!.field}: expected ${JSON.stringify(s.diff!.expected)}, got ${JSON.stringify(s.diff!.got)}`;
    }
    const wire = s.wireSteps.length > 0 ? ` (wire-level steps ${s.wireSteps.join(", ")} run at request level)` : "";
    if (s.status === "skip") return `SKIP ${s.id}: ${s.skipped.map((k) => `step ${k.step}: ${k.reason}`).join("; ")}`;
    return `PASS ${s.id}${wire}`;
  });
  lines.push(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped (of ${report.scenarios.length})`);
  return `${lines.join("\n")}\n`;
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`quorate zk-replay: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`quorate zk-replay: give exactly one DIR or FILE\n\n${USAGE}`);
    return 2;
  }
  let report: ReplayReport;
  try {
    report = await replayPath(parsed.positionals[0]!);
  } catch (e) {
    if (e instanceof TranscriptError) {
      process.stderr.write(`quorate zk-replay: malformed transcript: ${e.message}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT" || err.code === "EACCES") {
      process.stderr.write(`quorate zk-replay: cannot read ${parsed.positionals[0]!}: ${err.message}\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.values.json === true) {
    const scenarios = report.scenarios.map((s) => ({
      id: s.id,
      status: s.status,
      step: s.step ?? null,
      diff: s.diff ?? null,
      ...(s.skipped.length > 0 ? { skipped: s.skipped } : {}),
      ...(s.wireSteps.length > 0 ? { wire_steps: s.wireSteps } : {}),
    }));
    process.stdout.write(`${JSON.stringify({ scenarios, passed: report.passed, failed: report.failed, skipped: report.skipped })}\n`);
  } else {
    process.stdout.write(human(report));
  }
  return report.failed === 0 ? 0 : 1;
};
