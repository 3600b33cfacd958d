/**
 * `npm run bench -- lin-recorded [--reps N] [--cold N] [--porcupine BIN] [--manifest FILE] [--json FILE]`
 *
 * Ordinary histories recorded from real etcd and ZooKeeper (test/data/histories/recorded/, ~1,500 ops each), per
 * file: parse and check medians over N warm runs in this process; the per-file `ms` that `quorate check
 * --manifest … --json` reports (read + parse + check on worker threads, cold: a fresh process each time),
 * median of `--cold` runs; and that command's wall time end to end. With `--porcupine BIN` (the out-of-repo
 * driver of docs/checker-speed.md) Porcupine runs in the same sitting, alternating with quorate, and the table
 * shows both side by side. The machine is shared: the load average is printed with the figures.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkLinearizability, modelByName, parseHistory, parseManifest } from "../src/check/linearizability/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const defaultManifest = path.join(repoRoot, "test/data/histories/recorded/expected.json");

interface Row {
  file: string;
  ops: number;
  verdict: string;
  parseMs: number;
  checkMs: number;
  manifestMs: number;
  porcupineParseMs?: number;
  porcupineCheckMs?: number;
  porcupineVerdict?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(reps: number, fn: () => T): { value: T; ms: number } {
  let value = fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  return { value, ms: median(times) };
}

interface ManifestRun {
  wallMs: number;
  perFile: Map<string, number>;
  mismatches: number;
}

function runManifestCold(manifest: string): ManifestRun {
  const t0 = performance.now();
  const child = spawnSync("node", ["bin/quorate.js", "check", "--manifest", manifest, "--json"], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const wallMs = performance.now() - t0;
  if (child.status !== 0 && child.status !== 1) throw new Error(`quorate check --manifest exited ${child.status}: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as { results: { file: string; ms: number }[]; mismatches: number };
  return { wallMs, perFile: new Map(report.results.map((r) => [r.file, r.ms])), mismatches: report.mismatches };
}

function runPorcupine(bin: string, manifest: string, reps: number): Map<string, { parseMs: number; checkMs: number; verdict: string }> {
  const child = spawnSync(bin, ["-reps", String(reps), manifest], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) throw new Error(`${bin} exited ${child.status}: ${child.stderr}`);
  const out = new Map<string, { parseMs: number; checkMs: number; verdict: string }>();
  for (const line of child.stdout.trim().split("\n")) {
    const r = JSON.parse(line) as { file: string; parseMs: number; checkMs: number; verdict: string };
    out.set(r.file, r);
  }
  return out;
}

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
  const porcupineRuns: Map<string, { parseMs: number; checkMs: number; verdict: string }>[] = [];
  for (let i = 0; i < coldRuns; i++) {
    manifestRuns.push(runManifestCold(manifest));
    if (values.porcupine !== undefined) porcupineRuns.push(runPorcupine(values.porcupine, manifest, Math.max(5, Math.floor(reps / coldRuns))));
  }

  const rows: Row[] = entries.map((entry) => {
    const text = readFileSync(path.resolve(path.dirname(manifest), entry.file), "utf8");
    const parsed = timed(reps, () => parseHistory(text, entry.format, entry.file));
    const model = modelByName(entry.model, entry.initial);
    const checked = timed(reps, () => checkLinearizability(parsed.value, model));
    const row: Row = {
      file: entry.file,
      ops: parsed.value.length,
      verdict: checked.value.verdict,
      parseMs: parsed.ms,
      checkMs: checked.ms,
      manifestMs: median(manifestRuns.map((r) => r.perFile.get(entry.file)!)),
    };
    if (porcupineRuns.length > 0) {
      const mine = porcupineRuns.map((r) => r.get(entry.file)!);
      row.porcupineParseMs = median(mine.map((r) => r.parseMs));
      row.porcupineCheckMs = median(mine.map((r) => r.checkMs));
      row.porcupineVerdict = mine[0]!.verdict;
    }
    return row;
  });

  const header = `${"file".padEnd(24)} ${"ops".padStart(5)} ${"P parse".padStart(8)} ${"P check".padStart(8)} ${"Q parse".padStart(8)} ${"Q check".padStart(8)} ${"Q manif".padStart(8)}  check≤P  manif≤P parse+check  verdict`;
  process.stdout.write(`\nms, medians (P = Porcupine driver, Q = quorate; Q manif = per-file ms of check --manifest, cold, worker threads)\n${header}\n`);
  let checkWins = 0;
  let manifestWins = 0;
  for (const r of rows) {
    const checkOk = r.porcupineCheckMs === undefined ? "" : r.checkMs <= r.porcupineCheckMs ? "yes" : "NO";
    const manifestOk = r.porcupineCheckMs === undefined ? "" : r.manifestMs <= r.porcupineParseMs! + r.porcupineCheckMs ? "yes" : "NO";
    if (checkOk === "yes") checkWins++;
    if (manifestOk === "yes") manifestWins++;
    const agree = r.porcupineVerdict === undefined || r.porcupineVerdict === r.verdict ? "" : `  DISAGREES with Porcupine (${r.porcupineVerdict})`;
    process.stdout.write(`${r.file.padEnd(24)} ${String(r.ops).padStart(5)} ${f2(r.porcupineParseMs)} ${f2(r.porcupineCheckMs)} ${f2(r.parseMs)} ${f2(r.checkMs)} ${f2(r.manifestMs)}  ${checkOk.padEnd(7)}  ${manifestOk.padEnd(19)}  ${r.verdict}${agree}\n`);
  }
  const sum = (key: keyof Row): number => rows.reduce((s, r) => s + ((r[key] as number | undefined) ?? 0), 0);
  process.stdout.write(`${"total".padEnd(24)} ${String(sum("ops")).padStart(5)} ${f2(sum("porcupineParseMs"))} ${f2(sum("porcupineCheckMs"))} ${f2(sum("parseMs"))} ${f2(sum("checkMs"))} ${f2(sum("manifestMs"))}\n`);
  if (porcupineRuns.length > 0) process.stdout.write(`check ≤ Porcupine check on ${checkWins}/${rows.length} files; manifest per-file ≤ Porcupine parse+check on ${manifestWins}/${rows.length}\n`);
  const walls = manifestRuns.map((r) => r.wallMs);
  process.stdout.write(`node bin/quorate.js check --manifest ${path.relative(repoRoot, manifest)} --json: wall median ${median(walls).toFixed(0)} ms, best ${Math.min(...walls).toFixed(0)} ms (Node start-up included); mismatches ${manifestRuns[0]!.mismatches}\n`);
  process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ load, rows, manifestWallMs: walls }, null, 1));
}
