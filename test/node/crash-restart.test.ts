/**
 * The whole stack under power failures: three Raft node runtimes on loopback, each on a fault-injecting
 * in-memory disk that crashes at a seeded fault point (the node stops through onFatal), restarted from the disk
 * as a power failure leaves it (unsynced data lost, cut, or torn by sector), again and again while proposals
 * flow, and now and then the power fails for the whole cluster at once. Every restart must succeed, and no
 * applied position may ever hold two different values, on any node or incarnation (State Machine Safety across
 * crashes).
 */
import { afterEach, describe, expect, it } from "vitest";
import { RaftNode } from "../../src/adapters/node/index.js";
import { Prng } from "../../src/adapters/simulator/prng.js";
import { MemoryFileSystem, type FileSystem, type TearMode } from "../../src/adapters/storage/index.js";

/**
 * Gives fdatasync a real latency (1–3 ms), so writes stay unsynced for a while, as on a disk. `lie`: the mutant
 * disk whose segment fdatasyncs return without syncing (acknowledging what is not durable).
 */
function slowSync(disk: MemoryFileSystem, rng: Prng, lie: boolean): FileSystem {
  return {
    mkdirp: (d) => disk.mkdirp(d),
    list: (d) => disk.list(d),
    readFile: (p) => disk.readFile(p),
    rename: (a, b) => disk.rename(a, b),
    unlink: (p) => disk.unlink(p),
    truncate: (p, n) => disk.truncate(p, n),
    syncDir: (d) => disk.syncDir(d),
    async openAppend(path, create) {
      const h = await disk.openAppend(path, create);
      return {
        append: (b) => h.append(b),
        datasync: async () => {
          await new Promise((r) => setTimeout(r, 1 + rng.int(3)));
          if (!(lie && !create && path.endsWith(".wal"))) await h.datasync();
        },
        close: () => h.close(),
      };
    },
  };
}
import type { Entry, Snapshot } from "../../src/core/raft/index.js";
import type { CompactionOptions } from "../../src/adapters/node/compaction.js";

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of stops.splice(0)) await f();
});

interface Outcome {
  conflicts: string[];
  failures: string[];
  crashes: number;
  applied: number;
  /** Snapshots the application was started from or handed (compaction runs only). */
  restores: number;
}

async function run(seed: number, ms: number, lie = false, compaction?: CompactionOptions): Promise<Outcome> {
  const rng = new Prng(seed);
  const ids = [1, 2, 3];
  const ports = new Map<number, number>();
  const nodes = new Map<number, RaftNode>();
  const seen = new Map<number, string>(); // applied position → value, across every node and incarnation
  const out: Outcome = { conflicts: [], failures: [], crashes: 0, applied: 0, restores: 0 };
  const restarting = new Set<number>();
  let stopping = false;

  const disks = new Map<number, MemoryFileSystem>();
  const reboot = (id: number, disk: MemoryFileSystem): void => {
    const mode: TearMode = (["lose", "prefix", "sectors"] as const)[rng.int(3)]!;
    const fresh = new MemoryFileSystem({ crashAt: 20 + rng.int(200) });
    fresh.restoreFrom(disk.afterCrash(mode, rng.next()));
    start(id, fresh)
      .catch((e: unknown) => out.failures.push(`node ${id} did not restart: ${String(e)}`))
      .finally(() => restarting.delete(id));
  };
  const start = async (id: number, disk: MemoryFileSystem): Promise<void> => {
    disks.set(id, disk);
    // The state machine: every value applied, by index. Its snapshot must agree with what was applied anywhere.
    let state: [number, string][] = [];
    const record = (index: number, v: string): void => {
      const before = seen.get(index);
      if (before !== undefined && before !== v) out.conflicts.push(`index ${index}: ${before} vs ${v} (node ${id})`);
      seen.set(index, v);
    };
    const app = {
      apply(entries: readonly Entry[], snapshot: Snapshot | undefined) {
        if (snapshot !== undefined) {
          state = JSON.parse(new TextDecoder().decode(snapshot.data)) as [number, string][];
          for (const [index, v] of state) record(index, v);
          out.restores++;
        }
        for (const e of entries) {
          if (e.kind !== "normal" || e.data.length === 0) continue;
          const v = new TextDecoder().decode(e.data);
          record(e.index, v);
          state.push([e.index, v]);
        }
      },
      ...(compaction === undefined ? {} : { snapshot: () => new TextEncoder().encode(JSON.stringify(state)) }),
    };
    const node = await RaftNode.start({
      id, clusterId: "crash", voters: ids, dataDir: "/d", fs: slowSync(disk, rng, lie), listen: { port: ports.get(id) ?? 0 }, tickMs: 10, seed: rng.next(), app, log: () => undefined,
      ...(compaction === undefined ? {} : { compaction, segmentBytes: 2048 }),
      onFatal: () => {
        if (restarting.has(id) || stopping) return;
        restarting.add(id);
        out.crashes++;
        // Power failure: restart from what the disk holds, with a new crash point further on.
        setTimeout(() => reboot(id, disk), 5);
      },
    });
    nodes.set(id, node);
    ports.set(id, node.port);
    for (const [other, port] of ports) {
      if (other === id) continue;
      node.setPeer(other, { host: "127.0.0.1", port });
      nodes.get(other)?.setPeer(id, { host: "127.0.0.1", port: node.port });
    }
  };

  for (const id of ids) await start(id, new MemoryFileSystem({ crashAt: 30 + rng.int(300) }));
  stops.push(() => Promise.all([...nodes.values()].map((n) => n.stop())));
  const deadline = Date.now() + ms;
  let proposed = 0;
  let nextBlackout = Date.now() + 700;
  while (Date.now() < deadline) {
    if (Date.now() > nextBlackout && restarting.size === 0) {
      // The whole cluster loses power at once: what was not synced is gone everywhere.
      nextBlackout = Date.now() + 700;
      for (const id of ids) {
        restarting.add(id);
        disks.get(id)!.crashNow();
      }
      out.crashes += ids.length;
      await Promise.all(ids.map((id) => nodes.get(id)!.stop()));
      for (const id of ids) reboot(id, disks.get(id)!);
      while (restarting.size > 0) await new Promise((r) => setTimeout(r, 5));
    }
    const leader = [...nodes.values()].find((n) => n.status().role === "leader");
    if (leader !== undefined) leader.propose(new TextEncoder().encode(`v${proposed++}`));
    await new Promise((r) => setTimeout(r, 5));
  }
  while (restarting.size > 0) await new Promise((r) => setTimeout(r, 20));
  stopping = true;
  out.applied = seen.size;
  return out;
}

describe("crash and restart under load (seeded; replay: npx vitest run test/node/crash-restart.test.ts)", () => {
  it("every restart recovers, and applied positions never disagree (seed 17)", async () => {
    const r = await run(17, 5000);
    expect(r.failures).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(r.crashes).toBeGreaterThan(5);
    expect(r.applied).toBeGreaterThan(20);
  });

  it("with compaction every 20 entries: every restart recovers from snapshot + tail, snapshots agree with what was applied (seed 17)", async () => {
    const r = await run(17, 5000, false, { snapshotCount: 20, catchUpEntries: 5 });
    expect(r.failures).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(r.crashes).toBeGreaterThan(5);
    expect(r.restores).toBeGreaterThan(3);
    expect(r.applied).toBeGreaterThan(100);
  });

  it("a disk that acknowledges segment writes without syncing them is caught within a few runs (the check has teeth)", async () => {
    const caught: number[] = [];
    for (let seed = 17; seed < 23 && caught.length === 0; seed++) {
      const r = await run(seed, 3000, true);
      if (r.conflicts.length > 0) caught.push(seed);
    }
    expect(caught.length).toBe(1);
  });
});
