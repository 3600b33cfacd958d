/**
 * Both designs as real processes (KafkaLocalCluster: free ports, temp dirs, stopped by PID): kill -9 the active
 * controller and check a successor took over in a higher epoch, and (ZooKeeper mode) that the znodes the
 * processes wrote have Kafka's layout and the values Kafka's controller would write, before and after.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KafkaLocalCluster } from "../../src/adapters/cluster/kafka-cluster.js";
import { measureFailover } from "../../src/adapters/cluster/kafka-failover.js";
import { ZkSession } from "../../src/adapters/zk-controller/zk-session.js";
import { fromUtf8 } from "../../src/core/zk/index.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(mode: "kraft" | "zk", extra: { sessionTimeoutMs?: number; zkTickTimeMs?: number } = {}): Promise<KafkaLocalCluster> {
  const dir = await mkdtemp(join(tmpdir(), `quorate-kafka-real-${mode}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const c = await KafkaLocalCluster.start({ mode, brokers: 3, dir, ...extra });
  cleanups.push(() => c.stop());
  return c;
}

/** Reads a znode's data as text (undefined when absent). */
async function read(s: ZkSession, path: string): Promise<string | undefined> {
  const r = await s.request({ type: "getData", path, watch: false });
  return r.body?.kind === "data" && r.body.data !== null ? fromUtf8(r.body.data) : undefined;
}

describe("real KRaft-mode cluster", () => {
  it("kill -9 of the active controller: a standby is active in a higher epoch after the fetch timeout, and the brokers keep every partition", async () => {
    const c = await cluster("kraft");
    await c.createPartitions(200);
    const f = await measureFailover(c, 200, 60_000);
    expect(f.successor).not.toBe(f.killed);
    expect(f.successor).toMatch(/^controller-[123]$/);
    expect(f.newEpoch).toBeGreaterThan(f.oldEpoch);
    // A standby notices only when its fetch timeout (2 s, Kafka's) runs out since its last answered fetch
    // (answered at most fetchMaxWait = 500 ms before the kill), then wins one election.
    expect(f.failoverMs).toBeGreaterThanOrEqual(1400);
    expect(f.failoverMs).toBeLessThan(15_000);
    expect(await c.brokersKnow(200)).toBe(true);
  }, 120_000);
});

describe("real ZooKeeper-mode cluster", () => {
  it("the znodes follow Kafka's layout; kill -9 of the controller: after the session expires a successor in epoch 2 re-elects every partition off the dead broker", async () => {
    const c = await cluster("zk", { sessionTimeoutMs: 2000, zkTickTimeMs: 500 });
    await c.createPartitions(150);
    const zk = c.processes.find((p) => p.kind === "zookeeper")!;
    const port = Number(/serving on 127\.0\.0\.1:(\d+)/.exec((await c.statusLines())[0]!)![1]);
    expect(zk.name).toBe("zookeeper-1");
    const s = await ZkSession.connect({ servers: [{ host: "127.0.0.1", port }], sessionTimeoutMs: 10_000 });
    cleanups.push(() => s.close());
    const active = await c.activeController();
    expect(active?.epoch).toBe(1);
    expect(JSON.parse((await read(s, "/controller"))!)).toMatchObject({ version: 1, brokerid: active!.process.id });
    expect(await read(s, "/controller_epoch")).toBe("1");
    const ids = await s.request({ type: "getChildren", path: "/brokers/ids", watch: false, withStat: false });
    expect(ids.body?.kind === "children" ? [...ids.body.children].sort() : []).toEqual(["1", "2", "3"]);
    // Topics t0 (100) and t1 (50); partition p of t<k> has replicas first, first+1, first+2 (mod 3) + 1 with first = 100k + p.
    const replicas = (t: number, p: number): number[] => [0, 1, 2].map((k) => ((100 * t + p + k) % 3) + 1);
    expect(JSON.parse((await read(s, "/brokers/topics/t1"))!).partitions["49"]).toEqual(replicas(1, 49));
    for (const [t, p] of [[0, 0], [0, 1], [0, 99], [1, 0], [1, 49]] as const) {
      const st = JSON.parse((await read(s, `/brokers/topics/t${t}/partitions/${p}/state`))!);
      expect(st, `t${t}/${p}`).toEqual({ controller_epoch: 1, leader: replicas(t, p)[0], version: 1, leader_epoch: 0, isr: replicas(t, p) });
    }
    expect(await read(s, "/brokers/topics/t1/partitions/50/state")).toBeUndefined();

    const f = await measureFailover(c, 150, 60_000);
    const dead = Number(f.killed.split("-")[1]);
    expect(f.successor).not.toBe(f.killed);
    expect(f.newEpoch).toBe(2);
    expect(await read(s, "/controller_epoch")).toBe("2");
    // Not before the dead broker's session could expire (2 s from its last ping, sent every 667 ms).
    expect(f.activeMs).toBeGreaterThanOrEqual(1300);
    expect(f.failoverMs).toBeGreaterThanOrEqual(f.activeMs);
    for (const [t, p] of [[0, 0], [0, 1], [0, 2], [1, 49]] as const) {
      const st = JSON.parse((await read(s, `/brokers/topics/t${t}/partitions/${p}/state`))!);
      const live = replicas(t, p).filter((b) => b !== dead);
      const ledByDead = replicas(t, p)[0] === dead;
      expect(st, `t${t}/${p}`).toEqual({ controller_epoch: 2, leader: ledByDead ? live[0] : replicas(t, p)[0], version: 1, leader_epoch: 1, isr: live });
    }
    expect(await c.brokersKnow(150)).toBe(true);
  }, 120_000);

  it("a broker that cannot reach ZooKeeper exits 2 naming it, without hanging", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const e = await promisify(execFile)(process.execPath, ["bin/quorate.js", "zk-broker", "--id", "1", "--zookeeper", "127.0.0.1:1", "--peers", "1=127.0.0.1:0", "--http", "127.0.0.1:0"], { timeout: 20_000 }).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(e?.code).toBe(2);
    expect(e?.stderr).toMatch(/no ZooKeeper server answered \(127\.0\.0\.1:1/);
  }, 30_000);
});

describe("real ZooKeeper-mode cluster losing ZooKeeper", () => {
  it("when the ZooKeeper server dies, every broker stops on its own, naming the lost connection, without hanging", async () => {
    const c = await cluster("zk", { sessionTimeoutMs: 2000, zkTickTimeMs: 500 });
    await c.createPartitions(30);
    const brokers = c.of("broker").map((p) => ({ p, pid: c.pid(p.name)! }));
    await c.kill(c.processes.find((p) => p.kind === "zookeeper")!);
    const deadline = Date.now() + 20_000;
    for (const { p, pid } of brokers) {
      while ((() => { try { process.kill(pid, 0); return true; } catch { return false; } })()) {
        if (Date.now() > deadline) throw new Error(`${p.name} (pid ${pid}) still running 20 s after ZooKeeper died`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { readFile } = await import("node:fs/promises");
    for (const { p } of brokers) expect(await readFile(join(c.o.dir, `${p.name}.log`), "utf8")).toMatch(/stopping: the ZooKeeper connection is gone/);
  }, 60_000);
});

describe("ZkSession against a ZooKeeper server that stops answering", () => {
  it("drops the connection after two thirds of the session timeout with a request unanswered, so the caller is told, never left waiting", async () => {
    const { spawn } = await import("node:child_process");
    const server = spawn(process.execPath, ["bin/quorate.js", "zk-server", "--port", "0"], { stdio: ["ignore", "pipe", "ignore"] });
    cleanups.push(async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const gone = new Promise((r) => server.once("exit", r));
      server.kill("SIGCONT");
      server.kill("SIGKILL");
      await gone;
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      server.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m !== null) resolve(Number(m[1]));
      });
      server.once("exit", () => reject(new Error("zk-server exited")));
    });
    let closedAt = 0;
    const s = await ZkSession.connect({ servers: [{ host: "127.0.0.1", port }], sessionTimeoutMs: 4000, onClosed: () => (closedAt = Date.now()) });
    expect((await s.request({ type: "exists", path: "/", watch: false })).err).toBe(0);
    server.kill("SIGSTOP"); // the server stops answering, its socket stays open
    const t0 = Date.now();
    await expect(s.request({ type: "exists", path: "/", watch: false })).rejects.toThrow(/connection closed/);
    const waited = Date.now() - t0;
    expect(closedAt).toBeGreaterThan(0);
    expect(waited).toBeGreaterThanOrEqual(2000); // not before the read timeout (2/3 of the 4 s the server granted)
    expect(waited).toBeLessThan(6000);
  }, 30_000);
});
