import { describe, expect, it } from "vitest";
import { raftConfigFor, raftProtocol, simulate } from "../../src/adapters/simulator/index.js";
import { checkLinearizability, modelByName, parseHistory } from "../../src/check/linearizability/index.js";
import type { FaultSet } from "../../src/adapters/simulator/index.js";
import { MUTANTS, StalePatchError, hunt, loadMutant } from "./mutants.js";

// Teeth: each mutant of the Raft core (a patched copy of src/ under .cache/mutants/) must be caught within
// 1,000 seeds of 10,000 steps. The hunt stops at the first catching seed; the count is printed.
const MAX_SEEDS = 1000;
const STEPS = 10_000;

describe("the simulator catches mutants of the Raft core", () => {
  it.each(MUTANTS.map((m) => [m.name, m] as const))("%s", async (_name, m) => {
    const sim = await loadMutant(m);
    const found = hunt(sim, m, MAX_SEEDS, STEPS);
    console.log(`mutant ${m.name}: caught at seed ${found.seed ?? "NEVER"} by ${found.invariant ?? "-"}: ${found.detail ?? ""}`);
    expect(found.seed, `mutant ${m.name} survived ${MAX_SEEDS} seeds`).toBeDefined();
    // Control: the unpatched core passes the very run that caught the mutant.
    const faults: FaultSet = { drop: false, dup: false, reorder: false, partition: false, crash: false, drift: false, disk: false, ...m.faults };
    const options = { seed: found.seed!, nodes: m.nodes ?? 5, steps: STEPS, faults, sendOrder: m.sendOrder ?? "strict" };
    const control = simulate(raftProtocol({ ...raftConfigFor(options), ...m.raft }), options);
    expect(control.violations).toEqual([]);
    if (found.invariant === "linearizable-read") {
      // The independent linearizability checker agrees: the mutant's history is not linearizable.
      const bad = sim.simulate(sim.raftProtocol({ ...sim.raftConfigFor(options), ...m.raft }), { ...options, stopOnViolation: false, liveness: false });
      const history = parseHistory(JSON.stringify(sim.toNativeHistory(bad.history)), "json");
      expect(checkLinearizability(history, modelByName("kv"), { timeoutMs: 20_000 }).verdict).toBe("not-linearizable");
    }
  });

  it("a patch that no longer applies fails loudly, naming the mutant and the file", async () => {
    const stale = { name: "stale-example", patches: [{ file: "step.ts", search: "this text is not in step.ts", replace: "" }], faults: {} };
    await expect(loadMutant(stale)).rejects.toThrow(StalePatchError);
    await expect(loadMutant(stale)).rejects.toThrow(/mutant stale-example: patch no longer applies to src\/core\/raft\/step.ts/);
  });
});
