import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Violation } from "../../../check/invariants/index.js";
import {
  CampaignError,
  SYSTEMS,
  SimOptionError,
  checkOptions,
  formatFaults,
  addStats,
  kraftConfigFor,
  newStats,
  parseFaults,
  provesNothing,
  publicStats,
  renderSpaceTime,
  runCampaign,
  simulate,
  toNativeHistory,
} from "../../simulator/index.js";
import type { CampaignSpec, DiagramOptions, DiagramSystem, FaultSet, SeedOutcome, SimStats } from "../../simulator/index.js";
import type { CommandRun } from "../main.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine, selectMode } from "../flags.js";
import type { CommandLine, FlagTable } from "../flags.js";
import { startProgress } from "../progress.js";
import { DEFAULT_PARTITIONS, SCENARIOS, ScenarioOptionError, formatScenario, runScenario } from "../../kraft/index.js";
import type { ScenarioName } from "../../kraft/index.js";

const HELP = `usage: quorate simulate [options]

  --system NAME     system to simulate (${Object.keys(SYSTEMS).join(", ")}; default raft)
  --nodes N         cluster size (default 5)
  --seed S          one run with seed S (default 1)
  --seeds A..B      many seeds on worker threads; reports every failing seed
  --shard K/N       with --seeds: run only the K-th of N equal slices of the range (for CI matrices)
  --workers W       worker threads for --seeds (default: every core)
  --steps N         events in the safety phase (default 10000); a liveness phase follows
  --faults LIST     comma list of ${"drop,dup,reorder,partition,crash,drift,disk"}, or all, or none (default all)
  --send-order O    strict (default: a node's sends wait for all its writes in flight, except a leader's
                    appends) or contract (a send waits only for a write of the same step: all that the
                    Raft core's durability contract asks)
  --json            print one JSON object
  --trace FILE      write the NDJSON event trace (single seed)
  --html FILE       write the trace as an HTML space-time diagram (single seed)
  --scenario NAME   with --system kraft: run a narrated scenario (${SCENARIOS.join(", ")})
                    on 3 controllers and 5 brokers with Kafka's default timing
  --partitions N    with --scenario: partitions created before the fault (default 100; 1000 for controller-failover,
                    controlled-shutdown and cold-start)
  --history FILE    write the client history as the linearizability checker's native JSON (single seed;
                    check it with \`quorate check FILE --format json --model kv\`)

A single run takes --seed, --trace, --html, --history; a campaign --seeds, --shard, --workers; a scenario
--scenario, --partitions, --seed. A flag given to a mode it does not apply to is refused.
${EXIT_CODES_HELP}
`;

type Mode = "single" | "campaign" | "scenario";

/** Which flag goes with which mode: anything else given is refused. */
const FLAGS = {
  system: { type: "string" },
  nodes: { type: "string", modes: ["single", "campaign"] },
  seed: { type: "string", modes: ["single", "scenario"] },
  seeds: { type: "string", modes: ["campaign"] },
  shard: { type: "string", modes: ["campaign"] },
  workers: { type: "string", modes: ["campaign"] },
  steps: { type: "string", modes: ["single", "campaign"] },
  faults: { type: "string", modes: ["single", "campaign"] },
  "send-order": { type: "string", modes: ["single", "campaign"] },
  json: { type: "boolean" },
  trace: { type: "string", modes: ["single"] },
  html: { type: "string", modes: ["single"] },
  history: { type: "string", modes: ["single"] },
  scenario: { type: "string", modes: ["scenario"] },
  partitions: { type: "string", modes: ["scenario"] },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable<Mode>;

type Values = CommandLine<typeof FLAGS>["values"];

const MODES = {
  select: (line: CommandLine<typeof FLAGS>): Mode => (line.values.scenario !== undefined ? "scenario" : line.values.seeds !== undefined ? "campaign" : "single"),
  describe: { single: "a single run (--seed)", campaign: "a campaign (--seeds)", scenario: "a KRaft scenario (--scenario)" },
} as const;

class ArgError extends UsageError {}

function int(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new ArgError(`${name} must be an integer, got '${text}'`);
  const v = Number(text);
  if (v < min || v > max) throw new ArgError(`${name} must be in ${min}..${max}, got ${v}`);
  return v;
}

function seedRange(text: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (m === null) throw new ArgError(`--seeds must look like A..B (e.g. 1..500), got '${text}'`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (b < a) throw new ArgError(`--seeds range ${text} is empty: the end is below the start`);
  if (b > 0xffffffff) throw new ArgError(`--seeds must stay within 0..4294967295`);
  if (b - a >= 10_000_000) throw new ArgError(`--seeds covers more than 10,000,000 seeds; split it with --shard`);
  return Array.from({ length: b - a + 1 }, (_, k) => a + k);
}

function shard(seeds: number[], text: string): number[] {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (m === null) throw new ArgError(`--shard must look like K/N (e.g. 2/8), got '${text}'`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || k < 1 || k > n) throw new ArgError(`--shard ${text}: need 1 ≤ K ≤ N`);
  const size = Math.ceil(seeds.length / n);
  return seeds.slice((k - 1) * size, k * size);
}

/** The command that replays one seed of a campaign. */
export function replayCommand(spec: CampaignSpec, seed: number): string {
  const order = spec.sendOrder === "contract" ? " --send-order contract" : "";
  return `npx --no-install quorate simulate --system ${spec.system} --nodes ${spec.nodes} --seed ${seed} --steps ${spec.steps} --faults ${formatFaults(spec.faults)}${order}`;
}

/** Why a run failed: a broken invariant, or `progress` when it committed nothing and so proved nothing. */
type RunFailure = Omit<Violation, "invariant"> & { readonly invariant: Violation["invariant"] | "progress" };

/** How `--html` draws a run of `spec`: the system's own legend, KRaft's node roles, the violations marked. */
function diagramOptions(spec: CampaignSpec, seed: number, violations: readonly RunFailure[]): DiagramOptions {
  const system: DiagramSystem = spec.system === "zk" || spec.system === "kraft" ? spec.system : "raft";
  const roleOf = system === "kraft" ? kraftConfigFor({ seed }).roleOf : undefined;
  const nodeKinds: Record<number, string> = {};
  if (roleOf !== undefined) for (let id = 1; id <= spec.nodes; id++) nodeKinds[id] = roleOf(id, spec.nodes);
  const title = `quorate simulate — ${spec.system}, ${spec.nodes} nodes, seed ${seed}, ${spec.steps} steps, faults ${formatFaults(spec.faults)}`;
  return { title, system, nodeKinds, violations };
}

/** A run's violations, and a `progress` failure when the run committed nothing. */
function withProgress(violations: readonly Violation[], stats: SimStats, steps: number, t: number): RunFailure[] {
  const idle = provesNothing(stats, steps);
  return idle === undefined ? [...violations] : [...violations, { invariant: "progress", step: stats.events, t, detail: idle }];
}

function describeViolation(v: RunFailure): string {
  if (v.invariant === "progress") return `progress: ${v.detail}`;
  return `${v.invariant} at step ${v.step} (t=${v.t} ms${v.node === undefined ? "" : `, node ${v.node}`}): ${v.detail}`;
}

/** `quorate simulate`. */
export const run: CommandRun = async (argv) => {
  let values: Values;
  let mode: Mode;
  try {
    const line = parseCommandLine(FLAGS, argv, { positionals: false });
    values = line.values;
    if (values.help === true) {
      process.stdout.write(HELP);
      return Exit.ok;
    }
    mode = selectMode(FLAGS, line, MODES);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quorate simulate: ${e.message}\n\n${HELP}`);
    return Exit.badInput;
  }
  if (mode === "scenario") return runKraftScenario(values);
  let spec: CampaignSpec;
  let seeds: number[] | undefined;
  let seed = 1;
  let workers = availableParallelism();
  try {
    const system = values.system ?? "raft";
    if (!Object.hasOwn(SYSTEMS, system)) throw new ArgError(`--system must be one of ${Object.keys(SYSTEMS).join(", ")}, got '${system}'`);
    const faults: FaultSet = parseFaults(values.faults ?? "all");
    const order = values["send-order"] ?? "strict";
    if (order !== "strict" && order !== "contract") throw new ArgError(`--send-order must be strict or contract, got '${order}'`);
    spec = { system, nodes: int("--nodes", values.nodes, 5, 1, 15), steps: int("--steps", values.steps, 10_000, 0, 1_000_000_000), faults, sendOrder: order };
    seed = int("--seed", values.seed, 1, 0, 0xffffffff);
    if (mode === "campaign") {
      seeds = seedRange(values.seeds!);
      if (values.shard !== undefined) seeds = shard(seeds, values.shard);
      if (seeds.length === 0) throw new ArgError(`--shard ${values.shard!} of --seeds ${values.seeds!} is empty: fewer seeds than shards`);
    }
    workers = int("--workers", values.workers, workers, 1, 256);
    checkOptions({ seed, nodes: spec.nodes, steps: spec.steps, faults });
  } catch (e) {
    if (e instanceof UsageError || e instanceof SimOptionError) {
      process.stderr.write(`quorate simulate: ${e.message}\n`);
      return Exit.badInput;
    }
    throw e;
  }
  return seeds === undefined ? runOne(spec, seed, values) : runMany(spec, seeds, workers, values.json === true);
};

function runOne(spec: CampaignSpec, seed: number, values: Values): ExitCode {
  const options = { seed, nodes: spec.nodes, steps: spec.steps, faults: spec.faults, sendOrder: spec.sendOrder ?? "strict", trace: values.trace !== undefined || values.html !== undefined };
  const result = simulate(SYSTEMS[spec.system]!(options), options);
  const replay = replayCommand(spec, seed);
  const found = withProgress(result.violations, result.stats, spec.steps, result.time);
  const ok = found.length === 0;
  try {
    if (values.trace !== undefined) writeFileSync(values.trace, `${result.trace!.join("\n")}\n`);
    if (values.html !== undefined) writeFileSync(values.html, renderSpaceTime(result.trace!, diagramOptions(spec, seed, found)));
    if (values.history !== undefined) writeFileSync(values.history, `${JSON.stringify(toNativeHistory(result.history), null, 1)}\n`);
  } catch (e) {
    process.stderr.write(`quorate simulate: cannot write --trace/--html/--history file: ${(e as Error).message}\n`);
    return Exit.badInput;
  }
  if (values.json === true) {
    const violations = found.map((v) => ({ invariant: v.invariant, step: v.step, detail: v.detail, t: v.t, ...(v.node === undefined ? {} : { node: v.node }) }));
    process.stdout.write(`${JSON.stringify({ ok, seed, steps: result.steps, violations, stats: publicStats(result.stats), replay })}\n`);
  } else {
    const s = result.stats;
    process.stdout.write(
      `${spec.system}, ${spec.nodes} nodes, seed ${seed}, ${result.steps} steps, faults ${formatFaults(spec.faults)}: ` +
        `${s.elections} elections, ${s.leaderChanges} leader changes, commit index ${s.committed} (${s.committedBeforeHeal} under faults), ${s.ok} client operations acknowledged, ${s.messages} messages (${s.dropped} dropped), ${s.crashes} crashes\n`,
    );
    if (ok) process.stdout.write("every invariant held, and liveness after healing\n");
    else {
      for (const v of found) process.stdout.write(`VIOLATION ${describeViolation(v)}\n`);
      process.stdout.write(`replay: ${replay}\n`);
    }
  }
  return ok ? Exit.ok : Exit.violation;
}

async function runMany(spec: CampaignSpec, seeds: number[], workers: number, json: boolean): Promise<ExitCode> {
  let failing = 0;
  const started = Date.now();
  const bar = startProgress({ label: "seeds", total: seeds.length, quiet: json });
  let outcomes: SeedOutcome[];
  try {
    outcomes = await runCampaign(spec, seeds, workers, (o: SeedOutcome) => {
      if (!o.ok) failing++;
      bar.advance(1, `${failing} failing`);
    });
  } catch (e) {
    if (e instanceof CampaignError) {
      process.stderr.write(`quorate simulate: ${e.message}\n`);
      return Exit.badInput;
    }
    throw e;
  } finally {
    bar.stop();
  }
  // A seed fails on a violation, or when it committed nothing (it proved nothing).
  const failed = outcomes.map((o) => ({ seed: o.seed, violations: withProgress(o.violations, o.stats, spec.steps, 0) })).filter((o) => o.violations.length > 0);
  const total = newStats();
  let least: SeedOutcome | undefined;
  for (const o of outcomes) {
    addStats(total, o.stats);
    if (least === undefined || o.stats.committedBeforeHeal < least.stats.committedBeforeHeal) least = o;
  }
  const seconds = (Date.now() - started) / 1000;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        ok: failed.length === 0,
        seeds: { from: seeds[0] ?? 0, to: seeds[seeds.length - 1] ?? 0, count: seeds.length },
        steps: spec.steps,
        stats: publicStats(total),
        leastCommitted: least === undefined ? null : { seed: least.seed, committedBeforeHeal: least.stats.committedBeforeHeal },
        failed: failed.map((o) => ({ seed: o.seed, violations: o.violations, replay: replayCommand(spec, o.seed) })),
        seconds,
      })}\n`,
    );
  } else {
    const ops = total.ok + total.fail + total.info;
    process.stdout.write(
      `${spec.system}: ${seeds.length} seeds × ${spec.steps} steps, faults ${formatFaults(spec.faults)}, ${workers} workers, ${seconds.toFixed(1)} s: ${failed.length} failing\n` +
        `exercised: ${total.committedBeforeHeal} entries committed under faults (${total.committed} in all; the least: ${least?.stats.committedBeforeHeal ?? 0}, seed ${least?.seed ?? "-"}), ${total.elections} elections, ${total.leaderChanges} leader changes, ` +
        `${ops} client operations completed (${total.ok} ok); faults: ${total.dropped} dropped, ${total.duplicated} duplicated, ${total.reordered} reordered, ${total.stalls} stalls, ` +
        `${total.partitions} partitions, ${total.crashes} crashes, ${total.driftingClocks} drifting clocks, ${total.slowDisks} slow disks\n`,
    );
    for (const o of failed) {
      process.stdout.write(`seed ${o.seed}: ${describeViolation(o.violations[0]!)}\n  replay: ${replayCommand(spec, o.seed)}\n`);
    }
  }
  return failed.length === 0 ? Exit.ok : Exit.violation;
}

function runKraftScenario(values: Values): ExitCode {
  let name: ScenarioName;
  let partitions: number;
  let seed: number;
  try {
    if ((values.system ?? "raft") !== "kraft") throw new ArgError(`--scenario needs --system kraft, got --system ${values.system ?? "raft"}`);
    if (!(SCENARIOS as readonly string[]).includes(values.scenario!)) throw new ArgError(`--scenario must be one of ${SCENARIOS.join(", ")}, got '${values.scenario}'`);
    name = values.scenario as ScenarioName;
    partitions = int("--partitions", values.partitions, DEFAULT_PARTITIONS[name], 1, 1_000_000);
    seed = int("--seed", values.seed, 1, 0, 0xffffffff);
  } catch (e) {
    if (e instanceof ArgError) {
      process.stderr.write(`quorate simulate: ${e.message}\n`);
      return Exit.badInput;
    }
    throw e;
  }
  let result;
  try {
    result = runScenario(name, { partitions, seed });
  } catch (e) {
    if (e instanceof ScenarioOptionError) {
      process.stderr.write(`quorate simulate: ${e.message}\n`);
      return Exit.badInput;
    }
    throw e;
  }
  if (values.json === true) {
    const { ok, scenario, events, metrics, expectations, violations } = result;
    process.stdout.write(`${JSON.stringify({ ok, scenario, partitions, seed, events, metrics, expectations, violations })}\n`);
  } else process.stdout.write(formatScenario(result));
  return result.ok ? Exit.ok : Exit.violation;
}
