/**
 * `quorate zk-replay DIR|FILE [--json] [--wire [--ensemble N]]`: replays ZooKeeper 3.8 golden transcripts through quorate's
 * ZooKeeper-style service and compares every step. Exit codes as in exit-codes.ts: 0 when every scenario
 * passed, 1 when one failed, 2 for bad usage, a malformed transcript or a directory without any, 3 when every
 * scenario was skipped (nothing was compared).
 */
import { MAX_REPLAY_MEMBERS, TranscriptError, replayPath } from "../../zk/replay/index.js";
import type { ReplayReport } from "../../zk/replay/index.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const FLAGS = {
  json: { type: "boolean" },
  wire: { type: "boolean" },
  ensemble: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

const USAGE = `usage: quorate zk-replay DIR|FILE [--json] [--wire [--ensemble N]]

Replays zk-golden/1 transcripts (a directory of *.json, or one file) through a fresh quorate ZooKeeper-style
service configured as the recording server (tickTime 200 ms, TTL nodes on, reaper every 1000 ms, 1,048,575-byte
frames), and compares replies, events and zxid_after after the README's normalisation.

  --json   print {"scenarios":[{"id","status","step","diff"}],"passed","failed","skipped"}
  --wire   send every step over ZooKeeper's wire protocol to quorate's wire server (zk-server) on a loopback
           port, raw steps as their bytes (nothing skipped), instead of through the in-process client
  --ensemble N
           with --wire: against an in-process ensemble of N members (1..${MAX_REPLAY_MEMBERS}; replicated through Raft on the
           same simulated clock), a wire server in front of each member, sessions spread over the members

A directory without transcripts is bad input (2); when every scenario is skipped nothing was compared (3).
${EXIT_CODES_HELP}
`;

/** The --ensemble value: a member count. */
function members(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPLAY_MEMBERS) throw new UsageError(`--ensemble: expected an integer 1..${MAX_REPLAY_MEMBERS}, got '${text}'`);
  return n;
}

function human(report: ReplayReport, wire: boolean, ensemble: number | undefined): string {
  const lines = report.scenarios.map((s) => {
    if (s.status === "fail") {
      return `FAIL ${s.id}: step ${String(s.step)}, ${s.diff!.field}: expected ${JSON.stringify(s.diff!.expected)}, got ${JSON.stringify(s.diff!.got)}`;
    }
    const how = wire ? "sent as raw frames" : "run at request level";
    const wireNote = s.wireSteps.length > 0 ? ` (wire-level steps ${s.wireSteps.join(", ")} ${how})` : "";
    if (s.status === "skip") return `SKIP ${s.id}: ${s.skipped.map((k) => `step ${k.step}: ${k.reason}`).join("; ")}`;
    return `PASS ${s.id}${wireNote}`;
  });
  const against = ensemble === undefined ? "" : ` against a ${ensemble}-member ensemble`;
  lines.push(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped (of ${report.scenarios.length})${against}`);
  return `${lines.join("\n")}\n`;
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let target: string;
  let json: boolean;
  let wire: boolean;
  let ensemble: number | undefined;
  try {
    const { values, positionals } = parseCommandLine(FLAGS, argv, { positionals: true });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    if (positionals.length !== 1) throw new UsageError(`give exactly one DIR or FILE\n\n${USAGE}`);
    target = positionals[0]!;
    json = values.json === true;
    wire = values.wire === true;
    if (values.ensemble !== undefined) {
      if (!wire) throw new UsageError(`--ensemble replays over the wire: add --wire\n\n${USAGE}`);
      ensemble = members(values.ensemble);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate zk-replay: ${e.message}\n`);
    return Exit.badInput;
  }
  let report: ReplayReport;
  try {
    report = await replayPath(target, { wire, ...(ensemble === undefined ? {} : { ensemble }) });
  } catch (e) {
    if (e instanceof TranscriptError) {
      process.stderr.write(`quorate zk-replay: malformed transcript: ${e.message}\n`);
      return Exit.badInput;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT" || err.code === "EACCES" || err.code === "ENOTDIR") {
      process.stderr.write(`quorate zk-replay: cannot read ${target}: ${err.message}\n`);
      return Exit.badInput;
    }
    throw e;
  }
  if (report.scenarios.length === 0) {
    process.stderr.write(`quorate zk-replay: ${target} holds no transcript (*.json): nothing to replay\n`);
    return Exit.badInput;
  }
  if (json) {
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
    process.stdout.write(human(report, wire, ensemble));
  }
  if (report.failed > 0) return Exit.violation;
  if (report.passed === 0) {
    process.stderr.write(`quorate zk-replay: every scenario was skipped: nothing was compared\n`);
    return Exit.unknown;
  }
  return Exit.ok;
};
