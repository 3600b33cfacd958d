/**
 * The torture harness has teeth: a node runtime started with a planted durability bug (an env var only these
 * tests set) loses acknowledged writes under kill -9 with lose-unsynced, and the run is not linearizable
 * within a few runs; the correct runtime under the very same faults and slow disk is linearizable (the control).
 * Runs on real `quorate node` processes (the build in dist/). A failure prints the seeds tried.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTorture, type TortureResult } from "../../src/adapters/cluster/torture.js";

const SECONDS = 20;
const SLOW_SYNC_MS = 100;

async function torture(seed: number, env: Record<string, string>): Promise<TortureResult> {
  const out = await mkdtemp(join(tmpdir(), "quorate-planted-"));
  try {
    return await runTorture({ nodes: 3, seconds: SECONDS, clients: 8, faults: ["kill", "lose-unsynced"], seed, slowSyncMs: SLOW_SYNC_MS, env, out });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Runs up to `tries` seeds; the first non-linearizable run ends the search. */
async function caught(bug: string, seeds: readonly number[]): Promise<{ seed?: number; results: string[] }> {
  const results: string[] = [];
  for (const seed of seeds) {
    const r = await torture(seed, { QUORATE_PLANTED_BUG: bug });
    results.push(`seed ${seed}: ${r.verdict} (${r.okOps} ok ops, ${r.faults["kill"]} kills)`);
    if (r.verdict === "not-linearizable") return { seed, results };
  }
  return { results };
}

describe("planted durability bugs make torture fail", () => {
  it(
    "ack-before-fsync: a follower acknowledges appends before its fdatasync",
    async () => {
      const found = await caught("ack-before-fsync", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(found.seed, `replay: QUORATE_PLANTED_BUG=ack-before-fsync quorate torture --time ${SECONDS}s --faults kill,lose-unsynced --slow-sync ${SLOW_SYNC_MS} --seed S\n${found.results.join("\n")}`).toBeDefined();
    },
    10 * (SECONDS + 20) * 1000,
  );

  it(
    "control: the correct runtime under the same faults and slow disk is linearizable",
    async () => {
      const r = await torture(3, {});
      expect(r, `replay: quorate torture --time ${SECONDS}s --faults kill,lose-unsynced --slow-sync ${SLOW_SYNC_MS} --seed 3`).toMatchObject({ ok: true, verdict: "linearizable" });
      expect(r.okOps).toBeGreaterThan(50);
    },
    (SECONDS + 30) * 1000,
  );
});
