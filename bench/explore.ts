/**
 * `npm run bench -- explore [--repeat R]`: states explored per second by the exhaustive explorer, on the
 * calibration models and on the Raft core (3 nodes, with and without symmetry reduction), all measured in the
 * same run and side by side, best of R repetitions (the machine is shared: compare rows of one run only).
 */
import { parseArgs } from "node:util";
import { abdServer, actorModel, explore, paxosServer, raftSystem, registerSystem, twoPhaseCommit, type Model } from "../src/check/explore/index.js";

const RAFT_BOUNDS = { maxTerm: 1, maxLog: 1, maxCrashes: 1, maxInFlight: 3 };

const CASES: readonly { readonly name: string; readonly model: () => Model<unknown, unknown>; readonly symmetry?: boolean }[] = [
  { name: "2pc rms=5 (dfs)", model: () => twoPhaseCommit(5) as Model<unknown, unknown> },
  { name: "paxos 3 servers, 2 clients", model: () => actorModel(registerSystem(paxosServer, { servers: 3, clients: 2 })) as Model<unknown, unknown> },
  { name: "abd 2 servers, 2 clients", model: () => actorModel(registerSystem(abdServer, { servers: 2, clients: 2 })) as Model<unknown, unknown> },
  { name: "raft 3 nodes (1,1,1,3)", model: () => actorModel(raftSystem({ nodes: 3, bounds: RAFT_BOUNDS })) as Model<unknown, unknown> },
  { name: "raft 3 nodes (1,1,1,3) symmetry", model: () => actorModel(raftSystem({ nodes: 3, bounds: RAFT_BOUNDS })) as Model<unknown, unknown>, symmetry: true },
];

/** Runs the suite. */
export async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { repeat: { type: "string" } }, strict: true });
  const repeat = Number(values.repeat ?? 3);
  if (!Number.isSafeInteger(repeat) || repeat <= 0) throw new RangeError("bench explore: --repeat must be a positive integer");
  process.stdout.write(`explorer, best of ${repeat} (shared machine: compare rows of this run only)\n`);
  for (const c of CASES) {
    let best = { rate: 0, states: 0, seconds: Infinity };
    for (let r = 0; r < repeat; r++) {
      const result = explore(c.model(), { strategy: c.name.includes("dfs") ? "dfs" : "bfs", symmetry: c.symmetry === true });
      if (result.seconds < best.seconds) best = { rate: result.states / result.seconds, states: result.states, seconds: result.seconds };
    }
    process.stdout.write(`  ${c.name.padEnd(34)} ${best.states.toLocaleString("en-US").padStart(9)} states ${best.seconds.toFixed(2).padStart(7)} s ${Math.round(best.rate).toLocaleString("en-US").padStart(9)} states/s\n`);
  }
}
