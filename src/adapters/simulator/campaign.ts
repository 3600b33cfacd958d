import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Violation } from "../../check/invariants/index.js";
import type { FaultSet } from "./options.js";
import type { SimStats } from "./simulator.js";

/** What every seed of a campaign shares. */
export interface CampaignSpec {
  readonly system: string;
  readonly nodes: number;
  readonly steps: number;
  readonly faults: FaultSet;
  /** See `SimOptions.sendOrder` (default strict). */
  readonly sendOrder?: "strict" | "contract";
}

/** One seed's outcome, as a worker reports it. */
export interface SeedOutcome {
  readonly seed: number;
  readonly ok: boolean;
  readonly violations: readonly Violation[];
  readonly stats: SimStats;
}

/** A missing build, or a worker that died: what to do about it. */
export class CampaignError extends Error {
  readonly code = "E_CAMPAIGN";
  constructor(message: string) {
    super(message);
    this.name = "CampaignError";
  }
}

/** The compiled worker module: workers always load JS from `dist/`, also when the caller runs from `src/`. */
export function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const m = /^(.*)[\\/]src[\\/](adapters[\\/]simulator)[\\/]campaign\.ts$/.exec(here);
  const path = m === null ? here.replace(/campaign\.js$/, "worker.js") : `${m[1]}/dist/${m[2]}/worker.js`;
  if (!existsSync(path)) throw new CampaignError(`simulator worker ${path} is missing: run \`npm run build\` first`);
  return path;
}

/**
 * Runs `seeds` on `workers` worker threads (each seed one deterministic simulation), reporting each outcome to
 * `onOutcome` as it arrives (in completion order). Resolves with all outcomes sorted by seed.
 */
export async function runCampaign(
  spec: CampaignSpec,
  seeds: readonly number[],
  workers: number,
  onOutcome: (o: SeedOutcome) => void = () => {},
): Promise<SeedOutcome[]> {
  const path = workerPath();
  const outcomes: SeedOutcome[] = [];
  let next = 0;
  const batch = Math.max(1, Math.min(16, Math.floor(seeds.length / (workers * 8))));
  const count = Math.max(1, Math.min(workers, seeds.length));
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(path, { workerData: spec });
          const feed = (): void => {
            if (next >= seeds.length) {
              void w.terminate().then(() => resolve());
              return;
            }
            const chunk = seeds.slice(next, next + batch);
            next += chunk.length;
            w.postMessage(chunk);
          };
          w.on("message", (msg: SeedOutcome[]) => {
            for (const o of msg) {
              outcomes.push(o);
              onOutcome(o);
            }
            feed();
          });
          w.on("error", (e) => reject(new CampaignError(`simulator worker failed: ${e.message}`)));
          feed();
        }),
    ),
  );
  return outcomes.sort((a, b) => a.seed - b.seed);
}
