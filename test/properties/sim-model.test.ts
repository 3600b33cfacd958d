import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as correct from "../../src/adapters/simulator/index.js";
import type { FaultSet, Simulator } from "../../src/adapters/simulator/index.js";
import { MUTANTS, loadMutant } from "../simulator/mutants.js";

// Model-based testing of fault schedules (fc.commands): fast-check generates a schedule of crashes,
// restarts, partitions, heals and waits for a 5-node Raft cluster under load, checks every invariant after
// each command and liveness at the end, and shrinks a failing schedule to a minimal one.
//
// Replay a failure: QUORATE_FC_SEED=<seed> QUORATE_FC_PATH=<path> QUORATE_FC_COMMANDS=<replayPath> \
//   npx vitest run test/properties/sim-model.test.ts

type Sim = typeof correct;
interface Model {
  readonly down: Set<number>;
}
interface Real {
  readonly sim: Simulator;
}

const NODES = [1, 2, 3, 4, 5];
const NETWORK: FaultSet = { drop: true, dup: true, reorder: true, partition: false, crash: false, drift: false, disk: true };

class Wait implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(_m: Model, r: Real): void {
    r.sim.advance(this.ms);
    expect(r.sim.violations).toEqual([]);
  }
  toString = () => `wait(${this.ms})`;
}

class Crash implements fc.Command<Model, Real> {
  constructor(readonly node: number) {}
  check = (m: Readonly<Model>) => !m.down.has(this.node);
  run(m: Model, r: Real): void {
    m.down.add(this.node);
    r.sim.crashNode(this.node);
  }
  toString = () => `crash(${this.node})`;
}

class Restart implements fc.Command<Model, Real> {
  constructor(readonly node: number) {}
  check = (m: Readonly<Model>) => m.down.has(this.node);
  run(m: Model, r: Real): void {
    m.down.delete(this.node);
    r.sim.restartNode(this.node);
    expect(r.sim.violations).toEqual([]);
  }
  toString = () => `restart(${this.node})`;
}

class Partition implements fc.Command<Model, Real> {
  constructor(
    readonly side: number[],
    readonly kind: "symmetric" | "one-way" | "bridge",
  ) {}
  check = () => true;
  run(_m: Model, r: Real): void {
    r.sim.partitionNodes(this.side, this.kind);
  }
  toString = () => `partition([${this.side.join(",")}], ${this.kind})`;
}

class Heal implements fc.Command<Model, Real> {
  check = () => true;
  run(_m: Model, r: Real): void {
    r.sim.healNetwork();
  }
  toString = () => "heal()";
}

const node = fc.constantFrom(...NODES);
const commands = [
  fc.integer({ min: 10, max: 600 }).map((ms) => new Wait(ms)),
  node.map((n) => new Crash(n)),
  node.map((n) => new Restart(n)),
  fc.tuple(fc.uniqueArray(node, { minLength: 1, maxLength: 2 }), fc.constantFrom("symmetric" as const, "one-way" as const, "bridge" as const)).map(([s, k]) => new Partition(s, k)),
  fc.constant(new Heal()),
];

/** The property: under any schedule, every invariant holds after each command, and liveness after healing. */
function property(sim: Sim, readOnly: "safe" | "lease-based", replayPath = process.env["QUORATE_FC_COMMANDS"]) {
  const schedules = fc.commands(commands, replayPath === undefined ? { maxCommands: 25 } : { maxCommands: 25, replayPath });
  return fc.property(fc.integer({ min: 1, max: 1_000_000 }), schedules, (seed, cmds) => {
    const options = { seed, nodes: 5, steps: 0, faults: NETWORK, nemesis: false, livenessBoundMs: 10_000 };
    const s = new sim.Simulator(sim.raftProtocol({ ...sim.raftConfigFor(options), readOnly }), options);
    s.start();
    fc.modelRun(() => ({ model: { down: new Set<number>() }, real: { sim: s } }), cmds);
    s.advance(300);
    expect(s.violations).toEqual([]);
    const end = s.finish();
    expect(end.violations).toEqual([]);
  });
}

function replayParameters(): { seed?: number; path?: string } {
  const seed = process.env["QUORATE_FC_SEED"];
  const path = process.env["QUORATE_FC_PATH"];
  return seed === undefined ? {} : { seed: Number(seed), ...(path === undefined ? {} : { path }) };
}

describe("fault schedules as fast-check commands", () => {
  it("the Raft core keeps every invariant, and liveness, under generated schedules", () => {
    fc.assert(property(correct, "safe"), { numRuns: 12, seed: 20261125, ...replayParameters() });
  });

  it("a mutant's failing schedule is shrunk to a minimal one, printed with its replay command", async () => {
    const mutant = MUTANTS.find((m) => m.name === "forget-vote-on-restart")!;
    const sim = await loadMutant(mutant);
    const details = fc.check(property(sim, "safe"), { numRuns: 200, seed: 7, ...replayParameters() });
    expect(details.failed).toBe(true);
    const [seed, cmds] = details.counterexample!;
    const schedule = String(cmds);
    const replayPath = /replayPath="([^"]*)"/.exec(schedule)?.[1] ?? "";
    console.log(
      `mutant ${mutant.name}: failing schedule shrunk to "${schedule}" (simulator seed ${seed}) after ${details.numShrinks} shrinks\n` +
        `replay: QUORATE_FC_SEED=${details.seed} QUORATE_FC_PATH=${details.counterexamplePath} QUORATE_FC_COMMANDS=${replayPath} npx vitest run test/properties/sim-model.test.ts`,
    );
    // A forgotten vote needs a crash (the liveness phase restarts every crashed node): little else remains.
    expect(schedule).toContain("crash(");
    expect(schedule.split(",").length).toBeLessThanOrEqual(8);
    // Replaying the reported seed and path reproduces the failure.
    const again = fc.check(property(sim, "safe", replayPath), { seed: details.seed, path: details.counterexamplePath! });
    expect(again.failed).toBe(true);
    expect(String(again.counterexample![1])).toBe(schedule);
  });
});
