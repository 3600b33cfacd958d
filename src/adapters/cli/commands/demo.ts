import { RAFT_INVARIANTS } from "../../../check/invariants/index.js";
import type { TraceRecord } from "../../../check/invariants/index.js";
import { parseFaults, raftProtocol, simulate } from "../../simulator/index.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const FLAGS = {
  seed: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

/** The embedded default run: fixed seed, five nodes, a few faults. */
export const DEMO = { seed: 2026, nodes: 5, steps: 8000, faults: "drop,partition,crash,disk" } as const;

const HELP = `usage: quorate demo [--seed S]

A deterministic 5-node Raft run over the simulated network (message loss, partitions, crashes, slow disks),
then every fault healed: prints the elections, leaders and commits, and whether every safety invariant and
liveness held. Same seed, same output.
${EXIT_CODES_HELP}
`;

/** `quorate demo`: what `npm start` runs. */
export const run: CommandRun = async (argv) => {
  let seed: number = DEMO.seed;
  try {
    const { values } = parseCommandLine(FLAGS, argv, { positionals: false });
    if (values.help === true) {
      process.stdout.write(HELP);
      return Exit.ok;
    }
    if (values.seed !== undefined) {
      if (!/^\d+$/.test(values.seed) || Number(values.seed) > 0xffffffff) throw new UsageError(`--seed must be an integer in 0..4294967295, got '${values.seed}'`);
      seed = Number(values.seed);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate demo: ${e.message}\n`);
    return Exit.badInput;
  }
  const options = { seed, nodes: DEMO.nodes, steps: DEMO.steps, faults: parseFaults(DEMO.faults), trace: true };
  const result = simulate(raftProtocol(), options);
  const out: string[] = [];
  out.push(`quorate demo: ${DEMO.nodes}-node Raft, seed ${seed}, ${DEMO.steps} simulated events with faults (${DEMO.faults}), then all faults healed`);
  out.push("");
  const commitMark = new Map<number, number>();
  let lastCommitShown = 0;
  for (const line of result.trace!) {
    const r = JSON.parse(line) as TraceRecord;
    const at = `${String(r.t ?? 0).padStart(6)} ms`;
    if (r.type === "state" && r.role === "leader" && commitMark.get(r.node) !== r.term) {
      commitMark.set(r.node, r.term);
      out.push(`${at}  node ${r.node} elected leader of term ${r.term}`);
    } else if (r.type === "state" && r.commit >= lastCommitShown + 25) {
      lastCommitShown = r.commit - (r.commit % 25);
      out.push(`${at}  commit index reached ${r.commit} (node ${r.node})`);
    } else if (r.type === "fault") {
      const who = r.nodes === undefined ? "" : ` node${r.nodes.length > 1 ? "s" : ""} ${r.nodes.join(",")}`;
      out.push(`${at}  fault: ${r.fault}${r.detail === undefined ? "" : ` (${r.detail})`}${who}`);
    }
  }
  const s = result.stats;
  out.push("");
  out.push(`${s.elections} elections, ${s.leaderChanges} leader changes, highest commit index ${s.committed}`);
  out.push(`${s.messages} messages (${s.dropped} lost), ${s.crashes} crashes, ${s.partitions} partitions`);
  out.push(`clients: ${s.ok} operations succeeded, ${s.fail} failed, ${s.info} timed out with unknown outcome`);
  out.push("");
  const broken = new Set(result.violations.map((v) => v.invariant));
  for (const name of [...Object.keys(RAFT_INVARIANTS), "liveness"]) out.push(`  ${broken.has(name as never) ? "✗" : "✓"} ${name}`);
  for (const v of result.violations) out.push(`VIOLATION ${v.invariant} at step ${v.step}: ${v.detail}`);
  out.push("");
  out.push(result.ok ? "every invariant held" : `invariants broken; replay: npx --no-install quorate simulate --system raft --nodes ${DEMO.nodes} --seed ${seed} --steps ${DEMO.steps} --faults ${DEMO.faults}`);
  process.stdout.write(`${out.join("\n")}\n`);
  return result.ok ? Exit.ok : Exit.violation;
};
