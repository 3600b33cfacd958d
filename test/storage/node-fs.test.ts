/**
 * The real `node:fs` file system under the log (temp directory), and the lose-unsynced wrapper: unsynced appends
 * stay in process memory, so abandoning the process (kill -9) loses exactly them.
 */
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryFileSystem, RaftStorage, WriteAheadLog, loseUnsynced, nodeFileSystem } from "../../src/adapters/storage/index.js";
import { fromRecovered, matchesPrefix } from "./model.js";
import { drive, prefixStates, randomScript } from "./script.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("on the real file system", () => {
  it("a small synced append into a preallocated segment writes a page to the disk, not a large folio", async () => {
    // Linux sizes page-cache folios by the writes that create them and writes a dirty folio back whole: a
    // zero-fill in large writes made every small O_DSYNC append write up to 2 MiB (docs/runtime-log.md, "One client's
    // tail: what it is not, and the disk writes it was").
    const dir = await mkdtemp(join(tmpdir(), "quorate-prealloc-io-"));
    dirs.push(dir);
    const fs = nodeFileSystem();
    const path = join(dir, "segment");
    await fs.allocate(path, 4 * 1024 * 1024);
    const handle = await fs.openAt(path, 0);
    const diskWrites = async (): Promise<number> => Number(/^write_bytes: (\d+)$/m.exec(await readFile("/proc/self/io", "utf8"))![1]);
    const before = await diskWrites();
    const appends = 20;
    for (let i = 0; i < appends; i++) {
      await handle.append(new Uint8Array(230).fill(i + 1));
      await handle.datasync();
    }
    const perAppend = ((await diskWrites()) - before) / appends;
    await handle.close();
    expect(perAppend).toBeGreaterThan(0); // the appends did reach the disk
    expect(perAppend).toBeLessThanOrEqual(64 * 1024);
  });

  it("allocate writes the whole file as zeros (on the zero-fill worker), and empties a file that was there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-allocate-"));
    dirs.push(dir);
    const fs = nodeFileSystem();
    const path = join(dir, "segment");
    await writeFile(path, Buffer.alloc(70_000, 0x5a));
    // Two files at once, neither a multiple of a page: both come back whole.
    await Promise.all([fs.allocate(path, 3 * 4096 + 100), fs.allocate(join(dir, "other"), 10)]);
    const bytes = await readFile(path);
    expect(bytes.length).toBe(3 * 4096 + 100);
    expect(bytes.every((b) => b === 0)).toBe(true);
    expect([...(await readFile(join(dir, "other")))]).toEqual(new Array(10).fill(0));
  });

  it("allocate in a missing directory rejects with the system error, and the next allocate still works", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-allocate-"));
    dirs.push(dir);
    const fs = nodeFileSystem();
    await expect(fs.allocate(join(dir, "missing", "segment"), 4096)).rejects.toMatchObject({ code: "ENOENT" });
    await fs.allocate(join(dir, "segment"), 4096);
    expect((await readFile(join(dir, "segment"))).length).toBe(4096);
  });

  it("writes, rotates, compacts and recovers a random script exactly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-wal-"));
    dirs.push(dir);
    const script = randomScript(21, 120);
    const { wal } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft", segmentBytes: 1500 });
    const r = await drive(wal, script, 3);
    expect(r.error).toBeUndefined();
    const stats = wal.stats();
    await wal.close();
    expect(stats.walSyncs).toBeGreaterThan(10);
    const names = await readdir(dir);
    expect(names.filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(names.filter((n) => n.endsWith(".snap")).length).toBeLessThanOrEqual(1);
    const { recovered, wal: again } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft", segmentBytes: 1500 });
    await again.close();
    expect(matchesPrefix(fromRecovered(recovered), prefixStates(script), script.length, script.length)).toBe(script.length);
  });

  it("writes a multi-megabyte snapshot file as its two parts and recovers it, in its batch and in the background", async () => {
    const payload = new Uint8Array(3 * 1024 * 1024 + 7);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 2654435761) >>> 24;
    for (const backgroundSnapshots of [false, true]) {
      const dir = await mkdtemp(join(tmpdir(), "quorate-snap-"));
      dirs.push(dir);
      const { wal } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft", backgroundSnapshots });
      await wal.append([{ type: "state", term: 1, payload: Uint8Array.of(1) }, { type: "entries", entries: [1, 2, 3].map((i) => ({ index: i, term: 1, payload: Uint8Array.of(i) })) }, { type: "commit", index: 3 }]);
      await wal.append([{ type: "snapshot", index: 3, term: 1, retention: "matching", payload }]);
      await wal.close();
      const file = await readFile(join(dir, "snap-0000000000000003-0000000000000001.snap"));
      // magic, frame header, tag, version, "raft" with its length, index, term: 21 bytes before the payload
      expect(file.length).toBe(21 + payload.length);
      expect(Buffer.compare(file.subarray(21), payload)).toBe(0);
      const { recovered, wal: again } = await WriteAheadLog.open({ fs: nodeFileSystem(), dir, vocabulary: "raft" });
      await again.close();
      expect([recovered.snapshot?.index, recovered.snapshot?.term]).toEqual([3, 1]);
      expect(Buffer.compare(recovered.snapshot!.payload, payload)).toBe(0);
    }
  });

  it("a Raft storage directory round-trips hard state, entries and snapshot", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-raft-"));
    dirs.push(dir);
    const { storage, persisted } = await RaftStorage.open({ fs: nodeFileSystem(), dir });
    expect(persisted).toBeUndefined();
    const config = { voters: [1, 2, 3], votersOutgoing: [], learners: [4], learnersNext: [], autoLeave: false };
    const e = (index: number, term: number) => ({ index, term, kind: "normal" as const, data: Uint8Array.of(index, term) });
    expect(await storage.persist({ type: "persist", hardState: { term: 2, vote: 3, commit: 0 }, entries: [e(1, 1), e(2, 2), e(3, 2)] })).toEqual([{ type: "persisted", index: 3, term: 2 }]);
    expect(await storage.persist({ type: "persist", hardState: { term: 2, vote: 3, commit: 2 }, snapshot: { index: 2, term: 2, config, data: Uint8Array.of(9, 9) } })).toEqual([
      { type: "snapshot-persisted", index: 2, term: 2 },
      { type: "persisted", index: 3, term: 2 },
    ]);
    await storage.close();
    const reopened = await RaftStorage.open({ fs: nodeFileSystem(), dir });
    await reopened.storage.close();
    expect(reopened.persisted).toEqual({ hardState: { term: 2, vote: 3, commit: 2 }, snapshot: { index: 2, term: 2, config, data: Uint8Array.of(9, 9) }, entries: [e(3, 2)] });
  });
});

/** The open flags (octal, from /proc) of this process's descriptors of `path`. */
async function openFlags(path: string): Promise<number[]> {
  const flags: number[] = [];
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (target !== path) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
    const m = /^flags:\s+([0-7]+)$/m.exec(info);
    if (m !== null) flags.push(parseInt(m[1]!, 8));
  }
  return flags;
}

describe("a real append handle", () => {
  const O_DSYNC = 0o10000; // Linux x86-64 and arm64: the write returns once data and size are durable

  it("is opened O_DSYNC and writes what was appended at datasync, in one write, in order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-fs-"));
    dirs.push(dir);
    const path = join(dir, "f");
    const h = await nodeFileSystem().openAppend(path, true);
    const flags = await openFlags(path);
    expect(flags.length).toBe(1);
    expect(flags[0]! & O_DSYNC).toBe(O_DSYNC);
    await h.append(Uint8Array.of(1, 2));
    await h.append(Uint8Array.of(3));
    expect([...(await readFile(path))]).toEqual([]);
    await h.datasync();
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    await h.datasync(); // nothing pending
    await h.append(Uint8Array.of(4));
    await h.close(); // close writes what is pending (an O_DSYNC write)
    expect([...(await readFile(path))]).toEqual([1, 2, 3, 4]);
    const again = await nodeFileSystem().openAppend(path, false);
    await again.append(Uint8Array.of(5));
    await again.datasync();
    await again.close();
    expect([...(await readFile(path))]).toEqual([1, 2, 3, 4, 5]);
  });

  it("writes a large append 1 MiB per O_DSYNC write, its bytes in order", async () => {
    // One O_DSYNC write of a 63 MB snapshot held the log's own writes behind it for 300-700 ms (docs/zookeeper-bench.md).
    const dir = await mkdtemp(join(tmpdir(), "quorate-fs-"));
    dirs.push(dir);
    const path = join(dir, "f");
    const h = await nodeFileSystem().openAppend(path, true);
    const head = new Uint8Array(100).fill(7);
    const body = new Uint8Array(3.5 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    // syscw counts every write-like call of the process (the thread pool's wake-ups too): compare with a small append.
    const writeCalls = async (): Promise<number> => Number(/^syscw: (\d+)$/m.exec(await readFile("/proc/self/io", "utf8"))![1]);
    const callsOf = async (chunks: Uint8Array[]): Promise<number> => {
      for (const c of chunks) await h.append(c);
      const before = await writeCalls();
      await h.datasync();
      return (await writeCalls()) - before;
    };
    const small = await callsOf([head]);
    const large = await callsOf([head, body]);
    await h.close();
    expect(large - small, "3.5 MiB more need at least 3 more writes").toBeGreaterThanOrEqual(3);
    const written = await readFile(path);
    expect(written.length).toBe(2 * head.length + body.length);
    expect(Buffer.compare(written.subarray(0, 200), Buffer.from(new Uint8Array(200).fill(7)))).toBe(0);
    expect(Buffer.compare(written.subarray(200), Buffer.from(body))).toBe(0);
  });
});

describe("a Raft persist that only raises the commit index", () => {
  it("is not written on its own: no write, no acknowledgement; its commit index rides with the next write", async () => {
    const fs = new MemoryFileSystem();
    const { storage } = await RaftStorage.open({ fs, dir: "/d" });
    const e = (index: number) => ({ index, term: 1, kind: "normal" as const, data: Uint8Array.of(index) });
    await storage.persist({ type: "persist", hardState: { term: 1, vote: 1, commit: 0 }, entries: [e(1), e(2)] });
    const writes = storage.stats().writes;
    expect(await storage.persist({ type: "persist", hardState: { term: 1, vote: 1, commit: 2 } })).toEqual([]);
    expect(storage.stats().writes).toBe(writes);
    expect(await storage.persist({ type: "persist", entries: [e(3)] })).toEqual([{ type: "persisted", index: 3, term: 1 }]);
    await storage.close();
    const reopened = await RaftStorage.open({ fs, dir: "/d" });
    await reopened.storage.close();
    expect(reopened.persisted?.hardState).toEqual({ term: 1, vote: 1, commit: 2 });
    expect(reopened.persisted?.entries.map((x) => x.index)).toEqual([1, 2, 3]);
  });

  it("a persist that also changes the term or vote, or writes entries, is written and acknowledged as before", async () => {
    const fs = new MemoryFileSystem();
    const { storage } = await RaftStorage.open({ fs, dir: "/d" });
    expect(await storage.persist({ type: "persist", hardState: { term: 1, vote: 2, commit: 0 } })).toEqual([{ type: "persisted", index: 0, term: 0 }]);
    expect(storage.stats().writes).toBe(1);
  });
});

describe("lose-unsynced mode", () => {
  it("keeps appends in memory until fdatasync, so abandoning the process loses exactly the unsynced ones", async () => {
    const disk = new MemoryFileSystem();
    const fs = loseUnsynced(disk);
    await fs.mkdirp("/d");
    const h = await fs.openAppend("/d/f", true);
    await h.append(Uint8Array.of(1, 2));
    expect(disk.peek("/d/f")).toEqual(new Uint8Array(0));
    await h.datasync();
    expect(disk.peek("/d/f")).toEqual(Uint8Array.of(1, 2));
    await h.append(Uint8Array.of(3));
    // The process dies here: the OS never saw byte 3.
    expect(disk.peek("/d/f")).toEqual(Uint8Array.of(1, 2));
  });

  it("with a slow disk, a sync covers only what was appended before it and reaches the OS when it ends", async () => {
    const disk = new MemoryFileSystem();
    const fs = loseUnsynced(disk, { beforeSync: () => new Promise((r) => setTimeout(r, 30)) });
    await fs.mkdirp("/d");
    const h = await fs.openAppend("/d/f", true);
    await h.append(Uint8Array.of(1));
    const first = h.datasync();
    await h.append(Uint8Array.of(2)); // appended while the first sync is under way
    expect(disk.peek("/d/f")).toEqual(new Uint8Array(0)); // nothing is durable before the sync ends
    await first;
    // Byte 2 came after the sync was called: it is still only in process memory (a kill -9 here loses it).
    expect(disk.peek("/d/f")).toEqual(Uint8Array.of(1));
    const second = h.datasync();
    const third = h.datasync();
    await Promise.all([second, third]);
    expect(disk.peek("/d/f")).toEqual(Uint8Array.of(1, 2));
  });

  it("a log over it recovers the acknowledged writes when the process is abandoned mid-run", async () => {
    const disk = new MemoryFileSystem();
    const script = randomScript(8, 40);
    const { wal } = await WriteAheadLog.open({ fs: loseUnsynced(disk), dir: "/d", vocabulary: "raft" });
    let acked = 0;
    const issued = script.length;
    const all = script.map((ops) => wal.append(ops).then(() => acked++));
    await all[20];
    const ackedAtKill = acked;
    // kill -9: stop here without waiting; whatever the OS holds is all there is (the disk keeps OS-level writes).
    const { recovered } = await WriteAheadLog.open({ fs: disk, dir: "/d", vocabulary: "raft", log: () => undefined });
    expect(typeof matchesPrefix(fromRecovered(recovered), prefixStates(script), ackedAtKill, issued)).toBe("number");
    await Promise.allSettled(all);
  });
});

describe("identity", () => {
  it("a directory written for another cluster or node refuses to open", async () => {
    const fs = new MemoryFileSystem();
    const { storage } = await RaftStorage.open({ fs, dir: "/d", identity: "cluster-a/1" });
    await storage.persist({ type: "persist", hardState: { term: 1, vote: 1, commit: 0 } });
    await storage.close();
    const e = await RaftStorage.open({ fs, dir: "/d", identity: "cluster-b/1" }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "wrong-format" });
    expect(String(e)).toContain("raft:cluster-a/1");
    const ok = await RaftStorage.open({ fs, dir: "/d", identity: "cluster-a/1" });
    expect(ok.persisted?.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
  });
});
