/**
 * Log compaction of the KV service, three nodes in one process on loopback ports with real storage in temp dirs:
 * a snapshot every `snapshotCount` applied entries with catch-up entries kept behind it, the write-ahead log's
 * segment count bounded under a long write load (and unbounded with compaction off: the check has teeth), a
 * restart from snapshot + tail, a follower that was down for long enough brought back by the leader's snapshot,
 * and a corrupt snapshot file refused on restart with an error naming it.
 */
import { readdir, readFile, rm, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KvService, type KvServiceOptions } from "../../src/adapters/kv/index.js";
import type { CompactionOptions } from "../../src/adapters/node/compaction.js";
import { StorageError } from "../../src/adapters/storage/index.js";

const b = (s: string): string => Buffer.from(s).toString("base64");
const unb = (s: string): string => Buffer.from(s, "base64").toString();
const SEGMENT_BYTES = 4096;

interface Cluster {
  readonly nodes: (KvService | undefined)[];
  readonly dirs: string[];
  readonly peerPorts: number[];
  readonly logs: string[][];
  options(i: number): KvServiceOptions;
}

const clusters: Cluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) {
    await Promise.all(c.nodes.map((n) => n?.stop()));
    for (const d of c.dirs) await rm(d, { recursive: true, force: true });
  }
});

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startCluster(compaction: CompactionOptions, maxInflightMsgs = 256): Promise<Cluster> {
  const dirs: string[] = [];
  for (const id of [1, 2, 3]) dirs.push(await mkdtemp(join(tmpdir(), `quorate-kvc-${id}-`)));
  const logs: string[][] = [[], [], []];
  const c: Cluster = {
    nodes: [],
    dirs,
    peerPorts: [0, 0, 0],
    logs,
    options: (i) => ({
      id: i + 1, clusterId: "kvc", voters: [1, 2, 3], dataDir: dirs[i]!, tickMs: 20, raft: { maxInflightMsgs }, compaction, segmentBytes: SEGMENT_BYTES,
      client: { host: "127.0.0.1", port: 0 }, listen: { port: c.peerPorts[i]! }, log: (line) => logs[i]!.push(line),
    }),
  };
  clusters.push(c);
  for (let i = 0; i < 3; i++) {
    const n = await KvService.start(c.options(i));
    c.nodes.push(n);
    c.peerPorts[i] = n.raftNode.port;
  }
  connect(c);
  await waitFor("a leader", () => c.nodes.some((n) => n?.status().role === "leader"));
  return c;
}

/** Tells every node where the others are (peer and client addresses). */
function connect(c: Cluster): void {
  for (const [i, n] of c.nodes.entries()) {
    if (n === undefined) continue;
    for (const [j, m] of c.nodes.entries()) {
      if (m === undefined) continue;
      n.setClientAddress(j + 1, `127.0.0.1:${m.clientPort}`);
      if (i !== j) n.raftNode.setPeer(j + 1, { host: "127.0.0.1", port: c.peerPorts[j]! });
    }
  }
}

const leaderOf = (c: Cluster): KvService | undefined => c.nodes.find((n) => n?.status().role === "leader");

async function post(node: KvService, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${node.clientPort}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** `n` puts of ~100-byte values over `keys` keys from 8 concurrent clients through the leader. */
async function load(c: Cluster, n: number, keys: number, onProgress?: () => Promise<void>): Promise<void> {
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < n) {
      const k = next++;
      const key = `k${k % keys}`;
      const value = `${k}:${"v".repeat(96)}`;
      for (;;) {
        const leader = leaderOf(c);
        const r = leader === undefined ? undefined : await post(leader, "/v3/kv/put", { key: b(key), value: b(value) }).catch(() => undefined);
        if (r?.status === 200) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      if (k % 50 === 0) await onProgress?.();
    }
  };
  await Promise.all(Array.from({ length: 8 }, client));
}

const segmentsIn = async (dir: string): Promise<number> => (await readdir(dir)).filter((f) => f.endsWith(".wal")).length;
const snapshotsIn = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.endsWith(".snap"));

/** Every key of the leader's store, read linearizably, as `key → value`. */
async function storeOf(node: KvService, serializable: boolean): Promise<Map<string, string>> {
  const r = await post(node, "/v3/kv/range", { key: b("\0"), range_end: b("\0"), serializable });
  const kvs = (r.json.kvs ?? []) as { key: string; value: string }[];
  return new Map(kvs.map((kv) => [unb(kv.key), unb(kv.value)]));
}

/** Waits until `node`'s own store (a serializable read) equals the leader's; then asserts it. */
async function caughtUp(node: KvService, leader: KvService): Promise<void> {
  const want = await storeOf(leader, false);
  await waitFor("the node to catch up with the leader", async () => node.status().applied >= leader.status().commit && (await storeOf(node, true)).size === want.size).catch(() => undefined);
  await waitFor("the node's store to equal the leader's", async () => JSON.stringify([...(await storeOf(node, true))]) === JSON.stringify([...want])).catch(() => undefined);
  expect(await storeOf(node, true)).toEqual(want);
}

describe("KV log compaction (snapshot every N entries, catch-up entries, segments released)", () => {
  it("keeps the WAL segment count bounded under a long write load; without compaction it grows (the check has teeth)", async () => {
    const maxSegments = async (compaction: CompactionOptions): Promise<{ max: number; snaps: number }> => {
      const c = await startCluster(compaction);
      let max = 0;
      const sample = async (): Promise<void> => {
        for (const d of c.dirs) max = Math.max(max, await segmentsIn(d));
      };
      await load(c, 1200, 40, sample);
      await sample();
      const snaps = (await Promise.all(c.dirs.map(snapshotsIn))).map((s) => s.length);
      return { max, snaps: Math.min(...snaps) };
    };
    const on = await maxSegments({ snapshotCount: 100, catchUpEntries: 20 });
    // 1200 puts of ~170 bytes of log each are ~50 segments of 4 KiB (51 measured without compaction); compaction
    // keeps at most 120 entries (~6 segments) plus the segment with the marker and the current one (7 measured).
    expect(on.max).toBeLessThanOrEqual(12);
    expect(on.snaps).toBe(1); // exactly one snapshot file per node: the older ones are removed
    const off = await maxSegments({ snapshotCount: 0 });
    expect(off.max).toBeGreaterThan(20);
    expect(off.snaps).toBe(0);
  }, 120_000);

  it("a node restarts from its snapshot plus the log tail, and a follower down for long enough gets the leader's snapshot", async () => {
    const c = await startCluster({ snapshotCount: 50, catchUpEntries: 10 }, 16);
    await load(c, 120, 30);
    // Restart one node from its directory: it starts from its snapshot (not from index 1) and replays only the tail.
    const r = c.nodes.findIndex((n) => n?.status().role !== "leader");
    const before = c.nodes[r]!.status();
    expect(before.snapshotIndex).toBeGreaterThan(0);
    await c.nodes[r]!.stop();
    c.nodes[r] = await KvService.start(c.options(r));
    connect(c);
    const restarted = c.nodes[r]!.status();
    expect(restarted.snapshotIndex).toBeGreaterThanOrEqual(before.snapshotIndex);
    expect(restarted.applied).toBeGreaterThanOrEqual(restarted.snapshotIndex);
    await caughtUp(c.nodes[r]!, leaderOf(c)!);

    // Now stop a follower while the others write far past its log and compact: it must come back by snapshot.
    const f = c.nodes.findIndex((n) => n?.status().role !== "leader");
    const stoppedAt = c.nodes[f]!.status().lastIndex;
    await c.nodes[f]!.stop();
    c.nodes[f] = undefined;
    // Beyond what the leader's messages queued for the stopped node can carry (16 appends in flight of at most 8
    // entries each, then the follower must ask again): the rest it can only get from the snapshot.
    await load(c, 500, 30);
    const leader = leaderOf(c)!;
    expect(leader.status().snapshotIndex).toBeGreaterThan(stoppedAt); // what the follower lacks is compacted away
    c.logs[f]!.length = 0;
    c.nodes[f] = await KvService.start(c.options(f));
    connect(c);
    const want = await storeOf(leader, false);
    expect(want.size).toBe(30);
    await caughtUp(c.nodes[f]!, leader);
    expect(c.logs[f]!.some((l) => /installed the leader's snapshot at index \d+/.test(l))).toBe(true);
  }, 120_000);

  it("a corrupt snapshot file is refused on restart with an error naming it", async () => {
    const c = await startCluster({ snapshotCount: 30, catchUpEntries: 5 });
    await load(c, 80, 10);
    const f = c.nodes.findIndex((n) => n?.status().role !== "leader");
    await c.nodes[f]!.stop();
    c.nodes[f] = undefined;
    const [snap] = await snapshotsIn(c.dirs[f]!);
    expect(snap).toBeDefined();
    const path = join(c.dirs[f]!, snap!);
    const bytes = await readFile(path);
    bytes[bytes.length - 3]! ^= 0x10;
    await writeFile(path, bytes);
    const e = await KvService.start(c.options(f)).then(
      (n) => (c.nodes[f] = n, undefined),
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe("corrupt-file");
    expect((e as StorageError).file).toBe(snap);
    expect((e as StorageError).message).toContain(snap!);
  }, 60_000);
});
