/**
 * The torture harness end to end, on real `quorate node` processes (the build in dist/, as `npm test` makes it):
 * a 60-second run with every fault is linearizable and injects each fault; the CLI's --json shape.
 * A failure prints the seed and the replay command.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SEED = 20261205;

describe("quorate torture", () => {
  it(
    "60 s with kill, pause, partition and lose-unsynced on 3 nodes: linearizable, every fault injected",
    async () => {
      const out = await mkdtemp(join(tmpdir(), "quorate-torture-test-"));
      const args = ["bin/quorate.js", "torture", "--nodes", "3", "--time", "60s", "--clients", "8", "--faults", "kill,pause,partition,lose-unsynced", "--seed", String(SEED), "--json", "--out", out];
      const replay = `replay: node ${args.join(" ")}`;
      let stdout: string;
      try {
        ({ stdout } = await run(process.execPath, args, { timeout: 170_000 }));
      } catch (e) {
        throw new Error(`torture failed (seed ${SEED}; ${replay}): ${(e as { stdout?: string }).stdout ?? String(e)}`);
      }
      const r = JSON.parse(stdout) as { ok: boolean; verdict: string; ops: number; okOps: number; failOps: number; infoOps: number; faults: Record<string, number>; history: string; seconds: number };
      expect(r, replay).toMatchObject({ ok: true, verdict: "linearizable" });
      expect(r.ops).toBe(r.okOps + r.failOps + r.infoOps);
      expect(r.okOps, "the clients got work done").toBeGreaterThan(100);
      for (const f of ["kill", "pause", "partition", "lose-unsynced"]) expect(r.faults[f], f).toBeGreaterThan(0);
      expect(r.seconds).toBeGreaterThanOrEqual(60);
      const edn = await readFile(r.history, "utf8");
      expect(edn.split("\n").filter((l) => l.includes(":type :invoke")).length).toBe(r.ops);
      await rm(out, { recursive: true, force: true });
    },
    180_000,
  );

  it("refuses bad flags with exit 2", async () => {
    for (const args of [["--nodes", "4"], ["--faults", "kill,meteor"], ["--time", "soon"], ["--clients", "0"]]) {
      const e = await run(process.execPath, ["bin/quorate.js", "torture", ...args]).then(
        () => undefined,
        (err: { code?: number; stderr?: string }) => err,
      );
      expect(e?.code, args.join(" ")).toBe(2);
      expect(e?.stderr).toMatch(/quorate torture: /);
    }
  });
});
