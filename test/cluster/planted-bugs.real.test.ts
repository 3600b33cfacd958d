/**
 * The torture harness has teeth: a node runtime started with a planted durability bug (an env var only these
 * tests set) is caught by the nemesis aimed at it, within a few seeds — `ack-before-fsync` by `ack-blackout`
 * (followers' disks stall, every node dies the moment a write is acknowledged, the old leader stays down while
 * the others recover and are read), `vote-before-durable` by `vote-crash` (every node but a candidate dies the
 * moment a vote is granted, the candidate paused until the others elected a leader). The correct runtime under
 * the very same faults and slow disk is linearizable (the control). Runs on real `quorate node` processes (the
 * build in dist/). A failure prints the seeds tried and the replay command.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTorture, type TortureFault, type TortureResult } from "../../src/adapters/cluster/torture.js";

/** Run times: a vote-crash takes 6-10 s to play out, so its runs (and the control, with every kind) are longer. */
const SECONDS = 20;
const VOTE_SECONDS = 30;
const CONTROL_SECONDS = 40;
const SLOW_SYNC_MS = 100;
/** A run takes its time plus the start, the recovery reads of a last fault (≤ 10 s) and the check. */
const runBoundMs = (seconds: number): number => (seconds + 25) * 1000;

async function torture(seed: number, faults: readonly TortureFault[], env: Record<string, string>, seconds = SECONDS): Promise<TortureResult> {
  const out = await mkdtemp(join(tmpdir(), "quorate-planted-"));
  try {
    return await runTorture({ nodes: 3, seconds, clients: 8, faults, seed, slowSyncMs: SLOW_SYNC_MS, env, out });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const replay = (bug: string, faults: readonly TortureFault[], seed: number | string, seconds = SECONDS): string =>
  `replay: ${bug === "" ? "" : `QUORATE_PLANTED_BUG=${bug} `}node bin/quorate.js torture --time ${seconds}s --faults ${faults.join(",")} --slow-sync ${SLOW_SYNC_MS} --seed ${seed}`;

/** Runs the seeds in turn; the first non-linearizable run ends the search. */
async function caught(bug: string, faults: readonly TortureFault[], seeds: readonly number[], seconds: number): Promise<{ seed?: number; results: string[] }> {
  const results: string[] = [];
  for (const seed of seeds) {
    const r = await torture(seed, faults, { QUORATE_PLANTED_BUG: bug }, seconds);
    results.push(`seed ${seed}: ${r.verdict} (${r.okOps} ok ops, faults ${JSON.stringify(r.faults)})`);
    if (r.verdict === "not-linearizable") return { seed, results };
  }
  return { results };
}

const SEEDS = [1, 2, 3];

describe("planted durability bugs make torture fail", () => {
  it(
    "ack-before-fsync (a follower acknowledges appends before its fdatasync) is caught by ack-blackout",
    async () => {
      const faults: TortureFault[] = ["ack-blackout", "lose-unsynced"];
      const found = await caught("ack-before-fsync", faults, SEEDS, SECONDS);
      expect(found.seed, `not caught in seeds ${SEEDS.join(", ")}; ${replay("ack-before-fsync", faults, "S")}\n${found.results.join("\n")}`).toBeDefined();
    },
    SEEDS.length * runBoundMs(SECONDS),
  );

  it(
    "vote-before-durable (a vote reply leaves before the vote is durable) is caught by vote-crash",
    async () => {
      const faults: TortureFault[] = ["vote-crash", "lose-unsynced"];
      const found = await caught("vote-before-durable", faults, SEEDS, VOTE_SECONDS);
      expect(found.seed, `not caught in seeds ${SEEDS.join(", ")}; ${replay("vote-before-durable", faults, "S", VOTE_SECONDS)}\n${found.results.join("\n")}`).toBeDefined();
    },
    SEEDS.length * runBoundMs(VOTE_SECONDS),
  );

  it(
    "control: the correct runtime under the same faults and slow disk is linearizable",
    async () => {
      const faults: TortureFault[] = ["kill", "ack-blackout", "vote-crash", "lose-unsynced"];
      const r = await torture(3, faults, {}, CONTROL_SECONDS);
      expect(r, replay("", faults, 3, CONTROL_SECONDS)).toMatchObject({ ok: true, verdict: "linearizable" });
      // The clients got work done (the event-timed kills keep the cluster down or quiet much of the run).
      expect(r.okOps).toBeGreaterThan(20);
      for (const f of faults) expect(r.faults[f], f).toBeGreaterThan(0);
    },
    runBoundMs(CONTROL_SECONDS),
  );
});
