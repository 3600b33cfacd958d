/** Request deadlines: one timer for every waiting request, expiring them in arrival order. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RequestDeadlines } from "../../src/adapters/kv/deadlines.js";
import { KvService } from "../../src/adapters/kv/index.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("request deadlines", () => {
  it("expire each unfinished request once its time is up, in arrival order; finished ones never", () => {
    vi.useFakeTimers({ now: 1000 });
    const d = new RequestDeadlines(100);
    const fired: string[] = [];
    const a = d.add(() => fired.push("a"));
    vi.advanceTimersByTime(30);
    const b = d.add(() => fired.push("b"));
    d.add(() => fired.push("c"));
    a(); // finished before its deadline
    vi.advanceTimersByTime(69); // t = 99 after a
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(31); // b and c are due at 130
    expect(fired).toEqual(["b", "c"]);
    b(); // finishing after the deadline changes nothing
    d.add(() => fired.push("d"));
    expect(d.pending).toBe(1);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["b", "c", "d"]);
    expect(d.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0); // nothing waiting: no timer armed
  });

  it("stop cancels the timer: nothing expires after it", () => {
    vi.useFakeTimers();
    const d = new RequestDeadlines(10);
    const fired: number[] = [];
    for (let i = 0; i < 3; i++) d.add(() => fired.push(i));
    d.stop();
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("KV service request timeout", () => {
  it("a leader that cannot reach a quorum answers a put and a linearizable read with 504 after requestTimeoutMs", async () => {
    const dirs: string[] = [];
    const nodes: KvService[] = [];
    try {
      for (const id of [1, 2, 3]) {
        const dir = await mkdtemp(join(tmpdir(), `quorate-kv-timeout-${id}-`));
        dirs.push(dir);
        nodes.push(await KvService.start({ id, clusterId: "kv-timeout", voters: [1, 2, 3], dataDir: dir, tickMs: 100, requestTimeoutMs: 200, client: { host: "127.0.0.1", port: 0 }, log: () => undefined }));
      }
      for (const n of nodes) for (const [i, m] of nodes.entries()) if (m !== n) n.raftNode.setPeer(i + 1, { host: "127.0.0.1", port: m.raftNode.port });
      const deadline = Date.now() + 20_000;
      while (!nodes.some((n) => n.status().role === "leader")) {
        if (Date.now() > deadline) throw new Error("no leader");
        await new Promise((r) => setTimeout(r, 20));
      }
      const leader = nodes.find((n) => n.status().role === "leader")!;
      for (const n of nodes) if (n !== leader) await n.stop();
      const url = `http://127.0.0.1:${leader.clientPort}`;
      for (const [path, body] of [["/v3/kv/put", { key: "YQ==", value: "Yg==" }], ["/v3/kv/range", { key: "YQ==" }]] as const) {
        const t0 = Date.now();
        const res = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
        const elapsed = Date.now() - t0;
        expect(res.status, path).toBe(504);
        expect(((await res.json()) as { error: string }).error).toBe("etcdserver: request timed out");
        // After the limit, and well before the leader would step down (check-quorum: 10 ticks of 100 ms).
        expect(elapsed).toBeGreaterThanOrEqual(190);
        expect(elapsed).toBeLessThan(900);
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    }
  });
});
