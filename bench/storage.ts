/**
 * `npm run bench -- storage [--ms 2000] [--clients 1,16,64] [--size 100] [--dir DIR] [--json]`
 *
 * The write-ahead log on this machine's disk (a temp directory; `--dir` to choose the file system): `clients`
 * concurrent writers each append one entry of `size` bytes and wait for its acknowledgement, in a loop, for `ms`
 * milliseconds — with group commit (the writes issued during an fdatasync share the next one) and, side by side
 * in the same run, with one fdatasync per write. Prints appends/s, fdatasyncs/s, mean batch size and the batch
 * size histogram; `--json` prints `{"cases":[{"name","appendsPerSec","fsyncsPerSec","meanBatch","histogram"}]}`.
 * The machine is shared: compare the two modes within one run, not across runs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WriteAheadLog, nodeFileSystem, type WalStats } from "../src/adapters/storage/index.js";

interface Case {
  name: string;
  appendsPerSec: number;
  fsyncsPerSec: number;
  meanBatch: number;
  histogram: Record<string, number>;
}

function histogram(s: WalStats): Record<string, number> {
  const out: Record<string, number> = {};
  s.batchSizes.forEach((n, k) => {
    if (n > 0) out[k === 0 ? "1" : `${2 ** (k - 1) + 1}-${2 ** k}`] = n;
  });
  return out;
}

async function runCase(root: string, clients: number, size: number, ms: number, groupCommit: boolean): Promise<Case> {
  const dir = await mkdtemp(join(root, "quorate-bench-wal-"));
  try {
    const { wal } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft", groupCommit });
    await wal.append([{ type: "state", term: 1, payload: Uint8Array.of(0) }]);
    const before = wal.stats();
    const payload = new Uint8Array(size).fill(7);
    let next = 1;
    const deadline = performance.now() + ms;
    const t0 = performance.now();
    const writer = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const index = next++;
        await wal.append([{ type: "entries", entries: [{ index, term: 1, payload }] }]);
      }
    };
    await Promise.all(Array.from({ length: clients }, writer));
    const seconds = (performance.now() - t0) / 1000;
    const s = wal.stats();
    await wal.close();
    const writes = s.writes - before.writes;
    const batches = s.batches - before.batches;
    const sizes = { ...s, batchSizes: s.batchSizes.map((n, k) => n - (before.batchSizes[k] ?? 0)) };
    return {
      name: `${groupCommit ? "group" : "single"}/c${clients}`,
      appendsPerSec: Math.round(writes / seconds),
      fsyncsPerSec: Math.round((s.walSyncs - before.walSyncs) / seconds),
      meanBatch: Number((writes / Math.max(1, batches)).toFixed(2)),
      histogram: histogram(sizes),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { ms: { type: "string", default: "2000" }, clients: { type: "string", default: "1,16,64" }, size: { type: "string", default: "100" }, dir: { type: "string" }, json: { type: "boolean", default: false } },
  });
  const ms = Number(values.ms);
  const size = Number(values.size);
  const clients = values.clients.split(",").map(Number);
  const root = values.dir ?? tmpdir();
  const cases: Case[] = [];
  for (const c of clients) {
    // Side by side, alternating, so both modes see the same machine load.
    cases.push(await runCase(root, c, size, ms, true));
    cases.push(await runCase(root, c, size, ms, false));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ cases })}\n`);
    return;
  }
  process.stdout.write(`storage: ${size}-byte entries, ${ms} ms per case, directory under ${root}\n`);
  process.stdout.write(`${"case".padEnd(14)}${"appends/s".padStart(11)}${"fsyncs/s".padStart(10)}${"mean batch".padStart(12)}  histogram\n`);
  for (const c of cases) {
    const h = Object.entries(c.histogram).map(([k, v]) => `${k}:${v}`).join(" ");
    process.stdout.write(`${c.name.padEnd(14)}${String(c.appendsPerSec).padStart(11)}${String(c.fsyncsPerSec).padStart(10)}${String(c.meanBatch).padStart(12)}  ${h}\n`);
  }
}
