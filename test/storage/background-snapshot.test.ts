/**
 * Local snapshots written in the background (`backgroundSnapshots`): the snapshot's write is acknowledged with its
 * batch, the file is written and synced beside the queue, then its marker is appended and the log compacted.
 * Crash at every fault point of a run where later writes are acknowledged while the file is being written, and
 * require an issued prefix holding every acknowledged write — or the same prefix without the local snapshots whose
 * markers were not durable yet (the previous snapshot and every entry: the same state for Raft). Focused cases:
 * a crash before the marker, after it, and a failed snapshot write; a mutant whose snapshot file is not durable
 * when its marker is written is caught.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryFileSystem, WriteAheadLog, wrapHandles, type AppendHandle, type FileSystem, type TearMode, type WalOp } from "../../src/adapters/storage/index.js";
import { fallbackLogs, fromRecovered, matchesPrefixOrFallback } from "./model.js";
import { compactionScript, drive, prefixStates, randomScript } from "./script.js";

const DIR = "/data";
const quiet = (): void => undefined;
const isSnapshotTemp = (p: string): boolean => p.endsWith(".snap.tmp");
/** Local snapshots every few entries and now and then a leader's beyond the log (which supersedes a background write in progress). */
const localSnapshotScript = (seed: number, writes: number): WalOp[][] => compactionScript(seed, writes, { every: 8, catchUp: 3, leaderSnapshots: 0.15 });

async function open(fs: FileSystem, segmentBytes: number): Promise<WriteAheadLog> {
  return (await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes, log: quiet, backgroundSnapshots: true })).wal;
}

async function crashRun(fs: FileSystem, script: WalOp[][], segmentBytes: number, group: number): Promise<{ acked: number; issued: number }> {
  const wal = await open(fs, segmentBytes).catch(() => undefined);
  if (wal === undefined) return { acked: 0, issued: 0 };
  const r = await drive(wal, script, group);
  await wal.close().catch(() => undefined);
  return { acked: r.acked, issued: r.issued };
}

/** Crashes the run at `crashAt`, tears per `mode`, restarts and checks; a string says what broke. */
async function checkCrashAt(script: WalOp[][], crashAt: number, mode: TearMode, segmentBytes: number, group: number, wrap: (fs: MemoryFileSystem) => FileSystem = (fs) => fs): Promise<string | null> {
  const fs = new MemoryFileSystem({ crashAt });
  const { acked, issued } = await crashRun(wrap(fs), script, segmentBytes, group);
  const disk = fs.afterCrash(mode, crashAt);
  let recovered;
  try {
    recovered = (await WriteAheadLog.open({ fs: disk, dir: DIR, vocabulary: "raft", segmentBytes, log: quiet, backgroundSnapshots: true })).recovered;
  } catch (e) {
    return `restart refused after crash at point ${crashAt} (${fs.trace[crashAt - 1]}), mode ${mode}: ${String(e)}`;
  }
  const k = matchesPrefixOrFallback(fromRecovered(recovered), prefixStates(script), fallbackLogs(script), acked, issued);
  return typeof k === "number" ? null : `crash at point ${crashAt} (${fs.trace[crashAt - 1]}), mode ${mode}: ${k}`;
}

/** A file system whose snapshot temp files' fdatasync waits for `release()` (the file write in progress). */
function gatedSnapshots(fs: MemoryFileSystem): { fs: FileSystem; release: () => void; waiting: () => boolean } {
  let open = false;
  let waiters: (() => void)[] = [];
  const gated = wrapHandles(fs, (h: AppendHandle, path: string): AppendHandle => ({
    append: (b) => h.append(b),
    datasync: async () => {
      if (isSnapshotTemp(path) && !open) await new Promise<void>((r) => waiters.push(r));
      await h.datasync();
    },
    close: () => h.close(),
  }));
  return {
    fs: gated,
    release: () => {
      open = true;
      for (const w of waiters.splice(0)) w();
    },
    waiting: () => waiters.length > 0,
  };
}

const entries = (from: number, n: number, term = 1): WalOp => ({ type: "entries", entries: Array.from({ length: n }, (_, k) => ({ index: from + k, term, payload: Uint8Array.of(from + k) })) });

describe("background snapshots: crash at every fault point (seeded; replay: npx vitest run test/storage/background-snapshot.test.ts)", () => {
  const SEED = 7;
  const SEGMENT_BYTES = 500;
  const script = localSnapshotScript(SEED, 100);

  it("the clean run writes snapshots in the background, compacts, and writes acknowledged while a file was being written", async () => {
    const fs = new MemoryFileSystem();
    const wal = await open(fs, SEGMENT_BYTES);
    await drive(wal, script, 2);
    await wal.close();
    const names = await fs.list(DIR);
    expect(names.filter((n) => n.endsWith(".snap"))).toHaveLength(1);
    expect(fs.trace.filter((t) => / unlink .*\.wal$/.test(t)).length).toBeGreaterThan(3);
    // Some segment fdatasync happened between a snapshot temp file's creation and its rename: the file did not hold
    // the log back.
    let overlapped = 0;
    let writing = false;
    for (const t of fs.trace) {
      if (/ create .*\.snap\.tmp$/.test(t)) writing = true;
      else if (/ rename .*\.snap\.tmp$/.test(t)) writing = false;
      else if (writing && / fdatasync .*\.wal$/.test(t)) overlapped++;
    }
    expect(overlapped).toBeGreaterThan(0);
  });

  for (const mode of ["lose", "prefix", "sectors"] as const) {
    it(`every restart holds an issued prefix with every acknowledged write, or it without unmarked local snapshots (tear mode ${mode})`, async () => {
      const clean = new MemoryFileSystem();
      await crashRun(clean, script, SEGMENT_BYTES, 2);
      expect(clean.points).toBeGreaterThan(200);
      const failures: string[] = [];
      for (let p = 1; p <= clean.points + 1; p++) {
        const f = await checkCrashAt(script, p, mode, SEGMENT_BYTES, 2);
        if (f !== null) failures.push(f);
      }
      expect(failures, `seed ${SEED}`).toEqual([]);
    });
  }

  it("a mutant whose snapshot file is not durable when its marker is written loses it (the check has teeth)", async () => {
    const lyingSnapshots = (fs: MemoryFileSystem): FileSystem =>
      wrapHandles(fs, (h, path): AppendHandle => ({ append: (b) => h.append(b), datasync: isSnapshotTemp(path) ? async () => undefined : () => h.datasync(), close: () => h.close() }));
    const clean = new MemoryFileSystem();
    await crashRun(clean, script, SEGMENT_BYTES, 2);
    let caught = 0;
    for (let p = 1; p <= clean.points + 1; p += 2) if ((await checkCrashAt(script, p, "lose", SEGMENT_BYTES, 2, lyingSnapshots)) !== null) caught++;
    expect(caught).toBeGreaterThan(5);
  });
});

describe("background snapshots: random scripts × crash points × tear modes (fast-check seed 9; replay: npx vitest run test/storage/background-snapshot.test.ts)", () => {
  it("every restart holds an issued prefix with every acknowledged write, or it without unmarked local snapshots", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom<TearMode>("lose", "prefix", "sectors"),
        fc.constantFrom(300, 2000, 1 << 20),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (seed, crashAt, mode, segmentBytes, group, local) => {
          const script = local ? localSnapshotScript(seed, 50) : randomScript(seed, 40);
          const f = await checkCrashAt(script, crashAt, mode, segmentBytes, group);
          expect(f, `script seed ${seed}`).toBeNull();
        },
      ),
      { numRuns: 200, seed: 9 },
    );
  });
});

describe("background snapshots: focused cases", () => {
  const start: WalOp[] = [{ type: "state", term: 1, payload: Uint8Array.of(1) }, entries(1, 10), { type: "commit", index: 10 }];

  it("a crash while the file is being written recovers the previous snapshot and every entry, those acknowledged meanwhile too", async () => {
    const mem = new MemoryFileSystem();
    const gate = gatedSnapshots(mem);
    const wal = await open(gate.fs, 1 << 20);
    await wal.append(start);
    await wal.append([{ type: "snapshot", index: 4, term: 1, retention: "matching", payload: Uint8Array.of(4) }]);
    await wal.append([{ type: "snapshot", index: 8, term: 1, retention: "matching", payload: Uint8Array.of(8) }]);
    await wal.append([entries(11, 5), { type: "commit", index: 14 }]);
    // Every write was acknowledged; the first snapshot's file is held at its fdatasync, the second waits for it.
    for (let i = 0; i < 50 && !gate.waiting(); i++) await new Promise((r) => setImmediate(r));
    expect(gate.waiting()).toBe(true);
    const r = (await WriteAheadLog.open({ fs: mem.afterCrash("lose"), dir: DIR, vocabulary: "raft", log: quiet })).recovered;
    expect(r.snapshot).toBeUndefined();
    expect(r.entries.map((e) => e.index)).toEqual(Array.from({ length: 15 }, (_, k) => k + 1));
    expect(r.commit).toBe(14);
    gate.release();
    await wal.close();
  });

  it("a crash after the marker recovers the new snapshot, and the entries after it", async () => {
    const mem = new MemoryFileSystem();
    const gate = gatedSnapshots(mem);
    const wal = await open(gate.fs, 1 << 20);
    await wal.append(start);
    await wal.append([{ type: "snapshot", index: 6, term: 1, retention: "matching", payload: Uint8Array.of(6) }]);
    await wal.append([entries(11, 2)]);
    gate.release();
    await wal.close();
    const names = await mem.list(DIR);
    expect(names.filter((n) => n.endsWith(".snap"))).toHaveLength(1);
    const r = (await WriteAheadLog.open({ fs: mem.afterCrash("lose"), dir: DIR, vocabulary: "raft", log: quiet })).recovered;
    expect(r.snapshot).toEqual({ index: 6, term: 1, payload: Uint8Array.of(6) });
    expect(r.entries.map((e) => e.index)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(r.commit).toBe(10);
  });

  it("a leader's snapshot supersedes a local one in progress: its file is removed, the leader's is recovered", async () => {
    const mem = new MemoryFileSystem();
    const gate = gatedSnapshots(mem);
    const wal = await open(gate.fs, 1 << 20);
    await wal.append(start);
    await wal.append([{ type: "snapshot", index: 5, term: 1, retention: "matching", payload: Uint8Array.of(5) }]);
    for (let i = 0; i < 50 && !gate.waiting(); i++) await new Promise((r) => setImmediate(r));
    expect(gate.waiting()).toBe(true);
    // Beyond the log: not local, written in its batch, which waits for the local file's write before its own.
    const leader = wal.append([{ type: "state", term: 2, payload: Uint8Array.of(2) }, { type: "snapshot", index: 20, term: 2, retention: "matching", payload: Uint8Array.of(20) }]);
    gate.release();
    await leader;
    await wal.close();
    expect((await mem.list(DIR)).filter((n) => n.includes(".snap"))).toEqual(["snap-0000000000000014-0000000000000002.snap"]);
    const r = (await WriteAheadLog.open({ fs: mem.afterCrash("lose"), dir: DIR, vocabulary: "raft", log: quiet })).recovered;
    expect(r.snapshot).toEqual({ index: 20, term: 2, payload: Uint8Array.of(20) });
    expect(r.entries).toEqual([]);
  });

  it("a newer local snapshot replaces one still waiting: the newest is recovered after close", async () => {
    const mem = new MemoryFileSystem();
    const gate = gatedSnapshots(mem);
    const wal = await open(gate.fs, 1 << 20);
    await wal.append(start);
    for (const at of [3, 6, 9]) await wal.append([{ type: "snapshot", index: at, term: 1, retention: "matching", payload: Uint8Array.of(at) }]);
    gate.release();
    await wal.close();
    // 3 was in progress, 6 waited and was replaced by 9.
    expect(mem.trace.filter((t) => / create .*\.snap\.tmp$/.test(t)).map((t) => t.replace(/.*snap-0*([0-9a-f]+)-.*/, "$1"))).toEqual(["3", "9"]);
    const r = (await WriteAheadLog.open({ fs: mem.afterCrash("lose"), dir: DIR, vocabulary: "raft", log: quiet })).recovered;
    expect(r.snapshot).toEqual({ index: 9, term: 1, payload: Uint8Array.of(9) });
    expect(r.entries.map((e) => e.index)).toEqual([10]);
  });

  it("a failed snapshot write stops the log; every acknowledged write is recovered", async () => {
    const mem = new MemoryFileSystem();
    const failing = wrapHandles(mem, (h, path): AppendHandle => ({
      append: (b) => h.append(b),
      datasync: isSnapshotTemp(path) ? async () => Promise.reject(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })) : () => h.datasync(),
      close: () => h.close(),
    }));
    const wal = await open(failing, 1 << 20);
    await wal.append(start);
    await wal.append([{ type: "snapshot", index: 5, term: 1, retention: "matching", payload: Uint8Array.of(5) }]);
    const later = wal.append([entries(11, 1)]).then(() => "acked", () => "refused");
    // The background write fails at its fdatasync; from then on the log refuses writes.
    for (let i = 0; i < 50 && wal.failure === undefined; i++) await new Promise((r) => setImmediate(r));
    expect(wal.failure?.code).toBe("io-failed");
    await expect(wal.append([entries(12, 1)])).rejects.toMatchObject({ code: "io-failed" });
    const outcome = await later;
    await wal.close();
    const r = (await WriteAheadLog.open({ fs: mem.afterCrash("lose"), dir: DIR, vocabulary: "raft", log: quiet })).recovered;
    expect(r.snapshot).toBeUndefined();
    expect(r.entries.map((e) => e.index)).toEqual(Array.from({ length: outcome === "acked" ? 11 : 10 }, (_, k) => k + 1));
  });

  it("without the option a snapshot's write waits for its file (the old behaviour, still the default)", async () => {
    const mem = new MemoryFileSystem();
    const gate = gatedSnapshots(mem);
    const wal = (await WriteAheadLog.open({ fs: gate.fs, dir: DIR, vocabulary: "raft", log: quiet })).wal;
    await wal.append(start);
    let acked = false;
    const p = wal.append([{ type: "snapshot", index: 4, term: 1, retention: "matching", payload: Uint8Array.of(4) }]).then(() => (acked = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(acked).toBe(false);
    gate.release();
    await p;
    expect(acked).toBe(true);
    await wal.close();
  });
});
