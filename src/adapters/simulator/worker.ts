// Worker-thread entry of a simulation campaign (loaded from dist/): runs the seeds it is sent, one batch at a time.
import { parentPort, workerData } from "node:worker_threads";
import type { CampaignSpec, SeedOutcome } from "./campaign.js";
import { simulate } from "./simulator.js";
import { SYSTEMS } from "./systems.js";

const spec = workerData as CampaignSpec;
const make = SYSTEMS[spec.system];
if (make === undefined) throw new Error(`unknown system ${spec.system}`);

parentPort!.on("message", (seeds: number[]) => {
  const out: SeedOutcome[] = [];
  for (const seed of seeds) {
    const options = { seed, nodes: spec.nodes, steps: spec.steps, faults: spec.faults, sendOrder: spec.sendOrder ?? "strict" };
    const r = simulate(make(options), options);
    out.push({ seed, ok: r.ok, violations: r.violations, stats: r.stats });
  }
  parentPort!.postMessage(out);
});
