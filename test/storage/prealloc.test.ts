/**
 * Preallocated segments: the zeros after the last batch are free space, a torn batch followed by zeros is a torn
 * tail (zeroed, the file keeps its size), a prepared next segment left behind is removed at start, and a full
 * disk while preallocating is a clear error that loses nothing acknowledged.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { endOfData, readRecord, segmentName } from "../../src/adapters/storage/format.js";
import { MemoryFileSystem, StorageError, WriteAheadLog, nodeFileSystem, type WalOp } from "../../src/adapters/storage/index.js";
import { fromRecovered, matchesPrefix } from "./model.js";
import { drive, prefixStates, randomScript } from "./script.js";

const DIR = "/data";
const SEG = 1024;
const quiet = (): void => undefined;

async function written(script: WalOp[][]): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet });
  const r = await drive(wal, script, 1);
  expect(r.error).toBeUndefined();
  await wal.close();
  return fs;
}

const segmentPaths = (fs: MemoryFileSystem): string[] =>
  Array.from({ length: 64 }, (_, s) => `${DIR}/${segmentName(s)}`).filter((p) => fs.peek(p) !== undefined);

/** [start, end) of each batch after the segment header, read with the format's own reader. */
function batches(bytes: Uint8Array): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = (readRecord(bytes, 0) as { end: number }).end;
  while (at < endOfData(bytes)) {
    const r = readRecord(bytes, at);
    if (r.kind !== "ok" || r.record.type !== "batch") throw new Error(`unparseable test segment at ${at}`);
    out.push({ start: at, end: r.end + r.record.length });
    at = r.end + r.record.length;
  }
  return out;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("preallocated segments", () => {
  const script = randomScript(5, 60, 40, false);
  const states = prefixStates(script);

  it("a zero frame header is no frame (so free space never reads as a record)", () => {
    const r = readRecord(new Uint8Array(32), 0);
    expect(r).toEqual({ kind: "bad", why: "a zero-length frame" });
  });

  it("the zeros after the last batch are free space: recovered silently, the next write lands at the end of data", async () => {
    const fs = await written(script);
    const last = segmentPaths(fs).at(-1)!;
    const bytes = fs.peek(last)!;
    expect(bytes.length).toBe(SEG);
    const dataEnd = batches(bytes).at(-1)!.end;
    expect(dataEnd).toBeLessThan(SEG);
    expect(bytes.subarray(dataEnd).every((b) => b === 0)).toBe(true);
    const lines: string[] = [];
    const { wal, recovered } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(matchesPrefix(fromRecovered(recovered), states, script.length, script.length)).toBe(script.length);
    await wal.append([{ type: "commit", index: wal.durablePosition.commit }]);
    await wal.close();
    const after = fs.peek(last)!;
    expect(after.length).toBe(SEG);
    expect(batches(after).at(-2)!.end).toBe(dataEnd);
    expect(batches(after).at(-1)!.start).toBe(dataEnd);
  });

  it("a torn batch followed by zeros is a torn tail: its bytes are zeroed, the file keeps its size, every earlier write stays", async () => {
    const base = await written(script);
    const last = segmentPaths(base).at(-1)!;
    const { start, end } = batches(base.peek(last)!).at(-1)!;
    for (const tornAt of [start + 3, start + 9, Math.floor((start + end) / 2), end - 1]) {
      const fs = await written(script);
      // The sectors after `tornAt` never reached the disk: zeros, as preallocated.
      for (let i = tornAt; i < end; i++) fs.corrupt(last, i, () => 0);
      const lines: string[] = [];
      const { wal, recovered } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: (l) => lines.push(l) });
      await wal.close();
      expect(matchesPrefix(fromRecovered(recovered), states, script.length - 1, script.length - 1), `torn at ${tornAt}`).toBe(script.length - 1);
      expect(lines.join("\n")).toContain(`${last}: torn tail cut at offset ${start}`);
      const after = fs.peek(last)!;
      expect(after.length).toBe(SEG);
      expect(after.subarray(start).every((b) => b === 0)).toBe(true);
      const again: string[] = [];
      await (await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: (l) => again.push(l) })).wal.close();
      expect(again).toEqual([]);
    }
  });

  it("damage before the last batch, followed by zeros, still refuses to start, naming file and offset", async () => {
    const fs = await written(script);
    const last = segmentPaths(fs).at(-1)!;
    const all = batches(fs.peek(last)!);
    expect(all.length).toBeGreaterThan(1);
    const victim = all.at(-2)!;
    fs.corrupt(last, victim.start + 12, (b) => b ^ 0x10);
    const e = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(StorageError);
    expect([(e as StorageError).code, (e as StorageError).file, (e as StorageError).offset]).toEqual(["corrupt-record", last.slice(DIR.length + 1), victim.start]);
  });

  it("a prepared (or half-prepared) next segment left by a crash is removed at start, without a word", async () => {
    const fs = await written(script);
    const segs = segmentPaths(fs);
    const leftover = `${DIR}/${segmentName(segs.length)}.tmp`;
    const h = await fs.openAppend(leftover, true);
    await h.append(new Uint8Array(100).fill(0x5a));
    await h.datasync();
    await fs.syncDir(DIR);
    const lines: string[] = [];
    const { wal, recovered } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(matchesPrefix(fromRecovered(recovered), states, script.length, script.length)).toBe(script.length);
    // The log prepares that segment again from scratch: zeros only.
    await wal.close();
    expect(fs.peek(leftover)).toBeUndefined();
  });

  it("a crash at each fault point of the next segment's preparation loses nothing acknowledged", async () => {
    const clean = new MemoryFileSystem();
    const { wal } = await WriteAheadLog.open({ fs: clean, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet });
    await drive(wal, script, 2);
    await wal.close();
    const allocations = clean.trace.filter((t) => t.split(" ")[1] === "allocate").map((t) => Number(t.split(" ")[0]));
    expect(allocations.length).toBeGreaterThan(2);
    for (const point of allocations) {
      for (const crashAt of [point, point + 1]) {
        const fs = new MemoryFileSystem({ crashAt });
        const opened = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet }).catch(() => undefined);
        const r = opened === undefined ? { acked: 0, issued: 0 } : await drive(opened.wal, script, 2);
        const { recovered } = await WriteAheadLog.open({ fs: fs.afterCrash("sectors", crashAt), dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet });
        expect(matchesPrefix(fromRecovered(recovered), states, r.acked, r.issued), `crash at ${crashAt}`).toBeTypeOf("number");
      }
    }
  });

  it("a full disk while preallocating the next segment stops the log with a clear no-space error; nothing acknowledged is lost", async () => {
    const clean = new MemoryFileSystem();
    const { wal: w } = await WriteAheadLog.open({ fs: clean, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet });
    await drive(w, script, 1);
    await w.close();
    const second = clean.trace.filter((t) => t.split(" ")[1] === "allocate")[1]!;
    const fs = new MemoryFileSystem({ noSpaceAt: Number(second.split(" ")[0]) });
    const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet });
    const r = await drive(wal, script, 1);
    expect(r.acked).toBeGreaterThan(0);
    expect(r.acked).toBeLessThan(script.length);
    expect(r.error).toBeInstanceOf(StorageError);
    expect((r.error as StorageError).code).toBe("no-space");
    expect((r.error as StorageError).message).toMatch(/preallocating .*0000000000000001\.wal\.tmp.*ENOSPC/);
    await wal.close();
    const { recovered } = await WriteAheadLog.open({ fs: fs.afterCrash("lose"), dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: quiet });
    expect(matchesPrefix(fromRecovered(recovered), states, r.acked, r.acked)).toBe(r.acked);
  });

  it("on the real file system a segment is preallocated to its size, the next one is prepared, and close removes it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-prealloc-"));
    dirs.push(dir);
    const size = 64 * 1024;
    const { wal } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft", segmentBytes: size, log: quiet });
    const r = await drive(wal, script, 2);
    expect(r.error).toBeUndefined();
    expect((await stat(join(dir, segmentName(0)))).size).toBe(size);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await readdir(dir)).filter((n) => n.endsWith(".wal.tmp"))).toEqual([`${segmentName(1)}.tmp`]);
    await wal.close();
    expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    const { wal: again, recovered } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft", segmentBytes: size, log: quiet });
    await again.close();
    expect(matchesPrefix(fromRecovered(recovered), states, script.length, script.length)).toBe(script.length);
    expect((await stat(join(dir, segmentName(0)))).size).toBe(size);
  });
});
