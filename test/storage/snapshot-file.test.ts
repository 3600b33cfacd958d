/**
 * Snapshot (and hard-state) files written as parts, `[head, ...payload]`, so that a snapshot's payload (whole, or
 * in the parts it came in) is never copied into a file-sized buffer. The parts must concatenate to exactly the single-buffer encoding of before
 * (pinned bytes, and a frame built here by hand with `crc32c` over the whole body); the log must write them one
 * after the other, and a file cut anywhere across both parts, or with a mutant head, must be refused on restart.
 * A crash at every fault point of runs that write multi-sector snapshots (in their batch and in the background),
 * in every tear mode, must restart to an issued prefix holding every acknowledged write.
 */
import { crc32c } from "@node-rs/crc32";
import { describe, expect, it } from "vitest";
import { Prng } from "../../src/adapters/simulator/prng.js";
import { decodeSnapshotFile, encodeSnapshotFile, encodeStateFile, snapshotFileParts, stateFileParts, type SnapshotFile } from "../../src/adapters/storage/format.js";
import { unwritten } from "../../src/adapters/storage/fs.js";
import { MemoryFileSystem, StorageError, WriteAheadLog, type TearMode, type WalOp } from "../../src/adapters/storage/index.js";
import { fallbackLogs, fromRecovered, matchesPrefix, matchesPrefixOrFallback } from "./model.js";
import { drive, prefixStates } from "./script.js";

const DIR = "/data";
const quiet = (): void => undefined;
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
const concat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const seeded = (seed: number, n: number): Uint8Array => {
  const rng = new Prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() & 0xff;
  return out;
};

/** LEB128, written here from its definition (not with the codec under test). */
function leb128(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

/** The snapshot file as docs/runtime.md lays it out: magic "QSNP", then one frame `len, CRC32C(body), body`. */
function expectedSnapshotFile(s: SnapshotFile): Uint8Array {
  const vocabulary = [...Buffer.from(s.vocabulary, "utf8")];
  const fields = Uint8Array.from([8, 1, ...leb128(vocabulary.length), ...vocabulary, ...leb128(s.index), ...leb128(s.term)]);
  const body = concat([fields, s.payload]);
  return concat([Uint8Array.from([0x51, 0x53, 0x4e, 0x50, ...u32le(body.length), ...u32le(crc32c(body))]), body]);
}

describe("snapshot file parts: the same bytes as the single-buffer encoding", () => {
  it("concatenate to the bytes the single-buffer encoder wrote (pinned, from commit f88572f)", () => {
    const pinned: [SnapshotFile, string][] = [
      [{ vocabulary: "raft", index: 2, term: 1, payload: Uint8Array.of(7, 7, 7) }, "51534e500c000000e58a5e50080104726166740201070707"],
      [{ vocabulary: "kraft", index: 300, term: 2 ** 40, payload: new Uint8Array(0) }, "51534e5010000000737292fe0801056b72616674ac02808080808020"],
    ];
    for (const [s, bytes] of pinned) {
      expect(hex(concat(snapshotFileParts(s)))).toBe(bytes);
      expect(hex(encodeSnapshotFile(s))).toBe(bytes);
    }
    const state = { vocabulary: "raft", term: 5, payload: Uint8Array.of(1, 2) };
    expect(hex(concat(stateFileParts(state)))).toBe("514853540a0000000e81a9b907010472616674050102");
    expect(hex(encodeStateFile(state))).toBe("514853540a0000000e81a9b907010472616674050102");
  });

  it("concatenate to a frame built by hand, CRC32C over the whole body, for payloads of every size", () => {
    const cases: SnapshotFile[] = [
      { vocabulary: "raft", index: 1, term: 0, payload: new Uint8Array(0) },
      { vocabulary: "raft", index: 127, term: 128, payload: Uint8Array.of(0) },
      { vocabulary: "kraft", index: 2 ** 53 - 1, term: 2 ** 31, payload: seeded(1, 511) },
      { vocabulary: "raft", index: 55_000, term: 3, payload: seeded(2, 512) },
      { vocabulary: "kraft", index: 16_384, term: 7, payload: seeded(3, 513) },
      { vocabulary: "zk-ensemble", index: 9, term: 9, payload: seeded(4, 1 << 20) },
    ];
    for (const s of cases) {
      const expected = expectedSnapshotFile(s);
      const parts = snapshotFileParts(s);
      expect(Buffer.compare(concat(parts), expected), `payload of ${s.payload.length} bytes`).toBe(0);
      expect(Buffer.compare(encodeSnapshotFile(s), expected), `payload of ${s.payload.length} bytes`).toBe(0);
      const decoded = decodeSnapshotFile(concat(parts));
      if (typeof decoded === "string") throw new Error(decoded);
      expect([decoded.vocabulary, decoded.index, decoded.term]).toEqual([s.vocabulary, s.index, s.term]);
      expect(Buffer.compare(decoded.payload, s.payload)).toBe(0);
    }
  });

  it("of a payload in parts hold those parts (not copies) and concatenate to the file of the whole payload", () => {
    const whole = seeded(7, 3000);
    const splits: number[][] = [[0], [1], [1000], [2999], [0, 0], [17, 1500], [512, 1024, 2048]];
    for (const cuts of splits) {
      const bounds = [0, ...cuts, whole.length];
      const payload = cuts.map((_, k) => whole.subarray(bounds[k]!, bounds[k + 1]!)).concat([whole.subarray(bounds[cuts.length]!)]);
      const s = { vocabulary: "raft", index: 5, term: 2, payload };
      const parts = snapshotFileParts(s);
      expect(parts.length, `cuts ${cuts}`).toBe(1 + payload.length);
      payload.forEach((p, k) => expect(parts[k + 1]).toBe(p));
      const expected = expectedSnapshotFile({ ...s, payload: whole });
      expect(Buffer.compare(concat(parts), expected), `cuts ${cuts}`).toBe(0);
      expect(Buffer.compare(encodeSnapshotFile(s), expected), `cuts ${cuts}`).toBe(0);
    }
  });

  it("a CRC32C not continued over every part of the payload is caught (mutant kept as a test)", () => {
    const a = seeded(8, 700);
    const b = seeded(9, 900);
    const s = { vocabulary: "raft", index: 5, term: 2, payload: [a, b] };
    const parts = snapshotFileParts(s);
    const head = parts[0].slice();
    head.set(u32le(crc32c(a, crc32c(head.subarray(12)))), 8); // the CRC over the fields and the first part only
    const mutant = concat([head, a, b]);
    expect(Buffer.compare(mutant, expectedSnapshotFile({ ...s, payload: concat([a, b]) }))).not.toBe(0);
    expect(decodeSnapshotFile(mutant)).toBe("snapshot file: CRC32C mismatch");
  });

  it("hold the payload itself (not a copy) and a head of everything before it", () => {
    const payload = seeded(5, 4096);
    const [head, body] = snapshotFileParts({ vocabulary: "raft", index: 40, term: 2, payload });
    expect(body).toBe(payload);
    expect(head.length).toBe(4 + 8 + 1 + 1 + 1 + 4 + 1 + 1);
  });
});

/**
 * Mutants of the head (kept as tests: each must be caught). `payload-only-crc`: the CRC32C computed over the
 * payload alone; `fields-only-crc`: over the fields alone (the running CRC not continued); `fields-only-length`:
 * the frame length without the payload's.
 */
type Mutant = "payload-only-crc" | "fields-only-crc" | "fields-only-length";
const MUTANTS: readonly Mutant[] = ["payload-only-crc", "fields-only-crc", "fields-only-length"];

function mutantFile(s: SnapshotFile, mutant: Mutant): Uint8Array {
  const payload = s.payload;
  const head = snapshotFileParts(s)[0].slice();
  const fields = head.subarray(12);
  if (mutant === "payload-only-crc") head.set(u32le(crc32c(payload)), 8);
  if (mutant === "fields-only-crc") head.set(u32le(crc32c(fields)), 8);
  if (mutant === "fields-only-length") head.set(u32le(fields.length), 4);
  return concat([head, payload]);
}

const SNAP_NAME = "snap-0000000000000002-0000000000000001.snap";
const SNAP: SnapshotFile = { vocabulary: "raft", index: 2, term: 1, payload: seeded(6, 2000) };

/** A log on a memory disk whose durable snapshot is {@link SNAP}, closed. */
async function logWithSnapshot(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: 4096, log: quiet });
  await wal.append([{ type: "state", term: 1, payload: Uint8Array.of(1) }, { type: "entries", entries: [1, 2, 3].map((i) => ({ index: i, term: 1, payload: Uint8Array.of(i) })) }]);
  await wal.append([{ type: "snapshot", index: SNAP.index, term: SNAP.term, retention: "matching", payload: SNAP.payload }]);
  await wal.close();
  return fs;
}

/** Replaces the snapshot file's bytes durably by `bytes` (equal length or shorter). */
async function overwrite(fs: MemoryFileSystem, bytes: Uint8Array): Promise<void> {
  const path = `${DIR}/${SNAP_NAME}`;
  await fs.truncate(path, bytes.length);
  for (let i = 0; i < bytes.length; i++) if (fs.peek(path)![i] !== bytes[i]) fs.corrupt(path, i, () => bytes[i]!);
}

async function refusal(fs: MemoryFileSystem): Promise<unknown> {
  return WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: 4096, log: quiet }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("snapshot file parts: the log writes them, a restart checks them", () => {
  it("the log writes the two parts one after the other into the temp file, and recovers the snapshot", async () => {
    const fs = await logWithSnapshot();
    expect(fs.trace.filter((t) => / append .*\.snap\.tmp$/.test(t))).toHaveLength(2);
    expect(Buffer.compare(fs.peek(`${DIR}/${SNAP_NAME}`)!, expectedSnapshotFile(SNAP))).toBe(0);
    const { recovered, wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: 4096, log: quiet });
    await wal.close();
    expect(recovered.snapshot).toEqual({ index: SNAP.index, term: SNAP.term, payload: SNAP.payload });
  });

  it("a payload in parts is written part after part and recovered whole", async () => {
    const fs = new MemoryFileSystem();
    const { wal } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: 4096, log: quiet });
    await wal.append([{ type: "state", term: 1, payload: Uint8Array.of(1) }, { type: "entries", entries: [1, 2, 3].map((i) => ({ index: i, term: 1, payload: Uint8Array.of(i) })) }]);
    const payload = [SNAP.payload.subarray(0, 10), SNAP.payload.subarray(10, 1200), SNAP.payload.subarray(1200)];
    await wal.append([{ type: "snapshot", index: SNAP.index, term: SNAP.term, retention: "matching", payload }]);
    await wal.close();
    expect(fs.trace.filter((t) => / append .*\.snap\.tmp$/.test(t))).toHaveLength(4);
    expect(Buffer.compare(fs.peek(`${DIR}/${SNAP_NAME}`)!, expectedSnapshotFile(SNAP))).toBe(0);
    const { recovered, wal: again } = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: 4096, log: quiet });
    await again.close();
    expect(recovered.snapshot).toEqual({ index: SNAP.index, term: SNAP.term, payload: SNAP.payload });
  });

  for (const mutant of MUTANTS) {
    it(`a mutant head (${mutant}) differs from the frame built by hand and is refused on restart (the checks have teeth)`, async () => {
      const bytes = mutantFile(SNAP, mutant);
      expect(Buffer.compare(bytes, expectedSnapshotFile(SNAP))).not.toBe(0);
      expect(typeof decodeSnapshotFile(bytes)).toBe("string");
      const fs = await logWithSnapshot();
      await overwrite(fs, bytes);
      const e = await refusal(fs);
      expect(e).toBeInstanceOf(StorageError);
      expect([(e as StorageError).code, (e as StorageError).file]).toEqual(["corrupt-file", SNAP_NAME]);
    });
  }

  it("a snapshot file cut anywhere across the two parts is refused on restart", async () => {
    const whole = expectedSnapshotFile(SNAP);
    const head = snapshotFileParts(SNAP)[0].length;
    for (const cut of [0, 3, 4, 8, 11, 12, head - 1, head, head + 1, head + 1000, whole.length - 1]) {
      expect(typeof decodeSnapshotFile(whole.subarray(0, cut)), `cut at ${cut}`).toBe("string");
      const fs = await logWithSnapshot();
      await overwrite(fs, whole.subarray(0, cut));
      const e = await refusal(fs);
      expect(e, `cut at ${cut}`).toBeInstanceOf(StorageError);
      expect([(e as StorageError).code, (e as StorageError).file], `cut at ${cut}`).toEqual(["corrupt-file", SNAP_NAME]);
    }
  });

  it("the memory disk tears an unsynced two-part write anywhere: in the head, at the seam, in the payload", async () => {
    const parts = snapshotFileParts(SNAP);
    const lengths = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const fs = new MemoryFileSystem();
      const h = await fs.openAppend(`${DIR}/f`, true);
      await fs.syncDir(DIR);
      for (const p of parts) await h.append(p);
      fs.crashNow();
      const left = (await fs.afterCrash("prefix", seed).readFile(`${DIR}/f`)).length;
      expect(Buffer.compare(fs.peek(`${DIR}/f`)!.subarray(0, left), concat(parts).subarray(0, left))).toBe(0);
      lengths.add(left < parts[0].length ? "head" : left === parts[0].length ? "seam" : left < SNAP.payload.length + parts[0].length ? "payload" : "whole");
    }
    expect(lengths.has("head")).toBe(true);
    expect(lengths.has("payload")).toBe(true);
  });
});

describe("crash at every fault point of runs with multi-sector snapshots (seeded; replay: npx vitest run test/storage/snapshot-file.test.ts)", () => {
  const SEGMENT_BYTES = 3000;
  const entries = (from: number, n: number): WalOp => ({ type: "entries", entries: Array.from({ length: n }, (_, k) => ({ index: from + k, term: 1, payload: seeded(from + k, 40) })) });
  /** Appends and commits, a snapshot of 1,500–2,500 bytes every few writes (some a leader's, beyond the log; some in parts). */
  const script: WalOp[][] = [[{ type: "state", term: 1, payload: Uint8Array.of(1) }]];
  let last = 0;
  for (let w = 1; w <= 24; w++) {
    script.push([entries(last + 1, 2), { type: "commit", index: last + 2 }]);
    last += 2;
    if (w % 4 === 0) {
      const payload = seeded(100 + w, 1500 + 40 * w);
      // Every other one in two parts (a configuration's few bytes, then the data), as RaftStorage writes them.
      script.push([{ type: "snapshot", index: last - 1, term: 1, retention: "matching", payload: w % 8 === 0 ? [payload.subarray(0, 9), payload.subarray(9)] : payload }]);
    }
    if (w % 10 === 0) {
      last += 2;
      script.push([{ type: "snapshot", index: last, term: 1, retention: "matching", payload: seeded(200 + w, 2500) }]);
    }
  }

  async function run(fs: MemoryFileSystem, background: boolean): Promise<{ acked: number; issued: number }> {
    const opened = await WriteAheadLog.open({ fs, dir: DIR, vocabulary: "raft", segmentBytes: SEGMENT_BYTES, log: quiet, backgroundSnapshots: background }).catch(() => undefined);
    if (opened === undefined) return { acked: 0, issued: 0 };
    const r = await drive(opened.wal, script, 2);
    await opened.wal.close().catch(() => undefined);
    return { acked: r.acked, issued: r.issued };
  }

  for (const background of [false, true]) {
    for (const mode of ["lose", "prefix", "sectors"] as TearMode[]) {
      it(`every restart holds an issued prefix with every acknowledged write (${background ? "background" : "in-batch"} snapshots, tear mode ${mode})`, async () => {
        const clean = new MemoryFileSystem();
        await run(clean, background);
        const files = clean.trace.filter((t) => / create .*\.snap\.tmp$/.test(t)).length;
        expect(files).toBeGreaterThanOrEqual(5);
        expect(clean.points).toBeGreaterThan(60); // the crash points walked below
        expect(clean.trace.filter((t) => / append .*\.snap\.tmp$/.test(t)).length).toBeGreaterThan(2 * files); // a head and the payload's parts per file
        const states = prefixStates(script);
        const fallbacks = fallbackLogs(script);
        const failures: string[] = [];
        for (let p = 1; p <= clean.points + 1; p++) {
          const fs = new MemoryFileSystem({ crashAt: p });
          const { acked, issued } = await run(fs, background);
          let recovered;
          try {
            recovered = (await WriteAheadLog.open({ fs: fs.afterCrash(mode, p), dir: DIR, vocabulary: "raft", segmentBytes: SEGMENT_BYTES, log: quiet, backgroundSnapshots: background })).recovered;
          } catch (e) {
            failures.push(`restart refused after crash at point ${p} (${fs.trace[p - 1]}): ${String(e)}`);
            continue;
          }
          const got = fromRecovered(recovered);
          const k = background ? matchesPrefixOrFallback(got, states, fallbacks, acked, issued) : matchesPrefix(got, states, acked, issued);
          if (typeof k !== "number") failures.push(`crash at point ${p} (${fs.trace[p - 1]}): ${k}`);
        }
        expect(failures, `tear seed = crash point; mode ${mode}`).toEqual([]);
      });
    }
  }
});

describe("a partial write of several chunks", () => {
  it("leaves the unwritten rest: later chunks whole, the first one reached cut (a view)", () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = Uint8Array.of(4, 5, 6, 7, 8);
    const empty = new Uint8Array(0);
    const rest = (chunks: Uint8Array[], n: number): number[][] => unwritten(chunks, n).map((c) => [...c]);
    expect(rest([a, b], 0)).toEqual([[1, 2, 3], [4, 5, 6, 7, 8]]);
    expect(rest([a, b], 2)).toEqual([[3], [4, 5, 6, 7, 8]]);
    expect(rest([a, b], 3)).toEqual([[4, 5, 6, 7, 8]]);
    expect(rest([a, empty, b], 3)).toEqual([[4, 5, 6, 7, 8]]);
    expect(rest([a, b], 4)).toEqual([[5, 6, 7, 8]]);
    expect(rest([a, b], 8)).toEqual([]);
    expect(rest([empty], 0)).toEqual([]);
    expect(unwritten([a, b], 4)[0]!.buffer).toBe(b.buffer);
  });
});
