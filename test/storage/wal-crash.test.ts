/**
 * Crash consistency of the write-ahead log with the fault-injecting file system: crash at EVERY fault point
 * (each append, fdatasync, create, rename, unlink and directory fsync) of a scripted run, lose or tear what was
 * not synced, restart, and require exactly an issued prefix that contains every acknowledged write.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryFileSystem, WriteAheadLog, wrapHandles, type AppendHandle, type FileSystem, type TearMode } from "../../src/adapters/storage/index.js";
import { fromRecovered, matchesPrefix } from "./model.js";
import { drive, prefixStates, randomScript } from "./script.js";

const DIR = "/data";
const quiet = (): void => undefined;

async function crashRun(fs: FileSystem, script: ReturnType<typeof randomScript>, segmentBytes: number, group: number): Promise<{ acked: number; issued: number }> {
  let wal: WriteAheadLog;
  try {
    wal = (await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes, log: quiet })).wal;
  } catch {
    return { acked: 0, issued: 0 };
  }
  const r = await drive(wal, script, group);
  return { acked: r.acked, issued: r.issued };
}

/** Runs the script crashing at point `crashAt`, tears per `mode`, restarts and checks the prefix rule. */
async function checkCrashAt(seed: number, crashAt: number, mode: TearMode, script: ReturnType<typeof randomScript>, segmentBytes: number, group: number): Promise<string | null> {
  const fs = new MemoryFileSystem({ crashAt });
  const { acked, issued } = await crashRun(fs, script, segmentBytes, group);
  const disk = fs.afterCrash(mode, seed * 1000 + crashAt);
  let recovered;
  try {
    recovered = (await WriteAheadLog.open({ fs: disk, dir: DIR, vocabulary: "raft", segmentBytes, log: quiet })).recovered;
  } catch (e) {
    return `restart refused after crash at point ${crashAt} (${fs.trace[crashAt - 1]}), mode ${mode}: ${String(e)}`;
  }
  const k = matchesPrefix(fromRecovered(recovered), prefixStates(script), acked, issued);
  return typeof k === "number" ? null : `crash at point ${crashAt} (${fs.trace[crashAt - 1]}), mode ${mode}: ${k}`;
}

/** Fault points of a crash-free run of the script. */
async function countPoints(script: ReturnType<typeof randomScript>, segmentBytes: number, group: number): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  await crashRun(fs, script, segmentBytes, group);
  return fs;
}

describe("crash at every fault point (seeded; replay: npx vitest run test/storage/wal-crash.test.ts)", () => {
  const SEED = 11;
  const script = randomScript(SEED, 60);
  for (const mode of ["lose", "prefix", "sectors"] as const) {
    it(`restarts to an issued prefix holding every acknowledged write (tear mode ${mode}, small segments, group commit)`, async () => {
      const clean = await countPoints(script, 600, 4);
      const kinds = new Set(clean.trace.map((t) => t.split(" ")[1]));
      // The run must exercise every kind of fault point, or "every point" would mean little.
      expect([...kinds].sort()).toEqual(["allocate", "append", "create", "fdatasync", "fsync-dir", "rename", "unlink"]);
      const failures: string[] = [];
      for (let p = 1; p <= clean.points + 1; p++) {
        const f = await checkCrashAt(SEED, p, mode, script, 600, 4);
        if (f !== null) failures.push(f);
      }
      expect(failures, `seed ${SEED}`).toEqual([]);
    });
  }

  it("a mutant that acknowledges before fdatasync loses acknowledged writes (the check has teeth)", async () => {
    const lying = (fs: MemoryFileSystem): FileSystem => wrapHandles(fs, (h): AppendHandle => ({ append: (b) => h.append(b), datasync: async () => undefined, close: () => h.close() }));
    const states = prefixStates(script);
    let caught = 0;
    for (let p = 5; p < 200; p += 7) {
      const fs = new MemoryFileSystem({ crashAt: p });
      const wal = (await WriteAheadLog.open({ fs: lying(fs), dir: DIR, vocabulary: "raft", log: quiet }).catch(() => ({ wal: undefined }))).wal;
      if (wal === undefined) continue;
      const { acked, issued } = await drive(wal, script, 4);
      const disk = fs.afterCrash("lose", p);
      const rec = await WriteAheadLog.open({ fs: disk, dir: DIR, vocabulary: "raft", log: quiet }).then((r) => r.recovered, () => undefined);
      if (rec === undefined || typeof matchesPrefix(fromRecovered(rec), states, acked, issued) === "string") caught++;
    }
    expect(caught).toBeGreaterThan(10);
  });
});

describe("random scripts × random crash points × tear modes (fast-check seed 5; replay: npx vitest run test/storage/wal-crash.test.ts)", () => {
  it("every restart holds an issued prefix with every acknowledged write", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom<TearMode>("lose", "prefix", "sectors"),
        fc.constantFrom(300, 2000, 1 << 20),
        fc.integer({ min: 1, max: 8 }),
        async (seed, crashAt, mode, segmentBytes, group) => {
          const script = randomScript(seed, 40);
          const f = await checkCrashAt(seed, crashAt, mode, script, segmentBytes, group);
          expect(f, `script seed ${seed}`).toBeNull();
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });
});
