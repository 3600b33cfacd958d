/**
 * Crash consistency of log compaction: an etcd-shaped write sequence (a leader appending and committing, and every
 * few entries a snapshot at the commit index minus some catch-up entries, which removes the segments it covers)
 * on small segments, crashing at EVERY fault point of the run — the snapshot file's temp write, fdatasync,
 * rename and directory fsync, the marker's batch, each segment unlink — in each tear mode. Every restart must find
 * exactly an issued prefix holding every acknowledged write. A mutant disk whose directory fsync does nothing
 * (creations, renames and removals not durable) is caught (the check has teeth).
 */
import { describe, expect, it } from "vitest";
import { MemoryFileSystem, WriteAheadLog, type FileSystem, type TearMode, type WalOp } from "../../src/adapters/storage/index.js";
import { fromRecovered, matchesPrefix } from "./model.js";
import { compactionScript, drive, prefixStates } from "./script.js";

const DIR = "/data";
const SEGMENT_BYTES = 500;
const quiet = (): void => undefined;

async function crashRun(fs: FileSystem, script: WalOp[][], group: number): Promise<{ acked: number; issued: number }> {
  const opened = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEGMENT_BYTES, log: quiet }).catch(() => undefined);
  if (opened === undefined) return { acked: 0, issued: 0 };
  const r = await drive(opened.wal, script, group);
  return { acked: r.acked, issued: r.issued };
}

/** Crashes the run at `crashAt`, tears per `mode`, restarts and checks the prefix rule; a string says what broke. */
async function checkCrashAt(script: WalOp[][], crashAt: number, mode: TearMode, group: number, wrap: (fs: MemoryFileSystem) => FileSystem = (fs) => fs): Promise<string | null> {
  const fs = new MemoryFileSystem({ crashAt });
  const { acked, issued } = await crashRun(wrap(fs), script, group);
  const disk = fs.afterCrash(mode, crashAt);
  let recovered;
  try {
    recovered = (await WriteAheadLog.open({ fs: disk, dir: DIR, vocabulary: "raft", segmentBytes: SEGMENT_BYTES, log: quiet })).recovered;
  } catch (e) {
    return `restart refused after crash at point ${crashAt} (${fs.trace[crashAt - 1]}), mode ${mode}: ${String(e)}`;
  }
  const k = matchesPrefix(fromRecovered(recovered), prefixStates(script), acked, issued);
  return typeof k === "number" ? null : `crash at point ${crashAt} (${fs.trace[crashAt - 1]}), mode ${mode}: ${k}`;
}

describe("compaction: crash at every fault point (seeded; replay: npx vitest run test/storage/compaction-crash.test.ts)", () => {
  const SEED = 3;
  const script = compactionScript(SEED, 70);

  it("the clean run compacts: snapshots replace each other and covered segments are removed", async () => {
    const fs = new MemoryFileSystem();
    await crashRun(fs, script, 2);
    const unlinked = fs.trace.filter((t) => / unlink /.test(t));
    expect(unlinked.filter((t) => t.endsWith(".wal")).length).toBeGreaterThan(3);
    expect(unlinked.filter((t) => t.endsWith(".snap")).length).toBeGreaterThan(3);
    const names = await fs.list(DIR);
    expect(names.filter((n) => n.endsWith(".snap"))).toHaveLength(1);
    expect(names.filter((n) => n.endsWith(".wal")).length).toBeLessThanOrEqual(3);
  });

  for (const mode of ["lose", "prefix", "sectors"] as const) {
    it(`every restart holds an issued prefix with every acknowledged write (tear mode ${mode})`, async () => {
      const clean = new MemoryFileSystem();
      await crashRun(clean, script, 2);
      expect(clean.points).toBeGreaterThan(200); // the crash points walked below
      const failures: string[] = [];
      for (let p = 1; p <= clean.points + 1; p++) {
        const f = await checkCrashAt(script, p, mode, 2);
        if (f !== null) failures.push(f);
      }
      expect(failures, `seed ${SEED}`).toEqual([]);
    });
  }

  it("a disk whose directory fsync does nothing loses a snapshot or segment the log relies on (the check has teeth)", async () => {
    const noDirSync = (fs: MemoryFileSystem): FileSystem => ({
      mkdirp: (d) => fs.mkdirp(d),
      list: (d) => fs.list(d),
      readFile: (p) => fs.readFile(p),
      rename: (a, b) => fs.rename(a, b),
      unlink: (p) => fs.unlink(p),
      truncate: (p, n) => fs.truncate(p, n),
      openAppend: (p, c) => fs.openAppend(p, c),
      openAt: (p, o) => fs.openAt(p, o),
      allocate: (p, n) => fs.allocate(p, n),
      syncDir: async () => undefined,
    });
    const clean = new MemoryFileSystem();
    await crashRun(clean, script, 2);
    let caught = 0;
    for (let p = 1; p <= clean.points + 1; p += 3) if ((await checkCrashAt(script, p, "lose", 2, noDirSync)) !== null) caught++;
    expect(caught).toBeGreaterThan(5);
  });
});
