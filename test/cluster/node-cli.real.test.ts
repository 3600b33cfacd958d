/** `quorate node` and `quorate cluster` as processes: bad usage exits 2; a cluster serves and stops on SIGINT. */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("quorate node / cluster", () => {
  it("bad usage exits 2 with a message naming the flag", async () => {
    const base = ["--data", "/nonexistent/q", "--client", "127.0.0.1:0"];
    for (const [args, want] of [
      [["--id", "1", "--peers", "1=127.0.0.1:1,2=127.0.0.1:2", "--client", "nohost"], /--client/],
      [["--id", "4", "--peers", "1=127.0.0.1:1", ...base], /--id 4 is not among --peers/],
      [["--id", "1", "--peers", "1=127.0.0.1:1,1=127.0.0.1:2", ...base], /listed twice/],
      [["--id", "1", "--peers", "x", ...base], /--peers/],
      [["--id", "1"], /required/],
      [["--id", "1", "--peers", "1=127.0.0.1:1", "--snapshot-count", "many", ...base], /--snapshot-count must be an integer/],
      [["--id", "1", "--peers", "1=127.0.0.1:1", "--segment-bytes", "100", ...base], /--segment-bytes must be an integer ≥ 4096/],
      [["--id", "1", "--peers", "1=127.0.0.1:1", "--peer-queue-bytes", "1k", ...base], /--peer-queue-bytes must be an integer ≥ 65536/],
      [["--id", "1", "--peers", "1=127.0.0.1:1", "--peer-unreachable-frames", "0", ...base], /--peer-unreachable-frames must be an integer ≥ 1/],
    ] as const) {
      const e = await run(process.execPath, ["bin/quorate.js", "node", ...args]).then(
        () => undefined,
        (err: { code?: number; stderr?: string }) => err,
      );
      expect(e?.code, args.join(" ")).toBe(2);
      expect(e?.stderr).toMatch(want);
    }
  });

  it("cluster starts three nodes that elect a leader and serve puts, and Ctrl-C stops them all (exit 0)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-cluster-test-"));
    const child = spawn(process.execPath, ["bin/quorate.js", "cluster", "--nodes", "3", "--data", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/leader\s+[123]/.test(out) || !/node 3: pid \d+ client (http:\/\/\S+)/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no leader in 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /node 1: pid \d+ client (http:\/\/\S+)/.exec(out)![1]!;
      const res = await fetch(`${url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: Buffer.from("k").toString("base64"), value: Buffer.from("v").toString("base64") }) });
      expect(res.status).toBe(200);
      const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(3);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      for (const pid of pids) expect(() => process.kill(pid, 0), `node pid ${pid} still alive`).toThrow();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
