/**
 * `quorate compare`: Kafka's controller in ZooKeeper mode beside KRaft, the same scenarios on the simulator,
 * with costs measured on this machine. Prints a table (or `--json`), writes an HTML page with `--html`.
 */
import { writeFileSync } from "node:fs";
import { freemem } from "node:os";
import type { CommandRun } from "../main.js";
import { EXIT_CODES_HELP, Exit, UsageError } from "../exit-codes.js";
import type { ExitCode } from "../exit-codes.js";
import { parseCommandLine } from "../flags.js";
import type { FlagTable } from "../flags.js";
import { startProgress } from "../progress.js";
import { calibratedTiming, measureZkModeCosts } from "../../zk-controller/calibrate.js";
import { COMPARE_SCENARIOS, EXACT_MAX_PARTITIONS, PARTITIONS_RANGE, compare } from "../../zk-controller/compare.js";
import type { CompareReport } from "../../zk-controller/compare.js";
import type { CompareScenario } from "../../zk-controller/scenarios.js";
import { renderCompareHtml } from "../../zk-controller/compare-html.js";
import { measureBytesPerPartition } from "../../zk-controller/memory.js";
import { ZK_MODE_DEFAULT_TIMING } from "../../zk-controller/timing.js";
import { formatRealCompare } from "../../zk-controller/real-compare.js";
import { runRealCompare, type RealCompareReport } from "../../cluster/real-compare-run.js";

const DEFAULT_PARTITIONS = [1000, 10_000, 100_000, 1_000_000, 2_000_000];
const DEFAULT_REAL_PARTITIONS = [1000, 10_000];
/** Largest partition count `--real` accepts (each real cluster holds them all in every process). */
const REAL_MAX_PARTITIONS = 20_000;

const HELP = `usage: quorate compare [options]

  --partitions LIST   comma list of partition counts, ${PARTITIONS_RANGE.min}..${PARTITIONS_RANGE.max}
                      (default ${DEFAULT_PARTITIONS.join(",")})
  --scenario LIST     comma list of ${COMPARE_SCENARIOS.join(", ")} (default all)
  --json              print {"rows":[…],"table":{…}} instead of the table
  --html FILE         also write a page with the table and log-scale curves of both modes
  --fixed-costs       use the documented default costs instead of measuring them on this machine first
                      (reproducible figures; see docs/compare.md)
  --real              controller failover on real processes instead: for each count, each mode as a local
                      cluster (3 KRaft controllers + 3 brokers; 1 ZooKeeper server + 3 brokers), kill -9 the
                      active controller, wall-clock time beside the simulator's for the same cluster, diff in %
                      (default partitions 1000,10000; at most ${REAL_MAX_PARTITIONS}; takes about a minute per count)
  --session-timeout-ms MS  with --real: ZooKeeper mode's zookeeper.session.timeout.ms (default 18000, Kafka's)
  --zookeepers N      with --real: ZooKeeper servers, 1 (one node in memory, default) or an odd ensemble (3, 5:
                      zk-server --ensemble, writes through Raft with a durable log)

ZooKeeper mode runs the zk-controller core on quorate's ZooKeeper tree up to ${EXACT_MAX_PARTITIONS} partitions and
the batched model of that run above; KRaft runs the KRaft scenarios of the simulator. Times are simulated ms.
${EXIT_CODES_HELP}
`;

const FLAGS = {
  partitions: { type: "string" },
  scenario: { type: "string" },
  json: { type: "boolean" },
  html: { type: "string" },
  "fixed-costs": { type: "boolean" },
  real: { type: "boolean" },
  "session-timeout-ms": { type: "string" },
  zookeepers: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagTable;

/** Bytes the run needs beyond node's own, estimated before starting (exact runs and the two memory probes). */
export function estimateBytes(partitions: readonly number[]): number {
  const exact = Math.min(Math.max(...partitions), EXACT_MAX_PARTITIONS);
  return 64e6 + 4_000 * Math.max(exact, 5000) * 2;
}

/** Parses `--partitions`. */
export function parsePartitions(text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_PARTITIONS;
  const list = text.split(",").map((s) => s.trim());
  const out: number[] = [];
  for (const s of list) {
    const n = Number(s);
    if (s === "" || !Number.isSafeInteger(n)) throw new UsageError(`--partitions: '${s}' is not an integer`);
    if (n < PARTITIONS_RANGE.min || n > PARTITIONS_RANGE.max) throw new UsageError(`--partitions: ${n} is out of range ${PARTITIONS_RANGE.min}..${PARTITIONS_RANGE.max}`);
    if (!out.includes(n)) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

/** Parses `--scenario`. */
export function parseScenarios(text: string | undefined): CompareScenario[] {
  if (text === undefined) return [...COMPARE_SCENARIOS];
  const out: CompareScenario[] = [];
  for (const s of text.split(",").map((x) => x.trim())) {
    if (!(COMPARE_SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`--scenario: unknown scenario '${s}' (known: ${COMPARE_SCENARIOS.join(", ")})`);
    if (!out.includes(s as CompareScenario)) out.push(s as CompareScenario);
  }
  return out;
}

/** The table as text. */
export function formatCompare(r: CompareReport): string {
  const ms = (v: number | null): string => (v === null ? "–" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(1)} ms`);
  const head = ["partitions", "mode", "failover", "broker failure", "ctl shutdown", "load", "B/partition"];
  const body = r.rows.map((x) => [x.partitions.toLocaleString("en"), x.mode === "zk" ? "ZooKeeper" : "KRaft", ms(x.failoverMs), ms(x.brokerFailureMs), ms(x.controlledShutdownMs), ms(x.loadMs), String(x.bytesPerPartition)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const t = r.table;
  return [
    line(head),
    ...body.map(line),
    "",
    `largest partition count with failover under 30 s: ZooKeeper ${t.maxPartitionsFailoverUnder30s.zk.toLocaleString("en")}, KRaft ${t.maxPartitionsFailoverUnder30s.kraft}`,
    `processes / systems to operate: ZooKeeper mode ${t.processes.zk} / ${t.systems.zk}, KRaft ${t.processes.kraft} / ${t.systems.kraft}`,
    `messages per metadata change: ZooKeeper mode ${t.messagesPerMetadataChange.zk}, KRaft ${t.messagesPerMetadataChange.kraft}`,
    `published at 2M partitions (ZooKeeper vs KRaft): controlled shutdown ${ms(t.published2M.controlledShutdownMs.zk)} vs ${ms(t.published2M.controlledShutdownMs.kraft)}, uncontrolled recovery ${ms(t.published2M.uncontrolledRecoveryMs.zk)} vs ${ms(t.published2M.uncontrolledRecoveryMs.kraft)}`,
    `costs: ZooKeeper read ${t.timing.zkReadServiceMs.toFixed(4)} ms, write ${t.timing.zkWriteServiceMs.toFixed(4)} ms + commit ${t.timing.zkWriteCommitMs} ms, controller ${t.timing.controllerCpuPerRecordMs.toFixed(5)} ms/record, broker ${t.timing.brokerCpuPerRecordMs.toFixed(5)} ms/record, session timeout ${t.timing.sessionTimeoutMs} ms`,
    "",
  ].join("\n");
}

/** Runs `quorate compare`. */
export const run: CommandRun = async (argv): Promise<ExitCode> => {
  try {
    const { values } = parseCommandLine(FLAGS, argv, { positionals: false });
    if (values.help === true) {
      process.stdout.write(HELP);
      return Exit.ok;
    }
    if (values.real === true) return await runReal(values);
    if (values["session-timeout-ms"] !== undefined || values.zookeepers !== undefined) throw new UsageError("--session-timeout-ms and --zookeepers go with --real");
    const partitions = parsePartitions(values.partitions);
    const scenarios = parseScenarios(values.scenario);
    if (values.html === "") throw new UsageError("--html needs a file name");
    const need = estimateBytes(partitions);
    const free = freemem();
    process.stderr.write(`quorate compare: memory estimate ${(need / 1e6).toFixed(0)} MB (exact runs up to ${EXACT_MAX_PARTITIONS} partitions, batched model above), ${(free / 1e6).toFixed(0)} MB free\n`);
    if (need > free) throw new UsageError(`not enough free memory: the run needs about ${(need / 1e6).toFixed(0)} MB, ${(free / 1e6).toFixed(0)} MB are free`);
    const json = values.json === true;
    const timing = values["fixed-costs"] === true ? ZK_MODE_DEFAULT_TIMING : calibratedTiming(await measureZkModeCosts());
    const bytesPerPartition = measureBytesPerPartition();
    const bar = startProgress({ label: "runs", total: partitions.length * scenarios.length * 2, quiet: json });
    let report: CompareReport;
    try {
      report = compare({ partitions, scenarios, timing, bytesPerPartition, progress: (s) => bar.advance(1, s) });
    } finally {
      bar.stop();
    }
    if (values.html !== undefined) writeFileSync(values.html, renderCompareHtml(report));
    process.stdout.write(json ? `${JSON.stringify(report)}\n` : formatCompare(report));
    return Exit.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`quorate compare: ${e.message}\n`);
      return Exit.badInput;
    }
    throw e;
  }
};

/** `--real`: failover of real processes beside the simulator's. */
async function runReal(values: ReturnType<typeof parseCommandLine<typeof FLAGS>>["values"]): Promise<ExitCode> {
  if (values.scenario !== undefined && values.scenario !== "controller-failover") throw new UsageError("--real measures controller-failover only");
  if (values.html !== undefined) throw new UsageError("--html does not go with --real");
  const partitions = values.partitions === undefined ? DEFAULT_REAL_PARTITIONS : parsePartitions(values.partitions);
  const over = partitions.find((n) => n > REAL_MAX_PARTITIONS);
  if (over !== undefined) throw new UsageError(`--partitions: ${over} is over ${REAL_MAX_PARTITIONS} for --real`);
  const text = values["session-timeout-ms"];
  if (text !== undefined && (!/^\d+$/.test(text) || Number(text) < 1000 || Number(text) > 120_000)) throw new UsageError(`--session-timeout-ms must be an integer in [1000, 120000], got ${JSON.stringify(text)}`);
  const sessionTimeoutMs = text === undefined ? 18_000 : Number(text);
  const zk = values.zookeepers;
  if (zk !== undefined && !/^[13579]$/.test(zk)) throw new UsageError(`--zookeepers must be 1, 3, 5, 7 or 9, got ${JSON.stringify(zk)}`);
  const zookeepers = zk === undefined ? 1 : Number(zk);
  const json = values.json === true;
  const base = values["fixed-costs"] === true ? ZK_MODE_DEFAULT_TIMING : calibratedTiming(await measureZkModeCosts());
  const bar = startProgress({ label: "real failovers", total: partitions.length * 2, quiet: json });
  let report: RealCompareReport;
  try {
    report = await runRealCompare({ partitions, modes: ["kraft", "zk"], baseTiming: base, sessionTimeoutMs, zookeepers, progress: (s) => (s.endsWith("simulating") ? bar.advance(1, s) : bar.advance(0, s)) });
  } finally {
    bar.stop();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return Exit.ok;
  }
  const notes = Object.entries(report.zkTiming).map(([n, t]) => `ZooKeeper costs probed at ${Number(n).toLocaleString("en")} partitions: read ${t.zkReadServiceMs} ms + network ${t.networkOneWayMs} ms each way, write ${t.zkWriteServiceMs} ms + commit ${t.zkWriteCommitMs} ms; session timeout ${t.sessionTimeoutMs} ms`);
  notes.push(...report.failovers.map((f) => `${f.mode === "zk" ? "ZooKeeper" : "KRaft"} ${f.partitions.toLocaleString("en")}: killed ${f.killed} (epoch ${f.oldEpoch}); ${f.successor} active in epoch ${f.newEpoch}`));
  process.stdout.write(formatRealCompare(report.rows, notes));
  return Exit.ok;
}
