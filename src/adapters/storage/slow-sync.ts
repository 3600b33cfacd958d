/**
 * A slow disk: a {@link FileSystem} wrapper whose every fdatasync and directory fsync first waits a random time
 * in [0, maxMs] (seeded). It widens the window between a write and its durability, so a runtime that breaks
 * the durability order loses acknowledged data under `kill -9` far more often; a correct one loses nothing.
 * @module
 */
import { Prng } from "../simulator/prng.js";
import type { AppendHandle, FileSystem } from "./fs.js";
import { wrapHandles } from "./wrap-fs.js";

/** Seeded random sync durations in [0, maxMs] ms (for {@link slowSync} and `loseUnsynced`'s `syncDelayMs`). */
export function randomSyncDelays(maxMs: number, seed: number): () => number {
  const rng = new Prng(seed);
  return () => rng.range(0, maxMs);
}

/**
 * Wraps `inner` so that syncs take up to `maxMs` longer. Over `loseUnsynced` use its `syncDelayMs` instead:
 * this wrapper waits before the sync, so bytes appended meanwhile become durable with it.
 */
export function slowSync(inner: FileSystem, maxMs: number, seed: number): FileSystem {
  const delays = randomSyncDelays(maxMs, seed);
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, delays()));
  return wrapHandles(
    inner,
    (h): AppendHandle => ({
      append: (data) => h.append(data),
      async datasync() {
        await pause();
        await h.datasync();
      },
      close: () => h.close(),
    }),
    {
      syncDir: async (d) => {
        await pause();
        await inner.syncDir(d);
      },
    },
  );
}
