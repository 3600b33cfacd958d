import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import {
  DEFAULT_KRAFT_BOUNDS,
  DEFAULT_RAFT_BOUNDS,
  DEFAULT_ZK_BOUNDS,
  MODELS,
  ReplayError,
  STORAGE_MODES,
  SYSTEMS,
  TargetError,
  ZK_WORKLOADS,
  buildModel,
  explore,
  formatBounds,
  parseBounds,
  raftTraceOfPath,
  replayPath,
  type Discovery,
  type ExploreResult,
  type Target,
  type ZkWorkload,
} from "../../../check/explore/index.js";
import { Exit, type ExitCode } from "../exit-codes.js";
import type { CommandRun } from "../main.js";

const HELP = `usage: quorate explore (--model NAME | --system NAME) [options]
       quorate explore --replay FILE

Explores every interleaving of a model or of a real core within bounds, checking every invariant in every
reachable state (docs/explore.md). Exit 0 when every invariant held in every state, 1 on a violation,
2 on bad usage, 3 when a limit stopped the search first (bounded, incomplete).

  --model NAME        a calibration model: ${MODELS.join(", ")}
    --rms N           2pc: resource managers (default 3)
    --servers N       paxos (3), linearizable-register (2), single-copy-register (1): servers
    --clients N       register models: clients (default 2)
  --system NAME       a real core: ${SYSTEMS.join(", ")}
    --nodes N         cluster size (default 3)
    --bounds LIST     max-term=N,max-log=N,max-crashes=N,max-in-flight=N[,max-reads=N,max-partitions=N,max-ticks=N] (raft default ${formatBounds(DEFAULT_RAFT_BOUNDS)};
                      kraft ${formatBounds(DEFAULT_KRAFT_BOUNDS)}; zk ${formatBounds(DEFAULT_ZK_BOUNDS)})
    --storage MODE    sync (default: a write is durable when issued), async-contract, async-strict,
                      async-overtake (writes complete later; a send waits for its own step's write, for
                      every write, or for every write unless it is a leader's append) or async-raced
                      (Raft: the contract order, but only a write a send of its step left ahead of
                      stays in flight; the others are durable at once: fewer steps, real paths)
    --pre-vote        run Raft with pre-vote
    --payload-bytes N Raft: bytes of a client proposal (default 1; 2 sends a proposal alone in an append,
                      so a follower can acknowledge an old term's entry without the no-op after it)
    --no-heartbeats   Raft: leaders' heartbeat timers never fire (a sound sub-space: fewer states, real paths)
                      max-reads=N (Raft, default 0): client reads issued at leaders, each checked to be
                      served at an index no lower than what was committed when it was issued;
                      max-partitions=N (Raft, default 0): partitions per path, each cutting a node off
                      from the others for the rest of the path (its messages lost)
    --lease-reads     Raft: lease reads (check-quorum) under a global clock (a tick ticks every node)
                      instead of ReadIndex with timers fired by choice
    --workload NAME   zk: what the clients do: ${ZK_WORKLOADS.join(", ")} (default writes); with
                      max-ticks=N in --bounds (zk, default 0) a global clock may tick N times per path, each
                      tick longer than a session timeout (the leader expires sessions)
  --network KIND      unordered (default: unordered, non-duplicating), duplicating, ordered (per link)
  --lossy             the network may lose messages
  --bfs | --dfs       breadth-first (default: shortest counterexamples) or depth-first
  --symmetry          deduplicate states equal up to a permutation of interchangeable nodes
  --max-states N      stop after N unique states (the verdict is then "bounded, incomplete")
  --max-depth N       do not expand states at depth N or deeper
  --first             stop at the first violation (breadth-first: a shortest one) instead of exploring on
  --json              print one JSON object
  --trace FILE        --system raft: write the first violation's path (with none, the path to the last goal
                      reached) as an NDJSON Raft trace, checked by quorate verify-trace FILE --protocol raft
  --path FILE         write that path as an explorer path file (any target), replayed by --replay FILE
  --replay FILE       replay a path file written by --path, checking every invariant at every step
`;

/** The path file `--path` writes and `--replay` reads (`invariant` for a violation's path, `goal` for a goal's). */
interface PathFile {
  readonly format: "quorate-explore-path/1";
  readonly target: Target;
  readonly invariant?: string;
  readonly goal?: string;
  readonly detail: string;
  readonly init: number;
  readonly path: readonly unknown[];
}

function fail(message: string): ExitCode {
  process.stderr.write(`quorate explore: ${message}\n`);
  return 2;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TargetError(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

/** `quorate explore …`. */
export const run: CommandRun = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        model: { type: "string" },
        system: { type: "string" },
        rms: { type: "string" },
        servers: { type: "string" },
        clients: { type: "string" },
        nodes: { type: "string" },
        bounds: { type: "string" },
        storage: { type: "string" },
        "pre-vote": { type: "boolean" },
        "payload-bytes": { type: "string" },
        "no-heartbeats": { type: "boolean" },
        "lease-reads": { type: "boolean" },
        workload: { type: "string" },
        network: { type: "string" },
        lossy: { type: "boolean" },
        bfs: { type: "boolean" },
        dfs: { type: "boolean" },
        symmetry: { type: "boolean" },
        "max-states": { type: "string" },
        "max-depth": { type: "string" },
        first: { type: "boolean" },
        json: { type: "boolean" },
        trace: { type: "string" },
        path: { type: "string" },
        replay: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${HELP}`);
  }
  const v = parsed.values;
  if (v.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  if (v.replay !== undefined) return replay(v.replay, v.json === true);
  let target: Target;
  let maxStates: number | undefined;
  let maxDepth: number | undefined;
  try {
    if (v.bfs === true && v.dfs === true) throw new TargetError("give at most one of --bfs and --dfs");
    if (v.network !== undefined && !["unordered", "duplicating", "ordered"].includes(v.network)) throw new TargetError(`--network must be unordered, duplicating or ordered, got "${v.network}"`);
    if (v.storage !== undefined && !(STORAGE_MODES as readonly string[]).includes(v.storage)) throw new TargetError(`--storage must be ${STORAGE_MODES.slice(0, -1).join(", ")} or ${STORAGE_MODES.at(-1)}, got "${v.storage}"`);
    target = {
      ...(v.model === undefined ? {} : { model: v.model as Target["model"] }),
      ...(v.system === undefined ? {} : { system: v.system as Target["system"] }),
      ...(v.rms === undefined ? {} : { rms: int("rms", v.rms)! }),
      ...(v.servers === undefined ? {} : { servers: int("servers", v.servers)! }),
      ...(v.clients === undefined ? {} : { clients: int("clients", v.clients)! }),
      ...(v.nodes === undefined ? {} : { nodes: int("nodes", v.nodes)! }),
      ...(v.bounds === undefined ? {} : { bounds: parseBounds(v.bounds) }),
      ...(v.network === undefined ? {} : { network: v.network as Target["network"] & string }),
      ...(v.storage === undefined ? {} : { storage: v.storage as Target["storage"] & string }),
      ...(v.lossy === true ? { lossy: true } : {}),
      ...(v["pre-vote"] === true ? { preVote: true } : {}),
      ...(v["payload-bytes"] === undefined ? {} : { payloadBytes: int("payload-bytes", v["payload-bytes"])! }),
      ...(v["no-heartbeats"] === true ? { heartbeats: false } : {}),
      ...(v["lease-reads"] === true ? { leaseReads: true } : {}),
      ...(v.workload === undefined ? {} : { workload: v.workload as ZkWorkload }),
    };
    if (v.trace !== undefined && target.system !== "raft") {
      throw new TargetError(`--trace writes an NDJSON Raft trace, for --system raft only; use --path FILE for an explorer path file`);
    }
    maxStates = int("max-states", v["max-states"]);
    maxDepth = int("max-depth", v["max-depth"]);
  } catch (e) {
    if (e instanceof TargetError) return fail(e.message);
    throw e;
  }
  let model;
  try {
    model = buildModel(target);
  } catch (e) {
    if (e instanceof TargetError || e instanceof RangeError) return fail(e.message);
    throw e;
  }
  if (v.symmetry === true && model.representative === undefined) return fail(`--symmetry: ${model.name} has no symmetry reduction yet`);
  const json = v.json === true;
  const tty = process.stderr.isTTY === true && !json;
  const bar = tty
    ? new cliProgress.SingleBar({ format: "exploring {states} states, {transitions} transitions, depth {depth}, {rate} states/s, {pending} pending", hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(1, 0, { states: 0, transitions: 0, depth: 0, rate: 0, pending: 0 });
  const result = explore(model, {
    strategy: v.dfs === true ? "dfs" : "bfs",
    symmetry: v.symmetry === true,
    stopAtFirstViolation: v.first === true,
    ...(maxStates === undefined ? {} : { maxStates }),
    ...(maxDepth === undefined ? {} : { maxDepth }),
    onProgress: (p) => bar?.update(0, { states: p.states, transitions: p.transitions, depth: p.maxDepth, rate: Math.round(p.states / Math.max(p.seconds, 1e-3)), pending: p.pending }),
  });
  bar?.stop();
  const violations = result.invariants.filter((i) => i.violation !== undefined).map((i) => i.violation!);
  const written: string[] = [];
  if (v.trace !== undefined || v.path !== undefined) {
    const chosen = violations[0] ?? result.goals.filter((g) => g.example !== undefined).at(-1)?.example;
    if (chosen === undefined) process.stderr.write(`quorate explore: no violation and no goal reached: nothing written to ${[v.trace, v.path].filter((f) => f !== undefined).join(" or ")}\n`);
    else {
      if (v.path !== undefined) {
        writePathFile(v.path, target, chosen);
        written.push(`path written to ${v.path}; replay: quorate explore --replay ${v.path}`);
      }
      if (v.trace !== undefined) {
        try {
          const records = raftTraceOfPath(target, chosen.init, chosen.path);
          writeFileSync(v.trace, records.map((r) => `${JSON.stringify(r)}\n`).join(""));
        } catch (e) {
          if (e instanceof ReplayError) return fail(`--trace: the path does not replay (${e.message})`);
          throw e;
        }
        written.push(`${chosen.kind === "goal" ? `path to "${chosen.name}"` : "counterexample"} written as a Raft trace to ${v.trace}; check: quorate verify-trace ${v.trace} --protocol raft`);
      }
    }
  }
  report(result, json, written);
  if (violations.length > 0) return Exit.violation;
  return result.complete || (maxDepth !== undefined && result.stoppedBy === undefined) ? 0 : 3;
};

/** Writes `d`'s path as a path file for `--replay`. */
function writePathFile(fileName: string, target: Target, d: Discovery<unknown>): void {
  const file: PathFile = { format: "quorate-explore-path/1", target, ...(d.kind === "goal" ? { goal: d.name } : { invariant: d.name }), detail: d.detail, init: d.init, path: d.path };
  writeFileSync(fileName, `${JSON.stringify(file, null, 1)}\n`);
}

function report(r: ExploreResult<unknown>, json: boolean, written: readonly string[]): void {
  const violations = r.invariants.filter((i) => i.violation !== undefined).map((i) => i.violation!);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        ok: r.ok,
        complete: r.complete,
        states: r.states,
        transitions: r.transitions,
        maxDepth: r.maxDepth,
        seconds: Number(r.seconds.toFixed(3)),
        statesPerSecond: r.statesPerSecond,
        violations: violations.map((d) => ({ invariant: d.name, detail: d.detail, path: d.path })),
        goals: r.goals.map((g) => ({ goal: g.name, reached: g.example !== undefined })),
      })}\n`,
    );
    return;
  }
  const out: string[] = [];
  out.push(`${r.model}: ${r.states.toLocaleString("en-US")} unique states, ${r.transitions.toLocaleString("en-US")} transitions, max depth ${r.maxDepth}, ${r.seconds.toFixed(2)} s (${r.statesPerSecond.toLocaleString("en-US")} states/s), ${r.strategy}${r.symmetry ? ", symmetry" : ""}`);
  if (r.stoppedBy === "max-states") out.push(`bounded, incomplete: stopped at --max-states ${r.states}; states beyond were not explored`);
  for (const i of r.invariants) {
    if (i.violation === undefined) out.push(`  ${i.name}: held in every ${r.complete ? "" : "explored "}state`);
    else {
      out.push(`  ${i.name}: VIOLATED after ${i.violation.path.length} steps: ${i.violation.detail}`);
      i.violation.path.forEach((p, k) => out.push(`    ${k + 1}. ${JSON.stringify(p)}`));
    }
  }
  for (const g of r.goals) out.push(`  ${g.name} (sometimes): ${g.example === undefined ? "NEVER reached" : `reached after ${g.example.path.length} steps`}`);
  out.push(...written);
  process.stdout.write(`${out.join("\n")}\n`);
}

function replay(fileName: string, json: boolean): ExitCode {
  let text: string;
  try {
    text = readFileSync(fileName, "utf8");
  } catch (e) {
    return fail(`cannot read path file ${fileName}: ${(e as Error).message}`);
  }
  let file: PathFile;
  try {
    file = JSON.parse(text) as PathFile;
  } catch (e) {
    if (/^\s*\{\s*"type"\s*:\s*"cluster"/.test(text)) return fail(`${fileName} is an NDJSON Raft trace (written by --trace); check it with quorate verify-trace ${fileName} --protocol raft`);
    return fail(`cannot read path file ${fileName}: ${(e as Error).message}`);
  }
  if (file?.format !== "quorate-explore-path/1" || !Array.isArray(file.path) || typeof file.target !== "object") {
    return fail(`${fileName} is not an explorer path file (format quorate-explore-path/1)`);
  }
  try {
    const model = buildModel(file.target);
    const found = replayPath(model, file.init ?? 0, file.path);
    if (json) process.stdout.write(`${JSON.stringify({ ok: found.length === 0, steps: file.path.length, violations: found })}\n`);
    else {
      process.stdout.write(`${model.name}: replayed ${file.path.length} steps from ${fileName}\n`);
      for (const f of found) process.stdout.write(`  after step ${f.step}: ${f.invariant}: ${f.detail}\n`);
      if (found.length === 0) process.stdout.write("  every invariant held along the path\n");
    }
    return found.length === 0 ? Exit.ok : Exit.violation;
  } catch (e) {
    if (e instanceof TargetError || e instanceof ReplayError || e instanceof RangeError) return fail(`${fileName}: ${e.message}`);
    throw e;
  }
}
