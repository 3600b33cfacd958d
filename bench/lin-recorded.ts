/**
 * `npm run bench -- lin-recorded [--reps N] [--cold N] [--porcupine BIN] [--manifest FILE] [--json FILE]`
 *
 * Ordinary histories recorded from real etcd and ZooKeeper (test/data/histories/recorded/, ~1,500 ops each), per
 * file: parse and check medians over N warm runs in this process; the per-file `ms` that `quorate check
 * --manifest … --json` reports (read + parse + check, cold: a fresh process each time),
 * median of `--cold` runs; and that command's wall time end to end. With `--porcupine BIN` (the out-of-repo
 * driver of docs/checker-speed.md) Porcupine runs in the same sitting, alternating with quorate, and the table
 * shows both side by side. Besides the general parser and checker (what `quorate check FILE` runs), the fast path
 * that `check --manifest` settles these files with is timed warm too, split where Porcupine's driver splits:
 * "fast parse" is `textChunks` + `encodeHistory` (decoding the file's bytes in chunks, reading them into typed
 * arrays, and the search's set-up: what `check --manifest` does before searching), "fast check"
 * is `searchHistory`; "Qw p+c" is the fast path in WebAssembly (`wasmVerdictOfBytes`: copying the bytes into the
 * module's memory, reading, encoding and searching), which `check --manifest` tries first. The machine is shared:
 * the load average is printed with the figures.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encodeHistory } from "../src/check/linearizability/fast/encode.js";
import type { EncodedHistory, FastModelName } from "../src/check/linearizability/fast/encode.js";
import { FAST_MAX_STEPS, textChunks } from "../src/check/linearizability/fast/index.js";
import { searchHistory, TextStates } from "../src/check/linearizability/fast/search.js";
import { wasmVerdictOfBytes } from "../src/check/linearizability/fast-wasm/index.js";
import { checkLinearizability, modelByName, parseHistory, parseManifest } from "../src/check/linearizability/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const defaultManifest = path.join(repoRoot, "test/data/histories/recorded/expected.json");

/** Wall and CPU milliseconds of one measurement (medians). */
interface Cost {
  ms: number;
  cpu: number;
}

interface Row {
  file: string;
  ops: number;
  verdict: string;
  parse: Cost;
  check: Cost;
  /** The fast path, warm: encode (parse + set-up) and search; absent when it declines the file. */
  fastParse?: Cost;
  fastCheck?: Cost;
  /** The fast path in WebAssembly, warm: parse + check; absent when it declines the file. */
  wasm?: Cost;
  manifest: Cost;
  porcupineParse?: Cost;
  porcupineCheck?: Cost;
  porcupineVerdict?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs before measuring, so that "warm" means V8 has optimized the code for this very input. */
const WARM_UP_RUNS = 5;

function timed<T>(reps: number, fn: () => T): { value: T; cost: Cost } {
  let value = fn();
  for (let i = 1; i < WARM_UP_RUNS; i++) value = fn();
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpuNow();
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
    cpus.push(cpuNow() - c0);
  }
  return { value, cost: { ms: median(times), cpu: median(cpus) } };
}

/**
 * Warm medians of the fast path on a file's `bytes`: `textChunks` + `encodeHistory`, then `searchHistory` on a
 * fresh encoding each time (the search lifts entries out of the encoding's lists, so one encoding serves one
 * search). Undefined when the fast path declines the file or does not find it linearizable.
 */
function timeFastPath(reps: number, bytes: Uint8Array, model: string): { parse: Cost; check: Cost } | undefined {
  if (model !== "cas-register" && model !== "kv") return undefined;
  const encode = (): EncodedHistory | undefined => {
    const chunks = textChunks(bytes);
    return chunks === undefined ? undefined : encodeHistory(chunks, model as FastModelName);
  };
  const search = (h: EncodedHistory): number => searchHistory(h, model === "kv" ? new TextStates(h.texts, h.textIds) : undefined, FAST_MAX_STEPS, 64 * 2 ** 20);
  const first = encode();
  if (first === undefined || search(first) < 0) return undefined;
  const parse = timed(reps, encode).cost;
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < WARM_UP_RUNS + reps; i++) {
    const h = encode()!;
    const c0 = cpuNow();
    const t0 = performance.now();
    search(h);
    if (i < WARM_UP_RUNS) continue;
    times.push(performance.now() - t0);
    cpus.push(cpuNow() - c0);
  }
  return { parse, check: { ms: median(times), cpu: median(cpus) } };
}

interface ManifestRun {
  wallMs: number;
  perFile: Map<string, Cost>;
  mismatches: number;
}

function runManifestCold(manifest: string): ManifestRun {
  const t0 = performance.now();
  const child = spawnSync("node", ["bin/quorate.js", "check", "--manifest", manifest, "--json"], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const wallMs = performance.now() - t0;
  if (child.status !== 0 && child.status !== 1) throw new Error(`quorate check --manifest exited ${child.status}: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as { results: { file: string; ms: number; cpuMs: number }[]; mismatches: number };
  return { wallMs, perFile: new Map(report.results.map((r) => [r.file, { ms: r.ms, cpu: r.cpuMs }])), mismatches: report.mismatches };
}

interface PorcupineResult {
  parse: Cost;
  check: Cost;
  verdict: string;
}

function runPorcupine(bin: string, manifest: string, reps: number): Map<string, PorcupineResult> {
  const child = spawnSync(bin, ["-reps", String(reps), manifest], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) throw new Error(`${bin} exited ${child.status}: ${child.stderr}`);
  const out = new Map<string, PorcupineResult>();
  for (const line of child.stdout.trim().split("\n")) {
    const r = JSON.parse(line) as { file: string; parseMs: number; checkMs: number; parseCpuMs: number; checkCpuMs: number; verdict: string };
    out.set(r.file, { parse: { ms: r.parseMs, cpu: r.parseCpuMs }, check: { ms: r.checkMs, cpu: r.checkCpuMs }, verdict: r.verdict });
  }
  return out;
}

const medianCost = (costs: readonly Cost[]): Cost => ({ ms: median(costs.map((c) => c.ms)), cpu: median(costs.map((c) => c.cpu)) });

const f2 = (ms: number | undefined): string => (ms === undefined ? "—" : ms.toFixed(2)).padStart(8);

export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      reps: { type: "string", default: "30" },
      cold: { type: "string", default: "5" },
      porcupine: { type: "string" },
      manifest: { type: "string", default: defaultManifest },
      json: { type: "string" },
    },
  });
  const reps = Number(values.reps);
  const coldRuns = Number(values.cold);
  const manifest = path.resolve(values.manifest);
  const entries = parseManifest(readFileSync(manifest, "utf8"), manifest);
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  process.stdout.write(`lin-recorded: ${entries.length} histories from ${path.relative(repoRoot, manifest)}; warm medians of ${reps}, cold manifest medians of ${coldRuns}; load average ${load}\n`);

  // Cold manifest runs and Porcupine runs alternate, so both see the same load.
  const manifestRuns: ManifestRun[] = [];
  const porcupineRuns: Map<string, PorcupineResult>[] = [];
  for (let i = 0; i < coldRuns; i++) {
    manifestRuns.push(runManifestCold(manifest));
    if (values.porcupine !== undefined) porcupineRuns.push(runPorcupine(values.porcupine, manifest, Math.max(5, Math.floor(reps / coldRuns))));
  }

  const rows: Row[] = entries.map((entry) => {
    const bytes = readFileSync(path.resolve(path.dirname(manifest), entry.file));
    const text = bytes.toString("utf8");
    const parsed = timed(reps, () => parseHistory(text, entry.format, entry.file));
    const model = modelByName(entry.model, entry.initial);
    const checked = timed(reps, () => checkLinearizability(parsed.value, model));
    const fast = entry.format === "jepsen-edn" && entry.initial === undefined ? timeFastPath(reps, bytes, entry.model) : undefined;
    const wasm = entry.format === "jepsen-edn" && entry.initial === undefined ? timed(reps, () => wasmVerdictOfBytes(bytes, entry.model, undefined)) : undefined;
    const row: Row = {
      file: entry.file,
      ops: parsed.value.length,
      verdict: checked.value.verdict,
      parse: parsed.cost,
      check: checked.cost,
      ...(fast !== undefined ? { fastParse: fast.parse, fastCheck: fast.check } : {}),
      ...(wasm?.value !== undefined ? { wasm: wasm.cost } : {}),
      manifest: medianCost(manifestRuns.map((r) => r.perFile.get(entry.file)!)),
    };
    if (porcupineRuns.length > 0) {
      const mine = porcupineRuns.map((r) => r.get(entry.file)!);
      row.porcupineParse = medianCost(mine.map((r) => r.parse));
      row.porcupineCheck = medianCost(mine.map((r) => r.check));
      row.porcupineVerdict = mine[0]!.verdict;
    }
    return row;
  });

  for (const unit of ["ms", "cpu"] as const) {
    const title = unit === "ms" ? "wall ms" : "CPU ms (user + system, every thread of the process)";
    process.stdout.write(`\n${title}, medians. P = Porcupine driver, Q = quorate warm in this process (general path; Qf = the fast path, Qw = the fast path in WebAssembly), Q manif = per file as check --manifest reports it (read + parse + check, fresh process)\n`);
    process.stdout.write(`${"file".padEnd(24)} ${"ops".padStart(5)} ${"P parse".padStart(8)} ${"P check".padStart(8)} ${"Q parse".padStart(8)} ${"Q check".padStart(8)} ${"Qf parse".padStart(8)} ${"Qf check".padStart(8)} ${"Qw p+c".padStart(8)} ${"Q manif".padStart(8)}  check≤P  Qf check≤P  manif≤P parse+check  verdict\n`);
    let checkWins = 0;
    let fastCheckWins = 0;
    let manifestWins = 0;
    for (const r of rows) {
      const pParse = r.porcupineParse?.[unit];
      const pCheck = r.porcupineCheck?.[unit];
      const checkOk = pCheck === undefined ? "" : r.check[unit] <= pCheck ? "yes" : "NO";
      const fastCheck = r.fastCheck?.[unit];
      const fastCheckOk = pCheck === undefined ? "" : fastCheck === undefined ? "—" : fastCheck <= pCheck ? "yes" : "NO";
      const manifestOk = pCheck === undefined || pParse === undefined ? "" : r.manifest[unit] <= pParse + pCheck ? "yes" : "NO";
      if (checkOk === "yes") checkWins++;
      if (fastCheckOk === "yes") fastCheckWins++;
      if (manifestOk === "yes") manifestWins++;
      const agree = r.porcupineVerdict === undefined || r.porcupineVerdict === r.verdict ? "" : `  DISAGREES with Porcupine (${r.porcupineVerdict})`;
      process.stdout.write(`${r.file.padEnd(24)} ${String(r.ops).padStart(5)} ${f2(pParse)} ${f2(pCheck)} ${f2(r.parse[unit])} ${f2(r.check[unit])} ${f2(r.fastParse?.[unit])} ${f2(fastCheck)} ${f2(r.wasm?.[unit])} ${f2(r.manifest[unit])}  ${checkOk.padEnd(7)}  ${fastCheckOk.padEnd(10)}  ${manifestOk.padEnd(19)}  ${r.verdict}${agree}\n`);
    }
    const sum = (pick: (r: Row) => number | undefined): number => rows.reduce((s, r) => s + (pick(r) ?? 0), 0);
    process.stdout.write(`${"total".padEnd(24)} ${String(sum((r) => r.ops)).padStart(5)} ${f2(sum((r) => r.porcupineParse?.[unit]))} ${f2(sum((r) => r.porcupineCheck?.[unit]))} ${f2(sum((r) => r.parse[unit]))} ${f2(sum((r) => r.check[unit]))} ${f2(sum((r) => r.fastParse?.[unit]))} ${f2(sum((r) => r.fastCheck?.[unit]))} ${f2(sum((r) => r.wasm?.[unit]))} ${f2(sum((r) => r.manifest[unit]))}\n`);
    if (porcupineRuns.length > 0) process.stdout.write(`check ≤ Porcupine check on ${checkWins}/${rows.length} files (fast path's check: ${fastCheckWins}/${rows.length}); manifest per file ≤ Porcupine parse+check on ${manifestWins}/${rows.length}\n`);
  }
  const walls = manifestRuns.map((r) => r.wallMs);
  process.stdout.write(`\nnode bin/quorate.js check --manifest ${path.relative(repoRoot, manifest)} --json: wall median ${median(walls).toFixed(0)} ms, best ${Math.min(...walls).toFixed(0)} ms (Node start-up included); mismatches ${manifestRuns[0]!.mismatches}\n`);
  process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ load, rows, manifestWallMs: walls }, null, 1));
}
