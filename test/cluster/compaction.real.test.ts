/**
 * Log compaction on real `quorate node` processes (the build in dist/): a follower killed with SIGKILL while the
 * others write far past its log and compact it away comes back, receives the leader's snapshot over TCP, and
 * converges to the leader's store. Processes on 127.0.0.1 free ports, data in a temp dir, stopped by PID.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KvClient } from "../../src/adapters/cluster/kv-client.js";
import { LocalCluster } from "../../src/adapters/cluster/local-cluster.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function leaderOf(c: LocalCluster, ids: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const id of ids) if ((await c.status(id))?.role === "leader") return id;
    await sleep(50);
  }
  throw new Error("no leader in 10 s");
}

/** A node's whole store from its own state (serializable), as sorted `key=value` lines. */
async function storeOf(c: LocalCluster, id: number): Promise<string[]> {
  const res = await fetch(`${c.url(id)}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("\0").toString("base64"), range_end: Buffer.from("\0").toString("base64"), serializable: true }) });
  const kvs = (((await res.json()) as { kvs?: { key: string; value: string }[] }).kvs ?? []);
  return kvs.map((kv) => `${Buffer.from(kv.key, "base64").toString()}=${Buffer.from(kv.value, "base64").toString()}`).sort();
}

describe("compaction on real processes", () => {
  it("a follower killed for long enough gets the leader's snapshot over TCP and converges; a corrupt snapshot then refuses to start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-compaction-real-"));
    const c = await LocalCluster.start({ nodes: 3, dir, tickMs: 50, snapshotCount: 100 });
    try {
      const leader = await leaderOf(c, c.ids);
      const victim = c.ids.find((id) => id !== leader)!;
      const stoppedAt = (await c.status(victim))!.applied;
      await c.kill(victim);
      // More than the leader's messages queued for the dead node can carry (256 appends in flight, then it must
      // ask again): what it lacks beyond them is compacted away, so only the snapshot brings it back.
      const clients = Array.from({ length: 16 }, () => new KvClient(c.url(leader), 5000));
      let next = 0;
      let failures = 0;
      await Promise.all(clients.map(async (k) => {
        while (next < 3000) {
          const n = next++;
          const r = await k.put(`key-${n % 100}`, `${n}`);
          if (r.type !== "ok" && ++failures > 100) throw new Error(`puts keep failing: ${JSON.stringify(r)}`);
        }
      }));
      const lead = (await c.status(leader))!;
      expect(lead.applied - stoppedAt).toBeGreaterThan(2500);
      await c.startNode(victim);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const s = await c.status(victim);
        if (s !== undefined && s.applied >= lead.applied) break;
        if (Date.now() > deadline) throw new Error(`node ${victim} did not catch up in 30 s: ${JSON.stringify(s)} vs leader ${JSON.stringify(lead)}`);
        await sleep(100);
      }
      expect(await storeOf(c, victim)).toEqual(await storeOf(c, leader));
      expect((await storeOf(c, leader)).length).toBe(100);
      const log = await readFile(join(dir, `node-${victim}.log`), "utf8");
      expect(log).toMatch(/installed the leader's snapshot at index \d+/);
      // Its data directory holds the snapshot it installed (and only one snapshot file).
      expect((await readdir(join(dir, `node-${victim}`))).filter((f) => f.endsWith(".snap"))).toHaveLength(1);

      // A corrupt snapshot file: the node refuses to start (exit 2), naming the file and its data directory.
      await c.kill(victim);
      const [snap] = (await readdir(join(dir, `node-${victim}`))).filter((f) => f.endsWith(".snap"));
      const path = join(dir, `node-${victim}`, snap!);
      const bytes = await readFile(path);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(path, bytes);
      await expect(c.startNode(victim)).rejects.toThrow(/exited with 2 at start/);
      const after = await readFile(join(dir, `node-${victim}.log`), "utf8");
      expect(after).toContain(`cannot start (data directory ${join(dir, `node-${victim}`)}): ${snap}: `);
    } finally {
      await c.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
