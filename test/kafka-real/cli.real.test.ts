/**
 * `quorate cluster --mode kraft|zk` and `quorate compare --real` as processes: bad usage exits 2 naming the
 * flag; a cluster shows its processes' status lines and Ctrl-C stops every process (exit 0); a short real
 * comparison prints both modes with the simulator's figure and the difference.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

async function fails(args: readonly string[]): Promise<{ code?: number; stderr?: string } | undefined> {
  return run(process.execPath, ["bin/quorate.js", ...args], { timeout: 30_000 }).then(
    () => undefined,
    (err: { code?: number; stderr?: string }) => err,
  );
}

/** Runs `quorate cluster ARGS` until `ready` matches its stdout, then SIGINT; returns the output and the PIDs it printed. */
async function clusterUntil(args: readonly string[], ready: RegExp): Promise<{ out: string; code: number | null; pids: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), "quorate-kafka-cli-"));
  const child = spawn(process.execPath, ["bin/quorate.js", "cluster", ...args, "--data", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!ready.test(out)) {
      if (Date.now() > deadline) throw new Error(`not ready in 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const pids = [...new Set([...out.matchAll(/: pid (\d+)/g)].map((m) => Number(m[1])))];
    child.kill("SIGINT");
    return { out, code: await exited, pids };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}

describe("quorate cluster --mode / compare --real", () => {
  it("bad usage exits 2 naming the problem", async () => {
    for (const [args, want] of [
      [["cluster", "--mode", "paxos"], /--mode must be kraft or zk/],
      [["cluster", "--brokers", "3"], /need --mode/],
      [["cluster", "--mode", "zk", "--nodes", "3"], /--nodes is for the key-value cluster/],
      [["cluster", "--mode", "kraft", "--brokers", "2"], /--brokers must be an integer in \[3, 9\]/],
      [["cluster", "--mode", "zk", "--zookeepers", "2"], /zookeepers must be odd/],
      [["compare", "--real", "--partitions", "30000"], /30000 is over 20000/],
      [["compare", "--real", "--scenario", "broker-failure"], /controller-failover only/],
      [["compare", "--real", "--session-timeout-ms", "10"], /--session-timeout-ms must be/],
      [["compare", "--session-timeout-ms", "5000"], /go with --real/],
      [["compare", "--real", "--zookeepers", "2"], /--zookeepers must be 1, 3, 5, 7 or 9/],
      [["kraft-node", "--id", "1", "--role", "broker", "--peers", "1=127.0.0.1:1", "--voters", "1", "--data", "/tmp/x", "--http", "127.0.0.1:0"], /a broker must not/],
      [["zk-broker", "--id", "2", "--zookeeper", "127.0.0.1:1", "--peers", "1=127.0.0.1:1", "--http", "127.0.0.1:0"], /--id 2 is not among --peers/],
    ] as const) {
      const e = await fails(args);
      expect(e?.code, args.join(" ")).toBe(2);
      expect(e?.stderr, args.join(" ")).toMatch(want);
    }
  }, 120_000);

  it("--mode kraft: 3 controllers and 3 brokers with a status line each, one active controller; Ctrl-C stops them all", async () => {
    const { out, code, pids } = await clusterUntil(["--mode", "kraft"], /controller-\d: active controller[\s\S]*broker-6: \S+ +epoch \d+ +leader \d/);
    expect(code).toBe(0);
    expect(pids).toHaveLength(6);
    expect(out).toMatch(/3 KRaft controllers and 3 brokers/);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid} still alive`).toThrow();
  }, 90_000);

  it("--mode zk --zookeepers 3: a 3-member ZooKeeper ensemble and 3 brokers, one active controller; Ctrl-C stops them all", async () => {
    const { out, code, pids } = await clusterUntil(["--mode", "zk", "--zookeepers", "3", "--partitions", "100"], /broker-\d: controller active[\s\S]*partitions 100 \(100 led by live brokers\)/);
    expect(code).toBe(0);
    expect(out).toMatch(/3 ZooKeeper servers and 3 ZooKeeper-mode brokers/);
    expect(pids).toHaveLength(6);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid} still alive`).toThrow();
  }, 90_000);

  it("--mode zk --partitions 300: ZooKeeper and 3 brokers, one active controller, every broker knows the 300 leaders; Ctrl-C stops them all", async () => {
    const { out, code, pids } = await clusterUntil(["--mode", "zk", "--partitions", "300"], /broker-\d: controller active[\s\S]*partitions 300 \(300 led by live brokers\)/);
    expect(code).toBe(0);
    expect(pids).toHaveLength(4);
    expect(out).toMatch(/zookeeper-1: pid \d+/);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid} still alive`).toThrow();
  }, 90_000);

  it("compare --real --json at 100 partitions: both modes, real and simulated, a successor in a higher epoch", async () => {
    const { stdout } = await run(process.execPath, ["bin/quorate.js", "compare", "--real", "--partitions", "100", "--session-timeout-ms", "2000", "--fixed-costs", "--json"], { timeout: 150_000 });
    const r = JSON.parse(stdout) as { rows: { mode: string; partitions: number; realMs: number; simMs: number; diffPct: number; epochs: number[]; killed: string; successor: string }[] };
    expect(r.rows.map((x) => x.mode)).toEqual(["kraft", "zk"]);
    for (const row of r.rows) {
      expect(row.partitions).toBe(100);
      expect(row.realMs).toBeGreaterThan(1000); // a fetch timeout (KRaft) or a session timeout (ZooKeeper) of 2 s must pass first
      expect(row.simMs).toBeGreaterThan(1000);
      expect(row.diffPct).toBeCloseTo((100 * (row.realMs - row.simMs)) / row.simMs, 0);
      expect(row.epochs[1]).toBeGreaterThan(row.epochs[0]!);
      expect(row.successor).not.toBe(row.killed);
    }
  }, 180_000);
});
