/**
 * Killing a supervisor by PID does not orphan its nodes: `quorate cluster --nodes 3` is started as a process, then
 * `kill -9`ed by its PID (it cannot catch that and stop them itself); every node it started must exit on its own
 * within a bound. Processes on 127.0.0.1 free ports, data in a temp dir, anything left stopped by PID.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("supervised children", () => {
  it("the nodes of a `quorate cluster` killed with SIGKILL exit within 5 s", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quorate-orphans-"));
    const child = spawn(process.execPath, ["bin/quorate.js", "cluster", "--nodes", "3", "--data", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once("exit", r));
    let pids: number[] = [];
    try {
      const deadline = Date.now() + 30_000;
      // Wait for a leader: then the nodes are quiet, and none dies of writing its log to the dead parent's pipe.
      while (!/leader\s+[123]/.test(out) || !/node 3: pid \d+/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no leader in 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      pids = [...out.matchAll(/node \d: pid (\d+)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 1000));
      for (const pid of pids) expect(alive(pid)).toBe(true);
      process.kill(child.pid!, "SIGKILL");
      await exited;
      const killedAt = Date.now();
      while (pids.some(alive) && Date.now() - killedAt < 5000) await new Promise((r) => setTimeout(r, 50));
      expect(pids.filter(alive), "nodes still running 5 s after their supervisor was killed").toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
