/**
 * Damage that is not a crash: bit flips in the tail (cut off and logged) and before it (refused, naming file and
 * offset), lost segments, terms going backwards, a full disk, the wrong vocabulary. Group-commit counters.
 */
import { describe, expect, it } from "vitest";
import { readRecord } from "../../src/adapters/storage/format.js";
import { encodeBatch, encodeStateFile, endOfData, segmentName } from "../../src/adapters/storage/format.js";
import { MemoryFileSystem, StorageError, WriteAheadLog, type WalOp } from "../../src/adapters/storage/index.js";
import { fromRecovered, matchesPrefix } from "./model.js";
import { drive, prefixStates, randomScript } from "./script.js";

const DIR = "/data";
const SEG = 900;

async function written(script: WalOp[][], segmentBytes = SEG): Promise<{ fs: MemoryFileSystem; batches: number }> {
  const fs = new MemoryFileSystem();
  const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes, log: () => undefined });
  const r = await drive(wal, script, 1);
  expect(r.error).toBeUndefined();
  const batches = wal.stats().batches;
  await wal.close();
  return { fs, batches };
}

async function reopen(fs: MemoryFileSystem, lines: string[] = []) {
  return WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEG, log: (l) => lines.push(l) });
}

async function refusal(fs: MemoryFileSystem): Promise<StorageError> {
  const e = await reopen(fs).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StorageError);
  return e as StorageError;
}

/** Start offsets of the batches in a segment (parsed with the format's own reader). */
function batchOffsets(bytes: Uint8Array): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = (readRecord(bytes, 0) as { end: number }).end;
  while (at < endOfData(bytes)) {
    const r = readRecord(bytes, at);
    if (r.kind !== "ok" || r.record.type !== "batch") throw new Error("unparseable test segment");
    out.push({ start: at, end: r.end + r.record.length });
    at = r.end + r.record.length;
  }
  return out;
}

const segments = (fs: MemoryFileSystem): string[] =>
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((s) => `${DIR}/${segmentName(s)}`).filter((p) => fs.peek(p) !== undefined);

const flip = (bit: number) => (b: number) => b ^ (1 << bit);

describe("bit flips", () => {
  const script = randomScript(3, 50, 40, false);
  const states = prefixStates(script);

  it("a flip anywhere in the last batch cuts that batch off, logs it, and keeps every earlier write", async () => {
    const base = await written(script);
    const last = segments(base.fs).at(-1)!;
    const { start, end } = batchOffsets(base.fs.peek(last)!).at(-1)!;
    for (let off = start; off < end; off += 3) {
      const { fs } = await written(script);
      fs.corrupt(last, off, flip(off % 8));
      const lines: string[] = [];
      const { recovered } = await reopen(fs, lines);
      expect(matchesPrefix(fromRecovered(recovered), states, script.length - 1, script.length - 1), `flip at ${off}`).toBe(script.length - 1);
      expect(lines.join("\n")).toMatch(new RegExp(`${last}: torn tail cut at offset ${start}`));
      // The cut is durable: a second restart finds the same log and logs nothing.
      const again: string[] = [];
      await reopen(fs, again);
      expect(again).toEqual([]);
    }
  });

  it("a flip in an earlier batch of the last segment refuses to start, naming the file and the offset", async () => {
    const base = await written(script);
    const last = segments(base.fs).at(-1)!;
    const batches = batchOffsets(base.fs.peek(last)!);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches.slice(0, -1)) {
      const { fs } = await written(script);
      fs.corrupt(last, b.end - 1, flip(2));
      const e = await refusal(fs);
      expect(e.code).toBe("corrupt-record");
      expect(e.file).toBe(last.slice(DIR.length + 1));
      expect(e.offset).toBeGreaterThanOrEqual(b.start);
      expect(e.offset).toBeLessThan(b.end);
      expect(e.message).toContain(`at offset ${e.offset}`);
    }
  });

  it("a flip in an older segment (batch or header) refuses to start", async () => {
    const base = await written(script);
    const segs = segments(base.fs);
    expect(segs.length).toBeGreaterThan(2);
    for (const [seg, off] of [[segs[0]!, 3], [segs[1]!, 40], [segs[0]!, base.fs.peek(segs[0]!)!.length - 1]] as const) {
      const { fs } = await written(script);
      fs.corrupt(seg, off, flip(0));
      const e = await refusal(fs);
      expect(e.code).toBe("corrupt-record");
      expect(e.file).toBe(seg.slice(DIR.length + 1));
    }
  });

  it("a flip in the hard-state file refuses to start", async () => {
    const { fs } = await written(script);
    fs.corrupt(`${DIR}/state`, 9, flip(5));
    const e = await refusal(fs);
    expect([e.code, e.file]).toEqual(["corrupt-file", "state"]);
  });

  it("a flip in the snapshot file refuses to start", async () => {
    const withSnap: WalOp[][] = [
      [{ type: "state", term: 1, payload: new Uint8Array([1]) }, { type: "entries", entries: [1, 2, 3].map((i) => ({ index: i, term: 1, payload: new Uint8Array([i]) })) }],
      [{ type: "snapshot", index: 2, term: 1, retention: "matching", payload: new Uint8Array(50).fill(7) }],
    ];
    const { fs } = await written(withSnap);
    const name = "snap-0000000000000002-0000000000000001.snap";
    fs.corrupt(`${DIR}/${name}`, 30, flip(1));
    const e = await refusal(fs);
    expect([e.code, e.file]).toEqual(["corrupt-file", name]);
  });
});

describe("missing segments and terms going backwards", () => {
  const script = randomScript(4, 50, 40, false);

  it("a missing middle segment refuses to start", async () => {
    const { fs } = await written(script);
    const segs = segments(fs);
    fs.remove(segs[1]!);
    const e = await refusal(fs);
    expect(e.code).toBe("missing-segment");
    expect(e.message).toContain("segment 1 is missing");
  });

  it("a missing first segment refuses to start (no snapshot covers its entries)", async () => {
    const { fs } = await written(script);
    fs.remove(segments(fs)[0]!);
    expect((await refusal(fs)).code).toBe("missing-segment");
  });

  it("an entry whose term goes backwards refuses to start, naming file and offset", async () => {
    const { fs } = await written(script);
    const last = segments(fs).at(-1)!;
    const before = endOfData(fs.peek(last)!);
    const lastBatch = readRecord(fs.peek(last)!, batchOffsets(fs.peek(last)!).at(-1)!.start);
    const seq = lastBatch.kind === "ok" && lastBatch.record.type === "batch" ? lastBatch.record.seq + 1 : -1;
    const { recovered } = await reopen(fs);
    const tail = recovered.entries.at(-1)!;
    expect(tail.term).toBeGreaterThan(1);
    const h = await fs.openAt(last, endOfData(fs.peek(last)!));
    await h.append(encodeBatch(seq, [{ type: "entry", index: tail.index + 1, term: tail.term - 1, payload: new Uint8Array(1) }]));
    await h.datasync();
    const e = await refusal(fs);
    expect([e.code, e.file]).toEqual(["term-regression", last.slice(DIR.length + 1)]);
    expect(e.offset).toBeGreaterThan(before);
  });

  it("a hard state whose term is below the log's refuses to start", async () => {
    const { fs } = await written(script);
    const h = await fs.openAppend(`${DIR}/state`, true);
    await h.append(encodeStateFile({ vocabulary: "raft", term: 0, payload: new Uint8Array([0]) }));
    await h.datasync();
    const e = await refusal(fs);
    expect([e.code, e.file]).toEqual(["term-regression", "state"]);
  });

  it("a directory written by the other vocabulary refuses to start", async () => {
    const { fs } = await written(script);
    const e = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "kraft" }).catch((x: unknown) => x);
    expect((e as StorageError).code).toBe("wrong-format");
  });
});

describe("a full disk", () => {
  const script = randomScript(6, 40);
  const states = prefixStates(script);

  it("fails the write with no-space, refuses later writes, and a restart holds exactly the acknowledged writes", async () => {
    const clean = new MemoryFileSystem();
    const { wal: w0 } = await WriteAheadLog.open({ fs: clean, dir: DIR, vocabulary: "raft", log: () => undefined });
    await drive(w0, script, 1);
    const appends = clean.trace.filter((t) => / append .*\.wal$/.test(t)).map((t) => Number(t.split(" ")[0]));
    expect(appends.length).toBeGreaterThan(10);
    for (const point of [appends[3]!, appends[10]!, appends.at(-1)!]) {
      const fs = new MemoryFileSystem({ noSpaceAt: point });
      const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", log: () => undefined });
      const r = await drive(wal, script, 1);
      expect((r.error as StorageError).code).toBe("no-space");
      expect(wal.failure?.code).toBe("no-space");
      await expect(wal.append([{ type: "commit", index: 0 }])).rejects.toMatchObject({ code: "no-space" });
      await wal.close();
      // Stop cleanly and restart on the same disk (the half-written batch is the torn tail)...
      const lines: string[] = [];
      const { recovered } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", log: (l) => lines.push(l) });
      // The log holds exactly the acknowledged writes; the hard-state file may hold the failed write's (it goes first).
      expect(matchesPrefix(fromRecovered(recovered), states, r.acked, r.issued)).toBe(r.acked);
      expect(lines.join("\n")).toContain("torn tail");
      // ...or after a power failure.
      const { recovered: afterCrash } = await WriteAheadLog.open({ fs: fs.afterCrash("lose"), dir: DIR, vocabulary: "raft", log: () => undefined });
      expect(matchesPrefix(fromRecovered(afterCrash), states, r.acked, r.issued)).toBe(r.acked);
    }
  });
});

describe("group commit", () => {
  const writes = (n: number): WalOp[][] => [
    [{ type: "state", term: 1, payload: new Uint8Array([1]) }],
    ...Array.from({ length: n - 1 }, (_, k): WalOp[] => [{ type: "entries", entries: [{ index: k + 1, term: 1, payload: new Uint8Array(10) }] }]),
  ];

  it("writes issued together share one fdatasync, and the histogram counts the batch", async () => {
    const { wal } = await WriteAheadLog.open({ fs: new MemoryFileSystem(), dir: DIR, vocabulary: "raft" });
    await Promise.all(writes(10).map((w) => wal.append(w)));
    const s = wal.stats();
    expect([s.writes, s.batches, s.walSyncs, s.maxBatch]).toEqual([10, 1, 1, 10]);
    expect(s.batchSizes[4]).toBe(1); // (8, 16]
  });

  it("writes issued while an fdatasync runs join the next batch", async () => {
    const { wal } = await WriteAheadLog.open({ fs: new MemoryFileSystem(), dir: DIR, vocabulary: "raft" });
    const ws = writes(9);
    const first = wal.append(ws[0]!);
    await Promise.resolve();
    await Promise.resolve();
    const rest = ws.slice(1).map((w) => wal.append(w));
    await Promise.all([first, ...rest]);
    expect(wal.stats().batches).toBe(2);
    expect(wal.stats().maxBatch).toBe(8);
  });

  it("without group commit every write has its own fdatasync", async () => {
    const { wal } = await WriteAheadLog.open({ fs: new MemoryFileSystem(), dir: DIR, vocabulary: "raft", groupCommit: false });
    await Promise.all(writes(10).map((w) => wal.append(w)));
    // The first write holds only a hard state: it syncs the hard-state file, not the segment.
    expect([wal.stats().batches, wal.stats().walSyncs, wal.stats().batchSizes[0]]).toEqual([10, 9, 10]);
  });

  it("acknowledges each write with the log's position after it", async () => {
    const { wal } = await WriteAheadLog.open({ fs: new MemoryFileSystem(), dir: DIR, vocabulary: "raft" });
    const acks = await Promise.all(writes(4).map((w) => wal.append(w)));
    expect(acks.map((a) => [a.lastIndex, a.lastTerm])).toEqual([[0, 0], [1, 1], [2, 1], [3, 1]]);
  });

  it("refuses an invalid write with a typed error before touching the disk", async () => {
    const fs = new MemoryFileSystem();
    const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft" });
    const points = fs.points;
    await expect(wal.append([{ type: "entries", entries: [{ index: 5, term: 0, payload: new Uint8Array(0) }] }])).rejects.toMatchObject({ code: "invalid-write" });
    expect(fs.points).toBe(points);
  });
});

describe("invalid writes", () => {
  it("refuses non-contiguous entries, a truncation into the snapshot and overwriting committed entries", async () => {
    const e = (index: number, term = 1) => ({ index, term, payload: new Uint8Array(1) });
    const setup: WalOp[] = [{ type: "state", term: 2, payload: new Uint8Array(1) }, { type: "entries", entries: [e(1), e(2), e(3), e(4)] }, { type: "commit", index: 3 }, { type: "snapshot", index: 2, term: 1, retention: "matching", payload: new Uint8Array(1) }];
    for (const [ops, why] of [
      [[{ type: "entries", entries: [e(5), e(7)] }], /contiguous/],
      [[{ type: "truncate", from: 2 }], /into the snapshot/],
      [[{ type: "entries", entries: [e(3, 2)] }], /committed entries/],
      [[{ type: "truncate", from: 3 }], /committed entries/],
      [[{ type: "entries", entries: [e(5, 3)] }], /above the hard state's term/],
      [[{ type: "state", term: 1, payload: new Uint8Array(1) }], /goes backwards/],
    ] as [WalOp[], RegExp][]) {
      const { wal } = await WriteAheadLog.open({ fs: new MemoryFileSystem(), dir: DIR, vocabulary: "raft" });
      await wal.append(setup);
      await expect(wal.append(ops)).rejects.toThrow(why);
      expect(wal.failure?.code).toBe("invalid-write");
    }
  });

  it("accepts a leader's snapshot that replaces committed entries (truncate + snapshot in one write)", async () => {
    const { wal } = await WriteAheadLog.open({ fs: new MemoryFileSystem(), dir: DIR, vocabulary: "raft" });
    await wal.append([{ type: "state", term: 2, payload: new Uint8Array(1) }, { type: "entries", entries: [1, 2, 3].map((i) => ({ index: i, term: 1, payload: new Uint8Array(1) })) }, { type: "commit", index: 3 }]);
    const pos = await wal.append([{ type: "truncate", from: 1 }, { type: "snapshot", index: 10, term: 2, retention: "matching", payload: new Uint8Array(1) }]);
    expect([pos.snapIndex, pos.lastIndex, pos.commit]).toEqual([10, 10, 10]);
  });
});

describe("compaction and closing", () => {
  it("a snapshot removes the segments wholly below it and the previous snapshot file; a restart finds the same log", async () => {
    const fs = new MemoryFileSystem();
    const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: 300 });
    await wal.append([{ type: "state", term: 1, payload: new Uint8Array(1) }]);
    for (let i = 1; i <= 60; i++) await wal.append([{ type: "entries", entries: [{ index: i, term: 1, payload: new Uint8Array(20).fill(i) }] }, { type: "commit", index: i }]);
    const before = wal.stats().segments;
    expect(before).toBeGreaterThan(5);
    await wal.append([{ type: "snapshot", index: 20, term: 1, retention: "matching", payload: Uint8Array.of(1) }]);
    await wal.append([{ type: "snapshot", index: 50, term: 1, retention: "matching", payload: Uint8Array.of(2) }]);
    const after = wal.stats().segments;
    expect(after).toBeLessThan(before);
    expect((await fs.list(DIR)).filter((n) => n.endsWith(".snap"))).toEqual(["snap-0000000000000032-0000000000000001.snap"]);
    await wal.close();
    await expect(wal.append([{ type: "commit", index: 60 }])).rejects.toMatchObject({ code: "closed" });
    const { recovered } = await WriteAheadLog.open({ fs: fs.afterCrash("lose"), dir: DIR, vocabulary: "raft", segmentBytes: 300 });
    expect(recovered.snapshot).toMatchObject({ index: 50, term: 1, payload: Uint8Array.of(2) });
    expect(recovered.entries.map((e) => e.index)).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
    expect(recovered.commit).toBe(60);
  });
});
