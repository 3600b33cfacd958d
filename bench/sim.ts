/**
 * `npm run bench -- sim [--seconds S] [--seeds N] [--steps N] [--json]`: simulator speed.
 *
 * 1. Events per second on one core: simulated events (message deliveries + ticks) of 5-node Raft under every
 *    fault, through the compiled build, over whole seeds of 10,000 steps, for about `--seconds` (default 10).
 * 2. Campaign time: `--seeds` (default 400) seeds × `--steps` (default 10,000) on worker threads over every
 *    core, extrapolated to 10,000 seeds.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { startProgress } from "../src/adapters/cli/progress.js";

interface SimModule {
  simulate: (p: unknown, o: unknown) => { stats: { ticks: number; deliveries: number; events: number } };
  raftProtocol: (c: unknown) => unknown;
  raftConfigFor: (o: unknown) => unknown;
  allFaults: () => unknown;
  runCampaign: (spec: unknown, seeds: number[], workers: number, onOutcome?: (o: { ok: boolean }) => void) => Promise<{ ok: boolean }[]>;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { seconds: { type: "string" }, seeds: { type: "string" }, steps: { type: "string" }, json: { type: "boolean" } } });
  const seconds = Number(values.seconds ?? 10);
  const campaignSeeds = Number(values.seeds ?? 400);
  const steps = Number(values.steps ?? 10_000);
  // The compiled build, as campaigns use it (npm run bench builds first).
  const sim = (await import(new URL("../dist/adapters/simulator/index.js", import.meta.url).href)) as SimModule;
  const faults = sim.allFaults();

  // Warm up, then run whole seeds until the time is up.
  for (let seed = 1_000_000; seed < 1_000_005; seed++) {
    const o = { seed, nodes: 5, steps, faults };
    sim.simulate(sim.raftProtocol(sim.raftConfigFor(o)), o);
  }
  let events = 0;
  let allEvents = 0;
  let seeds = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const quiet = values.json === true;
  const clock = startProgress({ label: "one core, seconds", total: Math.ceil(seconds), quiet });
  let shown = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const o = { seed: ++seeds, nodes: 5, steps, faults };
    const r = sim.simulate(sim.raftProtocol(sim.raftConfigFor(o)), o);
    events += r.stats.ticks + r.stats.deliveries;
    allEvents += r.stats.events;
    const now = Math.min(Math.floor((performance.now() - t0) / 1000), Math.ceil(seconds));
    if (now > shown) clock.advance(now - shown, `${seeds} seeds`);
    shown = Math.max(shown, now);
  }
  clock.stop();
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const eventsPerSec = events / elapsed;
  // On a shared machine wall time includes waiting for a core; CPU time is what the run itself used.
  const eventsPerCpuSec = events / cpuSec;

  const workers = availableParallelism();
  const c0 = performance.now();
  const ccpu0 = process.cpuUsage();
  const bar = startProgress({ label: "campaign seeds", total: campaignSeeds, quiet });
  const outcomes = await sim.runCampaign({ system: "raft", nodes: 5, steps, faults }, Array.from({ length: campaignSeeds }, (_, k) => k + 1), workers, () => bar.advance());
  bar.stop();
  const campaignSec = (performance.now() - c0) / 1000;
  const ccpu = process.cpuUsage(ccpu0);
  const campaignCpuSec = (ccpu.user + ccpu.system) / 1e6;
  const per10kCpu = ((campaignCpuSec / campaignSeeds) * 10_000) / workers;
  const failing = outcomes.filter((o) => !o.ok).length;
  const per10k = (campaignSec / campaignSeeds) * 10_000;

  const result = {
    cases: [
      { name: "raft/nodes=5/faults=all/events-per-sec", eventsPerSec: Math.round(eventsPerSec), eventsPerCpuSec: Math.round(eventsPerCpuSec), allEventsPerSec: Math.round(allEvents / elapsed), seeds, seconds: elapsed },
      { name: `raft/nodes=5/faults=all/campaign/${campaignSeeds}x${steps}`, workers, seconds: campaignSec, failing, extrapolated10kSeedsSeconds: per10k, cpuSeconds: campaignCpuSec, extrapolated10kSeedsSecondsFromCpu: per10kCpu },
    ],
  };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(
    `sim: 5-node Raft, every fault, ${steps} steps per seed\n` +
      `  one core: ${Math.round(eventsPerSec).toLocaleString("en")} events/s (deliveries + ticks; ${Math.round(allEvents / elapsed).toLocaleString("en")} events/s counting disk, client and fault events) over ${seeds} seeds in ${elapsed.toFixed(1)} s; ${Math.round(eventsPerCpuSec).toLocaleString("en")} events per CPU-second\n` +
      `  campaign: ${campaignSeeds} seeds × ${steps} steps on ${workers} workers in ${campaignSec.toFixed(1)} s (${failing} failing) → 10,000 seeds ≈ ${per10k.toFixed(0)} s (extrapolated); from CPU time (${campaignCpuSec.toFixed(1)} CPU-s) ≈ ${per10kCpu.toFixed(0)} s on ${workers} uncontended cores\n`,
  );
}
