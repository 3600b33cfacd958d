/**
 * Records the client histories under test/data/histories/sim/ with quorate's own simulator (no third-party data):
 * a correct 5-node Raft under every fault kind gives linearizable histories; the planted mutant
 * `lease-read-without-check-quorum` (test/simulator/mutants.ts) gives a genuinely non-linearizable one, caught by
 * the simulator's own read check and confirmed here by the linearizability checker before anything is written.
 *
 * Usage: npx tsx scripts/record-sim-histories.ts [OUT_DIR]   (default test/data/histories/sim)
 * Deterministic: the same source gives byte-identical files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseFaults, raftConfigFor, raftProtocol, simulate, toNativeHistory } from "../src/adapters/simulator/index.js";
import { checkLinearizability, modelByName, parseHistory } from "../src/check/linearizability/index.js";
import { MUTANTS, hunt, loadMutant } from "../test/simulator/mutants.js";

const repoRoot = path.resolve(import.meta.dirname, "..");
const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, "test/data/histories/sim"));
mkdirSync(outDir, { recursive: true });

/** Writes a native history after checking that the checker gives the verdict it is filed under. */
function save(name: string, history: ReturnType<typeof toNativeHistory>, expected: "linearizable" | "not-linearizable"): void {
  const text = `${JSON.stringify(history, null, 0).replace(/\},\{/g, "},\n{")}\n`;
  const verdict = checkLinearizability(parseHistory(text, "json", name), modelByName("kv"), { timeoutMs: 60_000 }).verdict;
  if (verdict !== expected) throw new Error(`${name}: checker says ${verdict}, expected ${expected}; not written`);
  writeFileSync(path.join(outDir, name), text);
  process.stdout.write(`${name}: ${history.operations.length} ops, ${verdict}\n`);
}

// Correct core, every fault kind, 5 nodes.
const faults = parseFaults("drop,dup,reorder,partition,crash,disk");
for (const seed of [1, 2, 3]) {
  const options = { seed, nodes: 5, steps: 20_000, faults };
  const r = simulate(raftProtocol(raftConfigFor(options)), options);
  if (!r.ok) throw new Error(`seed ${seed}: the correct core failed: ${r.violations[0]?.detail}`);
  save(`raft-5n-faults-seed${seed}.json`, toNativeHistory(r.history), "linearizable");
}

// A longer, busier run (message faults only): hundreds of concurrent ops over three keys.
{
  const options = { seed: 4, nodes: 5, steps: 60_000, faults: parseFaults("dup,reorder") };
  const r = simulate(raftProtocol(raftConfigFor(options)), options);
  if (!r.ok) throw new Error(`seed 4: the correct core failed: ${r.violations[0]?.detail}`);
  save("raft-5n-dup-reorder-seed4.json", toNativeHistory(r.history), "linearizable");
}

// The stale-lease mutant: the first seed the simulator catches it on, run to the end of the history.
const mutant = MUTANTS.find((m) => m.name === "lease-read-without-check-quorum");
if (mutant === undefined) throw new Error("mutant lease-read-without-check-quorum is gone from test/simulator/mutants.ts");
const sim = await loadMutant(mutant);
const steps = 10_000;
const found = hunt(sim, mutant, 1000, steps);
if (found.seed === undefined) throw new Error("the mutant was not caught within 1000 seeds");
const all = { drop: false, dup: false, reorder: false, partition: false, crash: false, drift: false, disk: false, ...mutant.faults };
const options = { seed: found.seed, nodes: 5, steps, faults: all, sendOrder: mutant.sendOrder ?? "strict" };
const bad = sim.simulate(sim.raftProtocol({ ...sim.raftConfigFor(options), ...mutant.raft }), { ...options, stopOnViolation: false, liveness: false });
save(`raft-5n-stale-lease-seed${found.seed}.json`, sim.toNativeHistory(bad.history), "not-linearizable");
