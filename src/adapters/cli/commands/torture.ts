/**
 * `quorate torture --nodes 3|5 --time 60s --clients 8 --faults kill,pause,partition,lose-unsynced [--seed S]
 * [--json] [--out DIR]`: kills, pauses and partitions a real local cluster under client load and checks the
 * history with quorate's linearizability checker. Exit 0 only if it is linearizable and every requested fault
 * was injected.
 */
import { runTorture, TORTURE_FAULTS, type TortureFault } from "../../cluster/torture.js";

/** The faults of a run without `--faults` (the event-timed kills come with `kill`). */
const DEFAULT_FAULTS: readonly TortureFault[] = ["kill", "pause", "partition", "lose-unsynced"];
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import type { FlagTable } from "../flags.js";
import type { CommandRun } from "../main.js";

const USAGE = `usage: quorate torture [--nodes 3|5] [--time 60s] [--clients 8] [--faults kill,pause,partition,lose-unsynced]
                       [--seed S] [--json] [--out DIR]
                       [--slow-sync MS]

Starts a real local cluster of quorate nodes, runs concurrent clients (read / write / cas on three keys over the
etcd v3 JSON API) and injects faults: kill -9 then restart (one node or all at once), SIGSTOP/SIGCONT, and
partitions through a fault-injecting TCP proxy on every peer link (drop, one-way, delay, split). With
lose-unsynced the nodes keep unsynced writes in memory until fdatasync, so kill -9 loses what a power failure
would. The client history is written in Jepsen EDN and checked for linearizability.

  --nodes N     3 or 5. Default 3
  --time T      run time: 60s, 2m, or seconds. Default 60s
  --clients N   concurrent clients. Default 8
  --faults LIST faults to inject (each at least once). Default kill,pause,partition,lose-unsynced. Also:
                  ack-blackout  stall the followers' disks, kill -9 every node the moment a write is
                                acknowledged, keep the old leader down until the others serve reads of every
                                key (the clients wait), then restart it
                  vote-crash    a blackout, all disks but one stall as the nodes come back, and the moment a
                                node grants a vote: SIGSTOP the candidate, kill -9 and restart the others,
                                SIGCONT it once they elected a leader
                kill draws one of these two now and then.
  --seed S      seed of the clients and the nemesis. Default: random (printed)
  --json        print {"ok","verdict","ops","okOps","failOps","infoOps","faults","snapshots","history","seconds"}
  --slow-sync MS a slow disk on every node: each fdatasync takes a random 0..MS ms
  --out DIR     where the history (history.edn) and the node logs go. Default: a new temp dir
${EXIT_CODES_HELP}
`;

const FLAGS = {
  nodes: { type: "string" },
  time: { type: "string" },
  clients: { type: "string" },
  faults: { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  "slow-sync": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

/** `60s`, `2m`, `90` → seconds. */
function parseTime(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text);
  if (m === null || Number(m[1]) <= 0) throw new UsageError(`--time must be like 60s, 2m or 90, got ${JSON.stringify(text)}`);
  return Number(m[1]) * (m[2] === "m" ? 60 : 1);
}

function positive(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Runs the command. */
export const run: CommandRun = async (argv) => {
  let opts;
  let json = false;
  try {
    const v = parseCommandLine(FLAGS, argv, { positionals: false }).values;
    if (v.help === true) {
      process.stdout.write(USAGE);
      return Exit.ok;
    }
    const nodes = v.nodes === undefined ? 3 : positive("--nodes", v.nodes);
    if (nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${nodes}`);
    const faults = (v.faults ?? DEFAULT_FAULTS.join(",")).split(",").filter((f) => f !== "");
    for (const f of faults) if (!(TORTURE_FAULTS as readonly string[]).includes(f)) throw new UsageError(`--faults: unknown fault '${f}' (known: ${TORTURE_FAULTS.join(", ")})`);
    const seed = v.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(v.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${JSON.stringify(v.seed)}`);
    json = v.json === true;
    const slowSyncMs = v["slow-sync"] === undefined ? 0 : positive("--slow-sync", v["slow-sync"]);
    opts = { slowSyncMs, nodes, seconds: parseTime(v.time ?? "60s"), clients: v.clients === undefined ? 8 : positive("--clients", v.clients), faults: faults as TortureFault[], seed, ...(v.out === undefined ? {} : { out: v.out }) };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate torture: ${e.message}\n\n${USAGE}`);
    return Exit.badInput;
  }
  if (!json) process.stderr.write(`quorate torture: seed ${opts.seed}, ${opts.nodes} nodes, ${opts.seconds}s, ${opts.clients} clients, faults ${opts.faults.join(",")}\n`);
  const r = await runTorture({ ...opts, ...(json ? {} : { log: (line: string) => process.stderr.write(`  ${line}\n`) }) });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: r.ok, verdict: r.verdict, ops: r.ops, okOps: r.okOps, failOps: r.failOps, infoOps: r.infoOps, faults: r.faults, snapshots: r.snapshots, history: r.history, seconds: r.seconds, seed: opts.seed, problems: r.problems })}\n`);
  } else {
    process.stdout.write(
      `${r.ok ? "ok" : "FAILED"}: ${r.verdict}; ${r.ops} ops (${r.okOps} ok, ${r.failOps} fail, ${r.infoOps} info); faults ${Object.entries(r.faults).map(([k, n]) => `${k} ${n}`).join(", ")}; snapshots ${r.snapshots.taken} taken, ${r.snapshots.installed} installed; ${r.seconds.toFixed(1)}s\n  history: ${r.history}\n`,
    );
    for (const p of r.problems) process.stdout.write(`  ${p}\n`);
    if (!r.ok) process.stdout.write(`  replay: quorate torture --nodes ${opts.nodes} --time ${opts.seconds}s --clients ${opts.clients} --faults ${opts.faults.join(",")} --seed ${opts.seed}\n`);
  }
  if (r.ok) return Exit.ok;
  return r.verdict === "not-linearizable" || r.verdict === "node-failed" ? Exit.violation : Exit.unknown;
};
