/**
 * `npm run bench -- linearizability [--reps N] [--filter TEXT] [--no-e2e] [--json FILE]`
 *
 * Per-file parse and check times (best of N warm runs, in this process) for every history in the corpus manifest
 * (histories/expected.json of the third-party corpus, see bench/corpus.ts), totals per folder, the figures
 * Porcupine v1.3.0 is quoted at, peak memory, and the end-to-end time of `quorate check --manifest` on it.
 * The machine is shared: figures are noisy; best-of-N is reported, with CPU time beside wall time.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkLinearizability, checkLinearizabilityParallel, modelByName, parseHistory, parseManifest } from "../src/check/linearizability/index.js";
import type { ManifestEntry } from "../src/check/linearizability/index.js";
import { corpusPath } from "./corpus.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifestPath = corpusPath("histories", "expected.json");
const manifestArg = path.relative(repoRoot, manifestPath);

/** Porcupine v1.3.0 on the same files, as quoted in issue 4 (ms). */
const PORCUPINE: Record<string, number> = {
  "all 102 jepsen-etcd files": 520,
  "jepsen-etcd/etcd_002.log": 170,
  "jepsen-etcd/etcd_007.log": 128,
  "kv/c50-ok.txt (partitioned)": 154,
  "kv/c10-ok.txt (unpartitioned)": 2100,
};

interface Timing {
  file: string;
  model: string;
  ops: number;
  verdict: string;
  expected: string | null;
  parseMs: number;
  checkMs: number;
  checkCpuMs: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function best<T>(reps: number, fn: () => T): { value: T; ms: number; cpu: number } {
  let value = fn(); // warm-up
  let ms = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < reps; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    value = fn();
    ms = Math.min(ms, performance.now() - t0);
    cpu = Math.min(cpu, cpuMs() - c0);
  }
  return { value, ms, cpu };
}

function timeEntry(entry: ManifestEntry, reps: number, model = entry.model, label = entry.file): Timing {
  const text = readFileSync(path.resolve(path.dirname(manifestPath), entry.file), "utf8");
  const parsed = best(reps, () => parseHistory(text, entry.format, entry.file));
  const m = modelByName(model, entry.initial);
  const checked = best(reps, () => checkLinearizability(parsed.value, m));
  return {
    file: label,
    model,
    ops: parsed.value.length,
    verdict: checked.value.verdict,
    expected: entry.expected ?? null,
    parseMs: parsed.ms,
    checkMs: checked.ms,
    checkCpuMs: checked.cpu,
  };
}

const fmt = (ms: number): string => `${ms.toFixed(1).padStart(8)} ms`;

export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      reps: { type: "string", default: "5" },
      filter: { type: "string" },
      "no-e2e": { type: "boolean", default: false },
      json: { type: "string" },
    },
  });
  const reps = Number(values.reps);
  const entries = parseManifest(readFileSync(manifestPath, "utf8"), manifestPath).filter((e) => values.filter === undefined || e.file.includes(values.filter));
  const timings: Timing[] = [];
  process.stdout.write(`linearizability bench: ${entries.length} histories, best of ${reps} warm runs each (shared machine: expect noise)\n\n`);
  process.stdout.write(`${"file".padEnd(58)} ${"ops".padStart(5)} ${"parse".padStart(11)} ${"check".padStart(11)} ${"check cpu".padStart(11)}  verdict\n`);
  const show = (t: Timing): void => {
    const flag = t.expected !== null && t.verdict !== t.expected ? `  MISMATCH (expected ${t.expected})` : "";
    process.stdout.write(`${t.file.padEnd(58)} ${String(t.ops).padStart(5)} ${fmt(t.parseMs)} ${fmt(t.checkMs)} ${fmt(t.checkCpuMs)}  ${t.verdict}${flag}\n`);
  };
  for (const entry of entries) {
    const t = timeEntry(entry, reps);
    timings.push(t);
    show(t);
  }
  const c10 = entries.find((e) => e.file === "kv/c10-ok.txt");
  let unpartitioned: Timing | undefined;
  if (c10 !== undefined) {
    unpartitioned = timeEntry(c10, Math.min(reps, 3), "kv-unpartitioned", "kv/c10-ok.txt (unpartitioned)");
    show(unpartitioned);
  }

  // The same partitioned check with the partitions on two worker threads (compiled dist/), start-up included.
  let parallelC50: number | undefined;
  const c50 = entries.find((e) => e.file === "kv/c50-ok.txt");
  if (c50 !== undefined) {
    const history = parseHistory(readFileSync(path.resolve(path.dirname(manifestPath), c50.file), "utf8"), c50.format, c50.file);
    parallelC50 = Infinity;
    for (let i = 0; i < Math.max(3, reps); i++) {
      const t0 = performance.now();
      const result = await checkLinearizabilityParallel(history, "kv", c50.initial, { workers: 2 });
      parallelC50 = Math.min(parallelC50, performance.now() - t0);
      if (result.verdict !== "linearizable") throw new Error(`kv/c50-ok.txt on workers: ${result.verdict}`);
    }
    process.stdout.write(`${"kv/c50-ok.txt (partitions on 2 worker threads)".padEnd(58)} ${String(history.length).padStart(5)} ${"".padStart(11)} ${fmt(parallelC50)}\n`);
  }

  const sum = (list: Timing[], key: "parseMs" | "checkMs" | "checkCpuMs"): number => list.reduce((s, t) => s + t[key], 0);
  const groups = new Map<string, Timing[]>();
  for (const t of timings) {
    const g = t.file.split("/")[0]!;
    groups.set(g, [...(groups.get(g) ?? []), t]);
  }
  process.stdout.write(`\ntotals (sum of per-file bests)\n`);
  for (const [g, list] of [...groups, ["all", timings] as const]) {
    process.stdout.write(`  ${g.padEnd(14)} ${String(list.length).padStart(4)} files  parse ${fmt(sum(list, "parseMs"))}  check ${fmt(sum(list, "checkMs"))}  parse+check ${fmt(sum(list, "parseMs") + sum(list, "checkMs"))}\n`);
  }

  const byFile = new Map(timings.map((t) => [t.file, t]));
  const etcd = groups.get("jepsen-etcd") ?? [];
  const ours: Record<string, { check: number; withParse: number } | undefined> = {
    "all 102 jepsen-etcd files": etcd.length === 102 ? { check: sum(etcd, "checkMs"), withParse: sum(etcd, "checkMs") + sum(etcd, "parseMs") } : undefined,
    "jepsen-etcd/etcd_002.log": byFile.get("jepsen-etcd/etcd_002.log") && { check: byFile.get("jepsen-etcd/etcd_002.log")!.checkMs, withParse: byFile.get("jepsen-etcd/etcd_002.log")!.checkMs + byFile.get("jepsen-etcd/etcd_002.log")!.parseMs },
    "jepsen-etcd/etcd_007.log": byFile.get("jepsen-etcd/etcd_007.log") && { check: byFile.get("jepsen-etcd/etcd_007.log")!.checkMs, withParse: byFile.get("jepsen-etcd/etcd_007.log")!.checkMs + byFile.get("jepsen-etcd/etcd_007.log")!.parseMs },
    "kv/c50-ok.txt (partitioned)": byFile.get("kv/c50-ok.txt") && { check: byFile.get("kv/c50-ok.txt")!.checkMs, withParse: byFile.get("kv/c50-ok.txt")!.checkMs + byFile.get("kv/c50-ok.txt")!.parseMs },
    "kv/c10-ok.txt (unpartitioned)": unpartitioned && { check: unpartitioned.checkMs, withParse: unpartitioned.checkMs + unpartitioned.parseMs },
  };
  if (parallelC50 !== undefined && byFile.get("kv/c50-ok.txt")) {
    PORCUPINE["kv/c50-ok.txt (2 worker threads)"] = PORCUPINE["kv/c50-ok.txt (partitioned)"]!;
    ours["kv/c50-ok.txt (2 worker threads)"] = { check: parallelC50, withParse: parallelC50 + byFile.get("kv/c50-ok.txt")!.parseMs };
  }
  process.stdout.write(`\nvs Porcupine v1.3.0 (figures quoted in issue 4)\n`);
  for (const [name, porcupine] of Object.entries(PORCUPINE)) {
    const q = ours[name];
    if (q === undefined) continue;
    process.stdout.write(`  ${name.padEnd(32)} porcupine ${fmt(porcupine)}   quorate check ${fmt(q.check)} (${(porcupine / q.check).toFixed(1)}x)   with parse ${fmt(q.withParse)} (${(porcupine / q.withParse).toFixed(1)}x)\n`);
  }
  const peakRss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`\npeak memory of this process (max RSS, all histories above): ${peakRss.toFixed(0)} MiB\n`);
  const mismatches = timings.filter((t) => t.expected !== null && t.verdict !== t.expected).length + (unpartitioned && unpartitioned.verdict !== "linearizable" ? 1 : 0);
  process.stdout.write(`verdict mismatches: ${mismatches}\n`);

  // A CLI run checks each history once, in a fresh process: V8 has not optimized the search yet. The `ms` that
  // `quorate check --json` reports is the check alone (parsing and Node's start-up excluded), as Porcupine's are.
  const cold: { file: string; checkMs: number[] }[] = [];
  if (!values["no-e2e"]) {
    process.stdout.write(`\nfirst run in a fresh process (cold JIT), quorate check FILE --json, 3 runs each: the check's own ms\n`);
    for (const file of ["jepsen-etcd/etcd_002.log", "jepsen-etcd/etcd_007.log", "kv/c50-ok.txt"]) {
      const entry = entries.find((e) => e.file === file);
      if (entry === undefined) continue;
      const checkMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const args = ["bin/quorate.js", "check", path.resolve(path.dirname(manifestPath), file), "--format", entry.format, "--model", entry.model, "--json"];
        if (entry.initial !== undefined) args.push("--initial", JSON.stringify(entry.initial));
        const child = spawnSync("node", args, { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
        if (child.status !== 0 && child.status !== 1) throw new Error(`node ${args.join(" ")} exited ${child.status}: ${child.stderr}`);
        checkMs.push((JSON.parse(child.stdout) as { ms: number }).ms);
      }
      checkMs.sort((a, b) => a - b);
      cold.push({ file, checkMs });
      const porcupine = PORCUPINE[file] ?? PORCUPINE[`${file} (partitioned)`];
      process.stdout.write(`  ${file.padEnd(32)} best ${fmt(checkMs[0]!)}  median ${fmt(checkMs[1]!)}${porcupine !== undefined ? `   porcupine ${fmt(porcupine)} (${(porcupine / checkMs[0]!).toFixed(1)}x)` : ""}\n`);
    }
  }

  const e2e: { command: string; runs: number[]; cpus: number[]; mismatches: number | null }[] = [];
  if (!values["no-e2e"]) {
    process.stdout.write(`\nend to end (Node start-up included), ${Math.max(3, Math.min(reps, 5))} runs each\n`);
    for (const [command, args] of [
      [`npx --no-install quorate check --manifest ${manifestArg} --json`, ["npx", "--no-install", "quorate", "check", "--manifest", manifestArg, "--json"]],
      [`node bin/quorate.js check --manifest ${manifestArg} --json`, ["node", "bin/quorate.js", "check", "--manifest", manifestArg, "--json"]],
    ] as const) {
      const runs: number[] = [];
      const cpus: number[] = [];
      let reported: number | null = null;
      for (let i = 0; i < Math.max(3, Math.min(reps, 5)); i++) {
        // bash's `time` gives the child's wall and CPU time (user + sys, all threads).
        const child = spawnSync("bash", ["-c", `TIMEFORMAT='%R %U %S'; time ${args.join(" ")}`], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
        const [real, user, sys] = child.stderr.trim().split("\n").pop()!.split(" ").map(Number);
        if (child.status !== 0 && child.status !== 1) throw new Error(`${command} exited ${child.status}: ${child.stderr}`);
        runs.push(real! * 1000);
        cpus.push((user! + sys!) * 1000);
        reported = (JSON.parse(child.stdout) as { mismatches: number }).mismatches;
      }
      runs.sort((a, b) => a - b);
      cpus.sort((a, b) => a - b);
      e2e.push({ command, runs, cpus, mismatches: reported });
      process.stdout.write(`  ${command}\n    wall best ${fmt(runs[0]!)}  median ${fmt(runs[Math.floor(runs.length / 2)]!)}   cpu best ${fmt(cpus[0]!)}   mismatches ${reported}\n`);
    }
  }
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ reps, timings, unpartitioned, peakRssMiB: peakRss, cold, e2e }, null, 1));
}
